"""Validated configuration of the synthetic experiment (paper §3 and §6, Figure 1).

The defaults are the paper's Figure 1 settings (NOTES §8.1): ``d = 2000``, ``n = 100``, ``n_test = 200``,
``m = 50``, learning rate ``0.01``, ``200`` full-batch gradient-descent epochs, ``μ = 5·e₁``, ``μ̃ = 15·e₂``,
``σ_ξ = 1``, ``σ_ε = 0.1`` and the test signal ``ν = 2·e₁``.

The paper states neither the temperature ``τ`` nor the initialisation scale ``σ₀``. We choose

* ``τ = 0.1``: the softmax temperature of SimCLR/CLIP-style training. The paper's stage-1 rates scale as
  ``η/τ``; ``τ = 1`` with ``η = 0.01`` barely moves the weights in 200 epochs (the loss stays near its initial
  value), whereas ``τ = 0.1`` lets both losses converge within the 200 epochs that Figure 1 shows.
* ``σ₀ = 0.01``: a small initialisation, as Assumption 4.1(3) asks (``σ₀ ≤ Õ(1/max{σ_ξ√d, ‖μ‖})`` ≈ 0.022 here).

Chapter 9 of the book maps the OOD accuracy of both settings over a grid of ``(τ, σ₀)`` to show how much the
conclusion depends on this choice.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

__all__ = ["SyntheticConfig", "FIGURE1", "AUGMENTATIONS", "INITS", "MODALITY2_INITS", "OPTIONAL_FIELDS"]

AUGMENTATIONS = ("gaussian", "mask", "mask_all")
"""The single-modal augmentations (eq. 5 and two masking variants, see :class:`SyntheticConfig`)."""

INITS = ("gaussian", "sign_sync", "anti_sync", "correlated", "orthogonal", "warm_single")
"""The initialisation strategies (:func:`mmcl.model.initialization.initial_pair`); ``"gaussian"`` is the paper's."""

MODALITY2_INITS = ("sign_sync", "anti_sync", "correlated")
"""Strategies that change only ``W̃⁽⁰⁾``: a single-modal run under them is the Gaussian one."""

OPTIONAL_FIELDS = {"init": "gaussian", "init_rho": 0.0, "sigma0_tilde": None}
"""Fields added after results were recorded, with their defaults. :meth:`SyntheticConfig.to_dict` leaves them out
while they are at their defaults, so every configuration written before they existed keeps its dictionary (and every
recorded sweep cell its key)."""


def _check_int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")


