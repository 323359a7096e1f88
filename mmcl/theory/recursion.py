"""Lemma 5.1 checked independently of the trainer: the recursion (12)–(13) against plain gradient descent.

The book's trainer builds its weights from the coefficients, ``W⁽ᵗ⁾ = W⁽⁰⁾ + Γ⁽ᵗ⁾·[μ, ξ₁, …, ξ_n]``, so recovering
``γ, ρ`` from its weights by least squares (:func:`mmcl.theory.stage1.recursion_check`) restates the implementation.
:func:`lemma_5_1_independent` instead

* runs plain gradient descent on the full ``m × d`` weights, with the gradient of the loss of eq. (6) taken by
  automatic differentiation (:func:`mmcl.model.losses.single_modal_loss`; the update of eq. (7));
* alongside it, advances ``γ_r`` and ``ρ_{r,i}`` by eqs. (12)–(13), evaluated with the loss derivatives ``ℓ'_i``,
  ``ℓ'_{i,j}`` of eq. (8) and the activations at the current weights — nothing else;
* and compares the weights the coefficients describe, ``w_r⁽⁰⁾ + γ_r μ/‖μ‖² + Σ_i ρ_{r,i} ξ_i/‖ξ_i‖²`` (eq. 11), with
  the weights gradient descent reached.

Neither side uses the trainer or the closed-form gradients of :mod:`mmcl.model.dynamics`.
"""

from __future__ import annotations

import torch

from ..model.config import SyntheticConfig
from ..model.data import initial_weights, sample
from ..model.encoder import noise_preactivation, signal_activation, signal_preactivation
from ..model.losses import info_nce, negative_mask, single_modal_loss
from .probability import sizes_label
from .verdicts import Check, Verdict

__all__ = ["RecursionReplay", "replay_recursion", "lemma_5_1_independent"]

TOLERANCE = 1e-9
"""Largest relative gap ``max|W_rec − W_GD| / max|W_GD − W⁽⁰⁾|`` that float64 round-off explains."""


class RecursionReplay:
    """The outcome of :func:`replay_recursion`: the weights of both routes and the coefficients of eqs. (12)–(13)."""

    def __init__(
        self, w0: torch.Tensor, w_gd: torch.Tensor, w_rec: torch.Tensor, gamma: torch.Tensor, rho: torch.Tensor
    ):
        self.w0, self.w_gd, self.w_rec, self.gamma, self.rho = w0, w_gd, w_rec, gamma, rho

    @property
    def gap(self) -> float:
        """``max|W_rec − W_GD| / max|W_GD − W⁽⁰⁾|``: the recursion's error relative to how far training moved."""
        moved = float((self.w_gd - self.w0).abs().max())
        if moved == 0:
            raise ValueError("gradient descent did not move the weights; use more epochs or a larger learning rate")
        return float((self.w_rec - self.w_gd).abs().max()) / moved


