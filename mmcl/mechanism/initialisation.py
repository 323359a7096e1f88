"""Initialisation strategies and what they change (chapter 13): the per-seed measures of a multi-modal cell, the
strategies' labels, and their seed-paired comparison with a baseline, with Benjamini–Hochberg over all comparisons.

The strategies themselves are transformations of the same Gaussian draws of a seed
(:func:`mmcl.model.initialization.initial_pair`, chosen by ``SyntheticConfig.init``, ``init_rho`` and
``sigma0_tilde``), so the cells of one grid share their seeds' data and draws and every comparison is paired by seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model.config import SyntheticConfig
from ..sweeps import stats
from ..sweeps.grid import DERIVED, _plain
from ..sweeps.results import SweepResults
from ..theory import predictions
from .sign_classes import SyncRecord

__all__ = [
    "MEASURES",
    "CellResult",
    "read_cells",
    "sync_agreement",
    "strategy_label",
    "measures",
    "Summary",
    "summarise",
    "Contrast",
    "paired_contrasts",
    "multi_advantage",
    "per_seed_slope",
    "recorded_cost",
]

MEASURES = {
    "mixed_fraction": "mixed at t = 0",
    "synced_fraction": "mixed neurons synchronised",
    "presync_length": "pre-synchronisation phase (epochs)",
    "mixed_epochs": "epochs mixed per neuron",
    "median_sync_time": "median synchronisation time (epochs)",
    "signal_time": "measured end of stage 1 (epochs)",
    "stage1_ratio": "measured end of stage 1 / T₁",
    "signal_learning": "final max_r |γ_r|",
    "noise_memorization": "final mean_i max_r ρ_{r,i}",
    "noise_agreement": "noise-pattern agreement",
    "test_accuracy": "OOD accuracy",
}
"""The per-seed measures of :func:`measures`, with the words the chapter's tables and figures use."""


@dataclass(frozen=True)
class CellResult:
    """One grid point of a recorded sweep: its coordinates, the multi-modal configuration and synchronisation
    record, and the OOD accuracy of the single-modal cell of the same point (seed-paired)."""

    point: Mapping[str, Any]
    config: SyntheticConfig
    record: SyncRecord
    single: np.ndarray


def read_cells(results: SweepResults) -> list[CellResult]:
    """Every grid point of ``results`` (its latest grid) with a multi- and a single-modal cell, in grid order."""
    by_point: dict[tuple, dict[str, Any]] = {}
    for cell, row in zip(results.grid.cells(), results.table()):
        by_point.setdefault(cell.point, {})[cell.mode] = (cell, row)
    out = []
    for point, modes in by_point.items():
        if set(modes) != {"single", "multi"}:
            raise ValueError(f"grid point {dict(point)} lacks a single- or multi-modal cell")
        cell, row = modes["multi"]
        record = SyncRecord.from_row(row, cell.config.epochs)
        out.append(CellResult(dict(point), cell.config, record, np.asarray(modes["single"][1]["test_accuracy"])))
    return out


def sync_agreement(rows: Sequence[Mapping[str, Any]], results: SweepResults) -> tuple[int, int]:
    """``(equal, total)``: of the neurons of the multi-modal ``rows`` (e.g. :func:`mmcl.sweeps.runner.train_grid` of
    a subset of ``results.grid``), how many have the stored synchronisation time, seed by seed."""
    stored: dict[tuple, dict[int, Any]] = {}
    for cell in results.grid.cells():
        line = results.cells.get(cell.key)
        if cell.mode == "multi" and line is not None and line["status"] == "ok":
            stored[cell.point] = dict(zip(line["seeds"], line["results"]["sync_time"]))
    equal = total = 0
    for row in rows:
        if row["mode"] != "multi":
            continue
        point = tuple(sorted((k, _plain(v)) for k, v in row.items() if k in SyntheticConfig.field_names() + DERIVED))
        if point not in stored:
            raise ValueError(f"{results.path} holds no multi-modal cell at {dict(point)}")
        for seed, times in zip(row["seeds"], row["sync_time"]):
            want = np.asarray(stored[point][int(seed)])
            equal += int((np.asarray(times) == want).sum())
            total += want.size
    if total == 0:
        raise ValueError("sync_agreement needs at least one multi-modal row")
    return equal, total


