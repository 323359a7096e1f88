"""Do chapter 11's conclusions survive the two values the paper does not state? Robustness over ``(τ, σ₀)``.

Every grid of chapter 11 is trained at this book's ``τ = 0.1``, ``σ₀ = 0.01``. The robustness grids
(``results/grids/robustness_*.yaml``) re-train coarse versions of three of them, on points of the full grids, at the
eight other settings of :data:`TAUS` × :data:`SIGMA0S`; the ninth setting is read from the full grid
(:func:`setting_surfaces`). Each conclusion of the chapter is a :class:`Conclusion`: a statement and a test on the
:class:`~mmcl.sweeps.phase.Surface` of one setting, decided with the paired t tests and the Benjamini–Hochberg
correction over that surface's points (:meth:`~mmcl.sweeps.phase.Surface.verdicts`). :func:`verdicts` applies them to
every setting; :func:`crossing_interval` gives a break-even point with a bootstrap interval over seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .phase import Surface, axis_index, crossing, surface
from .results import SweepResults
from .stats import Interval, bootstrap_interval

__all__ = [
    "TAUS",
    "SIGMA0S",
    "BASE",
    "SETTINGS",
    "Conclusion",
    "setting_surfaces",
    "verdicts",
    "crossing_interval",
    "levels_at_equal",
    "at",
    "PHASE",
    "UNEQUAL",
    "RICHER",
]

TAUS = (0.05, 0.1, 0.2)
"""The temperatures of the robustness grids."""
SIGMA0S = (0.003, 0.01, 0.03)
"""The initialisation scales of the robustness grids."""
BASE = (0.1, 0.01)
"""This book's ``(τ, σ₀)``, at which the full grids are trained."""
SETTINGS = tuple((t, s) for t in TAUS for s in SIGMA0S)
"""All nine ``(τ, σ₀)``."""


@dataclass(frozen=True)
class Conclusion:
    """One finding of chapter 11 as a testable statement about the surface of one ``(τ, σ₀)``."""

    name: str
    statement: str
    test: Callable[[Surface], bool]


def setting_surfaces(
    robust: SweepResults,
    full: SweepResults,
    x: str,
    y: str,
    seeds: Sequence[int] | None = None,
    metric: str = "test_accuracy",
) -> dict[tuple[float, float], Surface]:
    """``{(τ, σ₀): Surface}`` over ``(x, y)`` for all nine settings: the eight of the robustness grid ``robust``
    and :data:`BASE` from the same points of the full grid ``full`` (with the robustness grid's seeds, or ``seeds``).

    ``ValueError`` if a point of the robustness grid is not a point of the full grid, or a setting is missing."""
    grid = robust.grid
    axes = dict(grid.axes)
    seeds = list(grid.seeds if seeds is None else seeds)
    base_rows = full.table(full.grid.subset(seeds=seeds, **{k: list(v) for k, v in axes.items()}))
    rows = robust.table(grid if seeds == list(grid.seeds) else grid.subset(seeds=seeds))
    out = {BASE: surface(base_rows, x, y, metric)}
    for tau, sigma0 in SETTINGS:
        if (tau, sigma0) == BASE:
            continue
        picked = [r for r in rows if r.get("tau") == tau and r.get("sigma0") == sigma0]
        if not picked:
            raise ValueError(f"{robust.path} holds no cells at tau={tau}, sigma0={sigma0}")
        out[(tau, sigma0)] = surface(picked, x, y, metric)
    return {k: out[k] for k in SETTINGS}


def verdicts(
    surfaces: Mapping[tuple[float, float], Surface], conclusions: Sequence[Conclusion]
) -> dict[str, dict[tuple[float, float], bool]]:
    """``{conclusion name: {(τ, σ₀): holds}}``."""
    return {c.name: {k: bool(c.test(s)) for k, s in surfaces.items()} for c in conclusions}


def levels_at_equal(s: Surface, key: str, combine: Callable[[Any, Any], float]) -> tuple[np.ndarray, np.ndarray]:
    """The per-seed values of ``key`` averaged over the grid points with equal ``combine(x, y)`` (seed by seed, so
    pairing is kept): ``(levels, values)``, ``values`` of shape ``(len(levels), seeds)``, levels increasing."""
    groups: dict[float, list[np.ndarray]] = {}
    for j, yv in enumerate(s.y):
        for i, xv in enumerate(s.x):
            groups.setdefault(float(f"{combine(xv, yv):.9g}"), []).append(s.values[key][j, i])
    levels = sorted(groups)
    return np.asarray(levels), np.stack([np.mean(groups[v], axis=0) for v in levels])


