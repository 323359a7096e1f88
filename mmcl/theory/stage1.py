"""Stage 1 of both settings (Appendix C.1 and D.1): the sign sets, the auxiliary quantities and the lemma checks.

Quantities (all read from a :class:`~mmcl.theory.trajectory.Trajectory`, leading axes ``(R, T+1)``):

* ``U_±⁽ᵗ⁾ = {r : ±⟨w_r⁽ᵗ⁾, μ⟩ > 0}`` and ``I_{r,±}⁽ᵗ⁾ = {i : ±⟨w_r⁽ᵗ⁾, ξ_i⟩ > 0}`` (Lemmas C.3, C.7, D.3, D.9);
* ``A_r⁽ᵗ⁾ = ±(γ_r⁽ᵗ⁾ + ⟨w_r⁽⁰⁾, μ⟩)`` for ``r ∈ U_±⁽⁰⁾`` (Lemmas C.4, D.4);
* ``Ψ_{r,i}⁽ᵗ⁾ = ρ_{r,i}⁽ᵗ⁾ + ⟨w_r⁽⁰⁾, ξ_i⟩`` (``Φ`` for ``y_i = −1``; Lemmas C.11, D.9);
* ``B_{r,±}⁽ᵗ⁾ = Σ_{i: y_i = ±1} Ψ_{r,i}⁽ᵗ⁾·1[i ∈ I_{r,+}⁽ᵗ⁾]`` (Lemma C.9) and ``B_{r,s,s'}⁽ᵗ⁾`` (Lemma D.8);
* the synchronisation times of mixed-sign neurons (Lemma D.3).

Each ``lemma_*`` function returns a :class:`~mmcl.theory.verdicts.Check`. Stage-1 statements are claimed for
``0 ≤ t ≤ T₁`` with the ``T₁`` of Lemma 5.2/5.4 (:func:`stage1_end`); where one fails, the check also reports the
first epoch at which it fails. Conventions for order symbols (ours, stated in the book): ``Ω(1)`` is read as
``≥ 1``; ``Õ(·)`` statements are judged against the explicit bound that the paper's own proof derives.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..model.decomposition import least_squares
from . import predictions
from .trajectory import EncoderTrace, Trajectory
from .verdicts import Check, Verdict

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
    "lemma_5_1",
    "lemma_5_3",
    "lemma_c1",
    "lemma_d2",
    "lemma_c2",
    "lemma_d1",
    "lemma_c3",
    "lemma_c4",
    "lemma_c5",
    "lemma_c7",
    "lemma_c11",
    "lemma_5_2",
    "lemma_d3",
    "lemma_d4",
    "lemma_d8",
    "lemma_d9",
    "lemma_5_4",
]


# ----------------------------------------------------------------------------------------------- time and sets
def stage1_end(traj: Trajectory) -> int:
    """``⌊T₁⌋`` of Lemma 5.2 (single-modal) or Lemma 5.4 (multi-modal), capped at the number of epochs."""
    t1 = predictions.t1_single(traj.config) if traj.mode == "single" else predictions.t1_multi(traj.config)
    if t1 < 0:
        raise ValueError(f"T₁ = {t1:.3g} < 0: the initialisation (sigma0 = {traj.config.sigma0}) is already past the end of "
                         "stage 1 of the lemmas; lower sigma0")
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
    """``(low, high)``: per epoch the smallest and largest of ``ℓ'_i·(M_i+1)`` and ``ℓ'_{i,j}·(M_i+1)`` (eq. 8), ``(R, T+1)``.

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
    """Per run, the number of pairs with ``⟨w_r⁽⁰⁾, ξ_i⟩ < 0`` that turn positive at some epoch (Lemma C.7), ``(R,)``."""
    return ((trace.noise > 0) & (trace.noise[:, :1] < 0)).any(1).sum((1, 2))


def memorisation_time(traj: Trajectory, level: float = 1.0) -> int:
    """Measured end of single-modal stage 1: the first epoch with ``min_i max_r ρ_{r,i}⁽ᵗ⁾ ≥ level`` in every run
    (every sample memorised at unit scale, the ``Ω(1)`` of Lemma 5.2), or −1."""
    reached = (traj.h.rho.max(2).min(2) >= level).all(0)
    return int(reached.argmax()) if reached.any() else -1


def signal_time(traj: Trajectory, level: float = 1.0) -> int:
    """Measured end of multi-modal stage 1: the first epoch with ``max_r γ_r⁽ᵗ⁾ ≥ level`` in every run (Lemma 5.4), or −1."""
    reached = (traj.h.gamma.max(2) >= level).all(0)
    return int(reached.argmax()) if reached.any() else -1