def _coefficient_step(w: torch.Tensor, data, tau: torch.Tensor, lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of eqs. (12)–(13) at weights ``w (1, m, d)``: the increments of ``γ (1, m)`` and ``ρ (1, m, n)``."""
    n, m = data.y.shape[1], w.shape[1]
    mask = negative_mask(data.y)
    s_pre = signal_preactivation(w, data.mu)  # ⟨w_r, μ⟩
    a = signal_activation(s_pre, data.y)  # h_r(x_i⁽¹⁾) = σ(⟨w_r, y_iμ⟩), also the positive's signal patch
    a_prime = (s_pre[:, :, None] * data.y[:, None, :] > 0).to(w.dtype)  # σ'(⟨w_r, y_iμ⟩)
    xi_pre = noise_preactivation(w, data.xi)
    p = torch.relu(xi_pre)  # h_r(x_i⁽²⁾)
    p_prime = (xi_pre > 0).to(w.dtype)
    p_hat = torch.relu(noise_preactivation(w, data.xi + data.eps))  # h_r(x̂_i⁽²⁾), the augmented view (eq. 5)
    pos = (a * a + p * p_hat).sum(1) / m
    neg = (torch.bmm(a.transpose(1, 2), a) + torch.bmm(p.transpose(1, 2), p)) / m
    _, l_pos, l_neg = info_nce(pos, neg, mask, tau)  # ℓ'_i (1, n), ℓ'_{i,j} (1, n, n) of eq. (8)
    scale = lr / (n * m * float(tau[0]))
    # (12): Σ_i [(1 − ℓ'_i) h_r(x̂_i⁽¹⁾) − Σ_j ℓ'_{i,j} h_r(x_j⁽¹⁾)] h'_r(x_i⁽¹⁾) y_i ‖μ‖²
    push_s = (1 - l_pos)[:, None, :] * a - torch.bmm(a, l_neg.transpose(1, 2))
    d_gamma = scale * (push_s * a_prime * data.y[:, None, :]).sum(2) * (data.mu**2).sum(1)[:, None]
    # (13): [(1 − ℓ'_i) h_r(x̂_i⁽²⁾) − Σ_j ℓ'_{i,j} h_r(x_j⁽²⁾)] h'_r(x_i⁽²⁾) ‖ξ_i‖²
    push_n = (1 - l_pos)[:, None, :] * p_hat - torch.bmm(p, l_neg.transpose(1, 2))
    d_rho = scale * push_n * p_prime * (data.xi**2).sum(2)[:, None, :]
    return d_gamma, d_rho


def replay_recursion(config: SyntheticConfig, seed: int = 0, epochs: int | None = None) -> RecursionReplay:
    """Plain autograd gradient descent on eq. (6) for ``epochs`` steps (default ``config.epochs``) with the recursion
    (12)–(13) run beside it (float64, CPU, one run); see the module docstring."""
    if config.augmentation != "gaussian":
        raise ValueError(
            f"the recursion (12)–(13) is stated for the Gaussian augmentation, got {config.augmentation!r}"
        )
    epochs = config.epochs if epochs is None else epochs
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    data = sample(config, seed, ("single",))
    tau = torch.tensor([config.tau], dtype=torch.float64)
    w0 = initial_weights(config, seed, 1)[None]
    w = w0.clone()
    gamma = torch.zeros(1, config.m, dtype=torch.float64)
    rho = torch.zeros(1, config.m, config.n, dtype=torch.float64)
    for _ in range(epochs):
        d_gamma, d_rho = _coefficient_step(w, data, tau, config.lr)
        w_var = w.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(single_modal_loss(w_var, data, tau).sum(), w_var)
        w = w - config.lr * grad  # eq. (7)
        gamma, rho = gamma + d_gamma, rho + d_rho
    mu, xi = data.mu, data.xi
    w_rec = (
        w0
        + (gamma / (mu**2).sum(1)[:, None])[:, :, None] * mu[:, None, :]
        + torch.bmm(rho / (xi**2).sum(2)[:, None, :], xi)
    )
    return RecursionReplay(w0, w, w_rec, gamma, rho)


def lemma_5_1_independent(config: SyntheticConfig, seed: int = 0, epochs: int | None = None) -> Check:
    """Lemma 5.1 checked against plain gradient descent (:func:`replay_recursion`): ``holds`` when the weights that
    the recursion's coefficients describe match the gradient-descent weights to round-off (relative gap
    ≤ :data:`TOLERANCE`)."""
    steps = config.epochs if epochs is None else epochs
    replay = replay_recursion(config, seed, steps)
    gap = replay.gap
    top = float(max(replay.gamma.abs().max(), replay.rho.abs().max()))
    shown = "below 1e-12" if gap < 1e-12 else f"= {gap:.1e}"
    return Check(
        "5.1",
        Verdict.HOLDS if gap <= TOLERANCE else Verdict.WRONG,
        f"relative gap between the weights of (12)–(13) and of autograd GD {shown} after "
        f"{steps} steps (coefficients up to {top:.3g})",
        f"≤ {TOLERANCE:.0e} (round-off)",
        "independent of the trainer: autograd of eq. (6), plain GD on the full weights",
        sizes_label(config) + f", seed {seed}",
        "vs plain GD",
    )
