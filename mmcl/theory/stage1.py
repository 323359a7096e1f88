"""Stage 1 of both settings (Appendix C.1 and D.1): the sign sets, the auxiliary quantities and the checks both use.

Quantities (all read from a :class:`~mmcl.theory.trajectory.Trajectory`, leading axes ``(R, T+1)``):

* ``U_±⁽ᵗ⁾ = {r : ±⟨w_r⁽ᵗ⁾, μ⟩ > 0}`` and ``I_{r,±}⁽ᵗ⁾ = {i : ±⟨w_r⁽ᵗ⁾, ξ_i⟩ > 0}`` (Lemmas C.3, C.7, D.3, D.9);
* ``A_r⁽ᵗ⁾ = ±(γ_r⁽ᵗ⁾ + ⟨w_r⁽⁰⁾, μ⟩)`` for ``r ∈ U_±⁽⁰⁾`` (Lemmas C.4, D.4);
* ``Ψ_{r,i}⁽ᵗ⁾ = ρ_{r,i}⁽ᵗ⁾ + ⟨w_r⁽⁰⁾, ξ_i⟩`` (``Φ`` for ``y_i = −1``; Lemmas C.11, D.9);
* ``B_{r,±}⁽ᵗ⁾ = Σ_{i: y_i = ±1} Ψ_{r,i}⁽ᵗ⁾·1[i ∈ I_{r,+}⁽ᵗ⁾]`` (Lemma C.9) and ``B_{r,s,s'}⁽ᵗ⁾`` (Lemma D.8);
* the synchronisation times of mixed-sign neurons (Lemma D.3);
* the stage-1 end ``T₁`` of Lemma 5.2/5.4 (:func:`stage1_end`), growth factors, fitted rates and the measured ends
  of stage 1 (:func:`memorisation_time`, :func:`signal_time`).

Also here: the checks that the two settings share up to the lemma's name (the recursions of Lemmas 5.1/5.3,
:func:`recursion_check`; the projections of Lemmas C.1/D.2, :func:`projection_checks`; the loss-derivative band of
Lemmas C.2/D.1, :func:`loss_derivative_check`) and the helpers that word every stage-1 check
(:func:`sizes_label`, :func:`first_failure_text`, :func:`label_split_note`). The lemma checks themselves are in
:mod:`mmcl.theory.stage1_single` (Appendix C.1, Lemmas 5.1, 5.2) and :mod:`mmcl.theory.stage1_multi` (Appendix D.1,
Lemmas 5.3, 5.4). Stage-1 statements are claimed for ``0 ≤ t ≤ T₁``; where one fails, a check also reports the first
epoch at which it fails. Conventions for order symbols (ours, stated in the book): ``Ω(1)`` is read as ``≥ 1``;
``Õ(·)`` statements are judged against the explicit bound that the paper's own proof derives.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..model.decomposition import least_squares
from . import predictions
from .trajectory import EncoderTrace, Trajectory
from .verdicts import Check, Verdict, holds_with_slack

__all__ = [
    "stage1_end",
    "signal_sets",
    "signal_strength",
    "noise_strength",
    "class_totals",
    "cross_totals",
    "sync_times",
    "loss_derivative_spread",
    "growth_factors",
    "positive_similarity",
    "fitted_rate",
    "first_failure",
    "sign_flips",
    "sizes_label",
    "sign_changes",
    "negative_crossings",
    "memorisation_time",
    "signal_time",
    "first_failure_text",
    "label_split_note",
    "recursion_check",
    "projection_checks",
    "loss_derivative_check",
]


# ----------------------------------------------------------------------------------------------- time and sets
def stage1_end(traj: Trajectory) -> int:
    """``⌊T₁⌋`` of Lemma 5.2 (single-modal) or Lemma 5.4 (multi-modal), capped at the number of epochs."""
    t1 = predictions.t1_single(traj.config) if traj.mode == "single" else predictions.t1_multi(traj.config)
    if t1 < 0:
        raise ValueError(
            f"T₁ = {t1:.3g} < 0: the initialisation (sigma0 = {traj.config.sigma0}) is already past the end of "
            "stage 1 of the lemmas; lower sigma0"
        )
    return int(min(math.floor(t1), traj.epochs))


def signal_sets(trace: EncoderTrace) -> tuple[np.ndarray, np.ndarray]:
    """``(U₊, U₋)``: boolean ``(R, T+1, m)``, neurons with ``⟨w_r⁽ᵗ⁾, μ⟩ > 0`` resp. ``< 0``."""
    return trace.signal > 0, trace.signal < 0


def signal_strength(trace: EncoderTrace) -> np.ndarray:
    """``A_r⁽ᵗ⁾ = sign(⟨w_r⁽⁰⁾,μ⟩)·(γ_r⁽ᵗ⁾ + ⟨w_r⁽⁰⁾,μ⟩)`` (Lemma C.4), ``(R, T+1, m)``; positive at ``t = 0``."""
    s0 = trace.signal[:, :1]
    return np.sign(s0) * (trace.gamma + s0)


def noise_strength(trace: EncoderTrace) -> np.ndarray:
    """``Ψ_{r,i}⁽ᵗ⁾ = ρ_{r,i}⁽ᵗ⁾ + ⟨w_r⁽⁰⁾, ξ_i⟩`` (``Φ`` for ``y_i = −1``; Lemma C.11), ``(R, T+1, m, n)``."""
    return trace.rho + trace.noise[:, :1]


def class_totals(trace: EncoderTrace, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(B_{r,+}⁽ᵗ⁾, B_{r,−}⁽ᵗ⁾)`` of Lemma C.9: memorisation summed over each label class, ``(R, T+1, m)``."""
    active = noise_strength(trace) * (trace.noise > 0)
    return (active * (y[:, None, None, :] > 0)).sum(3), (active * (y[:, None, None, :] < 0)).sum(3)


