"""The initialisation strategies and the contrastive losses at initialization (eqs. 6 and 9 at ``t = 0``).

**Strategies** (:func:`initial_pair`, chosen by ``SyntheticConfig.init``). The paper draws every weight i.i.d.
``N(0, σ₀²)`` (§3.1). Every other strategy is a transformation of the *same* Gaussian draws ``G``, ``G̃`` of the seed
(:func:`mmcl.model.data.initial_weights`), so runs of one seed under different strategies are paired: same data,
same draws. The signals lie on one coordinate each (``μ ∝ e₁``, ``μ̃ ∝ e₂``), so a neuron's signal projections at
``t = 0`` are ``⟨w_r, μ⟩ = ‖μ‖·W[r, 0]`` and ``⟨w̃_r, μ̃⟩ = ‖μ̃‖·W̃[r, 1]``.

* ``"gaussian"``: ``W = σ₀G``, ``W̃ = σ̃₀G̃`` (``σ̃₀ = sigma0_tilde``, default ``σ₀``);
* ``"sign_sync"``: as Gaussian, with the sign of ``W̃[r, 1]`` set to that of ``W[r, 0]`` — every neuron starts in
  ``U₊∩Ũ₊`` or ``U₋∩Ũ₋`` (no mixed neuron, Lemma D.3 (1)–(2)); the magnitudes are the Gaussian ones;
* ``"anti_sync"``: the opposite sign — every neuron starts mixed (Lemma D.3 (3));
* ``"correlated"``: ``W̃[r, 1] = σ̃₀(ρ·G[r, 0] + √(1−ρ²)·G̃[r, 1])`` with ``ρ = init_rho``: a component shared along
  the signal, so the two signal projections are jointly Gaussian with correlation ``ρ`` and a neuron starts mixed
  with probability ``1/2 − arcsin(ρ)/π``. (Correlating the whole rows, ``w̃ = ρw + √(1−ρ²)z``, would correlate
  ``W̃[r, 1]`` with ``W[r, 1]``, a noise coordinate of modality 1, and leave the signal signs independent.)
* ``"orthogonal"``: in each modality the rows are orthonormal (the Q factor of ``Gᵀ``, signs fixed by ``R``'s
  diagonal, so Haar distributed) times ``σ₀√d`` (``σ̃₀√d̃``), the expected norm of a Gaussian row;
* ``"warm_single"``: ``W`` is the final weight of the single-modal run of the same seed and configuration (trained by
  :func:`mmcl.model.trainer.train`, which handles this strategy), ``W̃`` Gaussian.

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
from .data import initial_weights

__all__ = ["initial_pair", "mixed_probability", "chance_loss", "single_modal_head_start", "initial_loss_estimate"]


def _orthogonal_rows(g: torch.Tensor, scale: float) -> torch.Tensor:
    """``scale·√d`` times the orthonormal rows spanned by the rows of ``g`` (``m × d``, ``m ≤ d``), Haar distributed."""
    q, r = torch.linalg.qr(g.T)  # (d, m), (m, m)
    signs = torch.sign(torch.diagonal(r))
    signs[signs == 0] = 1.0
    return (q * signs).T * (scale * math.sqrt(g.shape[1]))


def initial_pair(config: SyntheticConfig, seed: int, mode: str = "multi") -> tuple[torch.Tensor, torch.Tensor | None]:
    """``(W⁽⁰⁾, W̃⁽⁰⁾)`` of one run under ``config.init`` (float64, CPU; ``W̃⁽⁰⁾`` is ``None`` for ``"single"``).

    The strategies are described in the module docstring; ``"warm_single"`` returns the Gaussian ``W⁽⁰⁾`` here (the
    trainer replaces it by the trained single-modal weights). With the defaults this is exactly
    :func:`~mmcl.model.data.initial_weights` of both modalities.
    """
    if mode not in ("single", "multi"):
        raise ValueError(f"mode must be 'single' or 'multi', got {mode!r}")
    c = config
    w = initial_weights(c, seed, 1)
    if c.init == "orthogonal":
        w = _orthogonal_rows(w / c.sigma0, c.sigma0)
    if mode == "single":
        return w, None
    w_t = initial_weights(c, seed, 2)
    if c.sigma0_tilde is not None:
        w_t = w_t / c.sigma0 * c.sigma0_tilde
    s_t = c.init_scale_tilde
    if c.init == "orthogonal":
        w_t = _orthogonal_rows(w_t / s_t, s_t)
    elif c.init in ("sign_sync", "anti_sync"):
        sign = torch.where(w[:, 0] >= 0, 1.0, -1.0).to(w.dtype) * (1.0 if c.init == "sign_sync" else -1.0)
        w_t[:, 1] = w_t[:, 1].abs() * sign
    elif c.init == "correlated":
        rho = float(c.init_rho)
        w_t[:, 1] = s_t * (rho * w[:, 0] / c.sigma0 + math.sqrt(1.0 - rho * rho) * w_t[:, 1] / s_t)
    return w, w_t


def mixed_probability(config: SyntheticConfig) -> float:
    """The probability that a neuron starts mixed, ``sign⟨w_r, μ⟩ ≠ sign⟨w̃_r, μ̃⟩`` at ``t = 0``, under ``config.init``:
    ``1/2`` for the Gaussian and orthogonal starts (independent symmetric signs), 0 for ``"sign_sync"``, 1 for
    ``"anti_sync"``, ``1/2 − arcsin(ρ)/π`` for ``"correlated"`` (the orthant probability of a bivariate Gaussian);
    ``"warm_single"`` is ``1/2`` by the symmetry of the Gaussian ``W̃⁽⁰⁾``."""
    table = {"sign_sync": 0.0, "anti_sync": 1.0}
    if config.init == "correlated":
        return 0.5 - math.asin(float(config.init_rho)) / math.pi
    return table.get(config.init, 0.5)


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
