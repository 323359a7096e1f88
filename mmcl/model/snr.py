"""Signal-to-noise ratios of the data model (§3 and eq. 5 of the paper), in population and as measured on samples.

``SNR = ‖μ‖ / (σ_ξ √d)``: the signal patch carries ``‖μ‖`` while the noise patch has norm about ``σ_ξ √d``. The
augmentation of eq. (5) adds independent noise ``ε ~ N(0, σ_ε² I)`` to the noise patch only, so the augmented view
has SNR ``‖μ‖ / (√(σ_ξ² + σ_ε²) √d)``: the same signal and slightly *more* noise. Augmentation cannot raise the
SNR; that is the paper's point about single-modal learning. :func:`n_snr2_window` is the range of ``n·SNR²`` in
which the explicit constants of both end-of-stage-1 proofs work (re-exported by :mod:`mmcl.theory.predictions`).
"""

from __future__ import annotations

import math

import torch

from .config import SyntheticConfig

__all__ = ["augmented_snr", "empirical_snr", "noise_cosine", "n_snr2_window"]


def augmented_snr(config: SyntheticConfig) -> float:
    """Population SNR of the augmented view ``x̂ = [yμ, ξ + ε]`` (eq. 5): ``‖μ‖ / (√(σ_ξ² + σ_ε²)·√d)``.

    Defined for the paper's Gaussian augmentation only (``config.augmentation == "gaussian"``).
    """
    if config.augmentation != "gaussian":
        raise ValueError(f"augmented_snr is defined for augmentation='gaussian', got {config.augmentation!r}")
    scale = math.hypot(config.sigma_xi, config.sigma_eps)
    return config.mu_norm / (scale * math.sqrt(config.d)) if scale > 0 else math.inf


def empirical_snr(mu: torch.Tensor, noise: torch.Tensor) -> float:
    """Measured SNR of samples ``[y·μ, noise_i]``: ``‖μ‖ / √(mean_i ‖noise_i‖²)``.

    ``mu (d,)``, ``noise (n, d)``; ``√(mean_i ‖noise_i‖²)`` estimates ``σ √d``, so this estimates
    ``‖μ‖ / (σ √d)``.
    """
    if mu.dim() != 1 or noise.dim() != 2 or noise.shape[1] != mu.shape[0]:
        raise ValueError(
            f"need mu of shape (d,) and noise of shape (n, d), got {tuple(mu.shape)} and {tuple(noise.shape)}"
        )
    rms = noise.double().pow(2).sum(1).mean().sqrt()
    return float(mu.double().norm() / rms)


def noise_cosine(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of matching rows, ``cos(a_i, b_i)``: ``(n, d), (n, d) → (n,)``.

    With ``a = ξ`` and ``b = ξ + ε`` it shows how much noise a sample shares with its augmented view
    (about ``σ_ξ / √(σ_ξ² + σ_ε²)``).
    """
    if a.shape != b.shape or a.dim() != 2:
        raise ValueError(f"need two (n, d) tensors of equal shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    return torch.nn.functional.cosine_similarity(a.double(), b.double(), dim=1)


def n_snr2_window(c_mu: float = 2.66) -> tuple[float, float]:
    """The ``n·SNR²`` range in which both scale-gap arguments go through with the paper's constants (Chapter 3).

    Single-modal (proof of Lemma 5.2): ``0.55·n·SNR² + 0.01 ≤ 1`` ⇒ ``n·SNR² ≤ 0.99/0.55 = 1.8``.
    Multi-modal (proof of Lemma 5.4): ``2.21/(C_μ·n·SNR²) + 0.01 ≤ 0.5`` ⇒ ``n·SNR² ≥ 2.21/(0.49·C_μ)``
    (``= 1.70`` at ``C_μ = 2.66``). Returns ``(low, high)``; empty when ``low > high``.
    """
    if c_mu <= 0:
        raise ValueError(f"c_mu must be > 0, got {c_mu}")
    return 2.21 / (0.49 * c_mu), 0.99 / 0.55
