"""Assertion helpers for op tests."""
from ..gradcheck import gradcheck


def assert_gradients_match(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Assert that fn's backward agrees with central differences (float64) for every floating input.

    Raises `autograd.GradcheckError` (an AssertionError) naming the input, the worst
    element's index and the analytic and numerical values.
    """
    gradcheck(fn, *inputs, eps=eps, atol=atol, rtol=rtol)
