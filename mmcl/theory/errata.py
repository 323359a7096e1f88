"""Executable evidence for the single-modal errata: statements that are wrong whatever the sizes, and proof steps that
do not give what they claim (Chapter 12).

* **Lemma C.10** (:func:`c10_limit`): for a fixed ``C`` the threshold ``C·B_{r,±}⁽⁰⁾/n`` tends to
  ``C·σ₀σ_ξ√d/(2√(2π))`` (law of large numbers: ``B_{r,±}⁽⁰⁾`` sums about ``n/2`` half-normal activations), while
  every ``|⟨w_r⁽⁰⁾,ξ_i⟩|`` is a fresh ``|N(0, (σ₀σ_ξ√d)²)|``. So each pair fails with a probability
  ``p(C) = erf(C/(4√π))`` that does not depend on ``n``: the statement is false at every ``n`` above its own
  threshold unless ``C`` is tiny (:func:`c10_largest_constant`), and Lemma C.11 uses ``C ≈ 202``.
* **Lemma C.11 (23)** at ``t = 0`` (:func:`c11_base_case_limit`, :func:`c11_base_case_scan`): the base case asks
  ``Ψ⁽⁰⁾ = ⟨w_r⁽⁰⁾,ξ_i⟩ ≥ 101C_ℓ/(M+1)·B_{r,∓}⁽⁰⁾``, and the right-hand side tends to ``101C_ℓ/√(2π)·σ₀σ_ξ√d ≈
  40σ₀σ_ξ√d``: a half-normal beyond 40 standard deviations, at every ``n``, ``d``, ``σ₀``.
* **Lemma C.11, the induction for (23)** (:func:`c11_induction_drift`): the proof propagates ``Ψ`` at rate at least
  ``1 + 0.96x`` and ``B_{r,∓}`` at rate at most ``1 + 1.05x`` (``x = ησ_ξ²d/(nmτ)``); their ratio can therefore
  shrink by ``((1 + 1.05x)/(1 + 0.96x))^{T₁}`` over stage 1, which is not bounded: the induction cannot close as
  written.
* **Lemma 5.2, signal bound** (:func:`lemma_5_2_signal_bounds`): the proof's chain ends with the constant 30 where
  ``T₁`` and the printed bound use 20.
* **Lemma 5.4, noise bound** (:func:`lemma_5_4_scaling`): the bound that the proof's algebra yields
  (:func:`mmcl.theory.predictions.lemma_5_4_noise_bound`) against the printed one, along Assumption 4.1 with ``σ₀``
  at its largest allowed value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model.config import SyntheticConfig
from . import predictions
from .montecarlo import check_delta
from .probability import check_trials, draws

__all__ = [
    "c10_pair_failure",
    "c10_stated_n",
    "c10_limit",
    "c10_largest_constant",
    "C10Limit",
    "c11_base_case_limit",
    "c11_base_case_scan",
    "BaseCaseScan",
    "c11_induction_drift",
    "lemma_5_4_scaling",
    "lemma_5_2_signal_bounds",
]


def _check_constant(constant: float) -> None:
    if isinstance(constant, bool) or not isinstance(constant, (int, float)) or not constant > 0:
        raise ValueError(f"constant must be a number > 0, got {constant!r}")


def c10_pair_failure(constant: float) -> float:
    """``p(C) = P(|X| ≤ C·E[B_{r,±}⁽⁰⁾]/n)`` for ``X ~ N(0, s²)``, ``s = σ₀σ_ξ√d``: with ``E[B_{r,±}]/n →
    s/(2√(2π))`` this is ``erf(C/(4√π))``, independent of ``n``, ``d`` and ``σ₀``."""
    _check_constant(constant)
    return math.erf(constant / (4 * math.sqrt(math.pi)))


def c10_stated_n(m: int, delta: float, constant: float) -> float:
    """The size condition of Lemma C.10: ``n ≥ 8C² log(1/δ)/log(1/(1 − (δ/m)²))``."""
    check_delta(delta)
    _check_constant(constant)
    return 8 * constant**2 * math.log(1 / delta) / -math.log1p(-((delta / m) ** 2))


@dataclass(frozen=True)
class C10Limit:
    """Lemma C.10 at and above its stated size, in the large-``n`` limit (see :func:`c10_limit`)."""

    constant: float
    delta: float
    n: np.ndarray  # the sizes evaluated (multiples of the stated threshold)
    per_sample: np.ndarray  # P(some r has |⟨w_r,ξ_i⟩| ≤ C·B/n) for one sample i: 1 − (1 − p)^m
    all_pairs_log10: np.ndarray  # log10 P(the inequality holds for every r and i): n·m·log10(1 − p)

    @property
    def wrong(self) -> bool:
        """True when the statement fails with probability above ``δ`` at every size evaluated (all above the
        stated threshold): false where its hypothesis holds."""
        return bool((self.per_sample > self.delta).all())


def c10_limit(m: int, delta: float, constant: float = 1.0, multiples: Sequence[float] = (1, 10, 100)) -> C10Limit:
    """Lemma C.10 with constant ``C`` at ``n = k·N(C)`` for each ``k`` in ``multiples`` (``N(C)`` from
    :func:`c10_stated_n`), in the limit where ``B_{r,±}⁽⁰⁾/n`` equals its mean: the per-sample failure probability
    "for all r" and the log-probability that the inequality holds for all ``r`` and ``i``."""
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise ValueError(f"m must be an integer >= 1, got {m!r}")
    if not multiples or min(multiples) < 1:
        raise ValueError(f"multiples must be numbers >= 1 (sizes at or above the threshold), got {multiples!r}")
    p = c10_pair_failure(constant)
    n = np.ceil(np.asarray(multiples, dtype=float) * c10_stated_n(m, delta, constant))
    per_sample = np.full(n.shape, -math.expm1(m * math.log1p(-p)))
    return C10Limit(float(constant), delta, n, per_sample, n * m * math.log1p(-p) / math.log(10))


def c10_largest_constant(m: int, delta: float) -> float:
    """The largest ``C`` for which Lemma C.10 holds per sample with probability ``1 − δ`` in the large-``n`` limit:
    the root of ``1 − (1 − p(C))^m = δ`` (bisection). Below it the statement holds at every large ``n``; above it it
    fails at every large ``n``."""
    check_delta(delta)
    target = -math.expm1(math.log1p(-delta) / m)  # the largest admissible p
    lo, hi = 1e-12, 1e3
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if c10_pair_failure(mid) < target else (lo, mid)
    return lo


def _log10_upper_tail(z: float) -> float:
    """``log10 P(X > z)`` for a standard normal ``X`` (asymptotic series from ``z > 8``, where ``erfc`` underflows)."""
    if z < 8:
        return math.log10(0.5 * math.erfc(z / math.sqrt(2)))
    return (-z * z / 2 - math.log(z * math.sqrt(2 * math.pi)) + math.log1p(-1 / z**2 + 3 / z**4)) / math.log(10)


def c11_base_case_limit(c_ell: float = 1.0) -> tuple[float, float]:
    """``(r, log10 P)``: the large-``n`` limit ``r = 101C_ℓ/√(2π)`` of ``101C_ℓ/(M+1)·B_{r,∓}⁽⁰⁾ / (σ₀σ_ξ√d)`` and the
    log-probability that one positively initialised pair meets (23) at ``t = 0``, ``P(X > r | X > 0)``."""
    if not c_ell >= 1:
        raise ValueError(f"c_ell must be >= 1 (Lemma C.2's constant), got {c_ell!r}")
    r = 101 * c_ell / math.sqrt(2 * math.pi)
    return r, _log10_upper_tail(r) + math.log10(2)


@dataclass(frozen=True)
class BaseCaseScan:
    """Lemma C.11 (23) at ``t = 0`` for several ``n`` (:func:`c11_base_case_scan`)."""

    n: np.ndarray
    smallest_m: np.ndarray  # the smallest number of negatives M over all draws
    satisfied: np.ndarray  # fraction of positively initialised pairs meeting (23) at t = 0
    median_ratio: np.ndarray  # median of 101/(M+1)·B_{r,∓}⁽⁰⁾ / Ψ⁽⁰⁾ over those pairs


def c11_base_case_scan(c: SyntheticConfig, ns: Sequence[int], trials: int = 20, seed: int = 0) -> BaseCaseScan:
    """Exact Monte Carlo of (23) at ``t = 0`` with the most lenient ``C_ℓ = 1``: for each ``n`` of ``ns`` (other sizes
    from ``c``), ``trials`` draws of the labels, noise and initial weights."""
    check_trials(trials)
    if not ns or min(ns) < 2:
        raise ValueError(f"ns must hold sample sizes >= 2, got {ns!r}")
    rows: dict[str, list[float]] = {"m": [], "sat": [], "ratio": []}
    for n in ns:
        cn = c.replace(n=int(n))
        m_min, sat, ratios = math.inf, [], []
        for y, mu, xi, eps, w_mu, w_xi, w_eps in draws(cn, trials, seed, False):
            plus = y > 0  # (t, n)
            pos = np.maximum(w_xi, 0)
            b_plus = (pos * plus[:, None, :]).sum(2)  # (t, m)
            b_minus = (pos * ~plus[:, None, :]).sum(2)
            other = np.where(plus[:, None, :], b_minus[:, :, None], b_plus[:, :, None])  # B of the other class
            neg = np.where(plus, (~plus).sum(1)[:, None], plus.sum(1)[:, None])  # M_i
            m_min = min(m_min, int(neg.min()))
            rhs = 101.0 / (neg[:, None, :] + 1) * other
            active = w_xi > 0
            sat.append((w_xi >= rhs)[active])
            ratios.append((rhs / np.where(active, w_xi, np.nan))[active])
        rows["m"].append(m_min)
        rows["sat"].append(float(np.concatenate(sat).mean()))
        rows["ratio"].append(float(np.median(np.concatenate(ratios))))
    return BaseCaseScan(np.asarray(ns), np.asarray(rows["m"]), np.asarray(rows["sat"]), np.asarray(rows["ratio"]))


def c11_induction_drift(c: SyntheticConfig) -> float:
    """``((1 + 1.05x)/(1 + 0.96x))^{T₁}`` with ``x = ησ_ξ²d/(nmτ)`` and ``T₁`` of Lemma 5.2: the factor by which the
    proof's own rates let ``B_{r,∓}⁽ᵗ⁾/Ψ⁽ᵗ⁾`` grow over stage 1. The induction for (23) closes only if the base case
    holds with this much room; it equals ``(20/(σ₀σ_ξ√d))^{log(1+1.05x)/log(1+0.96x) − 1}``, unbounded as
    ``σ₀ → 0``."""
    x = c.lr * c.sigma_xi**2 * c.d / (c.n * c.m * c.tau)
    return ((1 + 1.05 * x) / (1 + 0.96 * x)) ** predictions.t1_single(c)


def lemma_5_4_scaling(
    c: SyntheticConfig, ns: Sequence[int], n_snr2: float = 1.7, delta: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """``(algebra, printed)``: the noise bound of Lemma 5.4's proof (:func:`predictions.lemma_5_4_noise_bound`) and
    the printed one at each ``n`` of ``ns``, along Assumption 4.1: ``d = n²`` (clause 1), ``σ₀ = 1/(σ_ξ√d)``
    (clause 3 at its largest), ``n·SNR² = n_snr2`` (clause 6). The algebra's bound grows like ``n^{1/4}``
    (times a log), the printed one falls like ``n^{−1/4}``."""
    if not n_snr2 > 0:
        raise ValueError(f"n_snr2 must be > 0, got {n_snr2!r}")
    algebra, printed = [], []
    for n in ns:
        d = int(n) ** 2
        sd = c.sigma_xi * math.sqrt(d)
        cn = c.replace(n=int(n), d=d, sigma0=1 / sd, mu_norm=math.sqrt(n_snr2 / n) * sd)
        algebra.append(predictions.lemma_5_4_noise_bound(cn, delta))
        printed.append(predictions.lemma_5_4_noise_bound_printed(cn, delta))
    return np.asarray(algebra), np.asarray(printed)


def lemma_5_2_signal_bounds(c: SyntheticConfig, delta: float = 0.1) -> dict[str, float]:
    """The three forms of Lemma 5.2's signal bound on ``max_r A_r⁽ᵀ¹⁾``: ``"chain"``, the proof's
    ``exp((0.55n·SNR² + 0.01)·log(30/(σ₀σ_ξ√d)))·σ₀‖μ‖√(2 log(8m/δ))`` at ``c``; ``"from chain"``, its value
    ``30√(2 log(8m/δ))·SNR`` where the exponent reaches 1 (``n·SNR² = 1.8``); ``"printed"``, the
    ``20√(2 log(8m/δ))·SNR`` the proof writes after it (and :func:`mmcl.theory.stage1_single.lemma_5_2` checks)."""
    check_delta(delta)
    root = math.sqrt(2 * math.log(8 * c.m / delta))
    s = c.sigma0 * c.sigma_xi * math.sqrt(c.d)
    exponent = 0.55 * c.n_snr2 + 0.01
    return {
        "chain": math.exp(exponent * math.log(30 / s)) * c.sigma0 * c.mu_norm * root,
        "from chain": 30 * root * c.snr,
        "printed": 20 * root * c.snr,
    }
