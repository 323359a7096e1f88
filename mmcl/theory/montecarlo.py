"""Exact Monte Carlo sampling of the quantities at initialisation, for the probability lemmas.

The lemmas of Appendix B and the time-0 lemmas of Appendices C and D (C.6, C.8–C.10, C.12, D.5–D.7, D.10) are
statements about the joint law of ``μ``, the noise vectors ``ξ_i`` (and ``ε_i``) and the inner products
``⟨w_r⁽⁰⁾, ·⟩`` with ``w_r⁽⁰⁾ ~ N(0, σ₀² I_d)``. That law depends on ``d`` only through the Gram matrix of the
``k`` noise vectors, which is Wishart: by rotation invariance we may put ``μ = ‖μ‖·e₁`` and realise the ``k``
vectors exactly in ``R^{1+k}`` (their first coordinate, and a Bartlett factor of the Wishart matrix of the remaining
``d − 1`` coordinates). The component of ``w_r⁽⁰⁾`` orthogonal to that span never enters, so every inner product is
sampled *exactly* at a cost independent of ``d``. This lets the book check a lemma at the dimension its proof asks
for (``d ≈ 10⁷ … 10¹⁷``), not only at the experiment's ``d = 2000``.

:func:`sample_vectors` draws the vectors, :func:`project` the inner products with fresh initial weights, and
:class:`FailureRate` turns per-trial failure indicators into an estimate with a Wilson interval that is compared
with the lemma's ``δ``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["sample_vectors", "project", "FailureRate", "rademacher", "check_delta"]


def check_delta(delta: float) -> None:
    """Raise ``ValueError`` unless the failure probability ``delta`` of a high-probability statement is in
    ``(0, 1)``."""
    if not (0 < delta < 1):
        raise ValueError(f"delta must be in (0, 1), got {delta}")


def _check_positive_int(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def sample_vectors(
    d: int, scales: np.ndarray, mu_norm: float, trials: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Vectors with the exact joint Gram law of ``μ = ‖μ‖e₁`` and ``v_j ~ N(0, scales_j² I_d)`` (independent).

    Returns ``(mu (trials, D), v (trials, k, D))`` with ``D = min(d, k + 1)``: when ``d ≤ k + 1`` the vectors are
    drawn directly in ``R^d``; otherwise the first coordinate is drawn directly and the other ``d − 1`` coordinates
    through a Bartlett factor ``A`` (``A Aᵀ ~ Wishart_k(d − 1, I)``).
    """
    _check_positive_int("d", d)
    _check_positive_int("trials", trials)
    scales = np.asarray(scales, dtype=np.float64)
    if scales.ndim != 1 or scales.size == 0 or (scales < 0).any():
        raise ValueError("scales must be a non-empty 1-D array of non-negative noise levels")
    if mu_norm < 0:
        raise ValueError(f"mu_norm must be >= 0, got {mu_norm}")
    k = scales.size
    if d <= k + 1:
        v = rng.standard_normal((trials, k, d)) * scales[None, :, None]
        dim = d
    else:
        first = rng.standard_normal((trials, k, 1))
        bartlett = np.tril(rng.standard_normal((trials, k, k)), -1)
        dof = (d - 1) - np.arange(k)
        diag = np.sqrt(rng.chisquare(dof[None, :], size=(trials, k)))
        bartlett[:, np.arange(k), np.arange(k)] = diag
        v = np.concatenate([first, bartlett], axis=2) * scales[None, :, None]
        dim = k + 1
    mu = np.zeros((trials, dim))
    mu[:, 0] = mu_norm
    return mu, v


def project(vectors: np.ndarray, m: int, sigma0: float, rng: np.random.Generator) -> np.ndarray:
    """``⟨w_r⁽⁰⁾, v⟩`` for ``m`` fresh neurons ``w_r⁽⁰⁾ ~ N(0, σ₀² I)``: ``(trials, k, D) → (trials, m, k)``."""
    _check_positive_int("m", m)
    if sigma0 < 0:
        raise ValueError(f"sigma0 must be >= 0, got {sigma0}")
    trials, _, dim = vectors.shape
    w = rng.standard_normal((trials, m, dim)) * sigma0
    return w @ vectors.transpose(0, 2, 1)


def rademacher(trials: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Labels ``y ∈ {−1, +1}`` of shape ``(trials, n)`` (eq. 1)."""
    return rng.integers(0, 2, size=(trials, n)) * 2.0 - 1.0


@dataclass(frozen=True)
class FailureRate:
    """How often an event that a lemma bounds by ``δ`` happened: ``failures`` out of ``trials``.

    ``low``/``high`` are the bounds of the 95% Wilson score interval. The lemma's probability claim is
    *contradicted* when even ``low`` exceeds ``δ`` (:meth:`consistent_with`).
    """

    failures: int
    trials: int

    def __post_init__(self) -> None:
        if self.trials < 1 or not (0 <= self.failures <= self.trials):
            raise ValueError(f"need 0 <= failures <= trials and trials >= 1, got {self.failures}/{self.trials}")

    @classmethod
    def of(cls, failed: np.ndarray) -> "FailureRate":
        """From a boolean array of per-trial failures."""
        failed = np.asarray(failed, dtype=bool).ravel()
        return cls(int(failed.sum()), int(failed.size))

    @property
    def rate(self) -> float:
        return self.failures / self.trials

    def _wilson(self, sign: float) -> float:
        if (sign < 0 and self.failures == 0) or (sign > 0 and self.failures == self.trials):
            return 0.0 if sign < 0 else 1.0
        z, n, p = 1.959964, self.trials, self.rate
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return min(1.0, max(0.0, centre + sign * half))

    @property
    def low(self) -> float:
        return self._wilson(-1.0)

    @property
    def high(self) -> float:
        return self._wilson(+1.0)

    def consistent_with(self, delta: float) -> bool:
        """``True`` unless the data show, at 95% confidence, a failure probability above ``delta``."""
        check_delta(delta)
        return self.low <= delta

    def __str__(self) -> str:
        return f"{self.rate:.3f} [{self.low:.3f}, {self.high:.3f}] ({self.failures}/{self.trials})"