def sizes_label(traj: Trajectory) -> str:
    """The sizes of a trajectory's runs, as the checks report them: ``n=…, d=…, m=…, R run(s), mode``."""
    c = traj.config
    return f"n={c.n}, d={c.d}, m={c.m}, {traj.runs} run(s), {traj.mode}-modal"


def _label_note(traj: Trajectory) -> str:
    """The label split of the run(s), which sets the stage-1 growth constants (0.52, 0.48 assume |S_±| ≈ n/2)."""
    plus = (traj.y > 0).sum(1)
    split = ", ".join(f"{int(p)}/{traj.config.n - int(p)}" for p in plus)
    return f"labels split {split} (+/−): the constants assume |S_±| ≈ n/2 (Lemma B.3 with n ≥ 2500 log(4/δ))"


def _when(t: int) -> str:
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
            gap = max(gap, float(np.abs(gamma.cpu().numpy() - trace.gamma[:, t]).max()), float(np.abs(rho.cpu().numpy() - trace.rho[:, t]).max()))
            scale = max(scale, float(np.abs(trace.gamma[:, t]).max()), float(np.abs(trace.rho[:, t]).max()))
    return gap, scale


def _recursion_check(traj: Trajectory, lemma: str) -> Check:
    if not traj.snapshots:
        raise ValueError("the trajectory holds no weight snapshots")
    gap, scale = _recursion_gap(traj)
    tol = 1e-8 * max(1.0, scale)
    verdict = Verdict.HOLDS if gap <= tol else Verdict.FAILS
    epochs = ", ".join(str(t) for t in sorted(traj.snapshots))
    # round-off differs between LAPACK builds and thread counts, so report the gap by order of magnitude only
    shown = "below 1e-12" if gap < 1e-12 else f"= {gap:.1e}"
    return Check(lemma, verdict, f"max |least squares − recursion| {shown} (coefficients up to {scale:.3g}) at t = {epochs}", f"≤ {tol:.0e}", sizes=sizes_label(traj))


def lemma_5_1(traj: Trajectory) -> Check:
    """Lemma 5.1: the recursions (12)–(13) give the coefficients that least squares recovers from the weights."""
    if traj.mode != "single":
        raise ValueError("Lemma 5.1 is about the single-modal setting; use lemma_5_3")
    return _recursion_check(traj, "5.1")


def lemma_5_3(traj: Trajectory) -> Check:
    """Lemma 5.3: the recursions (15)–(18), both modalities, against least squares."""
    if traj.mode != "multi":
        raise ValueError("Lemma 5.3 is about the multi-modal setting; use lemma_5_1")
    return _recursion_check(traj, "5.3")


# ----------------------------------------------------------------------------------------------- C.1 / D.2
def _projection_parts(traj: Trajectory, lemma: str, delta: float) -> list[Check]:
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
        checks.append(
            Check(
                lemma,
                Verdict.HOLDS if ok else Verdict.FAILS,
                f"max deviations {noise_dev:.3f} (ξ), {signal_dev:.3f} (μ) for t ≤ {t1}",
                f"{nb:.3g} (ξ), {sb:.3g} (μ)",
                f"the bounds are {nb / max(noise_dev, 1e-300):.0f}× and {sb / max(signal_dev, 1e-300):.0f}× the deviations",
                sizes_label(traj),
                (tag + "projections").strip(),
            )
        )
    return checks


def lemma_c1(traj: Trajectory, delta: float = 0.1) -> Check:
    """Lemma C.1 on ``0 ≤ t ≤ T₁``: ``|⟨w_r⁽ᵗ⁾ − w_r⁽⁰⁾, ξ_i⟩ − ρ_{r,i}⁽ᵗ⁾| ≤ 5√(log(6n²/δ)/d)·n`` and
    ``|⟨w_r⁽ᵗ⁾ − w_r⁽⁰⁾, μ⟩ − γ_r⁽ᵗ⁾| ≤ SNR·√(8 log(6n/δ)/d)·n``."""
    return _projection_parts(traj, "C.1", delta)[0]


def lemma_d2(traj: Trajectory, delta: float = 0.1) -> list[Check]:
    """Lemma D.2: the bounds of C.1 for both modalities (with ``d̃`` and ``SNR̃`` for the second)."""
    if traj.mode != "multi":
        raise ValueError("Lemma D.2 is about the multi-modal setting; use lemma_c1")
    return _projection_parts(traj, "D.2", delta)


