"""`python -m dyngrad train ...` is the `dyngrad` command."""
import sys

from .cli import main

sys.exit(main())
