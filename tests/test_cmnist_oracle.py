"""The oracle colour–shape frontier and the chapter's ColoredMNIST figures."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from mmcl.cmnist import dataset as cm
from mmcl.cmnist import figures, oracle
from mmcl.cmnist.table1 import PAPER

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def splits() -> tuple[cm.ColoredMNIST, cm.ColoredMNIST]:
    rng = np.random.default_rng(1)
    digits = rng.integers(0, 256, (8000, 14, 14), dtype=np.uint8)
    labels = np.arange(8000) % 10
    return cm.make_colored(digits, labels, "train", 0), cm.make_colored(digits, labels, "test", 0)


def test_frontier_ends_match_the_dataset_rules(splits):
    train, test = splits
    frontier = oracle.mixture_frontier(train, test, fractions=(0.0, 0.5, 1.0))
    assert frontier["train_accuracy"][0] == pytest.approx(cm.expected_colour_only_accuracy("train"), abs=0.02)
    assert frontier["test_accuracy"][0] == pytest.approx(cm.expected_colour_only_accuracy("test"), abs=0.01)
    shape_ceiling = float((train.labels == train.true_labels).double().mean())
    assert frontier["train_accuracy"][2] == pytest.approx(shape_ceiling, abs=0.02)
    assert frontier["test_accuracy"][2] == pytest.approx(shape_ceiling, abs=0.02)
    assert frontier["train_accuracy"][0] < frontier["train_accuracy"][1] < frontier["train_accuracy"][2]
    with pytest.raises(ValueError, match="fraction"):
        oracle.mixture_frontier(train, test, fractions=(1.5,))


def test_figures_are_built(splits):
    train, test = splits
    assert len(figures.examples(train, test, per_class=3).axes) == 2
    record = {
        "results": {
            name: {f"{k}_{s}": 0.5 for k in ("train_accuracy", "test_accuracy") for s in ("mean", "std")}
            for name in ("single", "multi")
        },
        "paper": PAPER,
    }
    assert len(figures.table1_bars(record, "title").axes) == 2
    frontier = {
        "fraction": np.array([0.0, 1.0]),
        "train_accuracy": np.array([0.78, 0.91]),
        "test_accuracy": np.array([0.03, 0.91]),
    }
    assert len(figures.frontier(frontier, {"single": (0.8, 0.3)}, PAPER).axes) == 1
    matplotlib.pyplot.close("all")
