"""Errata of Appendix D settled by computation (chapters 7 and 8).

Each function takes a recorded multi-modal :class:`~mmcl.theory.trajectory.Trajectory` and returns
:class:`~mmcl.theory.verdicts.Check` objects: the statement as printed, with the evidence that decides whether it is
wrong as stated, and the corrected statement checked on the same run.

* **Lemma D.4, (43)–(44).** The proof's one-step bounds ``A' ≥ A + cÃ``, ``Ã' ≥ Ã + cC_μ²A``
  (``c = 0.48η‖μ‖²/(mτ)``) are met with equality by the linear sequence of :func:`d4_extremal`; it falls below the
  printed (43)–(44), so the proof step is invalid. Adding (41) and (42) gives ``2C_μA``, which puts a factor ½ in
  front: ``A⁽ᵗ⁾ ≥ ½qᵗ(A⁽⁰⁾ + Ã⁽⁰⁾/C_μ) − ½|A⁽⁰⁾ − Ã⁽⁰⁾/C_μ|`` and ``Ã⁽ᵗ⁾ ≥ ½qᵗ(C_μA⁽⁰⁾ + Ã⁽⁰⁾) −
  ½|C_μA⁽⁰⁾ − Ã⁽⁰⁾|`` (:func:`d4_half_bounds`; the one-step bounds imply them because the linear map is monotone).
* **Lemma D.9, (45) from (47) alone, and (48).** For a pair in case 4 the negative terms of (15)–(18) are ≤ 0, so
  ``S = Ψ + Ψ̃`` grows at most by ``1 + 1.05x`` per step (47), ``x = ησ_ξ²d/(nmτ)``; while ``Ψ̃ ≥ 0``, ``Ψ ≤ S`` gives
  (45) with the rate 1.05 ≤ 1.06, without (46) or (48); once ``⟨w̃_r,ξ̃_i⟩ ≤ 0`` the positive term of ``ρ_{r,i}``
  vanishes and ``Ψ`` cannot grow (:func:`lemma_d9_from_47`). (48), ``Ψ − Ψ̃ ≤ (1 − 0.95x)ᵗ(Ψ⁽⁰⁾ − Ψ̃⁽⁰⁾)``, says the
  gap decays at rate 0.95 whatever its sign: for a negative gap this needs the decay to be *at most* 0.95x per step.
  The positive terms make the gap decay by ``k·x`` with ``k = (1 − ℓ'_i)‖ξ_i‖²/(σ_ξ²d) → 1``
  (:func:`gap_decay_rate`), so every pair with ``Ψ⁽⁰⁾ < Ψ̃⁽⁰⁾`` violates (48) once the cross terms of the negatives
  average out; the corrected statement bounds ``|Ψ − Ψ̃|``.
* **Lemma D.13, θ_r.** With ``θ_r`` read at ``t = 0`` a neuron whose modality-1 half flips while it synchronises
  pairs ``y_iθ_r < 0`` with an active ``σ'`` and lowers ``⟨∇F₀, W*⟩``; the proof's lower bound drops these terms.
  :func:`lemma_d13_theta` measures them and checks the margins with ``θ_r`` read at ``T₁``.
* **Lemma D.15, noise.** ``max|ρ| ≤ σ₀σ_ξ√d`` on ``[T₁, T]`` must hold at ``T₁``, where only stage 1 speaks;
  :func:`lemma_d15_noise` checks it there and checks the bound the argument of Lemma C.18 gives for the small
  coefficient, ``max_{[T₁,T]}|ρ| ≤ 3·max|ρ⁽ᵀ¹⁾|``.
"""

from __future__ import annotations

import math

import numpy as np

from . import predictions
from .reference import margins
from .stage1 import first_failure, first_failure_text, noise_strength, signal_strength, sizes_label, stage1_end
from .trajectory import Trajectory
from .verdicts import Check, Verdict, holds_with_slack

__all__ = [
    "d4_step",
    "d4_extremal",
    "d4_printed_bounds",
    "d4_half_bounds",
    "lemma_d4_43",
    "lemma_d9_from_47",
    "gap_decay_rate",
    "lemma_d13_theta",
    "lemma_d15_noise",
]


def _multi(traj: Trajectory, what: str) -> None:
    if traj.mode != "multi":
        raise ValueError(f"{what} is about the multi-modal setting, got a {traj.mode!r} trajectory")


