"""The array module every op computes with.

All array math in `autograd.ops` goes through `xp`, so that a GPU backend with the
NumPy API (CuPy) can later be chosen here without touching a single backward rule.
"""
import numpy as xp

# Floating-point error handling for a block (e.g. 0 ** -1 in a rule whose mask then
# discards it): the array module's own, named here so rules never reach for NumPy's.
errstate = xp.errstate

__all__ = ["errstate", "xp"]