def cross_totals(trace: EncoderTrace, partner: EncoderTrace, y: np.ndarray) -> dict[tuple[int, int], np.ndarray]:
    """``B_{r,s,s'}⁽ᵗ⁾ = Σ_{i: y_i = s} Ψ_{r,i}⁽ᵗ⁾·1[i ∈ I_{r,+}⁽ᵗ⁾ ∩ Ĩ_{r,s'}⁽ᵗ⁾]`` (Lemma D.8), keyed by ``(s, s')``.

    ``partner`` is the other modality's trace (its signs define ``Ĩ``); swap the arguments for ``B̃``.
    """
    active = noise_strength(trace) * (trace.noise > 0)
    out = {}
    for s in (1, -1):
        for s2 in (1, -1):
            sel = (y[:, None, None, :] == s) & (s2 * partner.noise > 0)
            out[(s, s2)] = (active * sel).sum(3)
    return out


def sync_times(traj: Trajectory) -> np.ndarray:
    """Synchronisation time of every neuron (Lemma D.3): the first epoch at which ``⟨w_r,μ⟩`` and ``⟨w̃_r,μ̃⟩`` have
    the same sign, ``(R, m)``; 0 for neurons aligned at initialisation, −1 for neurons never aligned within the run."""
    agree = np.sign(traj.h.signal) * np.sign(traj.g.signal) > 0  # (R, T+1, m)
    first = agree.argmax(1)
    return np.where(agree.any(1), first, -1)


