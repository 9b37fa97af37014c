"""Anomaly mode: errors and non-finite gradients in backward name the op and its forward line."""
import numpy as np
import pytest

import autograd as ag
from autograd import Function, Tensor
from autograd.function import record_hooks


class Fails(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 1.0

    @staticmethod
    def backward(ctx, grad):
        raise ValueError("boom")


def test_an_error_in_a_rule_names_the_op_and_the_forward_line():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with ag.detect_anomaly():
        y = Fails.apply(x).sum()  # the line the traceback must show
        with pytest.raises(RuntimeError) as info:
            y.backward()
    message = str(info.value)
    assert "Fails.backward raised ValueError: boom" in message
    assert "y = Fails.apply(x).sum()  # the line the traceback must show" in message
    assert isinstance(info.value.__cause__, ValueError)


def test_a_nan_gradient_names_the_op_and_off_mode_lets_it_through():
    x = Tensor([0.0, 4.0], requires_grad=True)
    with ag.detect_anomaly():
        y = (x.sqrt() * 0).sum()
        with pytest.raises(RuntimeError, match=r"Function 'Sqrt' returned nan values(.|\n)*x.sqrt\(\) \* 0"):
            y.backward()
    (x.sqrt() * 0).sum().backward()       # off: nan flows into .grad, as in PyTorch
    assert np.isnan(x.grad.data[0])


def test_check_nan_false_and_nodes_built_outside_anomaly_mode():
    x = Tensor([0.0], requires_grad=True)
    with ag.detect_anomaly(check_nan=False):
        (x.sqrt() * 0).sum().backward()
    y = Fails.apply(x).sum()
    with ag.detect_anomaly(), pytest.raises(RuntimeError, match="created outside anomaly mode"):
        y.backward()


def test_decorator_and_set_detect_anomaly_and_no_cost_when_off():
    @ag.detect_anomaly()
    def inside():
        return ag.anomaly.is_enabled()

    assert inside() and not ag.anomaly.is_enabled()
    ag.set_detect_anomaly(True)
    try:
        assert ag.anomaly.is_enabled() and record_hooks
    finally:
        ag.set_detect_anomaly(False)
    assert not ag.anomaly.is_enabled() and not record_hooks