# ----------------------------------------------------------------------------------------------- C.2 / D.1
def _loss_derivative_check(traj: Trajectory, lemma: str, required: float, why: str) -> Check:
    t1 = stage1_end(traj)
    c_ell = 1.0
    for k in range(len(traj.encoders)):
        low, high = loss_derivative_spread(traj, k)
        c_ell = max(c_ell, float(high[:, : t1 + 1].max()), float((1 / low[:, : t1 + 1]).max()))
    low0, high0 = loss_derivative_spread(traj, 0)
    c0 = max(float(high0[:, 0].max()), float((1 / low0[:, 0]).max()))
    verdict = Verdict.HOLDS if c_ell <= required else Verdict.FAILS
    return Check(
        lemma,
        verdict,
        f"C_ℓ = {c_ell:.4g} on t ≤ {t1} ({c0:.3g} at t = 0)",
        f"C_ℓ ≤ {required:.3g} ({why})",
        "a constant C_ℓ exists on any finite run; the check is whether it is as small as the stage-1 proofs need",
        sizes_label(traj),
    )


def lemma_c2(traj: Trajectory) -> Check:
    """Lemma C.2: ``ℓ'_i(M+1), ℓ'_{i,j}(M+1) ∈ [1/C_ℓ, C_ℓ]`` on ``0 ≤ t ≤ T₁``. The measured ``C_ℓ`` is held against
    the requirement ``M ≥ 100C_ℓ − 1`` of Lemma C.11, i.e. ``C_ℓ ≤ (M+1)/100`` with the smallest ``M_i``."""
    m_min = float(traj.negative_counts.min())
    return _loss_derivative_check(traj, "C.2", (m_min + 1) / 100, "C.11 needs M ≥ 100C_ℓ − 1")


def lemma_d1(traj: Trajectory) -> Check:
    """Lemma D.1: the loss-derivative band in the multi-modal setting, held against ``C_ℓ = 1.01`` (the value the
    proof of Lemma D.8 chooses)."""
    return _loss_derivative_check(traj, "D.1", 1.01, "the proof of D.8 takes C_ℓ = 1.01")


# ----------------------------------------------------------------------------------------------- C.3
def lemma_c3(traj: Trajectory) -> Check:
    """Lemma C.3 for all recorded ``t``: ``U_±⁽ᵗ⁾ = U_±⁽⁰⁾``; ``γ_r`` non-decreasing on ``U₊⁽⁰⁾``, non-increasing on ``U₋⁽⁰⁾``."""
    trace = traj.h
    s0 = np.sign(trace.signal[:, :1])
    flipped = np.sign(trace.signal) != s0  # (R, T+1, m)
    step = np.diff(trace.gamma, axis=1) * s0  # ≥ 0 when monotone in the right direction
    wrong = step < 0
    neurons = int(flipped.any(1).sum())
    non_monotone = int(wrong.any(1).sum())
    verdict = Verdict.HOLDS if neurons == 0 and non_monotone == 0 else Verdict.FAILS
    return Check(
        "C.3",
        verdict,
        f"{neurons} of {trace.signal.shape[0] * trace.signal.shape[2]} neurons change sign ({_when(first_failure(flipped))}); "
        f"{non_monotone} move γ the wrong way",
        "0 and 0",
        "the proof needs d above the bound of Lemma B.2" if verdict is Verdict.FAILS else "",
        sizes_label(traj),
    )


# ----------------------------------------------------------------------------------------------- C.4
def lemma_c4(traj: Trajectory) -> list[Check]:
    """Lemma C.4 on ``0 ≤ t ≤ T₁``. As printed, ``A_r⁽ᵗ⁾ ≤ (1 + 0.52η‖μ‖²/(mτ))·A_r⁽⁰⁾`` (no power ``t``); corrected,
    ``A_r⁽ᵗ⁾ ≤ (1 + 0.52η‖μ‖²/(mτ))ᵗ·A_r⁽⁰⁾``. Also the one-step form ``A⁽ᵗ⁺¹⁾ ≤ q·A⁽ᵗ⁾`` that the proof shows."""
    t1, q = stage1_end(traj), predictions.signal_rate_single(traj.config)
    a = signal_strength(traj.h)[:, : t1 + 1]
    t = np.arange(t1 + 1)[None, :, None]
    printed = a > q * a[:, :1] * (1 + 1e-12)
    corrected = a > a[:, :1] * q**t * (1 + 1e-12)
    one_step = a[:, 1:] > q * a[:, :-1] * (1 + 1e-12)
    total = a.shape[0] * a.shape[2]
    pv = int(printed.any(1).sum())
    cv = int(corrected.any(1).sum())
    sv = int(one_step.any(1).sum())
    if pv == 0:
        verdict = Verdict.HOLDS
    elif cv == 0:
        verdict = Verdict.CORRECTED
    else:
        verdict = Verdict.FAILS
    measured_rate = float(np.nanmax(growth_factors(a)))
    return [
        Check(
            "C.4",
            verdict,
            f"neurons violating: printed {pv}/{total} ({_when(first_failure(printed))}), with power t {cv}/{total} ({_when(first_failure(corrected))})",
            f"q = {q:.4f}",
            "the statement lacks the power t (NOTES §10 item 5)" + ("" if cv == 0 else "; " + _label_note(traj)),
            sizes_label(traj),
            "statement",
        ),
        Check(
            "C.4",
            Verdict.HOLDS if sv == 0 else Verdict.FAILS,
            f"largest one-step factor {measured_rate:.4f}; {sv}/{total} neurons exceed q",
            f"q = {q:.4f}",
            "",
            sizes_label(traj),
            "one step",
        ),
    ]