def crossing_interval(
    x: Sequence[float], values: Any, log: bool = True, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> Interval:
    """Where the seed mean of ``values`` (shape ``(len(x), seeds)``) first crosses zero upwards
    (:func:`~mmcl.sweeps.phase.crossing`), with a percentile bootstrap interval over seeds
    (:func:`~mmcl.sweeps.stats.bootstrap_interval`; replicates without a crossing count as ``undefined``)."""
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[0] != len(x):
        raise ValueError(f"values must have shape (len(x), seeds) = ({len(x)}, seeds), got {v.shape}")

    def first_crossing(samples: np.ndarray) -> np.ndarray:  # (replicates, seeds, points) -> (replicates,)
        out = np.full(samples.shape[0], np.nan)
        for k, curve in enumerate(samples.mean(axis=1)):
            try:
                out[k] = crossing(x, curve, log=log)
            except ValueError:
                pass
        return out

    return bootstrap_interval(v.T, first_crossing, n_boot=n_boot, level=level, seed=seed)


def at(s: Surface, x: Any, y: Any = None) -> tuple[int, int]:
    """The ``[j, i]`` index of the grid point ``(x, y)`` of ``s``."""
    return (0 if s.y_name is None else axis_index(s.y, y, s.y_name)), axis_index(s.x, x, s.x_name)


def _signs(s: Surface, sign: int, *points: tuple[Any, Any]) -> bool:
    v = s.verdicts("gap")
    return all(v[at(s, x, y)] == sign for x, y in points)


def _upper_below(s: Surface, bound: float, y: Any) -> bool:
    j = at(s, s.x[0], y)[0]
    return all((s.interval(mode).high[j] < bound).all() for mode in ("single", "multi"))


PHASE = (
    Conclusion(
        "Figure 1's point", "multi beats single at (n·SNR², C_μ) = (1.25, 3)", lambda s: _signs(s, 1, (1.25, 3))
    ),
    Conclusion(
        "C_μ = 1.5 suffices", "multi beats single at (1.25, 1.5), below C_μ ≥ 2.66", lambda s: _signs(s, 1, (1.25, 1.5))
    ),
    Conclusion(
        "beyond the window",
        "at C_μ = 3 multi beats single at n·SNR² = 0.5 and 3, outside the proofs' [1.5, 1.8]",
        lambda s: _signs(s, 1, (0.5, 3), (3, 3)),
    ),
    Conclusion("weaker hurts", "multi is worse than single at (1.25, 0.5)", lambda s: _signs(s, -1, (1.25, 0.5))),
    Conclusion(
        "single catches up",
        "at n·SNR² = 5 multi beats single at no C_μ",
        lambda s: bool((s.verdicts("gap")[:, axis_index(s.x, 5.0, s.x_name)] <= 0).all()),
    ),
)
"""The conclusions of §11.2 on the coarse phase grid (a surface over ``(n_snr2, c_mu)``)."""

UNEQUAL = (
    Conclusion(
        "helps when cleaner",
        "the second modality helps at n·SNR̃² ≥ 2.8 (σ̃ ≤ 2 at d̃ = 2000)",
        lambda s: _signs(s, 1, (1.0, 2000), (1.5, 2000), (2.0, 2000)),
    ),
    Conclusion(
        "hurts when noisier",
        "it hurts at n·SNR̃² = 0.70 (σ̃ = 4), below the break-even (σ̃ = 3, n·SNR̃² = 1.25, lies near it)",
        lambda s: _signs(s, -1, (4.0, 2000)),
    ),
)
"""The conclusions of §11.3 on the robustness grid (a surface over ``(sigma_xi_tilde, d_tilde)``)."""

RICHER = (
    Conclusion(
        "survives 70% agreement",
        "with ν ∥ μ multi beats single at label agreement 0.7, 0.8 and 1",
        lambda s: _signs(s, 1, (0.7, 0), (0.8, 0), (1.0, 0)),
    ),
    Conclusion("reversed at 50%", "with ν ∥ μ multi is worse at agreement 0.5", lambda s: _signs(s, -1, (0.5, 0))),
    Conclusion(
        "orthogonal shift: chance",
        "at 90° both accuracies stay below 0.6 (upper 95% bound) at every agreement",
        lambda s: _upper_below(s, 0.6, 90),
    ),
)
"""The conclusions of §11.5 on the robustness grid (a surface over ``(label_agreement, nu_angle)``)."""
