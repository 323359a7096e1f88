"""Monte Carlo checks of the time-0 lemmas of the multi-modal setting (Appendix D: D.5–D.7, D.10; chapter 7).

Both modalities are drawn at their own sizes (``d̃``, ``σ̃_ξ``, ``‖μ̃‖``) with shared labels. Lemma D.5 bounds the
cross class totals ``B_{r,±,+}⁽⁰⁾ = Σ_{i: y_i = ±1} σ(⟨w_r⁽⁰⁾,ξ_i⟩)·1[⟨w̃_r⁽⁰⁾,ξ̃_i⟩ > 0]`` (printed, and with the
corrected bound :func:`mmcl.theory.init_single.positive_part_sum_bound` of Lemma C.9), Lemma D.6 bounds them from
below at the dimension it asks for (:func:`dimension_d6`), Lemma D.7 compares every projection with ``B/n`` and
Lemma D.10 bounds the signal projections on ``U₊⁽⁰⁾∩Ũ₊⁽⁰⁾`` and ``U₋⁽⁰⁾∩Ũ₋⁽⁰⁾``. Each check returns a
:class:`~mmcl.theory.probability.ProbabilityCheck`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from ..model.config import SyntheticConfig
from .init_single import positive_part_sum_bound
from .montecarlo import FailureRate, check_delta
from .probability import ProbabilityCheck, check_trials, draws, pool_failures, sizes_label

__all__ = ["lemma_d5", "dimension_d6", "lemma_d6", "lemma_d7", "lemma_d10"]


# --------------------------------------------------------------------------------------------------- D.5–D.7, D.10
def _two_modalities(c: SyntheticConfig, trials: int, seed: int) -> Iterator[tuple[np.ndarray, ...]]:
    """Chunks of both modalities' time-0 quantities with shared labels:
    ``(y, xi, w_xi, xi_t, w_xi_t, w_mu, w_mu_t)``."""
    ct = c.replace(d=c.dim_tilde, sigma_xi=c.noise_tilde, mu_norm=c.mu_tilde_norm)
    first = draws(c, trials, seed, False)
    second = draws(ct, trials, seed + 1_000_003, False)
    for (y, _, xi, _, w_mu, w_xi, _), (_, _, xi_t, _, w_mu_t, w_xi_t, _) in zip(first, second):
        yield y, xi, w_xi, xi_t, w_xi_t, w_mu, w_mu_t


def _cross_totals(y, w_xi, w_xi_t, s: float) -> np.ndarray:
    """``B_{r,s,+}⁽⁰⁾ = Σ_{i: y_i = s} σ(⟨w_r⁽⁰⁾,ξ_i⟩)·1[⟨w̃_r⁽⁰⁾,ξ̃_i⟩ > 0]``, shape ``(t, m)``."""
    return (np.maximum(w_xi, 0) * (w_xi_t > 0) * (y[:, None, :] == s)).sum(2)


def lemma_d5(c: SyntheticConfig, delta: float = 0.1, trials: int = 400, seed: int = 0) -> ProbabilityCheck:
    """Lemma D.5 (all ``r``): ``B_{r,+,+}⁽⁰⁾, B_{r,−,+}⁽⁰⁾`` and their modality-2 twins
    ``≤ ½σ₀σ_ξ√(dn)(1 + √(log(1/δ)/2))``, and the corrected bound of
    :func:`~mmcl.theory.init_single.positive_part_sum_bound`."""
    check_delta(delta)
    check_trials(trials)
    printed = 0.5 * c.sigma0 * c.sigma_xi * math.sqrt(c.d * c.n) * (1 + math.sqrt(math.log(1 / delta) / 2))

    def events(y, xi, w_xi, xi_t, w_xi_t, w_mu, w_mu_t):
        fp, fc = np.zeros(len(y), bool), np.zeros(len(y), bool)
        for a, va, b in ((w_xi, xi, w_xi_t), (w_xi_t, xi_t, w_xi)):
            for s in (1.0, -1.0):
                total = _cross_totals(y, a, b, s)
                members = (b > 0) & (y[:, None, :] == s)
                fp |= (total > printed).any(1)
                fc |= (total > positive_part_sum_bound(va, members, y == s, c.m, c.sigma0, delta)).any(1)
        return {"printed": fp, "corrected": fc}

    rates = pool_failures(_two_modalities(c, trials, seed), events)
    return ProbabilityCheck(
        "D.5",
        delta,
        sizes_label(c),
        {"B_{r,±,+} ≤ ½σ₀σ_ξ√(dn)(1+√(log(1/δ)/2))": rates["printed"]},
        {"B_{r,±,+} ≤ σ₀(Σ‖ξ_i‖/√(2π) + ‖Ξ_K‖₂√(2|S|log(2m/δ)))": rates["corrected"]},
        note="B grows like n (mean ≈ 0.1nσ₀σ_ξ√d), the printed bound like √n",
    )


def dimension_d6(c: SyntheticConfig, delta: float = 0.1) -> float:
    """The dimension of Lemma D.6: ``d ≥ 300√2·n³ log(6n²/δ)/(σ₀σ_ξ√π·log(1/(1 − (δ/m)²)))``."""
    check_delta(delta)
    return (
        300
        * math.sqrt(2)
        * c.n**3
        * math.log(6 * c.n**2 / delta)
        / (c.sigma0 * c.sigma_xi * math.sqrt(math.pi) * math.log(1 / (1 - (delta / c.m) ** 2)))
    )


def lemma_d6(c: SyntheticConfig, delta: float = 0.1, trials: int = 400, seed: int = 0) -> ProbabilityCheck:
    """Lemma D.6 (all ``r``, both modalities): ``B_{r,+,+}⁽⁰⁾ > 150√(log(6n²/δ)/d)·n²``."""
    check_delta(delta)
    check_trials(trials)
    thr = 150 * math.sqrt(math.log(6 * c.n**2 / delta) / c.d) * c.n**2

    def events(y, xi, w_xi, xi_t, w_xi_t, w_mu, w_mu_t):
        low = np.minimum(_cross_totals(y, w_xi, w_xi_t, 1.0).min(1), _cross_totals(y, w_xi_t, w_xi, 1.0).min(1))
        return {"B_{r,+,+} > 150√(log(6n²/δ)/d)·n²": low <= thr}

    rates = pool_failures(_two_modalities(c, trials, seed), events)
    return ProbabilityCheck("D.6", delta, sizes_label(c), rates, note=f"needs d ≥ {dimension_d6(c, delta):.3g}")


def lemma_d7(c: SyntheticConfig, delta: float = 0.1, trials: int = 400, seed: int = 0) -> ProbabilityCheck:
    """Lemma D.7, reading "for all ``r``" (the ``(δ/m)²`` term), each sample ``i`` one trial:
    ``|⟨w_r⁽⁰⁾,ξ_i⟩| > B_{r,+,+}⁽⁰⁾/n`` (and the modality-2 twin)."""
    check_delta(delta)
    check_trials(trials)

    def events(y, xi, w_xi, xi_t, w_xi_t, w_mu, w_mu_t):
        f1 = (np.abs(w_xi) <= _cross_totals(y, w_xi, w_xi_t, 1.0)[:, :, None] / c.n).any(1)
        f2 = (np.abs(w_xi_t) <= _cross_totals(y, w_xi_t, w_xi, 1.0)[:, :, None] / c.n).any(1)
        return {"|⟨w_r,ξ_i⟩| > B_{r,+,+}/n for all r": f1 | f2}

    note = f"the condition asks n ≥ {8 * math.log(1 / delta) / math.log(1 / (1 - (delta / c.m) ** 2)):.3g}"
    rates = pool_failures(_two_modalities(c, trials, seed), events)
    return ProbabilityCheck("D.7", delta, sizes_label(c), rates, note=note)


def lemma_d10(c: SyntheticConfig, delta: float = 0.1, trials: int = 20_000, seed: int = 0) -> ProbabilityCheck:
    """Lemma D.10: ``(1/m)Σ_{r∈U₊⁽⁰⁾∩Ũ₊⁽⁰⁾}(A_r⁽⁰⁾ + Ã_r⁽⁰⁾/C_μ) ≥ 0.2σ₀‖μ‖``, and the same over ``U₋⁽⁰⁾∩Ũ₋⁽⁰⁾``.

    Only ``⟨w_r⁽⁰⁾,μ⟩ ~ N(0, σ₀²‖μ‖²)`` and ``⟨w̃_r⁽⁰⁾,μ̃⟩ ~ N(0, σ₀²‖μ̃‖²)`` enter (exact at any ``d``).
    """
    check_delta(delta)
    check_trials(trials)
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((trials, c.m)) * c.sigma0 * c.mu_norm
    b = rng.standard_normal((trials, c.m)) * c.sigma0 * c.mu_tilde_norm / c.c_mu
    target = 0.2 * c.sigma0 * c.mu_norm
    both = {}
    for name, s in (("U₊∩Ũ₊", 1.0), ("U₋∩Ũ₋", -1.0)):
        inside = (s * a > 0) & (s * b > 0)
        both[name] = ((np.abs(a) + np.abs(b)) * inside).mean(1) < target
    return ProbabilityCheck("D.10", delta, f"m={c.m}", {"both sets": FailureRate.of(both["U₊∩Ũ₊"] | both["U₋∩Ũ₋"])})
