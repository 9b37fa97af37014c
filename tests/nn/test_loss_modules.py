"""Loss modules against torch.nn's: same options, same inputs, same values and gradients."""
import numpy as np
import pytest

import nn
from autograd.testing import assert_matches_torch

TORCH = "PyTorch parity needs torch (CI installs torch==2.13.0)"
rng = np.random.default_rng(0)
W = rng.uniform(0.5, 2, 4)
CLASSES = rng.integers(0, 4, 6)
PROBS = rng.uniform(0.05, 0.95, (6, 4))
SIGNS = rng.choice([-1.0, 1.0], 6)

# name: (module kwargs, torch kwargs, inputs, constant extra arguments)
ROWS = {
    "CrossEntropyLoss": (dict(weight=W, ignore_index=1, label_smoothing=0.1), "w", [(6, 4)], [CLASSES]),
    "CrossEntropyLoss-default": ({}, None, [(6, 4)], [CLASSES]),
    "NLLLoss": (dict(weight=W, reduction="sum"), "w", [(6, 4)], [CLASSES]),
    "BCELoss": (dict(weight=W), "w", ["probs"], [PROBS]),
    "BCEWithLogitsLoss": (dict(pos_weight=W, reduction="none"), "pw", [(6, 4)], [PROBS]),
    "MSELoss": ({}, None, [(6, 4), (6, 4)], []),
    "L1Loss": (dict(reduction="sum"), None, [(6, 4), (6, 4)], []),
    "SmoothL1Loss": (dict(beta=0.5), None, [(6, 4), (6, 4)], []),
    "HuberLoss": (dict(delta=0.7, reduction="none"), None, [(6, 4), (6, 4)], []),
    "KLDivLoss": (dict(reduction="batchmean", log_target=True), None, [(6, 4), (6, 4)], []),
    "MarginRankingLoss": (dict(margin=0.3), None, [(6,), (6,)], [SIGNS]),
    "MultiMarginLoss": (dict(p=2, margin=0.5, weight=W), "w", [(6, 4)], [CLASSES]),
    "CosineSimilarity": (dict(dim=0), None, [(6, 4), (6, 4)], []),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ROWS)
def test_loss_module_matches_torch(name, dtype):
    torch = pytest.importorskip("torch", reason=TORCH)
    kwargs, tensor_arg, shapes, extras = ROWS[name]
    cls = name.split("-")[0]
    ours = getattr(nn, cls)(**kwargs)
    torch_kwargs = dict(kwargs)
    for key in ("weight", "pos_weight"):
        if key in torch_kwargs:
            torch_kwargs[key] = torch.tensor(torch_kwargs[key]).to(getattr(torch, np.dtype(dtype).name))
    theirs = getattr(torch.nn, cls)(**torch_kwargs)
    arrays = [rng.uniform(0.05, 0.95, (6, 4)) if s == "probs" else rng.standard_normal(s) for s in shapes]

    def torch_extra(e):
        t = torch.tensor(e)
        return t.to(getattr(torch, np.dtype(dtype).name)) if e.dtype.kind == "f" else t

    cast = [e.astype(dtype) if e.dtype.kind == "f" else e for e in extras]
    assert_matches_torch(lambda *a: ours(*a, *cast), lambda *a: theirs(*a, *map(torch_extra, extras)),
                         *arrays, dtype=dtype)


def test_weights_are_buffers_in_the_state_dict():
    loss = nn.CrossEntropyLoss(weight=np.ones(3))
    assert list(loss.state_dict()) == ["weight"] and not list(loss.parameters())
    assert nn.NLLLoss().state_dict() == {}


def test_bad_reduction_names_the_module():
    with pytest.raises(ValueError, match=r"L1Loss: reduction must be one of \('mean', 'sum', 'none'\), got 'avg'"):
        nn.L1Loss(reduction="avg")
