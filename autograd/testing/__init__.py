"""Tools to test ops, ours and yours: hypothesis strategies and gradient assertions.

    from hypothesis import given
    from autograd.testing import tensors, assert_gradients_match, assert_second_gradients_match

    @given(tensors(shape=(3, 4)))
    def test_my_op(x):
        assert_gradients_match(my_op, x)          # first derivatives
        assert_second_gradients_match(my_op, x)   # second, through the backward graph

Needs `hypothesis` (the `test` extra).
"""
from .assertions import assert_gradients_match, assert_second_gradients_match
from .parity import assert_matches_torch
from .profiles import PROFILES, load_profile, register_profiles
from .strategies import (broadcastable_shapes, conv2d_params, distinct_values, pool2d_params, shapes,
                         tensors)

__all__ = ["assert_gradients_match", "assert_matches_torch", "assert_second_gradients_match", "broadcastable_shapes",
           "conv2d_params", "distinct_values", "load_profile", "pool2d_params", "PROFILES", "register_profiles", "shapes",
           "tensors"]