# ----------------------------------------------------------------------------------------------- C.5
def lemma_c5(traj: Trajectory, required: float = 200.0) -> Check:
    """Lemma C.5 on ``0 ≤ t ≤ T₁``: ``|⟨w_r⁽⁰⁾, ξ_i⟩| ≥ C_ξ|⟨w_r⁽ᵗ⁾, ε_i⟩|``; the realised ``C_ξ`` is held against
    the ``C_ξ > 200`` that Lemma C.11 uses."""
    trace = traj.h
    if trace.eps_noise is None:
        raise ValueError("Lemma C.5 needs a single-modal trajectory (augmentation noise ε)")
    t1 = stage1_end(traj)
    ratio = np.abs(trace.noise[:, :1]) / np.abs(trace.eps_noise[:, : t1 + 1])  # (R, t, m, n)
    worst = ratio.min(1)
    c_xi = float(worst.min())
    frac = float((worst < required).mean())
    return Check(
        "C.5",
        Verdict.HOLDS if c_xi >= required else Verdict.FAILS,
        f"realised C_ξ = {c_xi:.3g}; {100 * frac:.1f}% of pairs (r, i) have a ratio below {required:g}",
        f"C_ξ > {required:g}",
        "small ⟨w_r⁽⁰⁾,ξ_i⟩ are common (anti-concentration, Lemma B.1), so the ratio cannot stay large for every pair",
        sizes_label(traj),
    )


# ----------------------------------------------------------------------------------------------- C.7
def lemma_c7(traj: Trajectory) -> Check:
    """Lemma C.7 for all recorded ``t``: pairs with ``⟨w_r⁽⁰⁾, ξ_i⟩ < 0`` stay negative and keep ``ρ_{r,i} = 0`` exactly."""
    trace = traj.h
    neg0 = trace.noise[:, :1] < 0  # (R, 1, m, n)
    flipped = (trace.noise > 0) & neg0
    nonzero = (trace.rho != 0) & neg0
    pairs = int(neg0.sum())
    n_flip = int(flipped.any(1).sum())
    n_nonzero = int(nonzero.any(1).sum())
    verdict = Verdict.HOLDS if n_flip == 0 and n_nonzero == 0 else Verdict.FAILS
    return Check(
        "C.7",
        verdict,
        f"{n_flip} of {pairs} negative pairs turn positive ({_when(first_failure(flipped))}); {n_nonzero} get ρ ≠ 0 "
        f"(largest |ρ| {float(np.abs(trace.rho * neg0).max()):.3g})",
        "0 and ρ = 0 exactly",
        "cross-talk Σ_j ρ_{r,j}⟨ξ_j,ξ_i⟩/‖ξ_j‖² pushes small negative ⟨w_r,ξ_i⟩ above 0 (C.6 needs d ≈ 10⁸)" if verdict is Verdict.FAILS else "",
        sizes_label(traj),
    )


