"""Runnable examples; `python -m examples.train --help` trains the CS231n models."""
