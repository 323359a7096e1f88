"""Per-neuron synchronisation (Lemma D.3): the sign classes of ``(⟨w_r, μ⟩, ⟨w̃_r, μ̃⟩)``, when and how mixed neurons
synchronise, and the activation patterns of the two modalities.

A neuron ``r`` is in one of four *sign classes* at epoch ``t``: ``U₊∩Ũ₊`` (``"++"``), ``U₊∩Ũ₋`` (``"+-"``),
``U₋∩Ũ₊`` (``"-+"``) or ``U₋∩Ũ₋`` (``"--"``), with ``U_± = {r : ±⟨w_r⁽ᵗ⁾, μ⟩ > 0}`` and ``Ũ_±`` the same for
``⟨w̃_r⁽ᵗ⁾, μ̃⟩``. Lemma D.3 says (1)–(2): the aligned classes ``++`` and ``--`` keep their members, and (3): every
*mixed* neuron (``+-`` or ``-+``) reaches an aligned class at some ``t' > 0``, its *synchronisation time*. The
*pre-synchronisation phase* of a run lasts until its last mixed neuron has synchronised.

:class:`SyncRecord` holds what a run leaves of this, per seed and neuron, as written by
:func:`mmcl.sweeps.runner.synchronisation_record` into every multi-modal cell of a sweep (or taken from a run trained
now, :meth:`SyncRecord.from_run`). :func:`flip_prediction` is the rule of chapter 13 for which half of a mixed
neuron flips (the one whose signal projection, measured in units of its signal's norm, is smaller).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model.config import SyntheticConfig
from ..model.initialization import initial_pair
from ..model.trainer import Run
from ..sweeps.runner import synchronisation_record

__all__ = [
    "SIGN_CLASSES",
    "sign_classes",
    "class_fractions",
    "SyncRecord",
    "flip_prediction",
    "initial_projections",
    "rank_correlation",
]

SIGN_CLASSES = ("++", "+-", "-+", "--")
"""The four sign classes of ``(sign⟨w_r, μ⟩, sign⟨w̃_r, μ̃⟩)``, in the order of the codes 0–3."""

_PER_NEURON = ("sign0", "sign0_tilde", "first_flip", "first_flip_tilde", "flips", "flips_tilde", "sync_time")
_PER_RUN = (
    "signal_time",
    "signal_agreement",
    "noise_agreement",
    "test_signal_agreement",
    "test_accuracy",
    "signal_learning",
    "signal_learning_tilde",
    "noise_memorization",
    "noise_memorization_tilde",
)


def sign_classes(signal: np.ndarray, signal_tilde: np.ndarray) -> np.ndarray:
    """The class code (0–3, :data:`SIGN_CLASSES`) of every neuron from ``⟨w_r, μ⟩`` and ``⟨w̃_r, μ̃⟩`` (any equal
    shapes, e.g. the trainer's ``signal_pre`` histories ``(R, T+1, m)``). A projection exactly 0 counts as ``-``."""
    a, b = np.asarray(signal), np.asarray(signal_tilde)
    if a.shape != b.shape:
        raise ValueError(f"signal and signal_tilde must have the same shape, got {a.shape} and {b.shape}")
    return 2 * (a <= 0).astype(int) + (b <= 0).astype(int)


def class_fractions(classes: np.ndarray) -> np.ndarray:
    """The fraction of neurons (last axis) in each class, a new last axis of length 4."""
    c = np.asarray(classes)
    if c.size and (c.min() < 0 or c.max() > 3):
        raise ValueError("classes must be codes 0–3 (see SIGN_CLASSES)")
    return np.stack([(c == k).mean(-1) for k in range(4)], axis=-1)


@dataclass(frozen=True)
class SyncRecord:
    """The synchronisation record of the runs of one cell: per-neuron arrays ``(R, m)``, per-run arrays ``(R,)``.

    Per neuron: ``sign0``/``sign0_tilde`` (±1 at ``t = 0``), ``first_flip``/``first_flip_tilde`` (first epoch with
    the other sign, −1 if never), ``flips``/``flips_tilde`` (number of sign changes), ``sync_time`` (first epoch at
    which the two signs agree: 0 if aligned at ``t = 0``, −1 if never). Per run: ``signal_time`` (first epoch with
    ``max_r |γ_r| ≥ 1``, −1 if never), the activation-pattern agreements at the end, the OOD accuracy and the final
    signal and noise coefficients. ``epochs`` is the length of the runs.
    """

    seeds: np.ndarray
    epochs: int
    arrays: Mapping[str, np.ndarray]

    def __getattr__(self, name: str) -> np.ndarray:
        arrays = object.__getattribute__(self, "arrays")
        if name in arrays:
            return arrays[name]
        raise AttributeError(name)

    @classmethod
    def from_row(cls, row: Mapping[str, Any], epochs: int) -> "SyncRecord":
        """From a row of :meth:`mmcl.sweeps.results.SweepResults.table` of a multi-modal cell."""
        if row.get("mode") != "multi":
            raise ValueError(f"a synchronisation record needs a multi-modal cell, got mode {row.get('mode')!r}")
        missing = [k for k in _PER_NEURON + _PER_RUN if k not in row]
        if missing:
            raise ValueError(f"the cell has no {missing}: it was recorded before synchronisation was; re-run it")
        return cls(np.asarray(row["seeds"]), int(epochs), {k: np.asarray(row[k]) for k in _PER_NEURON + _PER_RUN})

    @classmethod
    def from_run(cls, run: Run) -> "SyncRecord":
        """From a multi-modal :class:`~mmcl.model.trainer.Run` trained now (what a sweep would record for it)."""
        if run.mode != "multi":
            raise ValueError(f"a synchronisation record needs a multi-modal run, got mode {run.mode!r}")
        rec = {k: np.asarray(v) for k, v in synchronisation_record(run, slice(0, run.runs)).items()}
        h = run.history
        rec["test_accuracy"] = np.asarray(run.test_accuracy)
        for k in ("signal_learning", "signal_learning_tilde", "noise_memorization", "noise_memorization_tilde"):
            rec[k] = h[k][:, -1]
        return cls(np.asarray(run.seeds), int(run.configs[0].epochs), rec)

    # -- per neuron ------------------------------------------------------------------------------------------------
    @property
    def mixed(self) -> np.ndarray:
        """Neurons mixed at ``t = 0`` (classes ``+-`` and ``-+``), boolean ``(R, m)``."""
        return self.sign0 != self.sign0_tilde

    @property
    def synced(self) -> np.ndarray:
        """Mixed neurons that synchronise within the run, boolean ``(R, m)``."""
        return self.mixed & (self.sync_time > 0)

    @property
    def flip_half(self) -> np.ndarray:
        """For each synchronised neuron, the half whose sign changed at the synchronisation: 1 (``⟨w_r, μ⟩``) or 2
        (``⟨w̃_r, μ̃⟩``); 0 for the others, ``(R, m)``."""
        one = self.synced & (self.first_flip == self.sync_time)
        two = self.synced & ~one & (self.first_flip_tilde == self.sync_time)
        return np.where(one, 1, np.where(two, 2, 0))

    @property
    def stays(self) -> np.ndarray:
        """Neurons that never leave an aligned class once in one (Lemma D.3 (1)–(2)): aligned neurons that never
        change sign, synchronised neurons whose halves change sign once in all, ``(R, m)``."""
        total = self.flips + self.flips_tilde
        return np.where(self.mixed, ~self.synced | (total == 1), total == 0)

    # -- per run ---------------------------------------------------------------------------------------------------
    @property
    def mixed_fraction(self) -> np.ndarray:
        """Fraction of the ``m`` neurons mixed at ``t = 0``, ``(R,)``."""
        return self.mixed.mean(1)

    @property
    def synced_fraction(self) -> np.ndarray:
        """Fraction of the mixed neurons that synchronise within the run (NaN for a run without mixed neurons)."""
        count = self.mixed.sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, self.synced.sum(1) / np.maximum(count, 1), np.nan)

    @property
    def presync_length(self) -> np.ndarray:
        """Length of the pre-synchronisation phase: the epoch by which every mixed neuron has synchronised (0 for a
        run without mixed neurons; ``epochs`` when one never does within the run), ``(R,)``."""
        t = np.where(self.mixed & ~self.synced, self.epochs, np.where(self.mixed, self.sync_time, 0))
        return t.max(1)

    @property
    def mixed_epochs(self) -> np.ndarray:
        """Epochs a neuron spends mixed, averaged over the ``m`` neurons (0 for aligned ones, ``epochs`` for one that
        never synchronises): the area under the mixed share of :meth:`mixed_over_time`, one measure of how much
        pre-synchronisation a run has that counts both its mixed neurons and how long they stay mixed, ``(R,)``."""
        t = np.where(self.mixed & ~self.synced, self.epochs, np.where(self.mixed, self.sync_time, 0))
        return t.mean(1).astype(float)

    @property
    def median_sync_time(self) -> np.ndarray:
        """Median synchronisation time of the synchronised neurons of each run (NaN without any), ``(R,)``."""
        out = np.full(len(self.seeds), np.nan)
        for k, (times, keep) in enumerate(zip(self.sync_time, self.synced)):
            if keep.any():
                out[k] = float(np.median(times[keep]))
        return out

    def mixed_over_time(self) -> np.ndarray:
        """Fraction of neurons mixed at each epoch ``0 … epochs``, ``(R, T+1)``: a mixed neuron counts until its
        synchronisation. Exact where :attr:`stays` holds for every neuron (no neuron leaves an aligned class)."""
        t = np.arange(self.epochs + 1)
        until = np.where(self.synced, self.sync_time, self.epochs + 1)
        return (self.mixed[:, None, :] & (t[None, :, None] < until[:, None, :])).mean(2)


