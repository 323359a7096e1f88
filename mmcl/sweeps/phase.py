"""Analysis of sweep results (chapter 11): accuracy surfaces, the single/multi gap, and the phase diagram.

The rows come from :meth:`mmcl.sweeps.results.SweepResults.table`: one row per grid point and mode, holding the point's
coordinates and per-seed arrays of results. Single- and multi-modal runs of the same seed share the modality-1 data and
the initial ``W`` (:mod:`mmcl.model.data`), so the gap *multi − single* is computed seed by seed (a paired difference)
before averaging.

The theory's boundaries drawn on the phase diagram (NOTES §5): Assumption 4.1(7) ``C_μ ≥ 2.66``; the region
``n·SNR² ≤ 1.8``, ``C_μ·n·SNR² ≥ 4.51`` in which both scale-gap proofs (Lemmas 5.2 and 5.4) go through with the
paper's constants (:func:`mmcl.theory.predictions.n_snr2_window`: the window ``[4.51/C_μ, 1.8]``, ``[1.7, 1.8]`` at
``C_μ = 2.66``); and the experiment's ``n·SNR² = 1.25`` (Figure 1, ``C_μ = 3``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model.snr import n_snr2_window
from .stats import TInterval, benjamini_hochberg, t_interval, t_test_p_value

__all__ = [
    "Surface",
    "select",
    "axis_index",
    "surface",
    "means_at_equal",
    "spread_at_equal",
    "crossing",
    "C_MU_THEORY",
    "WINDOW",
    "EXPERIMENT",
]

C_MU_THEORY = 2.66
"""Assumption 4.1(7): the second modality is at least 2.66 times stronger."""
WINDOW = n_snr2_window(C_MU_THEORY)
"""The joint ``n·SNR²`` window of the two scale-gap proofs at ``C_μ = 2.66``, about ``[1.70, 1.80]`` (NOTES §5.2)."""
EXPERIMENT = (1.25, 3.0)
"""Figure 1's ``(n·SNR², C_μ)``."""


def select(rows: Iterable[Mapping[str, Any]], **equal: Any) -> list[Mapping[str, Any]]:
    """The rows whose coordinates equal every given value (``ValueError`` when none does)."""
    out = [r for r in rows if all(r.get(k) == v for k, v in equal.items())]
    if not out:
        raise ValueError(f"no rows with {equal}")
    return out


@dataclass
class Surface:
    """Per-seed results of both modes on a 1-D or 2-D grid, indexed ``[j, i]`` for ``y[j]``, ``x[i]``.

    ``values[mode]`` has shape ``(len(y), len(x), seeds)``; ``"gap"`` is the paired difference multi − single
    (present when both modes were run). For a 1-D surface ``y`` is ``[None]``.
    """

    x_name: str
    y_name: str | None
    x: np.ndarray
    y: np.ndarray
    values: dict[str, np.ndarray]
    metric: str

    def mean(self, key: str) -> np.ndarray:
        return self.values[key].mean(-1)

    def at(self, key: str, x: Any, y: Any = None) -> np.ndarray:
        """The per-seed values of ``key`` at grid point ``(x, y)``."""
        i = axis_index(self.x, x, self.x_name)
        j = 0 if self.y_name is None else axis_index(self.y, y, self.y_name)
        return self.values[key][j, i]

    def interval(self, key: str, level: float = 0.95) -> TInterval:
        """The t interval of the seed mean of ``key`` at every grid point (:func:`.stats.t_interval`; for
        ``"gap"`` the interval of the seed-paired difference). Points with a NaN seed (a diverged cell) get NaN."""
        v = self.values[key]
        mean, half = np.full(v.shape[:-1], np.nan), np.full(v.shape[:-1], np.nan)
        ok = np.isfinite(v).all(-1)
        if ok.any():
            mean[ok], half[ok] = t_interval(v[ok], axis=-1, level=level)
        return TInterval(mean, half)

    def p_values(self, key: str = "gap", alternative: str = "two-sided") -> np.ndarray:
        """The t-test p-value of ``mean = 0`` at every grid point (for ``"gap"`` the paired t test over seeds);
        1 where a seed is NaN."""
        v = self.values[key]
        p = np.ones(v.shape[:-1])
        ok = np.isfinite(v).all(-1)
        if ok.any():
            p[ok] = t_test_p_value(v[ok], alternative=alternative, axis=-1)
        return p

    def verdicts(self, key: str = "gap", q: float = 0.05) -> np.ndarray:
        """``+1`` where ``key`` is positive, ``−1`` where it is negative and ``0`` where neither is shown: the
        two-sided t tests of :meth:`p_values` with the Benjamini–Hochberg procedure at false discovery rate ``q``
        over all the grid points of this surface (:func:`.stats.benjamini_hochberg`), signed by the mean."""
        found = benjamini_hochberg(self.p_values(key), q).discoveries
        return np.where(found, np.sign(np.nan_to_num(self.mean(key))), 0).astype(int)

    def significant(self, key: str = "gap", q: float = 0.05) -> np.ndarray:
        """Where ``key`` (by default the gap multi − single) is positive, after the Benjamini–Hochberg correction at
        false discovery rate ``q`` over the surface's points (:meth:`verdicts`)."""
        return self.verdicts(key, q) > 0

    def significantly_negative(self, key: str = "gap", q: float = 0.05) -> np.ndarray:
        """Where ``key`` is negative, with the same correction as :meth:`significant`."""
        return self.verdicts(key, q) < 0