def strategy_label(config: SyntheticConfig) -> str:
    """A short name of the initialisation of ``config``: the strategy and any scale that differs from Figure 1's."""
    c, parts = config, []
    names = {
        "gaussian": "Gaussian",
        "sign_sync": "sign-synchronised",
        "anti_sync": "anti-synchronised",
        "correlated": f"correlated ρ = {c.init_rho:g}",
        "orthogonal": "orthogonal rows",
        "warm_single": "warm start (modality 1)",
    }
    parts.append(names[c.init])
    if c.sigma0 != SyntheticConfig().sigma0:
        parts.append(f"σ₀ = {c.sigma0:g}")
    if c.sigma0_tilde is not None:
        parts.append(f"σ̃₀ = {c.sigma0_tilde:g}")
    return ", ".join(parts)


def measures(record: SyncRecord, config: SyntheticConfig) -> dict[str, np.ndarray]:
    """The per-seed measures of :data:`MEASURES` for one multi-modal cell (``(R,)`` each).

    ``stage1_ratio`` divides the measured end of stage 1 (the first epoch with ``max_r |γ_r| ≥ 1``, the ``Ω(1)`` of
    Lemma 5.4 read as ``≥ 1``; the run length where it is never reached) by the ``T₁`` of Lemma 5.4
    (:func:`mmcl.theory.predictions.t1_multi`, which depends on ``σ₀`` but not on the initialisation's structure).
    """
    end = np.where(record.signal_time >= 0, record.signal_time, record.epochs).astype(float)
    out = {
        "mixed_fraction": record.mixed_fraction,
        "synced_fraction": record.synced_fraction,
        "presync_length": record.presync_length.astype(float),
        "mixed_epochs": record.mixed_epochs,
        "median_sync_time": record.median_sync_time,
        "signal_time": end,
        "stage1_ratio": end / predictions.t1_multi(config),
        "signal_learning": np.asarray(record.signal_learning, dtype=float),
        "noise_memorization": np.asarray(record.noise_memorization, dtype=float),
        "noise_agreement": np.asarray(record.noise_agreement, dtype=float),
        "test_accuracy": np.asarray(record.test_accuracy, dtype=float),
    }
    return out


@dataclass(frozen=True)
class Summary:
    """Mean and 95% t interval over seeds of every measure of one cell (NaN where undefined, e.g. no mixed
    neuron); ``values`` keeps the per-seed values."""

    label: str
    mean: Mapping[str, float]
    half_width: Mapping[str, float]
    values: Mapping[str, np.ndarray]


def summarise(label: str, values: Mapping[str, np.ndarray], level: float = 0.95) -> Summary:
    """:class:`Summary` of per-seed ``values`` (a measure undefined on some seed gets NaN)."""
    mean, half = {}, {}
    for name, v in values.items():
        v = np.asarray(v, dtype=float)
        if np.isnan(v).any() or np.ptp(v) == 0:
            mean[name], half[name] = (float(v.mean()), 0.0) if not np.isnan(v).any() else (np.nan, np.nan)
            continue
        ci = stats.t_interval(v, level=level)
        mean[name], half[name] = float(ci.mean), float(ci.half_width)
    return Summary(label, mean, half, dict(values))


@dataclass(frozen=True)
class Contrast:
    """``a − b`` of one measure, paired by seed: mean, 95% t half-width, two-sided p-value of the paired t test
    and whether it is a discovery at false discovery rate ``q`` under Benjamini–Hochberg over all contrasts."""

    label: str
    baseline: str
    measure: str
    mean: float
    half_width: float
    p_value: float
    adjusted_p: float
    significant: bool

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width


