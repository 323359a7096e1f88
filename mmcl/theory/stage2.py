"""Stage 2 of both settings (Appendix C.2 and D.2).

The convergence proofs compare the iterates with a *reference point* ``W*`` built from the initialisation:

* single-modal (before Lemma C.15): ``w_r* = w_r⁽⁰⁾ + 2τ log(2M/ε)·Σ_i ξ_i/‖ξ_i‖²`` — along the memorised noise;
* multi-modal (before Lemma D.12): ``w_r* = w_r⁽⁰⁾ + 2τ log(2M/ε)·θ_r μ/‖μ‖²`` with ``θ_r = sign(⟨w_r⁽⁰⁾, μ⟩)``
  (and the same for ``W̃`` with ``μ̃``) — along the signal.

In the coordinates of eq. (11), ``W* − W⁽⁰⁾`` has coefficients ``ρ* = κ`` (single) or ``γ*_r = κθ_r`` (multi) with
``κ = 2τ log(2M/ε)``, so ``‖W⁽ᵗ⁾ − W*‖_F²`` is a quadratic form in ``(γ − γ*, ρ − ρ*)`` with the Gram matrix of
``μ/‖μ‖², ξ_i/‖ξ_i‖²`` (:func:`distance_sq`). The paper leaves ``M`` a single number while hard negatives give every
anchor its own ``M_i``; we use the mean ``M = mean_i M_i`` (≈ ``n/2``).

The downstream consequence (C.3, D.3: the embedding of test points split into signal and noise) is in
:mod:`mmcl.theory.downstream`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .stage1 import first_failure, sizes_label, stage1_end
from .trajectory import Trajectory
from .verdicts import Check, Verdict

__all__ = [
    "kappa",
    "reference_coefficients",
    "distance_sq",
    "descent_terms",
    "descent_violations",
    "EPS_GRID",
    "margins",
    "gradient_ratio",
    "alpha",
    "horizon",
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


def _check_eps(eps: float) -> None:
    if not (0 < eps < 1):
        raise ValueError(f"eps must be in (0, 1), got {eps}")


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


def kappa(traj: Trajectory, eps: float) -> float:
    """``κ = 2τ log(2M/ε)``, the length of the reference step, with ``M`` the mean number of negatives."""
    _check_eps(eps)
    return 2 * traj.config.tau * math.log(2 * float(traj.negative_counts.mean()) / eps)


def reference_coefficients(traj: Trajectory, encoder: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """``(γ*, ρ*)`` of ``W* − W⁽⁰⁾`` for one encoder: ``(R, m)`` and ``(R, m, n)`` (see the module docstring)."""
    k = kappa(traj, eps)
    trace = traj.encoders[encoder]
    runs, _, m, n = trace.rho.shape
    if traj.mode == "single":
        return np.zeros((runs, m)), np.full((runs, m, n), k)
    theta = np.sign(trace.signal[:, 0])
    return k * theta, np.zeros((runs, m, n))


def distance_sq(traj: Trajectory, encoder: int, eps: float) -> np.ndarray:
    """``‖W⁽ᵗ⁾ − W*‖_F²`` for every epoch, ``(R, T+1)`` (exact, from the coefficients of eq. 11)."""
    trace = traj.encoders[encoder]
    gs, rs = reference_coefficients(traj, encoder, eps)
    v = np.concatenate([(trace.gamma - gs[:, None])[..., None], trace.rho - rs[:, None]], axis=3)  # (R, T+1, m, n+1)
    sq = np.einsum("rkk->rk", trace.gram)
    unit = trace.gram / (sq[:, :, None] * sq[:, None, :])  # Gram of μ/‖μ‖², ξ_i/‖ξ_i‖²
    return ((v @ unit[:, None]) * v).sum((2, 3))


def descent_terms(traj: Trajectory, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """``(drop, target)``: ``drop_t = Σ_enc ‖W⁽ᵗ⁾ − W*‖² − ‖W⁽ᵗ⁺¹⁾ − W*‖²`` and ``target_t = η·L⁽ᵗ⁾ − k·η·ε``
    (``k = 1`` single, Lemma C.17; ``k = 2`` multi with ``L = L_S(W) + L_S(W̃)``, Lemma D.14), ``(R, T)``."""
    eta = traj.config.lr
    dist = sum(distance_sq(traj, k, eps) for k in range(len(traj.encoders)))
    loss = sum(e.loss for e in traj.encoders)
    drop = dist[:, :-1] - dist[:, 1:]
    return drop, eta * loss[:, :-1] - len(traj.encoders) * eta * eps


EPS_GRID = (0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5)
"""Target losses ``ε`` at which the chapters scan the descent inequality of Lemmas C.17 and D.14."""


def descent_violations(traj: Trajectory, eps_grid: Sequence[float] = EPS_GRID) -> np.ndarray:
    """For every ``ε`` of the grid, the fraction of steps ``t ∈ [T₁, T*)`` at which the descent inequality of
    Lemma C.17 (single) or D.14 (multi) fails; ``W*`` moves with ``ε`` through ``κ = 2τ log(2M/ε)``."""
    t1 = stage1_end(traj)
    out = []
    for eps in np.asarray(eps_grid, dtype=np.float64):
        drop, target = descent_terms(traj, float(eps))
        out.append(float((drop[:, t1:] < target[:, t1:]).mean()) if drop.shape[1] > t1 else float("nan"))
    return np.asarray(out)


def _teacher(traj: Trajectory, encoder: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stop-gradient factors of ``F₀`` and ``F_j`` for one encoder: teacher signal ``⟨·, μ⟩`` pre-activation
    ``(R, T+1, m)``, positive-teacher noise ``(R, T+1, m, n)`` and negative-teacher noise ``(R, T+1, m, n)``."""
    trace = traj.encoders[encoder]
    if traj.mode == "single":
        return trace.signal, trace.noise + trace.eps_noise, trace.noise
    other = traj.encoders[1 - encoder]
    return other.signal, other.noise, other.noise