# ----------------------------------------------------------------------------------------------- C.11
def lemma_c11(traj: Trajectory) -> list[Check]:
    """Lemma C.11 on ``0 ≤ t ≤ T₁`` for pairs with ``i ∈ I_{r,+}⁽ᵗ⁾`` (both label classes: ``Ψ`` and ``Φ``):
    (22) ``Ψ⁽ᵗ⁾ ≥ (1 + 0.96ησ_ξ²d/(nmτ))ᵗ Ψ⁽⁰⁾``; (23) ``Ψ⁽ᵗ⁾ ≥ 101C_ℓ/(M+1)·B_{r,∓}⁽ᵗ⁾`` (with the most
    lenient ``C_ℓ = 1``; ``B`` of the other class); (24) ``ρ_{r,i}⁽ᵗ⁾ ≥ 0``; and the hypothesis ``M ≥ 100C_ℓ − 1``."""
    t1, q = stage1_end(traj), predictions.noise_rate_single(traj.config)
    trace, y = traj.h, traj.y
    psi = noise_strength(trace)[:, : t1 + 1]
    active = (trace.noise[:, : t1 + 1] > 0) & (trace.noise[:, :1] > 0)
    t = np.arange(t1 + 1)[None, :, None, None]
    v22 = active & (psi < psi[:, :1] * q**t * (1 - 1e-12))
    b_plus, b_minus = class_totals(trace, y)
    other = np.where(y[:, None, None, :] > 0, b_minus[:, : t1 + 1, :, None], b_plus[:, : t1 + 1, :, None])
    m_i = traj.negative_counts[:, None, None, :]
    v23 = active & (psi < 101.0 / (m_i + 1) * other)
    v24 = active & (trace.rho[:, : t1 + 1] < 0)
    count = int(active.sum())

    def part(name: str, v: np.ndarray, bound: str) -> Check:
        k = int(v.sum())
        return Check(
            "C.11", Verdict.HOLDS if k == 0 else Verdict.FAILS, f"{100 * k / count:.1f}% of (r, i, t) violate ({_when(first_failure(v))})",
            bound, "", sizes_label(traj), name,
        )

    m_min = int(traj.negative_counts.min())
    return [
        part("(22)", v22, f"Ψ⁽ᵗ⁾ ≥ {q:.4f}ᵗ·Ψ⁽⁰⁾"),
        part("(23)", v23, "Ψ⁽ᵗ⁾ ≥ 101/(M+1)·B⁽ᵗ⁾ (C_ℓ = 1)"),
        part("(24)", v24, "ρ ≥ 0"),
        Check(
            "C.11", Verdict.HOLDS if m_min >= 99 else Verdict.FAILS, f"M = {m_min} negatives (smallest)", "M ≥ 100C_ℓ − 1 ≥ 99",
            "with few negatives their pull (the −Σ_j ℓ'_{i,j}h_r(ξ_j) term) is not negligible", sizes_label(traj), "hypothesis",
        ),
    ]


# ----------------------------------------------------------------------------------------------- Lemma 5.2
def lemma_5_2(traj: Trajectory, delta: float = 0.1) -> list[Check]:
    """Lemma 5.2: ``max_{t≤T₁} max_r |γ_r⁽ᵗ⁾|`` against the proof's explicit ``Õ(1/√n)`` bound
    ``20√(2 log(8m/δ))·SNR``, and ``min_i max_r ρ_{r,i}⁽ᵀ¹⁾ ≥ 1`` (``Ω(1)``)."""
    c, t1 = traj.config, stage1_end(traj)
    gmax = float(np.abs(traj.h.gamma[:, : t1 + 1]).max())
    bound = 20 * math.sqrt(2 * math.log(8 * c.m / delta)) * c.snr
    rmin = float(traj.h.rho[:, t1].max(1).min())
    return [
        Check(
            "5.2", Verdict.HOLDS if gmax <= bound else Verdict.FAILS, f"max |γ| = {gmax:.3f} = {gmax * math.sqrt(c.n):.2f}/√n on t ≤ {t1}",
            f"{bound:.3g} = {bound * math.sqrt(c.n):.3g}/√n (the proof's bound)", "", sizes_label(traj), "signal",
        ),
        Check(
            "5.2", Verdict.HOLDS if rmin >= 1 else Verdict.FAILS, f"min_i max_r ρ_{{r,i}} = {rmin:.3f} at T₁ = {t1}",
            "≥ 1 (Ω(1))", f"measured: every sample memorised at level 1 from t = {memorisation_time(traj)}", sizes_label(traj), "noise",
        ),
    ]


