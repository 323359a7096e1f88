"""Figures of the theory chapters: failure rates against ``δ``, and measured growth against the predicted rate.

Each function draws on a given ``matplotlib`` axis and returns it; notebooks end the cell with ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from .downstream import EmbeddingSplit
from .probability import ProbabilityCheck

__all__ = ["failure_rates", "growth", "embedding_histogram", "THEORY", "MEASURED"]

THEORY = dict(color="black", linestyle="--", linewidth=1.2)
"""Style of every predicted curve (rates, bounds, δ): dashed black."""
MEASURED = dict(linewidth=1.5)


def failure_rates(
    ax: plt.Axes,
    xs: Sequence[float],
    checks: Sequence[ProbabilityCheck],
    *,
    corrected: bool = False,
    xlabel: str = "",
    logx: bool = True,
) -> plt.Axes:
    """Failure rate of every part of a lemma (95% Wilson band) against a size parameter, with ``δ`` dashed."""
    if len(xs) != len(checks) or not checks:
        raise ValueError(f"need one check per x value, got {len(checks)} checks for {len(xs)} values")
    parts = checks[0].corrected if corrected else checks[0].printed
    for name in parts:
        rates = [(c.corrected if corrected else c.printed)[name] for c in checks]
        (line,) = ax.plot(xs, [r.rate for r in rates], marker="o", markersize=3, label=name, **MEASURED)
        ax.fill_between(xs, [r.low for r in rates], [r.high for r in rates], color=line.get_color(), alpha=0.15)
    ax.axhline(checks[0].delta, label=f"δ = {checks[0].delta:g}", **THEORY)
    if logx:
        ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("failure rate")
    return ax


def growth(
    ax: plt.Axes,
    t: np.ndarray,
    measured: np.ndarray,
    start: float,
    rate: float,
    *,
    label: str,
    theory_label: str,
    color: str | None = None,
) -> plt.Axes:
    """A measured positive series on a log axis, and the predicted geometric curve ``start·rateᵗ`` on the same axes."""
    ax.plot(t, measured, label=label, color=color, **MEASURED)
    ax.plot(t, start * rate ** np.asarray(t, dtype=np.float64), label=theory_label, **THEORY)
    ax.set_yscale("log")
    ax.set_xlabel("epoch t")
    return ax


def embedding_histogram(ax: plt.Axes, split: EmbeddingSplit) -> plt.Axes:
    """Histograms (log density) of the test embedding's activations on the noise patch ``h_r(ζ)`` and on the signal
    patch ``h_r(yν)`` (Appendices C.3 and D.3)."""
    ax.hist(split.noise.ravel(), bins=50, alpha=0.6, density=True, label="noise patch h_r(ζ)")
    ax.hist(split.signal.ravel(), bins=50, alpha=0.6, density=True, label="signal patch h_r(yν)")
    ax.set_yscale("log")
    return ax
