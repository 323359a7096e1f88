"""Encoders and contrastive losses of the ColoredMNIST experiment (§6, Table 1), batched over independent runs.

Every parameter carries a leading run axis ``R`` (one slice per seed), so ``R`` runs train as one tensor program;
the losses are sums of per-run losses, so the gradient of a slice depends on that run only, and Adam (an
element-wise optimiser) keeps the runs independent.

* Image encoder (*ours*; the paper does not state its architecture): a two-layer ReLU perceptron
  ``z = W₂ σ(W₁ vec(x) + b₁) + b₂`` on the ``3 × 14 × 14`` image, hidden width 256, embedding width 64 — the
  paper's one-hidden-layer ReLU encoder (eq. 3) with a linear read-out, small enough to train on a CPU.
* Convolutional image encoder (*ours*, the memorisation test of chapter 10): two ReLU convolutions (8 and 16
  channels, 3 × 3, stride 2) in front of the same two-layer perceptron, for the ``3 × 28 × 28`` images.
* Ideal language encoder (§6, after the paper's [54]): the caption is ``[one-hot(digit), one-hot(colour)]``;
  a trained linear map ``V ∈ ℝ^{20 × k}`` (*ours*) projects it into the image-embedding space, the role of the
  second encoder ``h̃`` of eq. (9).
* Multi-modal loss: CLIP's symmetric InfoNCE between image and caption embeddings (the image→text and
  text→image directions of eq. (9), cosine similarity, temperature ``τ``, in-batch negatives).
* Single-modal loss: SimCLR's NT-Xent between two augmented views (eq. (6) with in-batch negatives).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["BatchedMLP", "BatchedLinear", "BatchedConv", "nt_xent", "clip_loss"]


def _uniform(generators: list[torch.Generator], shape: tuple[int, ...], bound: float) -> torch.Tensor:
    """``U(−bound, bound)`` of ``shape`` for each run, each drawn from that run's generator, stacked to
    ``(R, *shape)``."""
    return torch.stack([(torch.rand(shape, generator=g) * 2 - 1) * bound for g in generators])


class BatchedLinear(nn.Module):
    """``R`` independent affine maps ``x ↦ x W + b`` (PyTorch's default uniform initialisation, fan-in scaled)."""

    def __init__(self, generators: list[torch.Generator], fan_in: int, fan_out: int, bias: bool = True) -> None:
        super().__init__()
        bound = 1 / math.sqrt(fan_in)
        self.weight = nn.Parameter(_uniform(generators, (fan_in, fan_out), bound))
        self.bias = nn.Parameter(_uniform(generators, (1, fan_out), bound)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x (R, B, fan_in) → (R, B, fan_out)``."""
        return torch.bmm(x, self.weight) if self.bias is None else torch.baddbmm(self.bias, x, self.weight)


class BatchedMLP(nn.Module):
    """``R`` independent two-layer ReLU encoders ``z = W₂ σ(W₁ x + b₁) + b₂``."""

    def __init__(self, generators: list[torch.Generator], in_dim: int, hidden: int, embed: int) -> None:
        super().__init__()
        self.hidden = BatchedLinear(generators, in_dim, hidden)
        self.out = BatchedLinear(generators, hidden, embed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``(R, B, 3, s, s)`` or flattened ``(R, B, 3·s·s)`` → embeddings ``(R, B, embed)``."""
        return self.out(torch.relu(self.hidden(x.flatten(2))))


class BatchedConv(nn.Module):
    """``R`` independent convolutional encoders: two ``3 × 3`` stride-2 ReLU convolutions (8, 16 channels), then
    :class:`BatchedMLP` on the flattened maps. Each run's images go through that run's own kernels only."""

    CHANNELS = (3, 8, 16)

    def __init__(self, generators: list[torch.Generator], size: int, hidden: int, embed: int) -> None:
        super().__init__()
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for c_in, c_out in zip(self.CHANNELS, self.CHANNELS[1:]):
            bound = 1 / math.sqrt(c_in * 9)
            self.weights.append(nn.Parameter(_uniform(generators, (c_out, c_in, 3, 3), bound)))
            self.biases.append(nn.Parameter(_uniform(generators, (c_out,), bound)))
            size = (size + 1) // 2
        self.head = BatchedMLP(generators, self.CHANNELS[-1] * size**2, hidden, embed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``(R, B, 3, s, s)`` → embeddings ``(R, B, embed)``."""
        maps = []
        for r in range(x.shape[0]):  # one convolution per run: faster on a CPU than one grouped convolution
            h = x[r]
            for w, b in zip(self.weights, self.biases):
                h = torch.relu(F.conv2d(h, w[r], b[r], stride=2, padding=1))
            maps.append(h.flatten(1))
        return self.head(torch.stack(maps))


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, tau: float) -> torch.Tensor:
    """SimCLR's loss for views ``z1, z2 (R, B, k)``: each of the ``2B`` views must pick its partner among the other
    ``2B − 1``.

    Returns the per-run mean over the ``2B`` anchors, shape ``(R,)``.
    """
    runs, batch, _ = z1.shape
    z = F.normalize(torch.cat([z1, z2], dim=1), dim=-1)
    logits = torch.bmm(z, z.transpose(1, 2)) / tau
    self_mask = torch.eye(2 * batch, dtype=torch.bool, device=z.device)
    logits = logits.masked_fill(self_mask, float("-inf"))
    partner = torch.cat([torch.arange(batch, 2 * batch), torch.arange(batch)]).to(z.device)
    loss = F.cross_entropy(logits.reshape(runs * 2 * batch, 2 * batch), partner.repeat(runs), reduction="none")
    return loss.reshape(runs, 2 * batch).mean(1)


def clip_loss(image: torch.Tensor, text: torch.Tensor, tau: float) -> torch.Tensor:
    """CLIP's symmetric loss for paired embeddings ``(R, B, k)``: image→caption and caption→image InfoNCE, averaged.

    Returns the per-run value, shape ``(R,)``.
    """
    runs, batch, _ = image.shape
    logits = torch.bmm(F.normalize(image, dim=-1), F.normalize(text, dim=-1).transpose(1, 2)) / tau
    target = torch.arange(batch, device=image.device).repeat(runs)
    i2t = F.cross_entropy(logits.reshape(runs * batch, batch), target, reduction="none")
    t2i = F.cross_entropy(logits.transpose(1, 2).reshape(runs * batch, batch), target, reduction="none")
    return (i2t + t2i).reshape(runs, batch).mean(1) / 2
