"""Reading chapter 10's recorded grids (:mod:`mmcl.cmnist.grids`): per-case intervals over seeds, the slope of
accuracy against a caption-noise rate, and the two figures (caption quality, memorisation).

Intervals are Student t intervals over seeds (:func:`mmcl.sweeps.stats.t_interval`); differences between two cases
are seed-paired (:func:`mmcl.sweeps.stats.paired_difference_interval`): the cases of one grid share their seeds,
hence their datasets and initial encoders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ..reader.plot import COLORS
from ..sweeps.stats import TInterval, paired_difference_interval, t_interval

__all__ = [
    "find_case",
    "on_seeds",
    "accuracy",
    "interval",
    "difference",
    "slope_interval",
    "caption_quality",
    "memorisation",
]


def find_case(cells: Sequence[Mapping[str, Any]], **case: Any) -> Mapping[str, Any]:
    """The cell whose case is exactly ``case`` (e.g. ``pipeline="multi_text", typo=0.1``)."""
    found = [c for c in cells if c["case"] == case]
    if len(found) != 1:
        raise ValueError(f"case must match exactly one cell, {case!r} matches {len(found)}")
    return found[0]


def on_seeds(cell: Mapping[str, Any], seeds: Sequence[int]) -> dict[str, Any]:
    """The cell restricted to ``seeds`` (each one of its seeds), to pair it with a cell of another grid."""
    missing = [s for s in seeds if s not in cell["seeds"]]
    if missing or not seeds:
        raise ValueError(f"seeds must be a non-empty subset of the cell's seeds {cell['seeds']}, got {list(seeds)}")
    at = [list(cell["seeds"]).index(s) for s in seeds]
    picked = {m: [cell[m][i] for i in at] for m in ("test_accuracy", "train_accuracy")}
    return {**cell, **picked, "seeds": list(seeds)}


def accuracy(cell: Mapping[str, Any], metric: str = "test_accuracy") -> np.ndarray:
    """The per-seed values of ``metric`` (``"test_accuracy"`` or ``"train_accuracy"``) of a cell."""
    if metric not in ("test_accuracy", "train_accuracy"):
        raise ValueError(f"metric must be 'test_accuracy' or 'train_accuracy', got {metric!r}")
    return np.asarray(cell[metric], dtype=float)


def interval(cell: Mapping[str, Any], metric: str = "test_accuracy") -> TInterval:
    """95 % t interval of the cell's mean ``metric`` over its seeds."""
    return t_interval(accuracy(cell, metric))


def difference(a: Mapping[str, Any], b: Mapping[str, Any], metric: str = "test_accuracy") -> TInterval:
    """95 % t interval of the seed-paired difference ``a − b`` (the two cells must have the same seeds)."""
    if list(a["seeds"]) != list(b["seeds"]):
        raise ValueError(f"cells must share their seeds to be paired, got {a['seeds']} and {b['seeds']}")
    return paired_difference_interval(accuracy(a, metric), accuracy(b, metric))


def slope_interval(cells: Sequence[Mapping[str, Any]], rates: Sequence[float]) -> TInterval:
    """95 % t interval of the least-squares slope of test accuracy against ``rates``, one slope per seed (the
    cells, one per rate, share their seeds)."""
    if len(cells) != len(rates) or len(rates) < 2:
        raise ValueError(f"cells and rates must pair up, at least two of each, got {len(cells)} and {len(rates)}")
    x = np.asarray(rates, dtype=float)
    y = np.stack([accuracy(c) for c in cells])  # (rates, seeds)
    slopes = ((x - x.mean())[:, None] * (y - y.mean(0))).sum(0) / ((x - x.mean()) ** 2).sum()
    return t_interval(slopes)


def _band(ax: plt.Axes, cell: Mapping[str, Any], label: str, color: str) -> None:
    t = interval(cell)
    ax.axhspan(t.low, t.high, color=color, alpha=0.2, lw=0)
    ax.axhline(t.mean, color=color, lw=1, ls="--", label=label)


def caption_quality(
    panels: Mapping[str, tuple[Sequence[float], Sequence[Mapping[str, Any]]]],
    single: Mapping[str, Any],
    ideal: Mapping[str, Any],
) -> plt.Figure:
    """One panel per caption-noise rate: ``panels[name] = (rates, cells)``; the ``multi_text`` test accuracy with its
    95 % intervals, and bands for the single-modal and the ideal-caption multi-modal pipelines."""
    fig, axes = plt.subplots(1, len(panels), figsize=(3.3 * len(panels), 3.2), sharey=True)
    for ax, (name, (rates, cells)) in zip(np.atleast_1d(axes), panels.items()):
        ts = [interval(c) for c in cells]
        ax.errorbar(rates, [t.mean for t in ts], yerr=[t.half_width for t in ts], fmt="-o", capsize=3,
                    color=COLORS["multi"], label="multi, captions in words")  # fmt: skip
        _band(ax, single, "single-modal", COLORS["single"])
        _band(ax, ideal, "multi, ideal caption", "grey")
        ax.set_xlabel(name)
        ax.set_ylim(0, 1)
    first = np.atleast_1d(axes)[0]
    first.set_ylabel("test accuracy (reversed colours)")
    first.legend(fontsize=7, frameon=False, loc="lower left")
    fig.tight_layout()
    return fig


def memorisation(
    rows: Mapping[str, tuple[Mapping[str, Any], Mapping[str, Any]]],
    paper: Mapping[str, Mapping[str, float]],
    oracle: Mapping[str, np.ndarray],
) -> plt.Figure:
    """Left: test accuracy (95 % intervals) of each setting ``rows[label] = (single cell, multi cell)`` with the
    paper's values; right: the settings' (test, train) seed means on the oracle curve of §10.6."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1.4, 1]})
    y = np.arange(len(rows))
    for k, (mode, offset) in enumerate((("single", -0.15), ("multi", 0.15))):
        ts = [interval(cells[k]) for cells in rows.values()]
        left.errorbar([t.mean for t in ts], y + offset, xerr=[t.half_width for t in ts], fmt="o", capsize=3,
                      color=COLORS[mode], label=f"{mode}-modal")  # fmt: skip
        left.axvline(paper[mode]["test_accuracy"], color=COLORS[mode], ls=":", lw=1.5, label=f"paper, {mode}")
        means = [(accuracy(cells[k]).mean(), accuracy(cells[k], "train_accuracy").mean()) for cells in rows.values()]
        right.plot(*zip(*means), "o", color=COLORS[mode], label=f"ours, {mode}-modal")
        right.plot(paper[mode]["test_accuracy"], paper[mode]["train_accuracy"], "*", ms=12, color=COLORS[mode])
    left.set_yticks(y, list(rows))
    left.set_xlim(0, 1)
    left.set_xlabel("test accuracy (reversed colours)")
    left.legend(fontsize=7, frameon=False, loc="lower right")
    right.plot(oracle["test_accuracy"], oracle["train_accuracy"], "-", color="grey", label="oracle curve (§10.6)")
    right.set_xlabel("test accuracy")
    right.set_ylabel("train accuracy")
    right.legend(fontsize=7, frameon=False, loc="lower right")
    fig.tight_layout()
    return fig
