"""The figures of chapter 13: sign classes over training, measures against a grid axis, initialisation strategies
and the link from the pre-synchronisation phase to OOD accuracy. Every plotted mean carries its 95% t interval over
seeds (:mod:`mmcl.sweeps.stats`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..sweeps import stats
from .initialisation import MEASURES, Summary
from .sign_classes import SIGN_CLASSES, SyncRecord

__all__ = ["CLASS_COLORS", "sign_class_figure", "measure_panels", "strategies_figure", "link_figure"]

CLASS_COLORS = {"++": "#1f77b4", "--": "#2ca02c", "+-": "#d62728", "-+": "#ff7f0e"}
"""One colour per sign class (aligned classes blue and green, mixed ones red and orange)."""


def _t_band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and 95% t half-width over seeds (axis 0), 0 where the seeds agree exactly."""
    v = np.asarray(values, dtype=float)
    spread = np.ptp(v, axis=0) > 0
    ci = stats.t_interval(v, axis=0)
    return np.asarray(ci.mean), np.where(spread, np.asarray(ci.half_width), 0.0)


def sign_class_figure(fractions: np.ndarray, record: SyncRecord, until: int | None = None) -> plt.Figure:
    """Left: the fraction of neurons in each sign class over the epochs, mean and 95% band over seeds
    (``fractions`` ``(R, T+1, 4)``, :func:`~mmcl.mechanism.sign_classes.class_fractions`). Right: the
    synchronisation times of all synchronised neurons of ``record``, split by the half that flipped."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 3.8))
    t = np.arange(fractions.shape[1])
    stop = fractions.shape[1] if until is None else until + 1
    for k, name in enumerate(SIGN_CLASSES):
        mean, half = _t_band(fractions[:, :stop, k])
        ax.plot(t[:stop], mean, color=CLASS_COLORS[name], label=f"U{name[0]}∩Ũ{name[1]}")
        ax.fill_between(t[:stop], mean - half, mean + half, color=CLASS_COLORS[name], alpha=0.25, lw=0)
    ax.set(xlabel="epoch t", ylabel="fraction of neurons", title="Sign classes of (⟨w_r, μ⟩, ⟨w̃_r, μ̃⟩)")
    ax.legend(fontsize=8, ncol=2)
    half = record.flip_half
    times = record.sync_time
    top = max(int(times[record.synced].max()) if record.synced.any() else 1, 1)
    bins = np.arange(0.5, min(top, 60) + 1.5)
    bx.hist(
        [times[half == 1], times[half == 2]],
        bins=bins,
        stacked=True,
        color=["#9467bd", "#8c564b"],
        label=["⟨w_r, μ⟩ flipped", "⟨w̃_r, μ̃⟩ flipped"],
    )
    late = int((times[record.synced] > bins[-1]).sum())
    bx.set(
        xlabel="synchronisation time (epochs)",
        ylabel="neurons (all seeds)",
        title=f"Mixed neurons: when they synchronise ({late} later than {int(bins[-1])})",
    )
    bx.legend(fontsize=8)
    fig.tight_layout()
    return fig


def measure_panels(
    x: Sequence[float],
    series: Mapping[str, Sequence[Summary]],
    names: Sequence[str],
    xlabel: str,
    baseline: Mapping[str, Summary] | None = None,
    log_x: bool = False,
) -> plt.Figure:
    """One panel per measure in ``names`` (keys of :data:`~mmcl.mechanism.initialisation.MEASURES`): for each
    series, its cells' means with 95% t intervals against ``x``. ``baseline`` maps a measure to a cell summary drawn
    as a grey band (the single-modal OOD accuracy)."""
    fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3.4), squeeze=False)
    for ax, name in zip(axes[0], names):
        for label, cells in series.items():
            mean = [c.mean[name] for c in cells]
            half = [c.half_width[name] for c in cells]
            ax.errorbar(x, mean, yerr=half, marker="o", ms=4, capsize=3, label=label)
        if baseline is not None and name in baseline:
            b = baseline[name]
            ax.axhspan(
                b.mean[name] - b.half_width[name], b.mean[name] + b.half_width[name], color="0.6", alpha=0.4, lw=0
            )
            ax.axhline(b.mean[name], color="0.4", lw=1, label=b.label)
        if log_x:
            ax.set_xscale("log")
        ax.set(xlabel=xlabel, title=MEASURES[name])
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def strategies_figure(summaries: Sequence[Summary], names: Sequence[str]) -> plt.Figure:
    """One panel per measure: every strategy's mean with its 95% t interval, strategies as rows (dashed: the first
    strategy's mean; red, in the panel of ``stage1_ratio``: the ``T₁`` of Lemma 5.4)."""
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 0.38 * len(summaries) + 1.4), squeeze=False)
    rows = np.arange(len(summaries))[::-1]
    for k, (ax, name) in enumerate(zip(axes[0], names)):
        mean = np.array([s.mean[name] for s in summaries])
        half = np.array([s.half_width[name] for s in summaries])
        ax.errorbar(mean, rows, xerr=half, fmt="o", ms=4, capsize=3, color="#1f77b4")
        ax.axvline(mean[0], color="0.6", lw=0.8, ls="--")
        if name == "stage1_ratio":  # the T₁ of Lemma 5.4
            ax.axvline(1.0, color="#d62728", lw=0.8)
        ax.set_yticks(rows, [s.label for s in summaries] if k == 0 else [""] * len(summaries), fontsize=8)
        ax.set(title=MEASURES[name])
    fig.tight_layout()
    return fig


def link_figure(
    summaries: Sequence[Summary], advantage: Mapping[str, np.ndarray], within: tuple[np.ndarray, np.ndarray]
) -> plt.Figure:
    """Left: per start, the mean epochs spent mixed per neuron against the mean OOD accuracy (95% intervals on
    both). Middle: within starts, the seeds' deviations from their start's means (pooled). Right: the multi-modal
    advantage (multi − single OOD accuracy, paired by seed) of each start with its 95% t interval."""
    fig, (ax, bx, cx) = plt.subplots(1, 3, figsize=(14, 3.8))
    for s in summaries:
        ax.errorbar(
            s.mean["mixed_epochs"],
            s.mean["test_accuracy"],
            xerr=s.half_width["mixed_epochs"],
            yerr=s.half_width["test_accuracy"],
            fmt="o",
            ms=4,
            capsize=2,
        )
        ax.annotate(s.label, (s.mean["mixed_epochs"], s.mean["test_accuracy"]), fontsize=6, alpha=0.8)
    ax.set(xlabel=MEASURES["mixed_epochs"], ylabel=MEASURES["test_accuracy"], title="Across starts")
    bx.scatter(within[0], within[1], s=6, alpha=0.5)
    bx.set(
        xlabel="epochs mixed per neuron − start's mean",
        ylabel="OOD accuracy − start's mean",
        title="Within starts (seeds)",
    )
    labels = list(advantage)
    rows = np.arange(len(labels))[::-1]
    for row, label in zip(rows, labels):
        ci = stats.t_interval(advantage[label])
        cx.errorbar(ci.mean, row, xerr=ci.half_width, fmt="o", ms=4, capsize=3, color="#1f77b4")
    cx.axvline(0, color="0.5", lw=0.8)
    cx.set_yticks(rows, labels, fontsize=8)
    cx.set(xlabel="multi − single OOD accuracy", title="The multi-modal advantage")
    fig.tight_layout()
    return fig
