"""Assertion helpers for op tests."""
from ..gradcheck import gradcheck, gradgradcheck


def assert_gradients_match(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Assert that fn's backward agrees with central differences (float64) for every floating input.

    Raises `autograd.GradcheckError` (an AssertionError) naming the input, the worst
    element's index and the analytic and numerical values.
    """
    gradcheck(fn, *inputs, eps=eps, atol=atol, rtol=rtol)


def assert_second_gradients_match(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Assert that fn's second derivatives, taken through its backward graph
    (create_graph=True), agree with central differences of its first derivatives (float64).

    Raises `autograd.GradcheckError` like `assert_gradients_match`; the inputs it names
    are fn's inputs in order, then the output gradient v last.
    """
    gradgradcheck(fn, *inputs, eps=eps, atol=atol, rtol=rtol)