# ----------------------------------------------------------------------------------------------- D.3
def lemma_d3(traj: Trajectory) -> list[Check]:
    """Lemma D.3. (1)–(2) as printed: ``U_±⁽ᵗ⁾ ∩ Ũ_±⁽ᵗ⁾ = U_±⁽⁰⁾ ∩ Ũ_±⁽⁰⁾``; corrected ("⊇": initially aligned
    neurons stay aligned, with ``γ, γ̃`` monotone). (3): every mixed-sign neuron synchronises within the run."""
    if traj.mode != "multi":
        raise ValueError("Lemma D.3 is about the multi-modal setting")
    h, g = traj.h, traj.g
    sh, sg = np.sign(h.signal), np.sign(g.signal)
    aligned0 = (sh[:, :1] == sg[:, :1])  # (R, 1, m)
    in_aligned = (sh == sg) & (sh != 0)  # r ∈ U₊⁽ᵗ⁾∩Ũ₊⁽ᵗ⁾ or U₋⁽ᵗ⁾∩Ũ₋⁽ᵗ⁾
    keeps = np.where(aligned0, in_aligned & (sh == sh[:, :1]), ~in_aligned)  # set equality, neuron by neuron
    printed_broken = ~keeps.all(1)
    stays = ~(((sh != sh[:, :1]) | (sg != sg[:, :1])) & aligned0).any(1)
    mono = ~((np.diff(h.gamma, axis=1) * sh[:, :1] < 0) | (np.diff(g.gamma, axis=1) * sg[:, :1] < 0)).any(1)
    aligned_ok = bool((stays & mono)[aligned0[:, 0]].all())
    mixed = ~aligned0[:, 0]
    times = sync_times(traj)
    never = int(((times < 0) & mixed).sum())
    n_mixed = int(mixed.sum())
    printed_ok = not bool(printed_broken.any())
    verdict12 = Verdict.HOLDS if printed_ok else (Verdict.CORRECTED if aligned_ok else Verdict.FAILS)
    synced = times[mixed & (times >= 0)]
    return [
        Check(
            "D.3", verdict12,
            f"{int(aligned0.sum())} aligned neurons all keep their signs and monotone γ, γ̃: {aligned_ok}; "
            f"the sets change when mixed neurons join them ({int(printed_broken.sum())} neurons)",
            "set equality (printed); ⊇ (corrected)",
            "as printed, (1)–(2) contradict (3): synchronised neurons enter U₊∩Ũ₊ or U₋∩Ũ₋", sizes_label(traj), "(1)–(2)",
        ),
        Check(
            "D.3", Verdict.HOLDS if never == 0 else Verdict.NOT_CHECKABLE,
            f"{n_mixed} mixed neurons; {n_mixed - never} synchronise, at t = {int(synced.min()) if synced.size else -1}…{int(synced.max()) if synced.size else -1} (median {float(np.median(synced)) if synced.size else float('nan'):.0f})",
            f"all within the {traj.epochs} epochs",
            "" if never == 0 else "a finite run cannot show that a synchronisation never happens", sizes_label(traj), "(3)",
        ),
    ]


# ----------------------------------------------------------------------------------------------- D.4
def lemma_d4(traj: Trajectory) -> list[Check]:
    """Lemma D.4 on ``0 ≤ t ≤ T₁`` for neurons aligned at ``t = 0``, ``q = 1 + 0.48C_μη‖μ‖²/(mτ)``: the lower bounds on
    ``A`` and ``Ã``; the joint growth (41) as printed, ``C_μA⁽ᵗ⁾ + Ã⁽ᵗ⁾ ≥ qᵗ(A⁽⁰⁾ + Ã⁽⁰⁾)``; the shrinking relative
    gap (42); and, last, (41) in the stronger form that the proof's one-step bounds give,
    ``C_μA⁽ᵗ⁾ + Ã⁽ᵗ⁾ ≥ qᵗ(C_μA⁽⁰⁾ + Ã⁽⁰⁾)`` (*ours*: the one-step bounds multiply ``C_μA + Ã`` by ``q`` each step)."""
    c, t1 = traj.config, stage1_end(traj)
    q, cm = predictions.signal_rate_multi(c), c.c_mu
    a, at = signal_strength(traj.h)[:, : t1 + 1], signal_strength(traj.g)[:, : t1 + 1]
    aligned = (np.sign(traj.h.signal[:, :1]) == np.sign(traj.g.signal[:, :1]))  # (R, 1, m)
    t = np.arange(t1 + 1)[None, :, None]
    lower_a = q**t * (a[:, :1] + at[:, :1] / cm) - 1
    lower_at = q**t * (cm * a[:, :1] + at[:, :1]) - 1
    va = aligned & ((a < lower_a) | (at < lower_at))
    joint = cm * a + at
    v41 = aligned & (joint < q**t * (a[:, :1] + at[:, :1]) * (1 - 1e-12))
    v41_steps = aligned & (joint < q**t * joint[:, :1] * (1 - 1e-12))
    gap = np.abs(cm * a - at) / joint
    v42 = aligned[:, 0] & (gap[:, -1] > gap[:, 0])
    n_al = int(aligned.sum())
    rate = float(np.median([fitted_rate(joint[r, :, k], 0, min(10, t1)) for r in range(joint.shape[0]) for k in np.where(aligned[r, 0])[0]]))
    return [
        Check(
            "D.4", Verdict.HOLDS if not va.any() else Verdict.FAILS,
            f"{int(va.any(1).sum())}/{n_al} aligned neurons fall below ({_when(first_failure(va))})", f"qᵗ(A⁽⁰⁾ + Ã⁽⁰⁾/C_μ) − 1, q = {q:.4f}",
            "growth stops once the loss derivatives leave the stage-1 band" if va.any() else "", sizes_label(traj), "A, Ã",
        ),
        Check(
            "D.4", Verdict.HOLDS if not v41.any() else Verdict.FAILS,
            f"{int(v41.any(1).sum())}/{n_al} violate ({_when(first_failure(v41))}); fitted factor over t ≤ 10: {rate:.4f}",
            f"C_μA + Ã ≥ qᵗ(A⁽⁰⁾ + Ã⁽⁰⁾), q = {q:.4f}", _label_note(traj) if v41.any() else "", sizes_label(traj), "(41)",
        ),
        Check(
            "D.4", Verdict.HOLDS if not v42.any() else Verdict.FAILS,
            f"relative gap |C_μA − Ã|/(C_μA + Ã): median {float(np.median(gap[:, 0][aligned[:, 0]])):.3f} at t = 0, "
            f"{float(np.median(gap[:, -1][aligned[:, 0]])):.3f} at T₁; {int(v42.sum())} neurons grow it",
            "shrinks", "", sizes_label(traj), "(42)",
        ),
        Check(
            "D.4", Verdict.HOLDS if not v41_steps.any() else Verdict.FAILS,
            f"{int(v41_steps.any(1).sum())}/{n_al} violate ({_when(first_failure(v41_steps))})",
            f"C_μA + Ã ≥ qᵗ(C_μA⁽⁰⁾ + Ã⁽⁰⁾), q = {q:.4f}", _label_note(traj) if v41_steps.any() else "", sizes_label(traj),
            "(41) from the one-step bounds",
        ),
    ]