def loss_derivative_spread(traj: Trajectory, encoder: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)``: per epoch the smallest and largest of ``ℓ'_i·(M_i+1)`` and ``ℓ'_{i,j}·(M_i+1)`` (eq. 8),
    ``(R, T+1)``.

    Lemma C.2/D.1 says both lie in ``[1/C_ℓ, C_ℓ]`` during stage 1.
    """
    trace = traj.encoders[encoder]
    scale = (traj.negative_counts + 1.0)[:, None, :]
    low = np.minimum(trace.pos_prob * scale, trace.neg_min * scale).min(2)
    high = np.maximum(trace.pos_prob * scale, trace.neg_max * scale).max(2)
    return low, high


def positive_similarity(traj: Trajectory) -> np.ndarray:
    """``Sim_h(x_i, x̂_i)`` of eq. (4) at every epoch, ``(R, T+1, n)`` (single-modal): the anchor–positive similarity
    whose exponential ``e^{Sim/τ}`` sets the loss derivatives of eq. (8)."""
    if traj.mode != "single":
        raise ValueError("positive_similarity is defined for the single-modal setting")
    h = traj.h
    sig = np.maximum(h.signal[:, :, :, None] * traj.y[:, None, None, :], 0)
    noise = np.maximum(h.noise, 0) * np.maximum(h.noise + h.eps_noise, 0)
    return (sig**2 + noise).mean(2)


def growth_factors(series: np.ndarray, axis: int = 1) -> np.ndarray:
    """One-step factors ``x⁽ᵗ⁺¹⁾/x⁽ᵗ⁾`` along ``axis`` (NaN where ``x⁽ᵗ⁾ ≤ 0``)."""
    x = np.moveaxis(np.asarray(series, dtype=np.float64), axis, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(x[:-1] > 0, x[1:] / x[:-1], np.nan)
    return np.moveaxis(f, 0, axis)


def fitted_rate(series: np.ndarray, start: int = 0, stop: int | None = None) -> float:
    """The per-step factor ``q`` of the least-squares fit ``log x⁽ᵗ⁾ ≈ a + t·log q`` on ``start ≤ t ≤ stop``.

    ``series`` is 1-D and positive on the window. For an exact geometric sequence ``x⁽ᵗ⁾ = x⁽⁰⁾qᵗ`` it returns ``q``.
    """
    x = np.asarray(series, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"series must be 1-D, got shape {x.shape}")
    stop = x.size - 1 if stop is None else stop
    if not (0 <= start < stop < x.size):
        raise ValueError(f"need 0 <= start < stop < len(series) = {x.size}, got start={start}, stop={stop}")
    window = x[start : stop + 1]
    if (window <= 0).any():
        raise ValueError("series must be positive on the fitted window")
    t = np.arange(start, stop + 1, dtype=np.float64)
    slope = np.polyfit(t, np.log(window), 1)[0]
    return float(math.exp(slope))


def first_failure(violated: np.ndarray) -> int:
    """First epoch (axis 1) at which ``violated (R, T', …)`` is true in any run, or −1 when never."""
    v = np.asarray(violated, dtype=bool).reshape(violated.shape[0], violated.shape[1], -1).any((0, 2))
    return int(v.argmax()) if v.any() else -1


def sign_flips(trace: EncoderTrace) -> np.ndarray:
    """The neurons whose ``⟨w_r⁽ᵗ⁾, μ⟩`` changes sign at some epoch (Lemma C.3), boolean ``(R, m)``."""
    return (np.sign(trace.signal) != np.sign(trace.signal[:, :1])).any(1)


def sign_changes(trace: EncoderTrace) -> np.ndarray:
    """Per run, the number of neurons whose ``⟨w_r⁽ᵗ⁾, μ⟩`` changes sign at some epoch (Lemma C.3), ``(R,)``."""
    return sign_flips(trace).sum(1)


def negative_crossings(trace: EncoderTrace) -> np.ndarray:
    """Per run, the number of pairs with ``⟨w_r⁽⁰⁾, ξ_i⟩ < 0`` that turn positive at some epoch (Lemma C.7),
    ``(R,)``."""
    return ((trace.noise > 0) & (trace.noise[:, :1] < 0)).any(1).sum((1, 2))


def memorisation_time(traj: Trajectory, level: float = 1.0) -> int:
    """Measured end of single-modal stage 1: the first epoch with ``min_i max_r ρ_{r,i}⁽ᵗ⁾ ≥ level`` in every run
    (every sample memorised at unit scale, the ``Ω(1)`` of Lemma 5.2), or −1."""
    reached = (traj.h.rho.max(2).min(2) >= level).all(0)
    return int(reached.argmax()) if reached.any() else -1


def signal_time(traj: Trajectory, level: float = 1.0) -> int:
    """Measured end of multi-modal stage 1: the first epoch with ``max_r γ_r⁽ᵗ⁾ ≥ level`` in every run (Lemma 5.4), or
    −1."""
    reached = (traj.h.gamma.max(2) >= level).all(0)
    return int(reached.argmax()) if reached.any() else -1


def sizes_label(traj: Trajectory) -> str:
    """The sizes of a trajectory's runs, as the checks report them: ``n=…, d=…, m=…, R run(s), mode``."""
    c = traj.config
    return f"n={c.n}, d={c.d}, m={c.m}, {traj.runs} run(s), {traj.mode}-modal"


def label_split_note(traj: Trajectory) -> str:
    """The label split of the run(s), which sets the stage-1 growth constants (0.52, 0.48 assume |S_±| ≈ n/2)."""
    plus = (traj.y > 0).sum(1)
    split = ", ".join(f"{int(p)}/{traj.config.n - int(p)}" for p in plus)
    return f"labels split {split} (+/−): the constants assume |S_±| ≈ n/2 (Lemma B.3 with n ≥ 2500 log(4/δ))"


def first_failure_text(t: int) -> str:
    """How the checks word a first-failure epoch ``t`` (from :func:`first_failure`): "never" for −1, else
    "first at t = …"."""
    return "never" if t < 0 else f"first at t = {t}"


# ----------------------------------------------------------------------------------------------- Lemmas 5.1/5.3
def _recursion_gap(traj: Trajectory) -> tuple[float, float]:
    """Largest |least squares − recursion| over the snapshots and encoders, and the largest coefficient."""
    gap, scale = 0.0, 0.0
    for t, weights in sorted(traj.snapshots.items()):
        for k, w in enumerate(weights):
            basis = torch.as_tensor(traj.basis[k])
            gamma, rho = least_squares(torch.as_tensor(w), torch.as_tensor(traj.w0[k]), basis[:, 0], basis[:, 1:])
            trace = traj.encoders[k]
            gap = max(
                gap,
                float(np.abs(gamma.cpu().numpy() - trace.gamma[:, t]).max()),
                float(np.abs(rho.cpu().numpy() - trace.rho[:, t]).max()),
            )
            scale = max(scale, float(np.abs(trace.gamma[:, t]).max()), float(np.abs(trace.rho[:, t]).max()))
    return gap, scale


def recursion_check(traj: Trajectory, lemma: str) -> Check:
    """The check of Lemma 5.1 or 5.3 (named ``lemma``): the coefficients that the recursions (12)–(13) resp. (15)–(18)
    give agree with those that least squares recovers from every weight snapshot, to round-off.

    The trainer builds its weights from these very coefficients, so the check restates the implementation: its verdict
    is ``holds by construction`` (``wrong as stated`` would mean a broken decomposition). The independent check of
    Lemma 5.1 is :func:`mmcl.theory.recursion.lemma_5_1_independent`."""
    if not traj.snapshots:
        raise ValueError("the trajectory holds no weight snapshots")
    gap, scale = _recursion_gap(traj)
    tol = 1e-8 * max(1.0, scale)
    verdict = Verdict.BY_CONSTRUCTION if gap <= tol else Verdict.WRONG
    epochs = ", ".join(str(t) for t in sorted(traj.snapshots))
    # round-off differs between LAPACK builds and thread counts, so report the gap by order of magnitude only
    shown = "below 1e-12" if gap < 1e-12 else f"= {gap:.1e}"
    return Check(
        lemma,
        verdict,
        f"max |least squares − recursion| {shown} (coefficients up to {scale:.3g}) at t = {epochs}",
        f"≤ {tol:.0e}",
        "the trainer builds W⁽ᵗ⁾ from these coefficients, so least squares returns them by construction",
        sizes=sizes_label(traj),
        part="least squares",
    )


# ----------------------------------------------------------------------------------------------- C.1 / D.2
def projection_checks(traj: Trajectory, lemma: str, delta: float) -> list[Check]:
    """The bounds of Lemma C.1 (named ``lemma``; D.2 in the multi-modal setting) on ``0 ≤ t ≤ T₁``, one check per
    encoder: ``|⟨w_r⁽ᵗ⁾ − w_r⁽⁰⁾, ξ_i⟩ − ρ_{r,i}⁽ᵗ⁾| ≤ 5√(log(6n²/δ)/d)·n`` and
    ``|⟨w_r⁽ᵗ⁾ − w_r⁽⁰⁾, μ⟩ − γ_r⁽ᵗ⁾| ≤ SNR·√(8 log(6n/δ)/d)·n`` (with ``d̃`` and ``SNR̃`` for the second encoder)."""
    c, n, t1 = traj.config, traj.config.n, stage1_end(traj)
    checks = []
    for k, trace in enumerate(traj.encoders):
        d = c.d if k == 0 else c.dim_tilde
        snr = c.snr if k == 0 else c.snr_tilde
        noise_dev = np.abs(trace.noise[:, : t1 + 1] - trace.noise[:, :1] - trace.rho[:, : t1 + 1]).max()
        signal_dev = np.abs(trace.signal[:, : t1 + 1] - trace.signal[:, :1] - trace.gamma[:, : t1 + 1]).max()
        nb = 5 * math.sqrt(math.log(6 * n**2 / delta) / d) * n
        sb = snr * math.sqrt(8 * math.log(6 * n / delta) / d) * n
        ok = noise_dev <= nb and signal_dev <= sb
        tag = "" if len(traj.encoders) == 1 else ("h " if k == 0 else "g ")
        slack = min(nb / max(noise_dev, 1e-300), sb / max(signal_dev, 1e-300))
        checks.append(
            Check(
                lemma,
                holds_with_slack(slack) if ok else Verdict.SIZE_UNMET,
                f"max deviations {noise_dev:.3f} (ξ), {signal_dev:.3f} (μ) for t ≤ {t1}",
                f"{nb:.3g} (ξ), {sb:.3g} (μ)",
                f"the bounds are {nb / max(noise_dev, 1e-300):.0f}× and "
                f"{sb / max(signal_dev, 1e-300):.0f}× the deviations",
                sizes_label(traj),
                (tag + "projections").strip(),
                slack if ok else None,
            )
        )
    return checks


# ----------------------------------------------------------------------------------------------- C.2 / D.1
def loss_derivative_check(traj: Trajectory, lemma: str, required: float, why: str) -> Check:
    """The band of Lemma C.2 (named ``lemma``; D.1 in the multi-modal setting) on ``0 ≤ t ≤ T₁``: the smallest
    ``C_ℓ`` with ``ℓ'_i(M+1), ℓ'_{i,j}(M+1) ∈ [1/C_ℓ, C_ℓ]`` for every encoder (:func:`loss_derivative_spread`),
    held against ``C_ℓ ≤ required``; ``why`` says where the requirement comes from."""
    t1 = stage1_end(traj)
    c_ell = 1.0
    for k in range(len(traj.encoders)):
        low, high = loss_derivative_spread(traj, k)
        c_ell = max(c_ell, float(high[:, : t1 + 1].max()), float((1 / low[:, : t1 + 1]).max()))
    low0, high0 = loss_derivative_spread(traj, 0)
    c0 = max(float(high0[:, 0].max()), float((1 / low0[:, 0]).max()))
    verdict = Verdict.HOLDS if c_ell <= required else Verdict.SIZE_UNMET
    return Check(
        lemma,
        verdict,
        f"C_ℓ = {c_ell:.4g} on t ≤ {t1} ({c0:.3g} at t = 0)",
        f"C_ℓ ≤ {required:.3g} ({why})",
        "a constant C_ℓ exists on any finite run; the check is whether it is as small as the stage-1 proofs need",
        sizes_label(traj),
    )
