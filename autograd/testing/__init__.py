"""Tools to test ops, ours and yours: hypothesis strategies and a gradient assertion.

    from hypothesis import given
    from autograd.testing import tensors, assert_gradients_match

    @given(tensors(shape=(3, 4)))
    def test_my_op(x):
        assert_gradients_match(my_op, x)

Needs `hypothesis` (the `test` extra).
"""
from .assertions import assert_gradients_match
from .parity import assert_matches_torch
from .profiles import PROFILES, load_profile, register_profiles
from .strategies import (broadcastable_shapes, conv2d_params, distinct_values, pool2d_params, shapes,
                         tensors)

__all__ = ["assert_gradients_match", "assert_matches_torch", "broadcastable_shapes", "conv2d_params", "distinct_values",
           "load_profile", "pool2d_params", "PROFILES", "register_profiles", "shapes", "tensors"]