# ----------------------------------------------------------------------------------------------- D.4
def d4_step(config) -> float:
    """``c = 0.48η‖μ‖²/(mτ)``, the coefficient of the one-step bounds in the proof of Lemma D.4."""
    return 0.48 * config.lr * config.mu_norm**2 / (config.m * config.tau)


def _check_d4_args(c_mu: float, c: float) -> None:
    if not (c_mu > 0 and math.isfinite(c_mu)):
        raise ValueError(f"c_mu must be a finite number > 0, got {c_mu}")
    if not (0 <= c * c_mu <= 1):
        raise ValueError(f"need 0 ≤ c·c_mu ≤ 1 (small learning rate), got c = {c}, c_mu = {c_mu}")


def d4_extremal(a0, at0, c_mu: float, c: float, t) -> tuple[np.ndarray, np.ndarray]:
    """The sequence that meets the one-step bounds of the proof of Lemma D.4 with equality,
    ``A⁽ᵗ⁺¹⁾ = A⁽ᵗ⁾ + cÃ⁽ᵗ⁾``, ``Ã⁽ᵗ⁺¹⁾ = Ã⁽ᵗ⁾ + cC_μ²A⁽ᵗ⁾``, in closed form: with ``q = 1 + cC_μ``, ``p = 1 − cC_μ``,
    ``S = C_μA + Ã`` grows by ``q`` and ``D = C_μA − Ã`` by ``p``, so ``A⁽ᵗ⁾ = (qᵗS⁽⁰⁾ + pᵗD⁽⁰⁾)/(2C_μ)`` and
    ``Ã⁽ᵗ⁾ = (qᵗS⁽⁰⁾ − pᵗD⁽⁰⁾)/2``. Arrays broadcast (``t`` against ``a0``, ``at0``)."""
    _check_d4_args(c_mu, c)
    q, p = 1 + c * c_mu, 1 - c * c_mu
    t = np.asarray(t, dtype=np.float64)
    s0 = c_mu * np.asarray(a0, dtype=np.float64) + at0
    d0 = c_mu * np.asarray(a0, dtype=np.float64) - at0
    return (q**t * s0 + p**t * d0) / (2 * c_mu), (q**t * s0 - p**t * d0) / 2


def d4_printed_bounds(a0, at0, c_mu: float, q: float, t) -> tuple[np.ndarray, np.ndarray]:
    """The lower bounds (43)–(44) as printed: ``qᵗ(A⁽⁰⁾ + Ã⁽⁰⁾/C_μ) − 1`` and ``qᵗ(C_μA⁽⁰⁾ + Ã⁽⁰⁾) − 1``."""
    t = np.asarray(t, dtype=np.float64)
    return q**t * (a0 + at0 / c_mu) - 1, q**t * (c_mu * a0 + at0) - 1


def d4_half_bounds(a0, at0, c_mu: float, q: float, t) -> tuple[np.ndarray, np.ndarray]:
    """(43)–(44) with the factor ½ of (41) + (42): ``½qᵗ(A⁽⁰⁾ + Ã⁽⁰⁾/C_μ) − ½|A⁽⁰⁾ − Ã⁽⁰⁾/C_μ|`` and
    ``½qᵗ(C_μA⁽⁰⁾ + Ã⁽⁰⁾) − ½|C_μA⁽⁰⁾ − Ã⁽⁰⁾|`` (valid whenever the one-step bounds hold and ``0 ≤ cC_μ ≤ 1``)."""
    t = np.asarray(t, dtype=np.float64)
    gap = np.abs(c_mu * a0 - at0)
    return 0.5 * q**t * (a0 + at0 / c_mu) - 0.5 * gap / c_mu, 0.5 * q**t * (c_mu * a0 + at0) - 0.5 * gap


def _median_first(bad: np.ndarray, aligned: np.ndarray) -> str:
    """The median over the aligned neurons that fail of their first failing epoch (axis 1), as text."""
    fails = bad.any(1) & aligned[:, 0]
    if not fails.any():
        return "none fails"
    return f"median first failure t = {float(np.median(bad.argmax(1)[fails])):.0f}"


