"""Stage 2 of both settings (Appendix C.2 and D.2): the checks of Proposition C.13 and Lemmas C.14–C.18, D.11–D.15.

The reference point ``W*`` of the convergence proofs, the distances, descent terms and margins measured against it
are in :mod:`mmcl.theory.reference` (and re-exported here); the errata of Lemmas D.13 and D.15 in
:mod:`mmcl.theory.errata_multi`. Verdicts report their slack (bound ÷ measurement): ``holds, vacuous`` from a slack of
10 on. The downstream consequence (C.3, D.3: the embedding of test points split into signal and noise) is in
:mod:`mmcl.theory.downstream`.
"""

from __future__ import annotations

import math

import numpy as np

from . import errata_multi
from .reference import (
    alpha,
    descent_terms,
    distance_sq,
    gradient_ratio,
    horizon,
    kappa,
    margins,
)
from .stage1 import first_failure, sizes_label, stage1_end
from .trajectory import Trajectory
from .verdicts import Check, Verdict, holds_with_slack

__all__ = [
    "lemma_c13",
    "lemma_c14",
    "lemma_d11",
    "lemma_c15",
    "lemma_d12",
    "lemma_c16",
    "lemma_d13",
    "lemma_c17",
    "lemma_d14",
    "lemma_c18",
    "lemma_d15",
]


def _too_short(traj: Trajectory, lemma: str) -> Check | None:
    """A ``not checkable`` verdict when the run ends before stage 2 starts (``T₁ ≥ T*``), else ``None``."""
    if stage1_end(traj) < traj.epochs:
        return None
    return Check(
        lemma,
        Verdict.NOT_CHECKABLE,
        f"the run ends at T* = {traj.epochs} ≤ T₁",
        "stage 2 is [T₁, T*]",
        "train longer than T₁ to check stage 2",
        sizes_label(traj),
    )


# ----------------------------------------------------------------------------------------------- C.13
def lemma_c13(traj: Trajectory) -> Check:
    """Proposition C.13: ``|γ_r⁽ᵗ⁾|, |ρ_{r,i}⁽ᵗ⁾| ≤ α = log(3MT*)`` for all ``t ≤ T*``; also its side conditions
    ``α ≥ 20τ`` and ``η ≤ nmτ/(12σ_ξ²d)``."""
    c, a = traj.config, alpha(traj)
    top = max(float(np.abs(e.gamma).max()) for e in traj.encoders)
    top_rho = max(float(np.abs(e.rho).max()) for e in traj.encoders)
    eta_max = c.n * c.m * c.tau / (12 * c.sigma_xi**2 * c.d)
    side = a >= 20 * c.tau and c.lr <= eta_max
    slack = a / max(top, top_rho)
    if slack >= 1:
        verdict = holds_with_slack(slack)
    else:
        verdict = Verdict.SIZE_UNMET if not side else Verdict.WRONG
    return Check(
        "C.13",
        verdict,
        f"max |γ| = {top:.3f}, max |ρ| = {top_rho:.3f} over t ≤ {horizon(traj)}",
        f"α = {a:.3f} (α ≥ 20τ = {20 * c.tau:g}: {a >= 20 * c.tau}; η = {c.lr:g} ≤ {eta_max:.3g}: {c.lr <= eta_max})",
        "",
        sizes_label(traj),
        slack=slack if slack >= 1 else None,
    )