def paired_contrasts(
    cells: Mapping[str, Mapping[str, np.ndarray]],
    pairs: Sequence[tuple[str, str]],
    measure_names: Sequence[str],
    q: float = 0.05,
) -> list[Contrast]:
    """Seed-paired differences ``cells[a][measure] − cells[b][measure]`` for every ``(a, b)`` in ``pairs`` and
    every measure, with Benjamini–Hochberg at ``q`` over all of them together.

    ``cells`` maps a label to its per-seed measures, all with the same seeds in the same order. A measure undefined
    (NaN) on some seed of either cell is refused (``ValueError``).
    """
    if not pairs or not measure_names:
        raise ValueError("pairs and measure_names must be non-empty")
    rows: list[tuple[str, str, str, Any]] = []
    for a, b in pairs:
        for name in (a, b):
            if name not in cells:
                raise ValueError(f"no cell labelled {name!r}; labels: {list(cells)}")
        for m in measure_names:
            x, y = np.asarray(cells[a][m], dtype=float), np.asarray(cells[b][m], dtype=float)
            if np.isnan(x).any() or np.isnan(y).any():
                raise ValueError(f"{m} is undefined on some seed of {a!r} or {b!r}; compare a defined measure")
            rows.append((a, b, m, stats.paired_difference_interval(x, y)))
    diffs = [np.asarray(cells[a][m], dtype=float) - np.asarray(cells[b][m], dtype=float) for a, b, m, _ in rows]
    p = np.array([float(stats.t_test_p_value(d)) for d in diffs])
    bh = stats.benjamini_hochberg(p, q)
    return [
        Contrast(a, b, m, float(ci.mean), float(ci.half_width), float(pv), float(adj), bool(sig))
        for (a, b, m, ci), pv, adj, sig in zip(rows, p, bh.adjusted, bh.discoveries)
    ]


def multi_advantage(multi: np.ndarray, single: np.ndarray) -> np.ndarray:
    """The multi-modal advantage per seed: ``multi − single`` OOD accuracy (the two runs of a seed share the
    modality-1 data and, for the strategies that change only ``W̃⁽⁰⁾``, the initial ``W``)."""
    a, b = np.asarray(multi, dtype=float), np.asarray(single, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"multi and single must be seed-paired arrays of one shape, got {a.shape} and {b.shape}")
    return a - b


def per_seed_slope(x: Sequence[float] | np.ndarray, values: np.ndarray) -> np.ndarray:
    """The least-squares slope of ``values`` against ``x`` for every seed: ``values`` is ``(cells, R)`` with one
    seed-paired row per cell, ``x`` the cells' abscissae, ``(cells,)``, or one per cell and seed, ``(cells, R)``;
    returns ``(R,)``. A t interval of these slopes that excludes zero is a seed-paired test of a monotone trend
    across the cells."""
    v = np.asarray(values, dtype=float)
    xs = np.asarray(x, dtype=float)
    if v.ndim != 2 or v.shape[0] < 2:
        raise ValueError(f"values must be (cells, seeds) with at least 2 cells, got shape {v.shape}")
    if xs.ndim == 1:
        xs = np.repeat(xs[:, None], v.shape[1], axis=1)
    if xs.shape != v.shape:
        raise ValueError(f"x must have shape ({v.shape[0]},) or {v.shape}, got {np.shape(x)}")
    dx = xs - xs.mean(0)
    if (np.abs(dx).sum(0) == 0).any():
        raise ValueError("x must take at least two different values for every seed")
    return (dx * (v - v.mean(0))).sum(0) / (dx**2).sum(0)


def recorded_cost(lines: Mapping[str, Mapping[str, Any]]) -> tuple[int, int, float]:
    """``(cells, runs, seconds)`` of the cell lines of a results file (``SweepResults.cells``): the seconds are the
    wall time of the batches that trained them, each batch counted once."""
    batches = {(line["header"], line["batch_runs"], line["batch_seconds"]) for line in lines.values()}
    runs = sum(len(line["seeds"]) for line in lines.values())
    return len(lines), runs, float(sum(b[2] for b in batches))