def lemma_d4_43(traj: Trajectory) -> list[Check]:
    """Lemma D.4 (43)–(44) on ``0 ≤ t ≤ T₁`` for the neurons aligned at ``t = 0``: as printed (wrong as stated when
    the sequence of :func:`d4_extremal` started from the run's own ``A⁽⁰⁾, Ã⁽⁰⁾`` falls below them), and with the
    factor ½ (:func:`d4_half_bounds`) on the run."""
    _multi(traj, "Lemma D.4")
    c, t1 = traj.config, stage1_end(traj)
    cm, q, step = c.c_mu, predictions.signal_rate_multi(c), d4_step(c)
    a, at = signal_strength(traj.h)[:, : t1 + 1], signal_strength(traj.g)[:, : t1 + 1]
    aligned = np.sign(traj.h.signal[:, :1]) == np.sign(traj.g.signal[:, :1])  # (R, 1, m)
    t = np.arange(t1 + 1)[None, :, None]
    a0, at0 = a[:, :1], at[:, :1]
    ea, eat = d4_extremal(a0, at0, cm, step, t)
    pa, pat = d4_printed_bounds(a0, at0, cm, q, t)
    ha, hat = d4_half_bounds(a0, at0, cm, q, t)
    tol = 1e-9 * float(np.abs(at0).max())  # round-off: at t = 0 the half bounds hold with equality
    ext_bad = aligned & ((ea < pa - tol) | (eat < pat - tol))
    run_bad = aligned & ((a < pa - tol) | (at < pat - tol))
    half_bad = aligned & ((a < ha - tol) | (at < hat - tol))
    n_al = int(aligned.sum())
    printed = Verdict.WRONG if ext_bad.any() else (Verdict.SIZE_UNMET if run_bad.any() else Verdict.HOLDS)
    return [
        Check(
            "D.4",
            printed,
            f"the sequence meeting the one-step bounds with equality falls below for {int(ext_bad.any(1).sum())}/"
            f"{n_al} aligned neurons ({first_failure_text(first_failure(ext_bad))}, "
            f"{_median_first(ext_bad, aligned)}); the run for {int(run_bad.any(1).sum())}/{n_al} "
            f"({first_failure_text(first_failure(run_bad))}, {_median_first(run_bad, aligned)})",
            f"A ≥ qᵗ(A⁽⁰⁾ + Ã⁽⁰⁾/C_μ) − 1, Ã ≥ qᵗ(C_μA⁽⁰⁾ + Ã⁽⁰⁾) − 1, q = {q:.4f}",
            "the one-step bounds do not imply (43)–(44): adding (41) and (42) gives 2C_μA, a factor ½ is missing",
            sizes_label(traj),
            "(43)–(44)",
        ),
        Check(
            "D.4",
            Verdict.CORRECTED if not half_bad.any() else Verdict.SIZE_UNMET,
            f"{int(half_bad.any(1).sum())}/{n_al} aligned neurons fall below "
            f"({first_failure_text(first_failure(half_bad))}, {_median_first(half_bad, aligned)})",
            "A ≥ ½qᵗ(A⁽⁰⁾ + Ã⁽⁰⁾/C_μ) − ½|A⁽⁰⁾ − Ã⁽⁰⁾/C_μ|, Ã ≥ ½qᵗ(C_μA⁽⁰⁾ + Ã⁽⁰⁾) − ½|C_μA⁽⁰⁾ − Ã⁽⁰⁾|",
            "the one-step bounds fail: for neurons of the smaller label class from t = 1, for all once the loss "
            "derivatives leave the stage-1 band"
            if half_bad.any()
            else "",
            sizes_label(traj),
            "(43)–(44) with ½",
        ),
    ]


