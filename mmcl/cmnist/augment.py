"""Image augmentations of the single-modal (SimCLR-style) ColoredMNIST pipeline.

A ColoredMNIST image is a grey digit times one RGB colour, so an augmented view is built in three steps:

1. **Random shift** of the grey digit by up to ``max_shift`` pixels in each direction (the digit is cropped from a
   zero-padded canvas): the cheap counterpart of SimCLR's random crop at 14×14 (no flip: digits are not
   mirror-symmetric).
2. **Colour jitter** (only in the ablation): SimCLR's colour distortion of strength 1 applied to the digit's colour —
   with probability 0.8 brightness and saturation factors drawn from ``U[0.2, 1.8]`` and a hue rotation by up to
   ±0.2 of a turn (about ±72°, a rotation about the grey axis), then grey-scale with probability 0.2. Brightness,
   saturation and hue act pixel-wise and linearly on a one-colour image, so jittering the colour vector is the same as
   jittering every pixel, up to where the result is clipped to ``[0, 1]`` (clipped once, on the colour). Contrast is
   left out: on a one-colour image it is a brightness change.
3. **Gaussian pixel noise** ``N(0, noise_std²)`` added to every pixel and channel: the augmentation of the paper's
   theory (eq. 5, ``x̂ = x + ε``).

The default set is 1 + 3, without colour jitter: SimCLR's own ablation (Chen et al. 2020, Fig. 5–6) shows that
crops without colour distortion let the network match views by their colour, and colour is exactly the spurious
feature here; leaving it in the view pair is what the paper's single-modal result implies, and the ablation adds it.
All randomness comes from the per-run generators passed in, on the CPU, so a seed fixes its views.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["shift", "colour_jitter", "hue_rotation"]

_GREY_AXIS = torch.ones(3, dtype=torch.float32) / math.sqrt(3.0)


def shift(digits: torch.Tensor, max_shift: int, offsets: torch.Tensor) -> torch.Tensor:
    """Shift grey digits ``(..., s, s)`` by integer ``offsets (..., 2)`` in ``[−max_shift, max_shift]`` (zero fill)."""
    if max_shift == 0:
        return digits
    side = digits.shape[-1]
    padded = F.pad(digits, (max_shift,) * 4)
    start = offsets + max_shift  # top-left corner of the crop in the padded canvas
    idx = torch.arange(side, device=digits.device)
    rows = (start[..., 0, None] + idx)[..., :, None].expand(*start.shape[:-1], side, side)
    cols = (start[..., 1, None] + idx)[..., None, :].expand(*start.shape[:-1], side, side)
    flat = padded.flatten(-2)
    return torch.gather(flat, -1, (rows * padded.shape[-1] + cols).flatten(-2)).reshape(digits.shape)


def hue_rotation(angle: torch.Tensor) -> torch.Tensor:
    """Rotation matrices ``(..., 3, 3)`` about the grey axis ``(1, 1, 1)/√3`` by ``angle (...)`` radians (Rodrigues)."""
    k = _GREY_AXIS.to(angle.device)
    cross = torch.tensor([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]], device=angle.device) / math.sqrt(3.0)
    cos, sin = torch.cos(angle)[..., None, None], torch.sin(angle)[..., None, None]
    return cos * torch.eye(3, device=angle.device) + sin * cross + (1 - cos) * torch.outer(k, k)


def colour_jitter(rgb: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """SimCLR's colour distortion (see the module docstring) of colours ``rgb (B, 3)`` in ``[0, 1]``; draws from
    ``generator``."""
    batch = rgb.shape[:-1]

    def uniform(low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(batch, generator=generator)

    apply = torch.rand(batch, generator=generator) < 0.8
    brightness = uniform(0.2, 1.8)  # SimCLR's strength 1: factors 1 ± 0.8, hue ± 0.2 of a turn
    saturation = uniform(0.2, 1.8)
    angle = uniform(-0.2, 0.2) * 2 * math.pi
    grey_scale = torch.rand(batch, generator=generator) < 0.2
    jittered = rgb * brightness[..., None]
    grey = jittered.mean(-1, keepdim=True)
    jittered = grey + (jittered - grey) * saturation[..., None]
    jittered = (hue_rotation(angle) @ jittered[..., None])[..., 0].clamp(0, 1)
    out = torch.where(apply[..., None], jittered, rgb)
    return torch.where(grey_scale[..., None], out.mean(-1, keepdim=True).expand_as(out), out)
