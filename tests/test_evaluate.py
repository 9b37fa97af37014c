"""dyngrad evaluate: a finished run's accuracies, recomputed from its folder, with and
without the test-time flip."""
import json

import numpy as np
import pytest

import autograd
import nn
from dyngrad import cli, evaluate, train
from dyngrad.augment import FlipAverage

TINY = ["--train-size", "200", "--val-size", "100", "--epochs", "2", "--quiet"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("evaluate") / "run"
    assert train.main(["--model", "convnet", "--num-filters", "4", "--filter-size", "3",
                       "--hidden-dims", "16", *TINY, "--out", str(out)]) == 0
    return out


def test_it_recomputes_the_runs_accuracies(run, capsys):
    capsys.readouterr()
    assert cli.main(["evaluate", str(run), "--tta", "flip"]) == 0
    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines()[1:])
    metrics = json.loads((run / "metrics.json").read_text())
    assert float(lines["test accuracy"].split()[0]) == pytest.approx(metrics["test_acc"], abs=1e-4)
    assert float(lines["validation accuracy"].split()[0]) == pytest.approx(
        metrics["best_val_acc"], abs=1e-4)
    for split, images in (("validation", 100), ("test", 1000)):
        accuracy, count = lines[f"{split} accuracy, flip TTA"].split(" (")
        assert 0 <= float(accuracy) <= 1 and count == f"{images} images)"


def test_without_tta_it_prints_the_plain_accuracies_only(run, capsys):
    capsys.readouterr()
    assert evaluate.main([str(run)]) == 0
    out = capsys.readouterr().out
    assert "test accuracy: " in out and "TTA" not in out


def test_flip_average_is_the_mean_of_both_probabilities():
    nn.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 3))
    x = np.random.default_rng(0).standard_normal((5, 1, 3, 4)).astype(np.float32)
    got = FlipAverage(model)(autograd.tensor(x)).detach().numpy()

    def probabilities(images):
        scores = model(autograd.tensor(images)).detach().numpy().astype(np.float64)
        e = np.exp(scores - scores.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    np.testing.assert_allclose(got, (probabilities(x) + probabilities(x[..., ::-1].copy())) / 2,
                               rtol=1e-5)
    symmetric = x + x[..., ::-1]
    np.testing.assert_allclose(FlipAverage(model)(autograd.tensor(symmetric)).detach().numpy(),
                               probabilities(symmetric), rtol=1e-5)


def test_a_folder_without_a_run_or_a_model_is_a_clear_error(run, tmp_path, capsys):
    assert evaluate.main([str(tmp_path)]) == 2
    assert "is not a run folder: it has no metrics.json" in capsys.readouterr().err
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / "metrics.json").write_text((run / "metrics.json").read_text())
    assert evaluate.main([str(unfinished)]) == 2
    assert "holds no model.npz: the run did not finish" in capsys.readouterr().err
    (unfinished / "metrics.json").write_text("{not json")
    assert evaluate.main([str(unfinished)]) == 2
    assert "cannot read the run's flags" in capsys.readouterr().err
