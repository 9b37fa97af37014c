"""gradcheck itself: passes right rules, fails wrong ones with a useful message."""
import numpy as np
import pytest

import autograd as ag
from autograd import Function, GradcheckError, Tensor, gradcheck, numerical_grad


class WrongSquare(Function):
    """y = x^2 with a deliberately wrong backward (3x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x


def test_passes_a_correct_rule():
    assert gradcheck(lambda x, y: (x * y).exp(), np.array([0.1, 0.2]), np.array([[1.0], [2.0]]))


def test_fails_a_wrong_rule_naming_the_worst_element():
    x = np.array([[0.5, -1.0], [3.0, 0.25]])
    with pytest.raises(GradcheckError) as failure:
        gradcheck(WrongSquare.apply, x)
    message = str(failure.value)
    assert "input 0 (shape (2, 2))" in message
    assert "4 of 4 elements out of tolerance" in message
    assert "worst at index (1, 0)" in message  # |3x - 2x| is largest where |x| is
    assert "analytic" in message and "numerical" in message
    assert isinstance(failure.value, AssertionError)


def test_fails_a_missing_gradient():
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(lambda x, y: x * y.detach(), np.array([1.0, 2.0]), np.array([3.0, 4.0]))


def test_checks_in_float64_whatever_the_input_dtype():
    seen = []

    def fn(x):
        seen.append(x.dtype)
        return x * x

    gradcheck(fn, np.array([1.0, 2.0], dtype=np.float32))
    assert set(seen) == {np.dtype(np.float64)}


def test_non_floating_inputs_pass_through():
    index = np.array([1, 0, 1])
    assert gradcheck(lambda x, i: x[i], Tensor(np.array([1.0, 2.0])), index)


def test_needs_a_floating_input_and_a_tensor_output():
    with pytest.raises(ValueError, match="no floating-point input"):
        gradcheck(lambda i: Tensor(i * 1.0), np.arange(3))
    with pytest.raises(TypeError, match="fn must return a Tensor, got float"):
        gradcheck(lambda x: 1.0, np.ones(2))


def test_numerical_grad_of_a_known_function():
    x = Tensor(np.array([1.0, 2.0, 3.0]))
    (grad,) = numerical_grad(lambda t: (t * t * t).sum(), x)
    np.testing.assert_allclose(grad, 3 * x.data ** 2, rtol=1e-6)
    np.testing.assert_array_equal(x.data, [1.0, 2.0, 3.0])  # restored after perturbing


def test_tolerances_are_parameters():
    class SlightlyWrong(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad):
            return grad * 1.01

    with pytest.raises(GradcheckError):
        gradcheck(SlightlyWrong.apply, np.ones(3))
    assert gradcheck(SlightlyWrong.apply, np.ones(3), rtol=0.05)


def test_assert_gradients_match_is_the_same_check():
    from autograd.testing import assert_gradients_match
    with pytest.raises(AssertionError, match="worst at index"):
        assert_gradients_match(WrongSquare.apply, Tensor(np.array([1.0, 2.0])))
    assert_gradients_match(ag.tanh, Tensor(np.array([1.0, 2.0])))


def test_fails_a_nan_gradient():
    class NanRule(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * np.nan

    with pytest.raises(GradcheckError, match="analytic nan"):
        ag.gradcheck(lambda x: NanRule.apply(x), np.array([1.0, 2.0]))
