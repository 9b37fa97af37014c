"""`python -m examples.sweep ...`: an alias of `dyngrad sweep ...` (dyngrad/sweep.py)."""
import sys

from dyngrad.sweep import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m examples.sweep"))