def margins(traj: Trajectory, encoder: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """``(⟨∇F₀(W⁽ᵗ⁾, x_i), W*⟩ (R, T+1, n), ⟨∇F_j(W⁽ᵗ⁾, x_i), W*⟩ (R, T+1, n, n))`` (Lemmas C.16 / D.13).

    ``F₀ = Sim(x_i, x_i⁺)/τ`` and ``F_j = Sim(x_i, x_j)/τ`` with the stop-gradient on the second argument, so
    ``∇_{w_r}F = (1/(mτ))·[σ(teacher signal)·σ'(y_i⟨w_r,μ⟩)·y_iμ + σ(teacher noise)·σ'(⟨w_r,ξ_i⟩)·ξ_i]``; the pairing
    with ``W*`` needs ``⟨w_r*, μ⟩`` and ``⟨w_r*, ξ_i⟩``, obtained from eq. (11) and the Gram matrix.
    Entries ``j`` that are not negatives of ``i`` are set to ``−∞``.
    """
    c = traj.config
    trace = traj.encoders[encoder]
    y = traj.y
    gs, rs = reference_coefficients(traj, encoder, eps)
    sq = np.einsum("rkk->rk", trace.gram)
    cross = trace.gram / sq[:, :, None]  # row k: ⟨b_k, ·⟩ with b_k = v_k/‖v_k‖²
    coef = np.concatenate([gs[..., None], rs], axis=2)  # (R, m, n+1)
    star = np.einsum("rmk,rkl->rml", coef, cross)  # ⟨W* − W⁽⁰⁾, [μ, ξ]⟩
    star_mu = trace.signal[:, 0] + star[:, :, 0]  # (R, m)
    star_xi = trace.noise[:, 0] + star[:, :, 1:]  # (R, m, n)
    t_sig, t_pos, t_neg = _teacher(traj, encoder)
    own_sig = trace.signal[:, :, :, None] * y[:, None, None, :] > 0  # σ'(y_i⟨w_r, μ⟩) (R, T+1, m, n)
    own_noise = trace.noise > 0
    scale = 1.0 / (c.m * c.tau)
    teach_sig = np.maximum(t_sig[:, :, :, None] * y[:, None, None, :], 0)  # σ(y_j⟨teacher, μ⟩) (R, T+1, m, n)
    signal_part = own_sig * (y[:, None, None, :] * star_mu[:, None, :, None])  # σ'·y_i⟨w*, μ⟩ (R, T+1, m, n[i])
    noise_part = own_noise * star_xi[:, None]  # σ'(⟨w_r,ξ_i⟩)⟨w*_r, ξ_i⟩
    f0 = scale * ((teach_sig * signal_part).sum(2) + (np.maximum(t_pos, 0) * noise_part).sum(2))
    # F_j[i, j] = Σ_r part[r, i]·teacher[r, j]: one batched matrix product per term
    fj = scale * (signal_part.swapaxes(2, 3) @ teach_sig + noise_part.swapaxes(2, 3) @ np.maximum(t_neg, 0))
    fj = np.where(traj.negatives[:, None], fj, -np.inf)
    return f0, fj


def gradient_ratio(traj: Trajectory, encoder: int) -> np.ndarray:
    """``‖∇L_S(W⁽ᵗ⁾)‖_F² / (max{‖μ‖², σ_ξ²d}·L_S(W⁽ᵗ⁾))`` per epoch, ``(R, T+1)`` (Lemmas C.14 / D.11)."""
    c = traj.config
    trace = traj.encoders[encoder]
    if encoder == 0:
        scale = max(c.mu_norm**2, c.sigma_xi**2 * c.d)
    else:
        scale = max(c.mu_tilde_norm**2, c.noise_tilde**2 * c.dim_tilde)
    return trace.grad_norm_sq() / (scale * trace.loss)


def horizon(traj: Trajectory) -> int:
    """``T*``: the last epoch of the run (the paper's maximal admissible iteration, here the training length)."""
    return traj.epochs


def alpha(traj: Trajectory) -> float:
    """``α = log(3MT*)`` of Proposition C.13 (``M`` the mean number of negatives)."""
    return math.log(3 * float(traj.negative_counts.mean()) * horizon(traj))


# ----------------------------------------------------------------------------------------------- C.13
def lemma_c13(traj: Trajectory) -> Check:
    """Proposition C.13: ``|γ_r⁽ᵗ⁾|, |ρ_{r,i}⁽ᵗ⁾| ≤ α = log(3MT*)`` for all ``t ≤ T*``; also its side conditions
    ``α ≥ 20τ`` and ``η ≤ nmτ/(12σ_ξ²d)``."""
    c, a = traj.config, alpha(traj)
    top = max(float(np.abs(e.gamma).max()) for e in traj.encoders)
    top_rho = max(float(np.abs(e.rho).max()) for e in traj.encoders)
    eta_max = c.n * c.m * c.tau / (12 * c.sigma_xi**2 * c.d)
    ok = max(top, top_rho) <= a and a >= 20 * c.tau and c.lr <= eta_max
    return Check(
        "C.13",
        Verdict.HOLDS if ok else Verdict.FAILS,
        f"max |γ| = {top:.3f}, max |ρ| = {top_rho:.3f} over t ≤ {horizon(traj)}",
        f"α = {a:.3f} (α ≥ 20τ = {20 * c.tau:g}; η = {c.lr:g} ≤ {eta_max:.3g})",
        "",
        sizes_label(traj),
    )


# ----------------------------------------------------------------------------------------------- C.14 / D.11
def _gradient_check(traj: Trajectory, lemma: str) -> Check:
    """The ``O(·)`` constant is unspecified; the checkable content is that ``‖∇L‖²/L`` stays bounded as ``L → 0``:
    the ratio over the last quarter of the run must not exceed its maximum over the first half."""
    worst_late, top = 0.0, 0.0
    t = traj.epochs
    for k in range(len(traj.encoders)):
        ratio = gradient_ratio(traj, k)
        early, late = ratio[:, : t // 2 + 1].max(), ratio[:, 3 * t // 4 :].max()
        worst_late = max(worst_late, float(late / early))
        top = max(top, float(ratio.max()))
    return Check(
        lemma,
        Verdict.HOLDS if worst_late <= 1 else Verdict.FAILS,
        f"‖∇L_S‖²/(max{{‖μ‖²,σ_ξ²d}}·L_S) ≤ {top:.3g}; last quarter / first half = {worst_late:.3f}",
        "bounded as L → 0 (ratio ≤ 1)",
        "the O(·) constant is not given; we check that ‖∇L‖² vanishes at least as fast as L",
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
    return Check(
        lemma,
        Verdict.HOLDS if ratio <= allowance else Verdict.FAILS,
        f"‖W⁽ᵀ¹⁾ − W*‖_F = {dist:.3f} = {ratio:.2f} × {scale_text}",
        f"Õ: factor ≤ κ·log(8mn/δ) = {allowance:.3g}",
        f"Õ read as at most the step length κ = {kappa(traj, eps):.2f} times log(8mn/δ); ε = {eps:g}",
        sizes_label(traj),
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
def _margin_check(traj: Trajectory, lemma: str, eps: float) -> list[Check]:
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
    return [
        Check(
            lemma,
            Verdict.HOLDS if f0_bad == 0 else Verdict.FAILS,
            f"min ⟨∇F₀,W*⟩ = {f0_min:.3f}; {100 * f0_bad / f0_all:.1f}% of (i, t) below",
            f"≥ 2log(2M/ε) = {2 * big:.3f} on [T₁, T*]",
            f"ε = {eps:g}",
            sizes_label(traj),
            "F₀",
        ),
        Check(
            lemma,
            Verdict.HOLDS if fj_bad == 0 else Verdict.FAILS,
            f"max ⟨∇F_j,W*⟩ = {fj_max:.3f}; {100 * fj_bad / fj_all:.1f}% of (i, j, t) above",
            f"≤ log(2M/ε) = {big:.3f} on [T₁, T*]",
            f"ε = {eps:g}",
            sizes_label(traj),
            "F_j",
        ),
    ]


def lemma_c16(traj: Trajectory, eps: float) -> list[Check]:
    """Lemma C.16 on ``[T₁, T*]``: ``⟨∇F₀,W*⟩ ≥ 2log(2M/ε)`` for every anchor and ``⟨∇F_j,W*⟩ ≤ log(2M/ε)`` for every
    negative."""
    return _margin_check(traj, "C.16", eps)


def lemma_d13(traj: Trajectory, eps: float) -> list[Check]:
    """Lemma D.13: the margins of the signal-direction reference point, both encoders."""
    return _margin_check(traj, "D.13", eps)


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
        Verdict.HOLDS if not bad.any() else Verdict.FAILS,
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
    return (
        Check(
            lemma,
            Verdict.HOLDS if not bad.any() else Verdict.FAILS,
            f"mean loss at T* = {float(mean[:, -1].max()):.4f}; best iterate {best:.4f}",
            f"≤ {float(bound[:, -1].min()):.3g} at T*; the lemma's T = {t_paper}",
            f"ε = {eps:g}; the bound is vacuous within {traj.epochs} epochs",
            sizes_label(traj),
            "mean loss",
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
    ok = bool((top <= 3 * beta).all())
    return [
        mean_check,
        Check(
            "C.18",
            Verdict.HOLDS if ok else Verdict.FAILS,
            f"max |γ| on [T₁, T*] = {float(top.max()):.3f}",
            f"3β = {3 * float(beta.min()):.3f}",
            "",
            sizes_label(traj),
            "signal",
        ),
    ]


def lemma_d15(traj: Trajectory, eps: float) -> list[Check]:
    """Lemma D.15 on ``[T₁, T*]``: ``max |ρ|, |ρ̃| ≤ σ₀σ_ξ√d`` and the mean-loss bound with ``2ε``."""
    if (short := _too_short(traj, "D.15")) is not None:
        return [short]
    c, t1 = traj.config, stage1_end(traj)
    mean_check, _ = _average_loss_check(traj, "D.15", eps)
    top = max(float(np.abs(e.rho[:, t1:]).max()) for e in traj.encoders)
    bound = c.sigma0 * c.sigma_xi * math.sqrt(c.d)
    return [
        mean_check,
        Check(
            "D.15",
            Verdict.HOLDS if top <= bound else Verdict.FAILS,
            f"max |ρ|, |ρ̃| on [T₁, T*] = {top:.3f}",
            f"σ₀σ_ξ√d = {bound:.3f}",
            "the main text promises Õ(1/√n) instead (NOTES §10 item 14)",
            sizes_label(traj),
            "noise",
        ),
    ]