def initial_projections(config: SyntheticConfig, seeds: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """``(⟨w_r⁽⁰⁾, μ⟩, ⟨w̃_r⁽⁰⁾, μ̃⟩)`` of every seed, ``(R, m)`` each, from the initialisation of ``config``
    (float64; ``μ = ‖μ‖e₁``, ``μ̃ = ‖μ̃‖e₂``). ``init="warm_single"`` is refused: its ``W⁽⁰⁾`` is a trained encoder."""
    if config.init == "warm_single":
        raise ValueError("init='warm_single' starts from trained weights; train the run to read its W⁽⁰⁾")
    pairs = [initial_pair(config, int(s), "multi") for s in seeds]
    a = np.stack([w[:, 0].cpu().numpy() for w, _ in pairs]) * config.mu_norm
    b = np.stack([w_t[:, 1].cpu().numpy() for _, w_t in pairs]) * config.mu_tilde_norm
    return a, b


def flip_prediction(signal: np.ndarray, signal_tilde: np.ndarray, mu_norm: float, mu_tilde_norm: float) -> np.ndarray:
    """Which half of a mixed neuron should flip: 1 where ``|⟨w_r, μ⟩|/‖μ‖ < |⟨w̃_r, μ̃⟩|/‖μ̃‖``, else 2.

    The reason (chapter 13, §13.2): with ``ỹ = y`` a mixed neuron never fires on both signal patches of a positive
    pair, only on those of negative pairs, so the loss lowers both ``a = |⟨w_r, μ⟩|`` and ``b = |⟨w̃_r, μ̃⟩|`` at
    rates ``∝ ‖μ‖²·b`` and ``∝ ‖μ̃‖²·a``. Then ``a²‖μ̃‖² − b²‖μ‖²`` is conserved (in continuous time), and the
    half with the smaller ``a/‖μ‖`` resp. ``b/‖μ̃‖`` reaches zero first.
    """
    if mu_norm <= 0 or mu_tilde_norm <= 0:
        raise ValueError(f"mu_norm and mu_tilde_norm must be > 0, got {mu_norm} and {mu_tilde_norm}")
    a, b = np.abs(np.asarray(signal)) / mu_norm, np.abs(np.asarray(signal_tilde)) / mu_tilde_norm
    return np.where(a < b, 1, 2)


def rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation of two 1-D samples (ties get their mean rank); NaN when either is constant."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if a.ndim != 1 or a.shape != b.shape or a.size < 2:
        raise ValueError(f"x and y must be 1-D of one length >= 2, got {a.shape} and {b.shape}")

    def ranks(v: np.ndarray) -> np.ndarray:  # 0-based ranks, ties at their mean rank
        _, inverse, counts = np.unique(v, return_inverse=True, return_counts=True)
        starts = np.cumsum(counts) - counts
        return (starts + (counts - 1) / 2)[inverse]

    ra, rb = ranks(a), ranks(b)
    if np.ptp(ra) == 0 or np.ptp(rb) == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])