# ----------------------------------------------------------------------------------------------- C.14 / D.11
def _gradient_check(traj: Trajectory, lemma: str) -> Check:
    """The ``O(·)`` constant is unspecified, so no finite run can refute the statement (``not checkable``); reported
    are the constant this run needs and the proxy that ``‖∇L‖²/L`` stays bounded as ``L → 0`` (the ratio over the last
    quarter of the run must not exceed its maximum over the first half; ``fails: sizes unmet`` when it does)."""
    worst_late, top = 0.0, 0.0
    t = traj.epochs
    for k in range(len(traj.encoders)):
        ratio = gradient_ratio(traj, k)
        early, late = ratio[:, : t // 2 + 1].max(), ratio[:, 3 * t // 4 :].max()
        worst_late = max(worst_late, float(late / early))
        top = max(top, float(ratio.max()))
    return Check(
        lemma,
        Verdict.NOT_CHECKABLE if worst_late <= 1 else Verdict.SIZE_UNMET,
        f"‖∇L_S‖²/(max{{‖μ‖²,σ_ξ²d}}·L_S) ≤ {top:.3g}; last quarter / first half = {worst_late:.3f}",
        "O(1)·max{‖μ‖², σ_ξ²d}·L_S, constant not given; proxy: bounded as L → 0 (ratio ≤ 1)",
        "the O(·) constant is not given: any finite run has one; we check that ‖∇L‖² vanishes at least as fast as L",
        sizes_label(traj),
    )


def lemma_c14(traj: Trajectory) -> Check:
    """Lemma C.14: ``‖∇L_S(W⁽ᵗ⁾)‖_F² ≤ O(max{‖μ‖², σ_ξ²d})·L_S(W⁽ᵗ⁾)`` (see :func:`_gradient_check`)."""
    return _gradient_check(traj, "C.14")


def lemma_d11(traj: Trajectory) -> Check:
    """Lemma D.11: the gradient bound for both encoders (see :func:`_gradient_check`)."""
    return _gradient_check(traj, "D.11")


# ----------------------------------------------------------------------------------------------- C.15 / D.12
def _start_distance_check(
    traj: Trajectory, lemma: str, eps: float, scale: float, scale_text: str, delta: float
) -> Check:
    t1 = stage1_end(traj)
    dist = max(float(np.sqrt(distance_sq(traj, k, eps)[:, t1]).max()) for k in range(len(traj.encoders)))
    c = traj.config
    allowance = kappa(traj, eps) * math.log(8 * c.m * c.n / delta)
    ratio = dist / scale
    slack = allowance / ratio
    return Check(
        lemma,
        holds_with_slack(slack) if slack >= 1 else Verdict.SIZE_UNMET,
        f"‖W⁽ᵀ¹⁾ − W*‖_F = {dist:.3f} = {ratio:.2f} × {scale_text}",
        f"Õ: factor ≤ κ·log(8mn/δ) = {allowance:.3g}",
        f"Õ read as at most the step length κ = {kappa(traj, eps):.2f} times log(8mn/δ); ε = {eps:g}",
        sizes_label(traj),
        slack=slack if slack >= 1 else None,
    )


def lemma_c15(traj: Trajectory, eps: float, delta: float = 0.1) -> Check:
    """Lemma C.15: ``‖W⁽ᵀ¹⁾ − W*‖_F ≤ Õ(√(mn)/(σ_ξ√d))``."""
    c = traj.config
    return _start_distance_check(
        traj, "C.15", eps, math.sqrt(c.m * c.n) / (c.sigma_xi * math.sqrt(c.d)), "√(mn)/(σ_ξ√d)", delta
    )


def lemma_d12(traj: Trajectory, eps: float, delta: float = 0.1) -> Check:
    """Lemma D.12: ``‖W⁽ᵀ¹⁾ − W*‖_F ≤ Õ(√m/‖μ‖)`` (the larger of the two encoders against the modality-1 scale)."""
    c = traj.config
    return _start_distance_check(traj, "D.12", eps, math.sqrt(c.m) / c.mu_norm, "√m/‖μ‖", delta)


# ----------------------------------------------------------------------------------------------- C.16 / D.13
def _margin_check(traj: Trajectory, lemma: str, eps: float, f0_failure: Verdict = Verdict.SIZE_UNMET) -> list[Check]:
    """Both margins on ``[T₁, T*]``; a failed positive-pair margin gets ``f0_failure``, a negative-pair margin that
    holds its slack ``log(2M/ε) ÷ max⟨∇F_j,W*⟩`` (∞ when every pairing is ≤ 0)."""
    if (short := _too_short(traj, lemma)) is not None:
        return [short]
    t1, big = stage1_end(traj), math.log(2 * float(traj.negative_counts.mean()) / eps)
    f0_bad = fj_bad = f0_all = fj_all = 0
    f0_min, fj_max = math.inf, -math.inf
    first0 = firstj = -1
    for k in range(len(traj.encoders)):
        f0, fj = margins(traj, k, eps)
        f0, fj = f0[:, t1:], fj[:, t1:]
        neg = np.broadcast_to(traj.negatives[:, None], fj.shape)
        b0, bj = f0 < 2 * big, (fj > big) & neg
        f0_bad, fj_bad = f0_bad + int(b0.sum()), fj_bad + int(bj.sum())
        f0_all, fj_all = f0_all + f0.size, fj_all + int(neg.sum())
        f0_min, fj_max = min(f0_min, float(f0.min())), max(fj_max, float(fj[neg].max()))
        first0 = first0 if first0 >= 0 or not b0.any() else t1 + first_failure(b0)
        firstj = firstj if firstj >= 0 or not bj.any() else t1 + first_failure(bj)
    slack0 = f0_min / (2 * big)
    slackj = big / fj_max if fj_max > 0 else math.inf
    return [
        Check(
            lemma,
            holds_with_slack(slack0) if f0_bad == 0 else f0_failure,
            f"min ⟨∇F₀,W*⟩ = {f0_min:.3f}; {100 * f0_bad / f0_all:.1f}% of (i, t) below",
            f"≥ 2log(2M/ε) = {2 * big:.3f} on [T₁, T*]",
            f"ε = {eps:g}",
            sizes_label(traj),
            "F₀",
            slack0 if f0_bad == 0 else None,
        ),
        Check(
            lemma,
            holds_with_slack(slackj) if fj_bad == 0 else Verdict.SIZE_UNMET,
            f"max ⟨∇F_j,W*⟩ = {fj_max:.3f}; {100 * fj_bad / fj_all:.1f}% of (i, j, t) above",
            f"≤ log(2M/ε) = {big:.3f} on [T₁, T*]",
            f"ε = {eps:g}",
            sizes_label(traj),
            "F_j",
            slackj if fj_bad == 0 else None,
        ),
    ]


def lemma_c16(traj: Trajectory, eps: float) -> list[Check]:
    """Lemma C.16 on ``[T₁, T*]``: ``⟨∇F₀,W*⟩ ≥ 2log(2M/ε)`` for every anchor and ``⟨∇F_j,W*⟩ ≤ log(2M/ε)`` for every
    negative."""
    return _margin_check(traj, "C.16", eps)


def lemma_d13(traj: Trajectory, eps: float) -> list[Check]:
    """Lemma D.13: the margins of the signal-direction reference point (``θ_r`` from ``t = 0``), both encoders.

    A failed positive-pair margin is ``wrong as stated`` when neurons flip sign between 0 and ``T₁`` and lower it
    (:func:`mmcl.theory.errata_multi.lemma_d13_theta`: the proof drops their negative terms), ``fails: sizes unmet``
    otherwise."""
    if (short := _too_short(traj, "D.13")) is not None:
        return [short]
    flaw = errata_multi.lemma_d13_theta(traj, eps)[0].verdict is Verdict.WRONG
    return _margin_check(traj, "D.13", eps, Verdict.WRONG if flaw else Verdict.SIZE_UNMET)


# ----------------------------------------------------------------------------------------------- C.17 / D.14
def _descent_check(traj: Trajectory, lemma: str, eps: float) -> Check:
    if (short := _too_short(traj, lemma)) is not None:
        return short
    t1 = stage1_end(traj)
    drop, target = descent_terms(traj, eps)
    drop, target = drop[:, t1:], target[:, t1:]
    bad = drop < target
    slack = float((drop - target).min())
    k = 1 if traj.mode == "single" else 2
    return Check(
        lemma,
        Verdict.HOLDS if not bad.any() else Verdict.SIZE_UNMET,
        f"{int(bad.sum())} of {bad.size} steps violate; the distance to W* grows in {int((drop < 0).sum())}; "
        f"smallest slack {slack:.2e}",
        f"drop ≥ η(L − {'' if k == 1 else k}ε) on [T₁, T*)",
        f"ε = {eps:g}",
        sizes_label(traj),
    )


def lemma_c17(traj: Trajectory, eps: float) -> Check:
    """Lemma C.17 on ``[T₁, T*)``: ``‖W⁽ᵗ⁾−W*‖² − ‖W⁽ᵗ⁺¹⁾−W*‖² ≥ ηL_S(W⁽ᵗ⁾) − ηε``."""
    return _descent_check(traj, "C.17", eps)


def lemma_d14(traj: Trajectory, eps: float) -> Check:
    """Lemma D.14 on ``[T₁, T*)``: the joint distance of ``(W, W̃)`` drops by at least ``ηL(W⁽ᵗ⁾, W̃⁽ᵗ⁾) − 2ηε``."""
    return _descent_check(traj, "D.14", eps)


# ----------------------------------------------------------------------------------------------- C.18 / D.15
def _average_loss_check(traj: Trajectory, lemma: str, eps: float) -> tuple[Check, int]:
    t1, k = stage1_end(traj), len(traj.encoders)
    eta = traj.config.lr
    dist0 = sum(distance_sq(traj, e, eps)[:, t1] for e in range(k))  # (R,)
    loss = sum(e.loss for e in traj.encoders)[:, t1:]
    count = np.arange(1, loss.shape[1] + 1)
    mean = np.cumsum(loss, axis=1) / count
    bound = dist0[:, None] / (eta * count) + k * eps
    bad = mean > bound
    t_paper = t1 + int(math.floor(float(dist0.max()) / (eta * eps)))
    best = float(loss.min())
    slack = float((bound / mean).min())
    return (
        Check(
            lemma,
            holds_with_slack(slack) if not bad.any() else Verdict.SIZE_UNMET,
            f"mean loss at T* = {float(mean[:, -1].max()):.4f}; best iterate {best:.4f}",
            f"≤ {float(bound[:, -1].min()):.3g} at T*; the lemma's T = {t_paper}",
            f"ε = {eps:g}; the lemma's T is far beyond the {traj.epochs} epochs",
            sizes_label(traj),
            "mean loss",
            slack if not bad.any() else None,
        ),
        t_paper,
    )


def lemma_c18(traj: Trajectory, eps: float) -> list[Check]:
    """Lemma C.18 on ``[T₁, T*]``: the mean-loss bound, and ``max_r |γ_r⁽ᵗ⁾| ≤ 3β`` with ``β = max_r |γ_r⁽ᵀ¹⁾|``."""
    if (short := _too_short(traj, "C.18")) is not None:
        return [short]
    t1 = stage1_end(traj)
    mean_check, _ = _average_loss_check(traj, "C.18", eps)
    gamma = np.abs(traj.h.gamma)
    beta = gamma[:, t1].max(1)
    top = gamma[:, t1:].max((1, 2))
    slack = float((3 * beta / top).min())
    return [
        mean_check,
        Check(
            "C.18",
            holds_with_slack(slack) if slack >= 1 else Verdict.SIZE_UNMET,
            f"max |γ| on [T₁, T*] = {float(top.max()):.3f}",
            f"3β = {3 * float(beta.min()):.3f}",
            "",
            sizes_label(traj),
            "signal",
            slack if slack >= 1 else None,
        ),
    ]


def lemma_d15(traj: Trajectory, eps: float) -> list[Check]:
    """Lemma D.15 on ``[T₁, T*]``: the mean-loss bound with ``2ε``; ``max |ρ|, |ρ̃| ≤ σ₀σ_ξ√d`` (``wrong as stated``
    when it fails already at ``T₁``, see :func:`mmcl.theory.errata_multi.lemma_d15_noise`); and the corrected noise
    bound ``≤ 3·max|ρ⁽ᵀ¹⁾|``."""
    if (short := _too_short(traj, "D.15")) is not None:
        return [short]
    c, t1 = traj.config, stage1_end(traj)
    mean_check, _ = _average_loss_check(traj, "D.15", eps)
    top = max(float(np.abs(e.rho[:, t1:]).max()) for e in traj.encoders)
    bound = c.sigma0 * c.sigma_xi * math.sqrt(c.d)
    start = max(float(np.abs(e.rho[:, t1]).max()) for e in traj.encoders)
    _, corrected = errata_multi.lemma_d15_noise(traj)
    slack = bound / top if top > 0 else math.inf
    if top <= bound:
        verdict = holds_with_slack(slack)
    else:
        verdict = Verdict.WRONG if start > bound else Verdict.SIZE_UNMET
    return [
        mean_check,
        Check(
            "D.15",
            verdict,
            f"max |ρ|, |ρ̃| on [T₁, T*] = {top:.3f}; at T₁ {start:.3f} ({start / bound:.1f}× the bound)",
            f"σ₀σ_ξ√d = {bound:.3f}",
            "fails at T₁ already: stage 1 does not deliver it (the main text promises Õ(1/√n) instead)"
            if verdict is Verdict.WRONG
            else "",
            sizes_label(traj),
            "noise",
            slack if top <= bound else None,
        ),
        corrected,
    ]
