"""The paper's data model (§3): two modalities of signal-plus-noise patches, the augmentation and the test shift.

* Modality 1, eq. (1): ``x = [y·μ, ξ]`` with ``y`` Rademacher and ``ξ ~ N(0, σ_ξ² I_d)``.
* Modality 2, eq. (2): ``x̃ = [ỹ·μ̃, ξ̃]`` with independent ``ξ̃ ~ N(0, σ_ξ̃² I_d̃)`` and, in the paper, the
  *same* label ``ỹ = y``. Beyond the paper, ``ỹ_i = −y_i`` with probability ``1 − label_agreement`` (a partly
  shared signal); the pair, and hence the choice of negatives, keeps the label ``y``.
* Single-modal augmentation, eq. (5): ``x̂ = [y·μ, ξ + ε]`` with ``ε ~ N(0, σ_ε² I_d)``; with
  ``augmentation="mask"`` instead ``ε = −ξ ⊙ (1 − b)``, ``b_k ~ Bernoulli(1 − mask_rate)``, so ``ξ + ε = ξ ⊙ b``;
  ``"mask_all"`` also masks the signal patch, so the positive view of sample ``i`` is ``[s_i·y_i μ, ξ_i ⊙ b_i]``
  with ``s_i ~ Bernoulli(1 − mask_rate)`` (``μ`` lies on one coordinate).
* Downstream test distribution, §3.3: ``x_test = [y·ν, ζ]`` with ``ζ ~ N(0, σ_ξ² I_d)``.

The signal patch is rank one: a batch of signal patches is ``y ⊗ μ``, so only ``y`` and ``μ`` are stored and
``⟨w, y_i μ⟩ = y_i ⟨w, μ⟩`` is computed once per neuron. Directions follow the experiment: ``μ = ‖μ‖·e₁``,
``μ̃ = ‖μ̃‖·e₂`` and ``ν = ‖ν‖·(cos θ·e₁ + sin θ·e₂)``.

Randomness: every run is identified by an integer seed; each random component (labels, noise, augmentation,
test sets, the two initialisations, the label flips of modality 2) draws from its own stream spawned from that seed by
``numpy.random.SeedSequence``. A run's data therefore depend only on its seed, not on which other runs share the batch,
and the single- and multi-modal runs of one seed see the same modality-1 data and the same initial ``W``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

import numpy as np
import torch

from .config import SyntheticConfig

__all__ = ["SyntheticData", "sample", "stack", "seed_generators", "parse_seeds", "STREAMS"]

STREAMS = ("labels", "xi", "eps", "xi_tilde", "fit", "score", "w0", "w0_tilde", "agree")
"""Names of the independent random streams drawn from each seed, in spawn order.

Child ``k`` of ``SeedSequence(seed).spawn(…)`` does not depend on how many children are spawned, so a stream
appended to this tuple leaves every earlier stream, and hence every earlier result, unchanged.
"""


def seed_generators(seed: int, count: int) -> list[torch.Generator]:
    """The ``count`` independent CPU generators of ``seed``: children ``0 … count−1`` of
    ``numpy.random.SeedSequence(seed).spawn(count)``, each seeding one ``torch.Generator``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    generators = []
    for child in np.random.SeedSequence(int(seed)).spawn(count):
        g = torch.Generator()
        g.manual_seed(int(child.generate_state(1, dtype=np.uint64)[0] % (2**63)))
        generators.append(g)
    return generators


def parse_seeds(seeds: int | Sequence[int], *, distinct: bool = False) -> list[int]:
    """Seeds ``0 … K−1`` for a count ``K ≥ 1``, or the given non-empty list of non-negative integers (without
    repeats when ``distinct``); anything else raises ``ValueError``."""
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds must be >= 1 (or a list of seeds), got {seeds}")
        return list(range(int(seeds)))
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise ValueError(f"seeds must be a count or a list of non-negative integers, got {seeds!r}")
    values = list(seeds)
    if not values or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in values):
        raise ValueError(f"seeds must be a non-empty list of non-negative integers, got {seeds!r}")
    if distinct and len(set(values)) != len(values):
        raise ValueError(f"seeds must not repeat, got {seeds!r}")
    return [int(s) for s in values]