# ----------------------------------------------------------------------------------------------- D.8
def lemma_d8(traj: Trajectory) -> list[Check]:
    """Lemma D.8 on ``0 ≤ t ≤ T₁``, both modalities: ``B_{r,±,+}⁽ᵗ⁾ ≤ q'ᵗB_{r,±,+}⁽⁰⁾`` with the printed
    ``q' = 1 + 1.05η/(nmτ)`` and the corrected ``q' = 1 + 1.05ησ_ξ²d/(nmτ)``; ``B_{r,±,−}⁽ᵗ⁾ ≤ B_{r,±,−}⁽⁰⁾``."""
    c, t1 = traj.config, stage1_end(traj)
    q_printed = 1 + 1.05 * c.lr / (c.n * c.m * c.tau)
    q_fixed = 1 + 1.05 * c.lr * c.sigma_xi**2 * c.d / (c.n * c.m * c.tau)
    t = np.arange(t1 + 1)[None, :, None]
    vp = vc = vm = 0
    first_p = first_c = first_m = -1
    total = 0
    for a, b in ((traj.h, traj.g), (traj.g, traj.h)):
        tot = cross_totals(a, b, traj.y)
        for s in (1, -1):
            grow = tot[(s, 1)][:, : t1 + 1]
            p = grow > q_printed**t * grow[:, :1] * (1 + 1e-12)
            cc = grow > q_fixed**t * grow[:, :1] * (1 + 1e-12)
            shrink = tot[(s, -1)][:, : t1 + 1]
            mm = shrink > shrink[:, :1] * (1 + 1e-12) + 1e-15
            vp, vc, vm = vp + int(p.any(1).sum()), vc + int(cc.any(1).sum()), vm + int(mm.any(1).sum())
            total += grow.shape[0] * grow.shape[2]
            first_p = first_failure(p) if first_p < 0 else first_p
            first_c = first_failure(cc) if first_c < 0 else first_c
            first_m = first_failure(mm) if first_m < 0 else first_m
    verdict = Verdict.HOLDS if vp == 0 else (Verdict.CORRECTED if vc == 0 else Verdict.FAILS)
    return [
        Check(
            "D.8", verdict, f"violations: printed {vp}/{total} ({_when(first_p)}), corrected {vc}/{total} ({_when(first_c)})",
            f"q' = {q_printed:.6f} (printed), {q_fixed:.4f} (with σ_ξ²d)", "the printed factor lacks σ_ξ²d (NOTES §10 item 8)", sizes_label(traj), "B_{r,±,+}",
        ),
        Check(
            "D.8", Verdict.HOLDS if vm == 0 else Verdict.FAILS, f"{vm}/{total} totals grow ({_when(first_m)})", "B_{r,±,−}⁽ᵗ⁾ ≤ B_{r,±,−}⁽⁰⁾",
            "", sizes_label(traj), "B_{r,±,−}",
        ),
    ]