def axis_index(axis: np.ndarray, value: Any, name: str) -> int:
    """The position of ``value`` on the grid axis ``axis`` (floats compared with ``isclose``).

    ``ValueError`` if it is not on the axis.
    """
    hits = [
        k
        for k, v in enumerate(axis)
        if v == value or (isinstance(v, float) and isinstance(value, (int, float)) and math.isclose(v, value))
    ]
    if not hits:
        raise ValueError(f"{name} = {value!r} is not on the grid {list(axis)}")
    return hits[0]


def surface(rows: Sequence[Mapping[str, Any]], x: str, y: str | None = None, metric: str = "test_accuracy") -> Surface:
    """Collect ``metric`` over the ``x`` (and ``y``) coordinates of ``rows``, for each mode, plus the paired gap.

    Every ``(x, y, mode)`` must occur exactly once among the rows and all cells must hold the same seeds; select
    a slice of a larger grid with :func:`select` first.
    """
    xs = sorted({r[x] for r in rows})
    ys = [None] if y is None else sorted({r[y] for r in rows})
    modes = sorted({r["mode"] for r in rows}, key=["single", "multi"].index)
    seeds = {len(r[metric]) for r in rows if r.get("status", "ok") == "ok"}
    if len(seeds) != 1:
        raise ValueError(f"the rows hold different numbers of seeds {sorted(seeds)}; select one slice of the grid")
    k = seeds.pop()
    values = {mode: np.full((len(ys), len(xs), k), np.nan) for mode in modes}
    filled = {mode: np.zeros((len(ys), len(xs)), dtype=int) for mode in modes}
    for r in rows:
        j, i = ys.index(None if y is None else r[y]), xs.index(r[x])
        filled[r["mode"]][j, i] += 1
        if r.get("status", "ok") == "ok":
            values[r["mode"]][j, i] = r[metric]
    for mode, count in filled.items():
        if (count != 1).any():
            raise ValueError(
                f"{mode}: each ({x}, {y}) point must occur once, found counts {sorted(set(count.flatten()))}; "
                "select one slice of the grid first"
            )
    if {"single", "multi"} <= set(modes):
        values["gap"] = values["multi"] - values["single"]
    return Surface(x, y, np.asarray(xs), np.asarray(ys, dtype=object), values, metric)


def means_at_equal(s: Surface, key: str, combine: Any) -> dict[float, np.ndarray]:
    """The seed-means of ``key`` grouped by the value of ``combine(x, y)`` (to 9 significant digits), in increasing
    order of that value: ``{value: means of the grid points that share it}``."""
    mean = s.mean(key)
    groups: dict[float, list[float]] = {}
    for j, yv in enumerate(s.y):
        for i, xv in enumerate(s.x):
            groups.setdefault(float(f"{combine(xv, yv):.9g}"), []).append(float(mean[j, i]))
    return {value: np.asarray(groups[value]) for value in sorted(groups)}


def spread_at_equal(s: Surface, key: str, combine: Any) -> tuple[float, int]:
    """Largest difference of the seed-mean of ``key`` between grid points with equal ``combine(x, y)``.

    Returns ``(spread, groups)``, ``groups`` counting the values of ``combine`` shared by two or more points.
    Used to test whether a result depends on ``(x, y)`` only through one combination of them.
    """
    shared = [v for v in means_at_equal(s, key, combine).values() if len(v) > 1]
    if not shared:
        raise ValueError("no two grid points share a value of the combination")
    return float(max(v.max() - v.min() for v in shared)), len(shared)


def crossing(x: Sequence[float], y: Sequence[float], log: bool = True) -> float:
    """The first ``x`` where the piecewise-linear curve ``y(x)`` (in ``log x`` when ``log``) crosses zero upwards.

    The values of ``x`` must be distinct (average ``y`` over repeated ``x`` first): with ties the curve is not defined.
    """
    xs = np.log(np.asarray(x, float)) if log else np.asarray(x, float)
    ys = np.asarray(y, float)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError(f"x and y must be 1-d and of equal length, got shapes {xs.shape} and {ys.shape}")
    if np.unique(xs).size != xs.size:
        raise ValueError("x must hold distinct values; average y over repeated x first")
    order = np.argsort(xs)
    xs, ys = xs[order], ys[order]
    for k in range(len(xs) - 1):
        if ys[k] < 0 <= ys[k + 1]:
            value = xs[k] + (xs[k + 1] - xs[k]) * (-ys[k]) / (ys[k + 1] - ys[k])
            return float(np.exp(value) if log else value)
    raise ValueError("the curve does not cross zero from below")