# ----------------------------------------------------------------------------------------------- D.9
def lemma_d9_from_47(traj: Trajectory) -> list[Check]:
    """Lemma D.9 case 4 (both initial noise projections positive) on ``0 ≤ t ≤ T₁``: (47) ``Ψ + Ψ̃ ≤ (1 + 1.05x)ᵗ
    (Ψ⁽⁰⁾ + Ψ̃⁽⁰⁾)``; (45) derived from (47) alone, ``Ψ ≤ (1 + 1.05x)ᵗ(Ψ⁽⁰⁾ + Ψ̃⁽⁰⁾)`` where its premise ``Ψ̃ ≥ 0``
    holds; (48) ``Ψ − Ψ̃ ≤ (1 − 0.95x)ᵗ(Ψ⁽⁰⁾ − Ψ̃⁽⁰⁾)``, split by the sign of the initial gap."""
    _multi(traj, "Lemma D.9")
    c, t1 = traj.config, stage1_end(traj)
    x = c.lr * c.sigma_xi**2 * c.d / (c.n * c.m * c.tau)
    psi, psi_t = noise_strength(traj.h)[:, : t1 + 1], noise_strength(traj.g)[:, : t1 + 1]
    case4 = (traj.h.noise[:, :1] > 0) & (traj.g.noise[:, :1] > 0)  # (R, 1, m, n)
    t = np.arange(t1 + 1)[None, :, None, None]
    s, s0 = psi + psi_t, psi[:, :1] + psi_t[:, :1]
    b47 = (1 + 1.05 * x) ** t * s0
    bad47 = case4 & (s > b47 * (1 + 1e-12))
    pos = np.broadcast_to(case4 & (s > 0) & (t > 0), s.shape)
    slack47 = float((b47[pos] / s[pos]).min()) if pos.any() else math.inf
    premise = case4 & (psi > 0)
    premise_bad = premise & (psi_t < 0)
    grows = np.zeros_like(premise)
    grows[:, :-1] = psi[:, 1:] - psi[:, :-1] > 1e-12 * np.maximum(np.abs(psi[:, :-1]), 1.0)
    inactive = traj.g.noise[:, : t1 + 1] <= 0  # σ(⟨w̃_r,ξ̃_i⟩) = 0: no positive term for ρ_{r,i}
    grow_inactive = int((case4 & inactive & grows).sum())
    bad45 = premise & (psi > b47 * (1 + 1e-12))
    later = np.broadcast_to(premise, psi.shape).copy()
    later[:, 0] = False
    slack45 = float((b47[later] / psi[later]).min()) if later.any() else math.inf
    pairs = int(case4.sum())
    gap, gap0 = psi - psi_t, psi[:, :1] - psi_t[:, :1]
    bad48 = case4 & (gap > (1 - 0.95 * x) ** t * gap0 + 1e-12 * np.abs(gap0))
    bad48_abs = case4 & (np.abs(gap) > (1 - 0.95 * x) ** t * np.abs(gap0) * (1 + 1e-12))
    neg0, pos0 = case4 & (gap0 < 0), case4 & (gap0 > 0)
    k_neg, k_pos = int((bad48 & neg0).any(1).sum()), int((bad48 & pos0).any(1).sum())
    k_rate = gap_decay_rate(traj)
    v48 = (
        Verdict.WRONG if (k_rate > 0.95 and neg0.any()) else (Verdict.HOLDS if not bad48.any() else Verdict.SIZE_UNMET)
    )
    return [
        Check(
            "D.9",
            holds_with_slack(slack47) if not bad47.any() else Verdict.SIZE_UNMET,
            f"{int(bad47.any(1).sum())}/{pairs} case-4 pairs violate ({first_failure_text(first_failure(bad47))})",
            f"Ψ + Ψ̃ ≤ {1 + 1.05 * x:.4f}ᵗ(Ψ⁽⁰⁾ + Ψ̃⁽⁰⁾)",
            "the negative terms of (15)–(18) are ≤ 0 and are dropped; neither (46) nor (48) is used",
            sizes_label(traj),
            "case 4 (47)",
            slack47 if not bad47.any() else None,
        ),
        Check(
            "D.9",
            holds_with_slack(slack45) if not bad45.any() and grow_inactive == 0 else Verdict.SIZE_UNMET,
            f"{int(bad45.any(1).sum())}/{pairs} pairs exceed it; Ψ̃ < 0 on {int(premise_bad.sum())} of "
            f"{int(premise.sum())} (pair, t) with Ψ > 0, and Ψ grows in {grow_inactive} steps with ⟨w̃_r,ξ̃_i⟩ ≤ 0",
            f"Ψ ≤ Ψ + Ψ̃ ≤ {1 + 1.05 * x:.4f}ᵗ(Ψ⁽⁰⁾ + Ψ̃⁽⁰⁾) (rate 1.05 ≤ 1.06 of (45))",
            "(45) from (47) alone: Ψ ≤ Ψ + Ψ̃ while Ψ̃ ≥ 0, and no growth of Ψ while ⟨w̃_r,ξ̃_i⟩ ≤ 0",
            sizes_label(traj),
            "case 4 (45) from (47)",
            slack45 if not bad45.any() and grow_inactive == 0 else None,
        ),
        Check(
            "D.9",
            v48,
            f"gap decay k = {k_rate:.3f} (median per-step factor ÷ x); violated by {k_neg}/{int(neg0.any(1).sum())} "
            f"pairs with Ψ⁽⁰⁾ < Ψ̃⁽⁰⁾ and {k_pos}/{int(pos0.any(1).sum())} with Ψ⁽⁰⁾ > Ψ̃⁽⁰⁾",
            f"Ψ − Ψ̃ ≤ {1 - 0.95 * x:.4f}ᵗ(Ψ⁽⁰⁾ − Ψ̃⁽⁰⁾)",
            "with k > 0.95 the gap of every pair with Ψ⁽⁰⁾ < Ψ̃⁽⁰⁾ rises above the bound (a negative gap would have to "
            "decay at most at rate 0.95)"
            if v48 is Verdict.WRONG
            else "",
            sizes_label(traj),
            "case 4 (48)",
        ),
        Check(
            "D.9",
            Verdict.CORRECTED if not bad48_abs.any() else Verdict.SIZE_UNMET,
            f"{int(bad48_abs.any(1).sum())}/{pairs} pairs violate ({first_failure_text(first_failure(bad48_abs))})",
            f"|Ψ − Ψ̃| ≤ {1 - 0.95 * x:.4f}ᵗ|Ψ⁽⁰⁾ − Ψ̃⁽⁰⁾|",
            "the cross terms of the negatives move the gap by O(σ₀σ_ξ√d/√M) per step, against a margin of "
            "(k − 0.95)·x·|Ψ − Ψ̃|"
            if bad48_abs.any()
            else "",
            sizes_label(traj),
            "case 4 (48) for the gap's size",
        ),
    ]


