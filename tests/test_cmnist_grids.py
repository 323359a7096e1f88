"""Reading recorded ColoredMNIST grids: finding a case, t intervals, seed-paired differences, the slope of accuracy
against a rate, and the two figures (on hand-made cells)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mmcl.cmnist import grid_figures as gf  # noqa: E402
from mmcl.cmnist.table1 import PAPER  # noqa: E402
from mmcl.sweeps.stats import paired_difference_interval, t_interval  # noqa: E402


def _cell(test, train=None, seeds=(0, 1, 2), **case):
    return {
        "case": case,
        "seeds": list(seeds),
        "test_accuracy": list(test),
        "train_accuracy": list(train if train is not None else np.asarray(test) + 0.3),
    }


CELLS = [
    _cell([0.70, 0.72, 0.71], pipeline="multi_text"),
    _cell([0.60, 0.63, 0.61], pipeline="multi_text", wrong_digit=0.5),
    _cell([0.30, 0.33, 0.28], pipeline="single"),
]


def test_find_case_matches_exactly_one_cell():
    assert gf.find_case(CELLS, pipeline="multi_text", wrong_digit=0.5) is CELLS[1]
    with pytest.raises(ValueError, match="matches 0"):
        gf.find_case(CELLS, pipeline="multi_text", wrong_digit=0.2)


def test_intervals_and_paired_differences_use_the_stats_module():
    t = gf.interval(CELLS[0])
    ref = t_interval([0.70, 0.72, 0.71])
    assert t.mean == pytest.approx(ref.mean) and t.half_width == pytest.approx(ref.half_width)
    d = gf.difference(CELLS[1], CELLS[0])
    ref = paired_difference_interval([0.60, 0.63, 0.61], [0.70, 0.72, 0.71])
    assert d.mean == pytest.approx(-0.0966666, abs=1e-6) and d.half_width == pytest.approx(ref.half_width)
    assert gf.accuracy(CELLS[0], "train_accuracy") == pytest.approx([1.0, 1.02, 1.01])
    with pytest.raises(ValueError, match="metric must be"):
        gf.accuracy(CELLS[0], "loss")
    with pytest.raises(ValueError, match="share their seeds"):
        gf.difference(CELLS[0], _cell([0.1, 0.2, 0.3], seeds=(3, 4, 5), pipeline="x"))


def test_on_seeds_picks_the_values_of_the_given_seeds():
    cell = _cell([0.1, 0.2, 0.3], seeds=(4, 5, 6), pipeline="x")
    picked = gf.on_seeds(cell, [6, 4])
    assert picked["seeds"] == [6, 4] and picked["test_accuracy"] == [0.3, 0.1]
    assert picked["train_accuracy"] == pytest.approx([0.6, 0.4]) and cell["seeds"] == [4, 5, 6]
    with pytest.raises(ValueError, match="subset of the cell's seeds"):
        gf.on_seeds(cell, [0])


def test_slope_interval_recovers_a_known_slope_per_seed():
    rates = [0.0, 0.25, 0.5]
    cells = [_cell([0.7 - 0.2 * r + e for e in (0.0, 0.01, -0.01)], pipeline="m", r=r) for r in rates]
    slope = gf.slope_interval(cells, rates)
    assert slope.mean == pytest.approx(-0.2) and slope.half_width == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match="must pair up"):
        gf.slope_interval(cells, rates[:2])


def test_figures_draw():
    panels = {"wrong digit rate": ([0.0, 0.5], CELLS[:2])}
    fig = gf.caption_quality(panels, CELLS[2], CELLS[0])
    assert len(fig.axes) == 1 and fig.axes[0].get_ylim() == (0, 1)
    plt.close(fig)
    oracle = {"test_accuracy": np.array([0.02, 0.9]), "train_accuracy": np.array([0.775, 0.91])}
    fig = gf.memorisation({"default": (CELLS[2], CELLS[0])}, PAPER, oracle)
    assert len(fig.axes) == 2
    plt.close(fig)
