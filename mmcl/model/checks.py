"""Numerical checks that the book's closed forms are the paper's equations.

:func:`gradient_gap` compares the closed-form gradients of :mod:`mmcl.model.dynamics` (eq. 7 and eq. 10, assembled as
``∇_{w_r} L = g_r·μ + Σ_i c_{r,i}·ξ_i``) with PyTorch's automatic differentiation of the losses in
:mod:`mmcl.model.losses` (eqs. 6 and 9 with the stop-gradient of eq. 4).
"""

from __future__ import annotations

import torch

from .data import SyntheticData
from .dynamics import HalfStep, multi_modal_step, single_modal_step
from .losses import multi_modal_loss, single_modal_loss

__all__ = ["full_gradient", "gradient_gap"]


def full_gradient(step: HalfStep, mu: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
    """Assemble ``∇_{w_r} L = g_r·μ + Σ_i c_{r,i}·ξ_i`` from a :class:`~mmcl.model.dynamics.HalfStep`: ``(R, m, d)``."""
    return step.g[:, :, None] * mu[:, None, :] + torch.bmm(step.c, xi)


def gradient_gap(data: SyntheticData, tau: float, w: torch.Tensor, w_tilde: torch.Tensor | None = None) -> float:
    """Largest entry of ``|closed form − autograd|``, relative to the largest autograd entry.

    Single-modal (eq. 6/7) when ``w_tilde`` is ``None``, else multi-modal (eq. 9/10, both encoders). Runs in
    float64; ``w``/``w_tilde`` are ``(R, m, d)`` weights and ``data`` must hold the matching modality's noise.
    """
    dtype = torch.float64
    data = data.to("cpu", dtype)
    taus = torch.full((w.shape[0],), float(tau), dtype=dtype)
    w = w.detach().to("cpu", dtype).requires_grad_(True)
    if w_tilde is None:
        if data.eps is None:
            raise ValueError("single-modal check needs the augmentation noise: sample the data with mode 'single'")
        (auto,) = torch.autograd.grad(single_modal_loss(w, data, tau).sum(), w)
        closed = full_gradient(single_modal_step(w.detach(), data, taus), data.mu, data.xi)
        pairs = [(closed, auto)]
    else:
        if data.xi_tilde is None:
            raise ValueError("multi-modal check needs the second modality: sample the data with mode 'multi'")
        w_tilde = w_tilde.detach().to("cpu", dtype).requires_grad_(True)
        auto, auto_t = torch.autograd.grad(multi_modal_loss(w, w_tilde, data, tau).sum(), (w, w_tilde))
        h_step, g_step = multi_modal_step(w.detach(), w_tilde.detach(), data, taus)
        pairs = [
            (full_gradient(h_step, data.mu, data.xi), auto),
            (full_gradient(g_step, data.mu_tilde, data.xi_tilde), auto_t),
        ]
    scale = max(float(a.abs().max()) for _, a in pairs)
    if scale == 0:
        raise ValueError("the autograd gradient is exactly zero (all neurons inactive?); use other weights")
    return max(float((c - a).abs().max()) for c, a in pairs) / scale
