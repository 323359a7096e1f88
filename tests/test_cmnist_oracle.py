"""The oracle colour–shape frontier and the chapter's ColoredMNIST figures."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from mmcl import cmnist_oracle, cmnist_plot
from mmcl import colored_mnist as cm
from mmcl.table1 import PAPER

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def splits() -> tuple[cm.ColoredMNIST, cm.ColoredMNIST]:
    rng = np.random.default_rng(1)
    digits = rng.integers(0, 256, (8000, 14, 14), dtype=np.uint8)
    labels = np.arange(8000) % 10
    return cm.make_colored(digits, labels, "train", 0), cm.make_colored(digits, labels, "test", 0)


def test_frontier_ends_match_the_dataset_rules(splits):
    train, test = splits
    oracle = cmnist_oracle.mixture_frontier(train, test, fractions=(0.0, 0.5, 1.0))
    assert oracle["train_accuracy"][0] == pytest.approx(cm.expected_colour_only_accuracy("train"), abs=0.02)
    assert oracle["test_accuracy"][0] == pytest.approx(cm.expected_colour_only_accuracy("test"), abs=0.01)
    shape_ceiling = float((train.labels == train.true_labels).double().mean())
    assert oracle["train_accuracy"][2] == pytest.approx(shape_ceiling, abs=0.02)
    assert oracle["test_accuracy"][2] == pytest.approx(shape_ceiling, abs=0.02)
    assert oracle["train_accuracy"][0] < oracle["train_accuracy"][1] < oracle["train_accuracy"][2]
    with pytest.raises(ValueError, match="fraction"):
        cmnist_oracle.mixture_frontier(train, test, fractions=(1.5,))


def test_figures_are_built(splits):
    train, test = splits
    assert len(cmnist_plot.examples(train, test, per_class=3).axes) == 2
    record = {
        "results": {name: {f"{k}_{s}": 0.5 for k in ("train_accuracy", "test_accuracy") for s in ("mean", "std")} for name in ("single", "multi")},
        "paper": PAPER,
    }
    assert len(cmnist_plot.table1_bars(record, "title").axes) == 2
    oracle = {"fraction": np.array([0.0, 1.0]), "train_accuracy": np.array([0.78, 0.91]), "test_accuracy": np.array([0.03, 0.91])}
    assert len(cmnist_plot.frontier(oracle, {"single": (0.8, 0.3)}, PAPER).axes) == 1
    matplotlib.pyplot.close("all")
