"""Test factories: one table of ops drives the gradient tests and the PyTorch parity tests.

A table maps a test id to a row, a callable `case(rng, **arguments) -> (arrays, ours, theirs)`:

- `arrays`: the op's floating inputs as float64 NumPy arrays; every one gets a gradient;
- `ours(*tensors)`: the op under test, over dyngrad Tensors;
- `theirs(*torch_tensors)`: PyTorch's version of it.

`rng` is a `numpy.random.Generator`, seeded by hypothesis in the gradient test and by a fixed
seed in the parity test. Whatever else the op needs (index arrays, options, targets) the row
closes over. `OpRow(ours, theirs, inputs)` is the common row, where ours and theirs are fixed
and only the input values are drawn:

    ROWS = {"softsign": OpRow(softsign, torch.nn.functional.softsign, random_inputs((3, 4)))}
    test_gradcheck_and_gradgradcheck, test_matches_torch = op_tests(ROWS)

Needs `pytest` and `hypothesis` (the `test` extra); the parity test skips without torch.
"""
from typing import Callable, NamedTuple

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ..tensor import Tensor
from .assertions import assert_gradients_match, assert_second_gradients_match
from .parity import assert_matches_torch

TORCH_REASON = "PyTorch parity tests need torch"
DTYPES = [np.float64, np.float32]


class OpRow(NamedTuple):
    """A row whose op is fixed: `inputs(rng, **arguments)` gives the floating input arrays."""
    ours: Callable
    theirs: Callable
    inputs: Callable

    def __call__(self, rng, **arguments):
        return list(self.inputs(rng, **arguments)), self.ours, self.theirs


def random_inputs(*shapes, values=None):
    """An `inputs` for OpRow: one array per shape, in order, from `values(shape, rng)`
    (default: standard normal values)."""
    values = values or (lambda shape, rng: rng.normal(size=shape))
    return lambda rng: [values(shape, rng) for shape in shapes]


def gradient_test(rows, *, draws=None, max_examples=None):
    """A pytest test, parametrized over the row ids as `name`, that checks each row's first
    and second derivatives against central differences (`assert_gradients_match`,
    `assert_second_gradients_match`) in float64, on inputs from `row(rng, **arguments)`.

    hypothesis draws the seed of `rng` and, from `draws` ({argument: strategy}), the further
    keyword arguments of the row (a shape, a batch size). `max_examples` overrides the
    profile's number of examples for rows that are slow to check.
    """
    import pytest

    rows = _table(rows)

    @given(seed=st.integers(0, 2**32 - 1), arguments=st.fixed_dictionaries(dict(draws or {})))
    def test_gradcheck_and_gradgradcheck(name, seed, arguments):
        arrays, ours, _ = _case(rows, name, np.random.default_rng(seed), arguments)
        tensors = [Tensor(a, requires_grad=True) for a in arrays]
        assert_gradients_match(ours, *tensors)
        assert_second_gradients_match(ours, *tensors)

    test = test_gradcheck_and_gradgradcheck
    if max_examples is not None:
        test = settings(max_examples=max_examples, deadline=None)(test)
    return pytest.mark.parametrize("name", list(rows))(test)


def parity_test(rows, *, seed=0, fixed=None):
    """A pytest test, parametrized over the row ids as `name` and over `dtype` (float64,
    float32), that checks each row against PyTorch with `assert_matches_torch`: forward values,
    output dtype and gradients, on the inputs of `row(np.random.default_rng(seed), **fixed)`.
    Skips where torch is not installed.
    """
    import pytest

    rows = _table(rows)

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("name", list(rows))
    def test_matches_torch(name, dtype):
        pytest.importorskip("torch", reason=TORCH_REASON)
        arrays, ours, theirs = _case(rows, name, np.random.default_rng(seed), dict(fixed or {}))
        assert_matches_torch(ours, theirs, *arrays, dtype=dtype)

    return test_matches_torch


def op_tests(rows, *, seed=0, draws=None, fixed=None, max_examples=None):
    """Both tests for one table: `(gradient_test(...), parity_test(...))`, to be bound as

        test_gradcheck_and_gradgradcheck, test_matches_torch = op_tests(ROWS, seed=8)

    `draws` (strategies, for the gradient test) and `fixed` (values, for the parity test)
    must name the same further arguments of the rows.
    """
    if set(draws or {}) != set(fixed or {}):
        raise ValueError(f"op_tests: draws {sorted(draws or {})} and fixed {sorted(fixed or {})} must name "
                         "the same row arguments")
    return gradient_test(rows, draws=draws, max_examples=max_examples), parity_test(rows, seed=seed, fixed=fixed)


def _table(rows):
    if not hasattr(rows, "items") or not rows:
        raise ValueError(f"op tests: rows must be a non-empty dict of id -> row, got {rows!r}")
    for name, row in rows.items():
        if not isinstance(name, str) or not callable(row):
            raise TypeError(f"op tests: row {name!r} must be a str id -> callable "
                            f"case(rng, **arguments), got {type(row).__name__}")
    return dict(rows)


def _case(rows, name, rng, arguments):
    case = rows[name](rng, **arguments)
    if not (isinstance(case, (tuple, list)) and len(case) == 3):
        raise TypeError(f"op tests: row {name!r} must return (arrays, ours, theirs), got {type(case).__name__}")
    return case