def _check_float(name: str, value: Any, *, positive: bool, allow_zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and (v < 0 or (v == 0 and not allow_zero)):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {value}")


@dataclass(frozen=True)
class SyntheticConfig:
    """One configuration of the paper's synthetic task.

    Attributes follow the paper's symbols: ``n`` training pairs, patch dimension ``d`` (eq. 1), ``m`` neurons
    (eq. 3), signal norms ``‖μ‖`` and ``‖μ̃‖ = C_μ‖μ‖`` (eq. 2, Assumption 4.1(7)), noise scale ``σ_ξ``,
    augmentation scale ``σ_ε`` (eq. 5), test-signal norm ``‖ν‖`` (§3.3), temperature ``τ`` (eq. 6, 9),
    initialisation scale ``σ₀``, learning rate ``η`` (eq. 7) and the number of full-batch epochs.

    Beyond the paper (its open question on unequal modalities, §7): ``d_tilde`` and ``sigma_xi_tilde`` set the
    second modality's patch dimension and noise scale (``None`` means equal to ``d`` and ``σ_ξ``, the paper's
    simplification), and ``nu_angle`` (degrees) rotates the test signal away from ``μ`` (0: the experiment's
    parallel shift; 90: the theory's near-orthogonal shift of §3.3).

    Two more generalisations (the paper's call for richer data models, Appendix A):

    * ``label_agreement`` ``a ∈ (0, 1]``: the second modality's signal is only partly shared. Pair ``i`` carries
      the modality-2 signal patch ``ỹ_i·μ̃`` with ``ỹ_i = y_i`` with probability ``a`` and ``ỹ_i = −y_i``
      otherwise (eq. 2 is the case ``a = 1``). Negatives are still defined by the pair label ``y``.
    * ``augmentation``: the single-modal augmentation of eq. (5). ``"gaussian"`` (the paper's) adds
      ``ε ~ N(0, σ_ε² I)`` to the noise patch; ``"mask"`` keeps each noise coordinate with probability
      ``1 − mask_rate`` and zeroes it otherwise, ``ξ̂ = ξ ⊙ b`` with ``b_k ~ Bernoulli(1 − mask_rate)``, which is
      eq. (5) with ``ε = −ξ ⊙ (1 − b)``; like eq. (5) it leaves the signal patch alone, so it presumes knowing
      which patch carries the noise. ``"mask_all"`` masks the coordinates of *both* patches at the same rate:
      because ``μ = ‖μ‖·e₁`` occupies one coordinate, the positive view keeps its signal patch ``y·μ`` with
      probability ``1 − mask_rate`` and has an empty one otherwise (its noise mask is the one ``"mask"`` draws).
      ``sigma_eps`` is used only by ``"gaussian"``, ``mask_rate`` only by the masking augmentations.

    The initialisation (the paper's is i.i.d. ``N(0, σ₀²)``, §3.1): ``sigma0_tilde`` is the scale of ``W̃⁽⁰⁾``
    (``None``: equal to ``σ₀``) and ``init`` one of :data:`INITS`, each a transformation of the same Gaussian
    draws (``init_rho`` is the correlation of ``"correlated"``); see :mod:`mmcl.model.initialization`.

    Every field is checked on construction; an invalid value raises ``ValueError`` naming the field and the
    allowed range.
    """

    n: int = 100
    d: int = 2000
    m: int = 50
    mu_norm: float = 5.0
    mu_tilde_norm: float = 15.0
    sigma_xi: float = 1.0
    sigma_eps: float = 0.1
    nu_norm: float = 2.0
    n_test: int = 200
    tau: float = 0.1
    sigma0: float = 0.01
    lr: float = 0.01
    epochs: int = 200
    d_tilde: int | None = None
    sigma_xi_tilde: float | None = None
    nu_angle: float = 0.0
    label_agreement: float = 1.0
    augmentation: str = "gaussian"
    mask_rate: float = 0.5
    init: str = "gaussian"
    init_rho: float = 0.0
    sigma0_tilde: float | None = None

    def __post_init__(self) -> None:
        _check_int("n", self.n, 2)
        _check_int("d", self.d, 1)
        _check_int("m", self.m, 1)
        _check_int("n_test", self.n_test, 2)
        _check_int("epochs", self.epochs, 0)
        if self.d_tilde is not None:
            _check_int("d_tilde", self.d_tilde, 1)
        for name in ("mu_norm", "mu_tilde_norm", "sigma_xi", "sigma_eps", "nu_norm"):
            _check_float(name, getattr(self, name), positive=True, allow_zero=True)
        for name in ("sigma0", "tau", "lr"):  # σ₀ = 0: every ReLU is inactive at W⁽⁰⁾ = 0 and training never moves
            _check_float(name, getattr(self, name), positive=True)
        if self.sigma_xi_tilde is not None:
            _check_float("sigma_xi_tilde", self.sigma_xi_tilde, positive=True, allow_zero=True)
        _check_float("nu_angle", self.nu_angle, positive=False)
        if self.d < 2 and self.nu_angle != 0:
            raise ValueError(f"nu_angle must be 0 when d < 2 (ν is turned towards e₂), got {self.nu_angle}")
        _check_float("label_agreement", self.label_agreement, positive=True)
        if not 0.0 < float(self.label_agreement) <= 1.0:
            raise ValueError(f"label_agreement must be in (0, 1], got {self.label_agreement}")
        if self.augmentation not in AUGMENTATIONS:
            raise ValueError(f"augmentation must be one of {AUGMENTATIONS}, got {self.augmentation!r}")
        _check_float("mask_rate", self.mask_rate, positive=True, allow_zero=True)
        if not 0.0 <= float(self.mask_rate) <= 1.0:
            raise ValueError(f"mask_rate must be in [0, 1], got {self.mask_rate}")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {self.init!r}")
        _check_float("init_rho", self.init_rho, positive=False)
        if not -1.0 <= float(self.init_rho) <= 1.0:
            raise ValueError(f"init_rho must be in [-1, 1], got {self.init_rho}")
        if self.init_rho != 0 and self.init != "correlated":
            raise ValueError(
                f"init_rho is read only by init='correlated'; got init_rho={self.init_rho} with {self.init!r}"
            )
        if self.sigma0_tilde is not None:
            _check_float("sigma0_tilde", self.sigma0_tilde, positive=True)
        if self.init == "orthogonal" and self.m > min(self.d, self.dim_tilde):
            raise ValueError(f"init='orthogonal' needs m <= d and m <= d_tilde, got m={self.m}")
        if self.dim_tilde < 2:
            raise ValueError(f"d_tilde must be >= 2 (μ̃ lies along e₂), got {self.dim_tilde}")

    # -- derived quantities (NOTES §2.3, §8.1) -------------------------------------------------------------
    @property
    def dim_tilde(self) -> int:
        """Patch dimension of modality 2, ``d̃`` (equal to ``d`` in the paper)."""
        return self.d if self.d_tilde is None else self.d_tilde

    @property
    def noise_tilde(self) -> float:
        """Noise scale of modality 2, ``σ_ξ̃`` (equal to ``σ_ξ`` in the paper)."""
        return self.sigma_xi if self.sigma_xi_tilde is None else float(self.sigma_xi_tilde)

    @property
    def init_scale_tilde(self) -> float:
        """Initialisation scale of modality 2, ``σ̃₀`` (equal to ``σ₀`` in the paper)."""
        return self.sigma0 if self.sigma0_tilde is None else float(self.sigma0_tilde)

    @property
    def snr(self) -> float:
        """``SNR = ‖μ‖ / (σ_ξ √d)`` (§2.3)."""
        return self.mu_norm / (self.sigma_xi * math.sqrt(self.d)) if self.sigma_xi > 0 else math.inf

    @property
    def snr_tilde(self) -> float:
        """Modality-2 ``SNR̃ = ‖μ̃‖ / (σ_ξ̃ √d̃)``."""
        s = self.noise_tilde
        return self.mu_tilde_norm / (s * math.sqrt(self.dim_tilde)) if s > 0 else math.inf

    @property
    def n_snr2(self) -> float:
        """``n · SNR²``, the quantity Assumption 4.1(6) keeps at Θ(1)."""
        return self.n * self.snr**2

    @property
    def c_mu(self) -> float:
        """``C_μ = ‖μ̃‖ / ‖μ‖`` (Assumption 4.1(7))."""
        return self.mu_tilde_norm / self.mu_norm if self.mu_norm > 0 else math.inf

    def replace(self, **changes: Any) -> "SyntheticConfig":
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dictionary (JSON-ready); the :data:`OPTIONAL_FIELDS` only where they differ from
        their defaults."""
        out = asdict(self)
        for name, default in OPTIONAL_FIELDS.items():
            if out[name] == default:
                del out[name]
        return out

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "SyntheticConfig":
        """Build from a dictionary; unknown keys raise ``ValueError``."""
        unknown = set(values) - set(cls.field_names())
        if unknown:
            raise ValueError(f"unknown configuration keys: {sorted(unknown)}; allowed: {list(cls.field_names())}")
        return cls(**values)


FIGURE1 = SyntheticConfig()
"""The paper's Figure 1 configuration with this book's choice of ``τ`` and ``σ₀``."""
