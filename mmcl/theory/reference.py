"""The reference point of the convergence proofs (Appendix C.2 and D.2) and what the stage-2 lemmas measure
against it.

The proofs compare the iterates with a point ``W*`` built from the initialisation:

* single-modal (before Lemma C.15): ``w_r* = w_r⁽⁰⁾ + 2τ log(2M/ε)·Σ_i ξ_i/‖ξ_i‖²`` — along the memorised noise;
* multi-modal (before Lemma D.12): ``w_r* = w_r⁽⁰⁾ + 2τ log(2M/ε)·θ_r μ/‖μ‖²`` with ``θ_r = sign(⟨w_r⁽⁰⁾, μ⟩)``
  (and the same for ``W̃`` with ``μ̃``) — along the signal.

In the coordinates of eq. (11), ``W* − W⁽⁰⁾`` has coefficients ``ρ* = κ`` (single) or ``γ*_r = κθ_r`` (multi) with
``κ = 2τ log(2M/ε)``, so ``‖W⁽ᵗ⁾ − W*‖_F²`` is a quadratic form in ``(γ − γ*, ρ − ρ*)`` with the Gram matrix of
``μ/‖μ‖², ξ_i/‖ξ_i‖²`` (:func:`distance_sq`). The paper leaves ``M`` a single number while hard negatives give every
anchor its own ``M_i``; we use the mean ``M = mean_i M_i`` (≈ ``n/2``). Every multi-modal function takes
``theta_at``, the epoch at which ``θ_r`` is read (``0`` as in the paper; ``T₁`` for the repaired Lemma D.13).

The lemma checks built on these quantities are in :mod:`mmcl.theory.stage2`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .stage1 import stage1_end
from .trajectory import Trajectory

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
    "memorising_neurons",
]


def _check_eps(eps: float) -> None:
    if not (0 < eps < 1):
        raise ValueError(f"eps must be in (0, 1), got {eps}")


def kappa(traj: Trajectory, eps: float) -> float:
    """``κ = 2τ log(2M/ε)``, the length of the reference step, with ``M`` the mean number of negatives."""
    _check_eps(eps)
    return 2 * traj.config.tau * math.log(2 * float(traj.negative_counts.mean()) / eps)


def _check_theta_at(traj: Trajectory, theta_at: int) -> None:
    if isinstance(theta_at, bool) or not isinstance(theta_at, (int, np.integer)) or not 0 <= theta_at <= traj.epochs:
        raise ValueError(f"theta_at must be an epoch in [0, {traj.epochs}], got {theta_at!r}")


def reference_coefficients(
    traj: Trajectory, encoder: int, eps: float, theta_at: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``(γ*, ρ*)`` of ``W* − W⁽⁰⁾`` for one encoder: ``(R, m)`` and ``(R, m, n)`` (see the module docstring).

    Multi-modal, ``θ_r = sign⟨w_r⁽ᵗ⁾, μ⟩`` at ``t = theta_at``: ``0`` is the paper's reference point (before Lemma
    D.12); ``T₁`` is the repair of Lemma D.13 (:mod:`mmcl.theory.errata_multi`). Ignored single-modally."""
    k = kappa(traj, eps)
    trace = traj.encoders[encoder]
    runs, _, m, n = trace.rho.shape
    if traj.mode == "single":
        return np.zeros((runs, m)), np.full((runs, m, n), k)
    _check_theta_at(traj, theta_at)
    theta = np.sign(trace.signal[:, theta_at])
    return k * theta, np.zeros((runs, m, n))


def distance_sq(traj: Trajectory, encoder: int, eps: float, theta_at: int = 0) -> np.ndarray:
    """``‖W⁽ᵗ⁾ − W*‖_F²`` for every epoch, ``(R, T+1)`` (exact, from the coefficients of eq. 11)."""
    trace = traj.encoders[encoder]
    gs, rs = reference_coefficients(traj, encoder, eps, theta_at)
    v = np.concatenate([(trace.gamma - gs[:, None])[..., None], trace.rho - rs[:, None]], axis=3)  # (R, T+1, m, n+1)
    sq = np.einsum("rkk->rk", trace.gram)
    unit = trace.gram / (sq[:, :, None] * sq[:, None, :])  # Gram of μ/‖μ‖², ξ_i/‖ξ_i‖²
    return ((v @ unit[:, None]) * v).sum((2, 3))


def descent_terms(traj: Trajectory, eps: float, theta_at: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(drop, target)``: ``drop_t = Σ_enc ‖W⁽ᵗ⁾ − W*‖² − ‖W⁽ᵗ⁺¹⁾ − W*‖²`` and ``target_t = η·L⁽ᵗ⁾ − k·η·ε``
    (``k = 1`` single, Lemma C.17; ``k = 2`` multi with ``L = L_S(W) + L_S(W̃)``, Lemma D.14), ``(R, T)``."""
    eta = traj.config.lr
    dist = sum(distance_sq(traj, k, eps, theta_at) for k in range(len(traj.encoders)))
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


def margins(traj: Trajectory, encoder: int, eps: float, theta_at: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(⟨∇F₀(W⁽ᵗ⁾, x_i), W*⟩ (R, T+1, n), ⟨∇F_j(W⁽ᵗ⁾, x_i), W*⟩ (R, T+1, n, n))`` (Lemmas C.16 / D.13).

    ``F₀ = Sim(x_i, x_i⁺)/τ`` and ``F_j = Sim(x_i, x_j)/τ`` with the stop-gradient on the second argument, so
    ``∇_{w_r}F = (1/(mτ))·[σ(teacher signal)·σ'(y_i⟨w_r,μ⟩)·y_iμ + σ(teacher noise)·σ'(⟨w_r,ξ_i⟩)·ξ_i]``; the pairing
    with ``W*`` needs ``⟨w_r*, μ⟩`` and ``⟨w_r*, ξ_i⟩``, obtained from eq. (11) and the Gram matrix.
    Entries ``j`` that are not negatives of ``i`` are set to ``−∞``.
    """
    c = traj.config
    trace = traj.encoders[encoder]
    y = traj.y
    gs, rs = reference_coefficients(traj, encoder, eps, theta_at)
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


def memorising_neurons(rho: np.ndarray, share: float = 0.5) -> np.ndarray:
    """For every sample ``i``, how many neurons memorise it at least ``share`` times as strongly as its strongest one:
    ``#{r : ρ_{r,i} ≥ share·max_r ρ_{r,i}}`` for an ``(m, n)`` array of noise coefficients (``0`` for a sample that
    no neuron memorises, ``max_r ρ_{r,i} ≤ 0``). The single-modal reference point ``W*`` memorises every sample by
    the same ``κ`` in all ``m`` neurons, so it has ``m`` for every sample at any ``share``."""
    values = np.array(rho, dtype=np.float64)
    if values.ndim != 2 or values.size == 0:
        raise ValueError(f"rho must be a non-empty (m, n) array, got shape {values.shape}")
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    strongest = values.max(axis=0)
    within = values >= share * strongest[None, :]
    return np.where(strongest > 0, within.sum(axis=0), 0)
