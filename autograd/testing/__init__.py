"""Tools to test ops, ours and yours: hypothesis strategies and gradient assertions.

    from hypothesis import given
    from autograd.testing import tensors, assert_gradients_match, assert_second_gradients_match

    @given(tensors(shape=(3, 4)))
    def test_my_op(x):
        assert_gradients_match(my_op, x)          # first derivatives
        assert_second_gradients_match(my_op, x)   # second, through the backward graph

For a table of ops, `op_tests` makes both tests (gradients, and parity with PyTorch) from rows:

    test_gradcheck_and_gradgradcheck, test_matches_torch = op_tests(
        {"my_op": OpRow(my_op, torch_my_op, random_inputs((3, 4)))})

Needs `hypothesis` (the `test` extra), and `pytest` for the factories.
"""
from .assertions import assert_gradients_match, assert_second_gradients_match
from .factories import OpRow, gradient_test, op_tests, parity_test, random_inputs
from .parity import assert_matches_torch
from .profiles import PROFILES, load_profile, register_profiles
from .strategies import (broadcastable_shapes, conv2d_params, distinct_values, pool2d_params, shapes,
                         tensors)

__all__ = ["assert_gradients_match", "assert_matches_torch", "assert_second_gradients_match", "broadcastable_shapes",
           "conv2d_params", "distinct_values", "gradient_test", "load_profile", "op_tests", "OpRow", "parity_test",
           "pool2d_params", "PROFILES", "random_inputs", "register_profiles", "shapes", "tensors"]
