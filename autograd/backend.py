"""The array module every op computes with.

All array math in `autograd.ops` goes through `xp`, so that a GPU backend with the
NumPy API (CuPy) can later be chosen here without touching a single backward rule.
"""
import numpy as xp

__all__ = ["xp"]
