"""`python -m examples.train ...`: kept as an alias of `dyngrad train ...` (dyngrad/train.py)."""
import sys

from dyngrad.train import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m examples.train"))
