"""The contrastive losses at initialization (eqs. 6 and 9 at ``t = 0``).

With hard negatives, anchor ``i`` has ``M_i`` negatives (the opposite-label samples). When every similarity is
zero — the limit ``σ₀ → 0`` — each InfoNCE term equals ``log(1 + M_i)``, so the single-modal loss starts at
``mean_i log(1 + M_i) ≈ log(1 + n/2)`` and the multi-modal loss, a sum of two such terms, at twice that.

At a finite ``σ₀`` the single-modal positive is special: ``x_i`` and its augmentation ``x̂_i`` share the noise
``ξ_i`` (eq. 5), so ``Sim(x_i, x̂_i)`` contains ``(1/m) Σ_r σ(⟨w_r, ξ_i⟩)·σ(⟨w_r, ξ_i + ε_i⟩) ≈ E[σ(z)²]``, while a
negative's noise term is a product of independent activations, ``≈ E[σ(z)]²``, with ``z ~ N(0, σ₀²σ_ξ²d)``. The
positive logit is ahead by ``Δ = (E[σ(z)²] − E[σ(z)]²)/τ = σ₀²σ_ξ²d·(1/2 − 1/(2π))/τ`` and the loss starts lower,
near ``mean_i log(1 + M_i·e^{−Δ})``. In the multi-modal loss the positive pairs ``ξ_i`` with the independent
``ξ̃_i``, so no such head start exists. (Signal terms are smaller by ``‖μ‖²/(σ_ξ²d)`` and are ignored here.)
"""

from __future__ import annotations

import math

import torch

from .config import SyntheticConfig

__all__ = ["chance_loss", "single_modal_head_start", "initial_loss_estimate"]


def _negatives(y: torch.Tensor) -> torch.Tensor:
    """``M_i`` for every run and anchor: the number of opposite-label samples, ``(R, n)``."""
    if y.dim() != 2:
        raise ValueError(f"labels must have shape (runs, n), got {tuple(y.shape)}")
    return (y[:, :, None] != y[:, None, :]).sum(2).to(torch.float64)


def chance_loss(y: torch.Tensor, mode: str = "single") -> torch.Tensor:
    """The loss when all similarities vanish (``σ₀ → 0``): ``mean_i log(1 + M_i)``, twice that for ``"multi"``.

    ``y (R, n)``; returns ``(R,)``.
    """
    if mode not in ("single", "multi"):
        raise ValueError(f"mode must be 'single' or 'multi', got {mode!r}")
    per_run = torch.log1p(_negatives(y)).mean(1)
    return per_run * (2 if mode == "multi" else 1)


def single_modal_head_start(config: SyntheticConfig) -> float:
    """``Δ = σ₀²σ_ξ²d·(1/2 − 1/(2π))/τ``: how far the positive logit leads the negatives at initialization."""
    variance = config.sigma0**2 * config.sigma_xi**2 * config.d
    return variance * (0.5 - 1 / (2 * math.pi)) / config.tau


def initial_loss_estimate(config: SyntheticConfig, y: torch.Tensor, mode: str = "single") -> torch.Tensor:
    """Mean-field estimate of the loss at ``t = 0``: ``mean_i log(1 + M_i e^{−Δ})`` (single), ``chance_loss``
    (multi)."""
    if mode == "multi":
        return chance_loss(y, "multi")
    if mode != "single":
        raise ValueError(f"mode must be 'single' or 'multi', got {mode!r}")
    delta = single_modal_head_start(config)
    return torch.log1p(_negatives(y) * math.exp(-delta)).mean(1)
