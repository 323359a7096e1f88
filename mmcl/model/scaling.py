"""Moving a configuration to another patch dimension ``d`` while keeping the paper's stage-1 picture fixed.

The lemmas of Appendices C and D hold "for ``d`` large enough"; their failures at the experiment's ``d = 2000`` come
from the cross-talk between nearly orthogonal vectors, e.g. ``⟨ξ_i, ξ_j⟩/‖ξ_j‖² ~ 1/√d``. To see whether a failure is
of that kind, :func:`at_dimension` changes ``d`` and rescales everything else so that every quantity the theorems are
stated in stays the same:

* ``‖μ‖, ‖μ̃‖, ‖ν‖ ∝ √d`` keeps ``SNR`` and ``n·SNR²`` (Assumption 4.1(6));
* ``η ∝ 1/d`` keeps the growth factors ``1 + 0.52η‖μ‖²/(mτ)``, ``1 + 0.96ησ_ξ²d/(nmτ)`` (Lemmas C.4, C.11) and
  ``1 + 0.48C_μη‖μ‖²/(mτ)``, ``1 + 1.06ησ_ξ²d/(nmτ)`` (Lemmas D.4, D.9);
* ``σ₀ ∝ 1/√d`` keeps the initial activation scales ``σ₀σ_ξ√d`` and ``σ₀‖μ‖`` and with them ``T₁`` (Lemmas 5.2, 5.4).

Only the relative size of the cross terms, ``1/√d``, changes.
"""

from __future__ import annotations

import math

from .config import SyntheticConfig

__all__ = ["at_dimension"]


def at_dimension(config: SyntheticConfig, d: int) -> SyntheticConfig:
    """``config`` moved to patch dimension ``d`` (and ``d̃ = d`` when ``config`` has ``d̃ = d``), rescaled as above."""
    if isinstance(d, bool) or not isinstance(d, int) or d < 2:
        raise ValueError(f"d must be an integer >= 2, got {d!r}")
    f = d / config.d
    root = math.sqrt(f)
    return config.replace(
        d=d,
        d_tilde=None if config.d_tilde is None else max(2, round(config.d_tilde * f)),
        lr=config.lr / f,
        sigma0=config.sigma0 / root,
        mu_norm=config.mu_norm * root,
        mu_tilde_norm=config.mu_tilde_norm * root,
        nu_norm=config.nu_norm * root,
    )