# ----------------------------------------------------------------------------------------------- D.9
def lemma_d9(traj: Trajectory) -> list[Check]:
    """Lemma D.9 on ``0 ≤ t ≤ T₁``, the four cases by the initial signs of ``⟨w_r⁽⁰⁾,ξ_i⟩`` and ``⟨w̃_r⁽⁰⁾,ξ̃_i⟩``.

    (1) both negative: ``ρ = ρ̃ = 0`` and both signs stay negative; (2)/(3) one negative: that side's ``ρ = 0`` and
    sign stay, the other side's ``ρ ≤ 0``; (4) both positive: ``Ψ⁽ᵗ⁾ ≤ q''ᵗ(Ψ⁽⁰⁾ + Ψ̃⁽⁰⁾)`` with
    ``q'' = 1 + 1.06ησ_ξ²d/(nmτ)`` (the time-0 form; as printed the right side uses time-t values and is vacuous),
    and (46) ``Ψ̃⁽ᵗ⁾ ≥ 101/(M+1)·(B_{r,+,+}⁽ᵗ⁾ + B_{r,+,−}⁽ᵗ⁾)`` (lenient ``C_ℓ = 1``)."""
    c, t1 = traj.config, stage1_end(traj)
    h, g = traj.h, traj.g
    n1, n2 = h.noise[:, : t1 + 1], g.noise[:, : t1 + 1]
    r1, r2 = h.rho[:, : t1 + 1], g.rho[:, : t1 + 1]
    neg1, neg2 = n1[:, :1] < 0, n2[:, :1] < 0
    case1 = neg1 & neg2
    case2 = neg1 & ~neg2
    case3 = ~neg1 & neg2
    case4 = ~neg1 & ~neg2
    v1 = case1 & ((r1 != 0) | (r2 != 0) | (n1 > 0) | (n2 > 0))
    v2 = case2 & ((r1 != 0) | (n1 > 0) | (r2 > 0))
    v3 = case3 & ((r2 != 0) | (n2 > 0) | (r1 > 0))
    q = predictions.noise_rate_multi(c)
    t = np.arange(t1 + 1)[None, :, None, None]
    psi, psi_t = noise_strength(h)[:, : t1 + 1], noise_strength(g)[:, : t1 + 1]
    v4 = case4 & (n1 > 0) & (psi > q**t * (psi[:, :1] + psi_t[:, :1]) * (1 + 1e-12))
    tot = cross_totals(h, g, traj.y)
    m_i = traj.negative_counts[:, None, None, :]
    v46 = case4 & (n2 > 0) & (psi_t < 101.0 / (m_i + 1) * (tot[(1, 1)] + tot[(1, -1)])[:, : t1 + 1, :, None])

    def part(name: str, v: np.ndarray, case: np.ndarray, bound: str) -> Check:
        k, pairs = int(v.any(1).sum()), int(case.sum())
        return Check("D.9", Verdict.HOLDS if k == 0 else Verdict.FAILS, f"{k}/{pairs} pairs violate ({_when(first_failure(v))})", bound, "", sizes_label(traj), name)

    return [
        part("case 1", v1, case1, "ρ = ρ̃ = 0, signs stay"),
        part("cases 2–3", v2 | v3, case2 | case3, "ρ = 0 on the negative side, ≤ 0 on the other"),
        part("case 4 (45)", v4, case4, f"Ψ⁽ᵗ⁾ ≤ {q:.4f}ᵗ(Ψ⁽⁰⁾ + Ψ̃⁽⁰⁾)"),
        part("case 4 (46)", v46, case4, "Ψ̃ ≥ 101/(M+1)·(B_{r,+,+} + B_{r,+,−})"),
    ]


# ----------------------------------------------------------------------------------------------- Lemma 5.4
def lemma_5_4(traj: Trajectory, delta: float = 0.1) -> list[Check]:
    """Lemma 5.4 at ``T₁``: ``max_{r,i} Ψ_{r,i}⁽ᵀ¹⁾`` against the proof's explicit ``Õ(1/√n)`` bound
    ``√(24 log(8mn/δ))·√(σ₀σ_ξ√d/‖μ‖)``, and ``max_r γ_r⁽ᵀ¹⁾ ≥ 1`` (``Ω(1)``)."""
    if traj.mode != "multi":
        raise ValueError("Lemma 5.4 is about the multi-modal setting")
    c, t1 = traj.config, stage1_end(traj)
    psi = float(np.maximum(noise_strength(traj.h)[:, t1], 0).max())
    rho = float(np.abs(traj.h.rho[:, t1]).max())
    bound = predictions.lemma_5_4_noise_bound(c, delta)
    gmax = float(traj.h.gamma[:, t1].max())
    return [
        Check(
            "5.4", Verdict.HOLDS if psi <= bound else Verdict.FAILS,
            f"max Ψ = {psi:.3f}, max |ρ| = {rho:.3f} = {rho * math.sqrt(c.n):.1f}/√n at T₁ = {t1}",
            f"{bound:.3g} (the proof's bound)", f"read as 1/√n, the Õ would have to hide a factor of {rho * math.sqrt(c.n):.0f}",
            sizes_label(traj), "noise",
        ),
        Check(
            "5.4", Verdict.HOLDS if gmax >= 1 else Verdict.FAILS, f"max_r γ_r = {gmax:.3f} at T₁ = {t1}", "≥ 1 (Ω(1))",
            f"measured: max_r γ_r ≥ 1 from t = {signal_time(traj)}", sizes_label(traj), "signal",
        ),
    ]
