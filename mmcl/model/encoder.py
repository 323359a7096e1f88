"""The one-layer ReLU encoder of eq. (3), with a leading *run* dimension.

``h(x) = [h̄_1(x), …, h̄_m(x)]`` with ``h̄_r(x) = σ(⟨w_r, x⁽¹⁾⟩) + σ(⟨w_r, x⁽²⁾⟩)``: one weight vector per
neuron, shared by the two patches, no bias and no second layer, ``σ = ReLU``. Weights are stored as a tensor
``W`` of shape ``(R, m, d)``, so ``R`` independent runs are evaluated by one batched matrix product.

Because the signal patch of sample ``i`` is ``y_i·μ`` (rank one across the batch), its pre-activation is
``y_i·⟨w_r, μ⟩``: one matrix-vector product per run serves all ``n`` samples.
"""

from __future__ import annotations

import torch

__all__ = ["signal_preactivation", "noise_preactivation", "signal_activation", "embedding", "embed"]


def signal_preactivation(w: torch.Tensor, mu: torch.Tensor) -> torch.Tensor:
    """``⟨w_r, μ⟩`` for every run and neuron: ``(R, m, d) × (R, d) → (R, m)``."""
    return torch.einsum("rmd,rd->rm", w, mu)


def noise_preactivation(w: torch.Tensor, patches: torch.Tensor) -> torch.Tensor:
    """``⟨w_r, ξ_i⟩`` for every run, neuron and sample: ``(R, m, d) × (R, n, d) → (R, m, n)``."""
    return torch.bmm(w, patches.transpose(1, 2))


def signal_activation(signal_pre: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``σ(⟨w_r, y_i μ⟩) = σ(y_i ⟨w_r, μ⟩)``: ``(R, m), (R, n) → (R, m, n)``."""
    return torch.relu(signal_pre[:, :, None] * y[:, None, :])


def embedding(signal_pre: torch.Tensor, noise_pre: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``h(x)`` of eq. (3) from the pre-activations ``⟨w_r, signal⟩ (R, m)`` and ``⟨w_r, noise_i⟩ (R, m, n)``,
    for inputs ``x_i = [y_i·signal, noise_i]``, shape ``(R, n, m)``."""
    return (signal_activation(signal_pre, y) + torch.relu(noise_pre)).transpose(1, 2)


def embed(w: torch.Tensor, y: torch.Tensor, signal: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """The embedding ``h(x)`` of eq. (3) for inputs ``x_i = [y_i·signal, noise_i]``, shape ``(R, n, m)``."""
    return embedding(signal_preactivation(w, signal), noise_preactivation(w, noise), y)