def _generator(seed: int, stream: str) -> torch.Generator:
    return seed_generators(seed, STREAMS.index(stream) + 1)[-1]  # child k does not depend on the number spawned


def _labels(g: torch.Generator, count: int) -> torch.Tensor:
    """Rademacher labels; at least one of each class so that every anchor has negatives (eq. 6)."""
    if count < 2:
        raise ValueError(f"need at least 2 samples to draw both labels, got {count}")
    while True:
        y = torch.randint(0, 2, (count,), generator=g, dtype=torch.int64) * 2 - 1
        if bool((y > 0).any()) and bool((y < 0).any()):
            return y.to(torch.float64)


def _direction(dim: int, axis: int, angle_deg: float = 0.0) -> torch.Tensor:
    v = torch.zeros(dim, dtype=torch.float64)
    if angle_deg == 0.0:
        v[axis] = 1.0
    else:
        v[0] = math.cos(math.radians(angle_deg))
        v[1] = math.sin(math.radians(angle_deg))
    return v


@dataclass
class SyntheticData:
    """Training and test data of one or more runs; every tensor has a leading run dimension ``R``.

    Shapes: ``y (R, n)``; ``mu (R, d)``; ``xi, eps (R, n, d)``; ``mu_tilde (R, d̃)``; ``xi_tilde (R, n, d̃)``;
    ``nu (R, d)``; probe sets ``y_fit, y_score (R, n_test)`` and ``zeta_fit, zeta_score (R, n_test, d)``;
    ``y_tilde (R, n)``, the labels carried by the modality-2 signal patches (equal to ``y`` in the paper);
    ``signal_keep (R, n)``, 1 where the augmented view keeps its signal patch and 0 where it is masked (all ones
    except for ``augmentation="mask_all"``).
    ``eps`` is ``None`` when only the multi-modal data were drawn and ``xi_tilde`` and ``y_tilde`` when only the
    single-modal, ``signal_keep`` when only the multi-modal. Code that builds this object without ``y_tilde`` gets
    the paper's ``ỹ = y`` (:attr:`labels_tilde`), without ``signal_keep`` views that keep their signal.
    """

    y: torch.Tensor
    mu: torch.Tensor
    xi: torch.Tensor
    eps: torch.Tensor | None
    mu_tilde: torch.Tensor
    xi_tilde: torch.Tensor | None
    nu: torch.Tensor
    y_fit: torch.Tensor
    zeta_fit: torch.Tensor
    y_score: torch.Tensor
    zeta_score: torch.Tensor
    y_tilde: torch.Tensor | None = None
    signal_keep: torch.Tensor | None = None

    @property
    def runs(self) -> int:
        return self.y.shape[0]

    @property
    def labels_tilde(self) -> torch.Tensor:
        """``ỹ``: the labels of the modality-2 signal patches, ``y`` when none were drawn."""
        return self.y if self.y_tilde is None else self.y_tilde

    def to(self, device: torch.device | str, dtype: torch.dtype) -> "SyntheticData":
        """A copy on ``device`` in ``dtype``."""
        return SyntheticData(**{k: None if v is None else v.to(device=device, dtype=dtype) for k, v in self._items()})

    def select(self, index: int) -> "SyntheticData":
        """The data of run ``index`` alone (keeping a run dimension of 1)."""
        return SyntheticData(**{k: None if v is None else v[index : index + 1] for k, v in self._items()})

    def _items(self) -> list[tuple[str, torch.Tensor | None]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


def sample(config: SyntheticConfig, seed: int, modes: tuple[str, ...] = ("single", "multi")) -> SyntheticData:
    """Draw the data of one run (float64, CPU) from eqs. (1), (2), (5) and §3.3.

    ``modes`` says which settings the data serve: the augmentation noise ``ε`` is drawn only for ``"single"``
    and the second modality's noise ``ξ̃`` only for ``"multi"`` (each from its own stream, so skipping one does
    not change the others).
    """
    unknown = set(modes) - {"single", "multi"}
    if unknown or not modes:
        raise ValueError(f"modes must be a non-empty subset of ('single', 'multi'), got {modes!r}")
    n, d, dt, nt = config.n, config.d, config.dim_tilde, config.n_test
    y = _labels(_generator(seed, "labels"), n)
    xi = torch.randn(n, d, generator=_generator(seed, "xi"), dtype=torch.float64) * config.sigma_xi
    eps = xi_t = y_t = keep = None
    if "single" in modes:
        eps, keep = _augmentation(config, seed, xi)
        eps, keep = eps[None], keep[None]
    if "multi" in modes:
        xi_t = (torch.randn(n, dt, generator=_generator(seed, "xi_tilde"), dtype=torch.float64) * config.noise_tilde)[
            None
        ]
        y_t = _labels_tilde(config, seed, y)[None]
    sets = []
    for stream in ("fit", "score"):
        g = _generator(seed, stream)
        sets.append((_labels(g, nt), torch.randn(nt, d, generator=g, dtype=torch.float64) * config.sigma_xi))
    (y_fit, zeta_fit), (y_score, zeta_score) = sets
    return SyntheticData(
        y=y[None],
        mu=(config.mu_norm * _direction(d, 0))[None],
        xi=xi[None],
        eps=eps,
        mu_tilde=(config.mu_tilde_norm * _direction(dt, 1))[None],
        xi_tilde=xi_t,
        nu=(config.nu_norm * _direction(d, 0, config.nu_angle))[None],
        y_fit=y_fit[None],
        zeta_fit=zeta_fit[None],
        y_score=y_score[None],
        zeta_score=zeta_score[None],
        y_tilde=y_t,
        signal_keep=keep,
    )


def _augmentation(config: SyntheticConfig, seed: int, xi: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(ε, s)``: ``ε`` of eq. (5) (Gaussian) or ``−ξ ⊙ (1 − b)`` (masking), and the signal-keep flags ``s`` (``n``).

    All from the ``eps`` stream; ``"mask_all"`` draws ``b`` exactly as ``"mask"`` does, then ``s``.
    """
    g = _generator(seed, "eps")
    signal_keep = torch.ones(xi.shape[0], dtype=torch.float64)
    if config.augmentation == "gaussian":
        return torch.randn(xi.shape, generator=g, dtype=torch.float64) * config.sigma_eps, signal_keep
    keep = torch.rand(xi.shape, generator=g, dtype=torch.float64) >= config.mask_rate
    if config.augmentation == "mask_all":
        signal_keep = (torch.rand(xi.shape[0], generator=g, dtype=torch.float64) >= config.mask_rate).to(torch.float64)
    return torch.where(keep, torch.zeros_like(xi), -xi), signal_keep


def _labels_tilde(config: SyntheticConfig, seed: int, y: torch.Tensor) -> torch.Tensor:
    """``ỹ_i = y_i`` with probability ``label_agreement``, else ``−y_i`` (the ``agree`` stream; no draw at 1)."""
    if config.label_agreement == 1.0:
        return y.clone()
    flip = torch.rand(y.shape, generator=_generator(seed, "agree"), dtype=torch.float64) >= config.label_agreement
    return torch.where(flip, -y, y)


def stack(parts: list[SyntheticData]) -> SyntheticData:
    """Concatenate runs of equal shapes along the run dimension."""
    if not parts:
        raise ValueError("stack needs at least one run")
    shapes = {tuple((k, None if v is None else tuple(v.shape[1:])) for k, v in p._items()) for p in parts}
    if len(shapes) != 1:
        raise ValueError("runs batched together must share n, d, d_tilde, n_test and the modes drawn")
    return SyntheticData(
        **{k: None if v is None else torch.cat([getattr(p, k) for p in parts]) for k, v in parts[0]._items()}
    )


def initial_weights(config: SyntheticConfig, seed: int, modality: int = 1) -> torch.Tensor:
    """``W⁽⁰⁾`` (``m × d``) or ``W̃⁽⁰⁾`` (``m × d̃``) with i.i.d. ``N(0, σ₀²)`` entries (§3.1, §3.6), float64."""
    if modality not in (1, 2):
        raise ValueError(f"modality must be 1 or 2, got {modality!r}")
    dim = config.d if modality == 1 else config.dim_tilde
    g = _generator(seed, "w0" if modality == 1 else "w0_tilde")
    return torch.randn(config.m, dim, generator=g, dtype=torch.float64) * config.sigma0
