"""Monte Carlo checks of the preliminary lemmas of Appendix B (B.1–B.5, chapter 4): the data and the initialisation.

Lemma B.1 (anti-concentration of a Gaussian) is checked on a grid of ``c/σ`` against the exact ``erf``
(:class:`AntiConcentration`); Lemmas B.2–B.5 (the projections of the initial weights on the signal ``μ``, the label
counts, the inner products ``⟨w_r⁽⁰⁾, ·⟩`` and the norms and cross products of ``ξ``, ``ε`` and ``μ``) claim an
event of probability at least ``1 − δ`` and return a :class:`~mmcl.theory.probability.ProbabilityCheck` with the
failure rate of every part of the statement. B.2 asks for a dimension (:func:`dimension_b2`) and is exact at any
``d``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model.config import SyntheticConfig
from .montecarlo import FailureRate, check_delta
from .probability import ProbabilityCheck, check_trials, draws, pool_failures, sizes_label
from .verdicts import Check, Verdict

__all__ = ["AntiConcentration", "lemma_b1", "dimension_b2", "lemma_b2", "lemma_b3", "lemma_b4", "lemma_b5"]


# --------------------------------------------------------------------------------------------------- B.1
@dataclass(frozen=True)
class AntiConcentration:
    """Lemma B.1 on a grid of ``c/σ``: Monte Carlo ``P(|x| ≤ c)``, the exact ``erf``, the printed identity
    ``2·erf`` and the printed bound ``2√(1 − exp(−2c²/(σ²π)))`` (and the same bound without the factor 2)."""

    ratio: np.ndarray
    monte_carlo: np.ndarray
    exact: np.ndarray
    printed_identity: np.ndarray
    bound: np.ndarray
    bound_without_2: np.ndarray
    samples: int

    @property
    def check(self) -> Check:
        mc_error = float(np.abs(self.monte_carlo - self.exact).max())
        identity_error = float(np.abs(self.printed_identity - self.exact).max())
        bound_ok = bool(
            (self.exact <= self.bound_without_2 + 1e-15).all() and (self.monte_carlo <= self.bound + 1e-12).all()
        )
        verdict = (
            Verdict.CORRECTED
            if bound_ok and identity_error > 10 * mc_error
            else (Verdict.HOLDS if bound_ok else Verdict.WRONG)
        )
        k = int(np.argmin(np.abs(self.ratio - 1.0)))
        return Check(
            "B.1",
            verdict,
            f"P(|x|≤σ) = {self.monte_carlo[k]:.4f} (MC), erf = {self.exact[k]:.4f}",
            f"{self.bound_without_2[k]:.4f} without the 2",
            f"the identity P = 2·erf is off by a factor 2 (max error {identity_error:.3f}); "
            "P = erf(c/(√2σ)) and the bound hold",
            f"{self.samples} samples",
        )


def lemma_b1(ratio: np.ndarray | None = None, samples: int = 200_000, seed: int = 0) -> AntiConcentration:
    """Lemma B.1 for ``x ~ N(0, σ²)`` on a grid of ``c/σ`` (default 0.05 … 3)."""
    check_trials(samples)
    r = np.linspace(0.05, 3.0, 60) if ratio is None else np.asarray(ratio, dtype=np.float64)
    if r.ndim != 1 or (r <= 0).any():
        raise ValueError("ratio must be a 1-D array of positive values c/σ")
    x = np.abs(np.random.default_rng(seed).standard_normal(samples))
    mc = (x[None, :] <= r[:, None]).mean(1)
    exact = np.array([math.erf(v / math.sqrt(2)) for v in r])
    b = np.sqrt(1 - np.exp(-2 * r**2 / math.pi))
    return AntiConcentration(r, mc, exact, 2 * exact, 2 * b, b, samples)


# --------------------------------------------------------------------------------------------------- B.2
def dimension_b2(c: SyntheticConfig, delta: float = 0.1) -> float:
    """The dimension Lemma B.2 asks for: ``d ≥ (400n/(σ₀σ_ξ))·√(log(6n/δ)/(−π log(1 − δ²/(4m²))))``."""
    check_delta(delta)
    return (
        400
        * c.n
        / (c.sigma0 * c.sigma_xi)
        * math.sqrt(math.log(6 * c.n / delta) / (-math.pi * math.log1p(-(delta**2) / (4 * c.m**2))))
    )


def lemma_b2(c: SyntheticConfig, delta: float = 0.1, trials: int = 20_000, seed: int = 0) -> ProbabilityCheck:
    """Lemma B.2, reading "for all ``r``" (the ``δ²/(4m²)`` term): ``min_r |⟨w_r⁽⁰⁾,μ⟩| ≥ 100·SNR·√(8 log(6n/δ)/d)·n``.

    Only ``⟨w_r⁽⁰⁾, μ⟩ ~ N(0, σ₀²‖μ‖²)`` enters, so the check is exact at any ``d``.
    """
    check_delta(delta)
    check_trials(trials)
    rng = np.random.default_rng(seed)
    proj = np.abs(rng.standard_normal((trials, c.m))) * c.sigma0 * c.mu_norm
    threshold = 100 * c.snr * math.sqrt(8 * math.log(6 * c.n / delta) / c.d) * c.n
    failed = proj.min(1) < threshold
    note = f"needs d ≥ {dimension_b2(c, delta):.3g}"
    parts = {"min_r |⟨w_r,μ⟩| ≥ bound": FailureRate.of(failed)}
    return ProbabilityCheck("B.2", delta, sizes_label(c), parts, note=note)


# --------------------------------------------------------------------------------------------------- B.3
def lemma_b3(n: int, delta: float = 0.1, trials: int = 20_000, seed: int = 0) -> ProbabilityCheck:
    """Lemma B.3: both label counts lie in ``n/2 ± √(n/2·log(4/δ))``."""
    check_delta(delta)
    check_trials(trials)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    plus = np.random.default_rng(seed).binomial(n, 0.5, size=trials)
    half = math.sqrt(n / 2 * math.log(4 / delta))
    failed = (np.abs(plus - n / 2) > half) | (np.abs((n - plus) - n / 2) > half)
    return ProbabilityCheck("B.3", delta, f"n={n}", {"|S_±1| within n/2 ± √(n/2·log(4/δ))": FailureRate.of(failed)})


# --------------------------------------------------------------------------------------------------- B.4, B.5
def lemma_b4(c: SyntheticConfig, delta: float = 0.1, trials: int = 1000, seed: int = 0) -> ProbabilityCheck:
    """Lemma B.4 (all ``r``, ``i``): the five bounds on ``⟨w_r⁽⁰⁾, μ⟩``, ``⟨w_r⁽⁰⁾, ξ_i⟩``, ``⟨w_r⁽⁰⁾, ε_i⟩``."""
    check_delta(delta)
    check_trials(trials)
    s0, L8m, L8mn = c.sigma0, math.log(8 * c.m / delta), math.log(8 * c.m * c.n / delta)
    sd = math.sqrt(c.d)

    def events(y, mu, xi, eps, w_mu, w_xi, w_eps):
        return {
            "|⟨w_r,μ⟩| ≤ √(2log(8m/δ))σ₀‖μ‖": np.abs(w_mu).max(1) > math.sqrt(2 * L8m) * s0 * c.mu_norm,
            "|⟨w_r,ξ_i⟩| ≤ 2√(log(8mn/δ))σ₀σ_ξ√d": np.abs(w_xi).max((1, 2))
            > 2 * math.sqrt(L8mn) * s0 * c.sigma_xi * sd,
            "|⟨w_r,ε_i⟩| ≤ 2√(log(8mn/δ))σ₀σ_ε√d": np.abs(w_eps).max((1, 2))
            > 2 * math.sqrt(L8mn) * s0 * c.sigma_eps * sd,
            "max_r ⟨w_r,μ⟩ ≥ σ₀‖μ‖/2": w_mu.max(1) < s0 * c.mu_norm / 2,
            "max_r ⟨w_r,ξ_i⟩ ≥ σ₀σ_ξ√d/4 (all i)": w_xi.max(1).min(1) < s0 * c.sigma_xi * sd / 4,
        }

    return ProbabilityCheck("B.4", delta, sizes_label(c), pool_failures(draws(c, trials, seed, True), events))


def lemma_b5(c: SyntheticConfig, delta: float = 0.1, trials: int = 1000, seed: int = 0) -> ProbabilityCheck:
    """Lemma B.5 (all ``i``, ``i' ≠ i``): norms and cross inner products of ``ξ``, ``ε`` and ``μ``."""
    check_delta(delta)
    check_trials(trials)
    sx, se, d, n = c.sigma_xi, c.sigma_eps, c.d, c.n
    Ln2, Ln = math.log(6 * n**2 / delta), math.log(6 * n / delta)
    off = ~np.eye(n, dtype=bool)

    def events(y, mu, xi, eps, w_mu, w_xi, w_eps):
        gx = xi @ xi.transpose(0, 2, 1)
        nx, ne = np.einsum("tii->ti", gx), (eps * eps).sum(2)
        return {
            "‖ξ_i‖² ∈ [σ_ξ²d/2, 3σ_ξ²d/2]": ((nx < sx**2 * d / 2) | (nx > 1.5 * sx**2 * d)).any(1),
            "|⟨ξ_i,ξ_i'⟩| ≤ 2σ_ξ²√(d log(6n²/δ))": (np.abs(gx) * off).max((1, 2)) > 2 * sx**2 * math.sqrt(d * Ln2),
            "|⟨ξ_i,μ⟩| ≤ ‖μ‖σ_ξ√(2log(6n/δ))": np.abs(xi @ mu[:, :, None]).max((1, 2))
            > c.mu_norm * sx * math.sqrt(2 * Ln),
            "‖ε_i‖² ∈ [σ_ε²d/2, 3σ_ε²d/2]": ((ne < se**2 * d / 2) | (ne > 1.5 * se**2 * d)).any(1),
            "|⟨ε_i,ξ_i'⟩| ≤ 2σ_εσ_ξ√(d log(6n²/δ))": np.abs(eps @ xi.transpose(0, 2, 1)).max((1, 2))
            > 2 * se * sx * math.sqrt(d * Ln2),
            "|⟨ε_i,μ⟩| ≤ ‖μ‖σ_ε√(2log(6n/δ))": np.abs(eps @ mu[:, :, None]).max((1, 2))
            > c.mu_norm * se * math.sqrt(2 * Ln),
        }

    return ProbabilityCheck("B.5", delta, sizes_label(c), pool_failures(draws(c, trials, seed, True), events))