def gap_decay_rate(traj: Trajectory, steps: int = 5) -> float:
    """The median over case-4 pairs with ``|Ψ⁽⁰⁾ − Ψ̃⁽⁰⁾| > σ₀σ_ξ√d/2`` of the per-step decay of the gap
    ``D = Ψ − Ψ̃`` in units of ``x = ησ_ξ²d/(nmτ)``, ``k = (D⁽ᵗ⁾ − D⁽ᵗ⁺¹⁾)/(x·D⁽ᵗ⁾)``, over the first ``steps`` epochs:
    the rate that (48) claims to be 0.95 for either sign of the gap; NaN when no pair qualifies."""
    _multi(traj, "Lemma D.9")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= traj.epochs:
        raise ValueError(f"steps must be an integer in [1, {traj.epochs}], got {steps!r}")
    c = traj.config
    x = c.lr * c.sigma_xi**2 * c.d / (c.n * c.m * c.tau)
    gap = (noise_strength(traj.h) - noise_strength(traj.g))[:, : steps + 1]
    scale = c.sigma0 * c.sigma_xi * math.sqrt(c.d)
    case4 = (traj.h.noise[:, :1] > 0) & (traj.g.noise[:, :1] > 0) & (np.abs(gap[:, :1]) > scale / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = (gap[:, :-1] - gap[:, 1:]) / (x * gap[:, :-1])
    sel = np.broadcast_to(case4, k.shape)
    return float(np.median(k[sel])) if sel.any() else math.nan


# ----------------------------------------------------------------------------------------------- D.13
def lemma_d13_theta(traj: Trajectory, eps: float) -> list[Check]:
    """Lemma D.13's positive-pair margin on ``[T₁, T*]`` with ``θ_r`` read at ``t = 0`` (the paper) and at ``T₁``.

    With ``θ_r`` from ``t = 0`` the neurons whose half flips sign between 0 and ``T₁`` contribute
    ``−κ·(1/(mτ))·σ(teacher)`` instead of ``+``: the margin with ``θ_r`` from ``T₁`` differs from it by twice their
    contribution (with the small cross term through ``⟨μ, ξ_i⟩``), which is how it is measured here. The first check
    is the printed statement's flaw (wrong as stated when such negative terms exist), the second the margins with
    ``θ_r`` from ``T₁``."""
    _multi(traj, "Lemma D.13")
    t1 = stage1_end(traj)
    if t1 >= traj.epochs:
        return [Check("D.13", Verdict.NOT_CHECKABLE, "the run ends before T₁", "stage 2 is [T₁, T*]")]
    big = math.log(2 * float(traj.negative_counts.mean()) / eps)
    flips, lowered, cells, worst = [], 0, 0, 0.0
    f0_min, fj_max, f0_bad, fj_bad = math.inf, -math.inf, 0, 0
    for k, trace in enumerate(traj.encoders):
        flips.append(int((np.sign(trace.signal[:, 0]) != np.sign(trace.signal[:, t1])).sum()))
        f0_paper, _ = margins(traj, k, eps, 0)
        f0_fix, fj_fix = margins(traj, k, eps, t1)
        diff = (f0_fix - f0_paper)[:, t1:]
        lowered += int((diff > 1e-12).sum())
        cells += diff.size
        worst = max(worst, float(diff.max()) / 2)
        neg = np.broadcast_to(traj.negatives[:, None], fj_fix[:, t1:].shape)
        f0_min = min(f0_min, float(f0_fix[:, t1:].min()))
        fj_max = max(fj_max, float(fj_fix[:, t1:][neg].max()))
        f0_bad += int((f0_fix[:, t1:] < 2 * big).sum())
        fj_bad += int(((fj_fix[:, t1:] > big) & neg).sum())
    fixed_ok = f0_bad == 0 and fj_bad == 0
    return [
        Check(
            "D.13",
            Verdict.WRONG if lowered else Verdict.HOLDS,
            f"{flips[0]} (h) and {flips[1]} (g) neuron halves flip sign between t = 0 and T₁; with θ_r from t = 0 "
            f"they lower ⟨∇F₀,W*⟩ in {100 * lowered / cells:.0f}% of (i, t), by up to {worst:.3f}",
            "the proof bounds I₁ below by the sum over U₊⁽⁰⁾∩Ũ₊⁽⁰⁾, dropping these negative terms",
            f"ε = {eps:g}",
            sizes_label(traj),
            "θ_r at t = 0",
        ),
        Check(
            "D.13",
            Verdict.CORRECTED if fixed_ok else Verdict.SIZE_UNMET,
            f"min ⟨∇F₀,W*⟩ = {f0_min:.3f}, max ⟨∇F_j,W*⟩ = {fj_max:.3f} with θ_r from T₁",
            f"≥ 2log(2M/ε) = {2 * big:.3f}, ≤ log(2M/ε) = {big:.3f}",
            "" if fixed_ok else "the positive margin still needs the teacher's mean signal activation ≥ 1",
            sizes_label(traj),
            "θ_r at T₁",
        ),
    ]


# ----------------------------------------------------------------------------------------------- D.15
def lemma_d15_noise(traj: Trajectory) -> list[Check]:
    """Lemma D.15's noise bound ``max|ρ|, |ρ̃| ≤ σ₀σ_ξ√d`` at ``T₁``, the first epoch of the interval it is claimed
    on (wrong as stated when it fails there: stage 1 does not deliver it, Lemma 5.4's explicit bound is larger), and
    the candidate ``max_{[T₁,T*]}|ρ| ≤ 3·max|ρ⁽ᵀ¹⁾|`` that the argument of Lemma C.18 gives for the small coefficient
    (checked, not proved)."""
    _multi(traj, "Lemma D.15")
    c, t1 = traj.config, stage1_end(traj)
    bound = c.sigma0 * c.sigma_xi * math.sqrt(c.d)
    at_t1 = max(float(np.abs(e.rho[:, t1]).max()) for e in traj.encoders)
    later = max(float(np.abs(e.rho[:, t1:]).max()) for e in traj.encoders)
    start = np.max([np.abs(e.rho[:, t1]).max((1, 2)) for e in traj.encoders], 0)  # (R,)
    top = np.max([np.abs(e.rho[:, t1:]).max((1, 2, 3)) for e in traj.encoders], 0)
    slack = float(np.divide(3 * start, top, out=np.full_like(top, math.inf), where=top > 0).min())
    lemma_54 = predictions.lemma_5_4_noise_bound(c)
    return [
        Check(
            "D.15",
            Verdict.HOLDS if at_t1 <= bound else Verdict.WRONG,
            f"max |ρ|, |ρ̃| at T₁ = {at_t1:.3f} ({at_t1 / bound:.1f}× the bound)",
            f"σ₀σ_ξ√d = {bound:.3f} from T₁ on; Lemma 5.4's explicit bound at T₁ is {lemma_54 / bound:.1f}× larger",
            "stage 1 does not deliver it at T₁, where Lemma 5.4's explicit bound is larger" if at_t1 > bound else "",
            sizes_label(traj),
            "noise at T₁",
        ),
        Check(
            "D.15",
            Verdict.CORRECTED if slack >= 1 else Verdict.SIZE_UNMET,
            f"max |ρ|, |ρ̃| on [T₁, T*] = {later:.3f}",
            f"3·max|ρ⁽ᵀ¹⁾| = {3 * at_t1:.3f} (per run)",
            "the argument of C.18 applied to the small coefficient; a candidate checked here, not proved",
            sizes_label(traj),
            "noise ≤ 3× its T₁ value",
            slack if slack >= 1 else None,
        ),
    ]
