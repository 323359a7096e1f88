"""The signal–noise decomposition of eq. (11)/(14), computed from the weights alone.

Every gradient step moves ``w_r`` inside ``span{μ, ξ_1, …, ξ_n}`` (eq. 7/10), so

``w_r⁽ᵗ⁾ = w_r⁽⁰⁾ + γ_r⁽ᵗ⁾ ‖μ‖⁻² μ + Σ_i ρ_{r,i}⁽ᵗ⁾ ‖ξ_i‖⁻² ξ_i``.

The trainer tracks ``γ`` and ``ρ`` by the coefficient recursions of Lemma 5.1/5.3 (:mod:`mmcl.model.dynamics`).
:func:`least_squares` recovers the same coefficients by solving ``w_r⁽ᵗ⁾ − w_r⁽⁰⁾ = [μ, ξ_1, …, ξ_n]·c`` and
rescaling ``γ = c_0‖μ‖²``, ``ρ_i = c_i‖ξ_i‖²``; this is exact when ``d ≥ n + 1`` and ``{μ, ξ_i}`` are linearly
independent (almost surely for Gaussian noise). Agreement of the two is a check of the whole update rule.
"""

from __future__ import annotations

import torch

__all__ = ["least_squares", "reconstruct"]


def least_squares(
    w: torch.Tensor, w0: torch.Tensor, mu: torch.Tensor, xi: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(γ (R, m), ρ (R, m, n))`` from weights ``w, w0 (R, m, d)``, signal ``mu (R, d)`` and noise ``xi (R, n, d)``.

    Solved in float64. Raises ``ValueError`` when ``d < n + 1`` (the basis cannot be independent).
    """
    runs, n, d = xi.shape
    if d < n + 1:
        raise ValueError(f"the decomposition needs d >= n + 1 to be unique, got d={d}, n={n}")
    basis = torch.cat([mu[:, None, :], xi], dim=1).to(torch.float64)  # (R, n+1, d)
    delta = (w - w0).to(torch.float64)  # (R, m, d)
    coef = torch.linalg.lstsq(basis.transpose(1, 2), delta.transpose(1, 2)).solution  # (R, n+1, m)
    sq = (basis * basis).sum(2)  # (R, n+1)
    scaled = (coef * sq[:, :, None]).transpose(1, 2)  # (R, m, n+1)
    return scaled[:, :, 0], scaled[:, :, 1:]


def reconstruct(
    w0: torch.Tensor, gamma: torch.Tensor, rho: torch.Tensor, mu: torch.Tensor, xi: torch.Tensor
) -> torch.Tensor:
    """``w⁽⁰⁾ + γ‖μ‖⁻²μ + Σ_i ρ_i‖ξ_i‖⁻²ξ_i`` for every run and neuron (eq. 11), shape ``(R, m, d)``."""
    mu_unit = mu / (mu * mu).sum(1, keepdim=True)
    xi_unit = xi / (xi * xi).sum(2, keepdim=True)
    return w0 + gamma[:, :, None] * mu_unit[:, None, :] + torch.bmm(rho, xi_unit)
