"""Monte Carlo checks of the time-0 lemmas of the multi-modal setting (Appendix D: D.5–D.7, D.10; chapter 7).

Both modalities are drawn at their own sizes (``d̃``, ``σ̃_ξ``, ``‖μ̃‖``) with shared labels. Lemma D.5 bounds the
cross class totals ``B_{r,±,+}⁽⁰⁾ = Σ_{i: y_i = ±1} σ(⟨w_r⁽⁰⁾,ξ_i⟩)·1[⟨w̃_r⁽⁰⁾,ξ̃_i⟩ > 0]`` (printed, and with the
corrected bound :func:`mmcl.theory.init_single.positive_part_sum_bound` of Lemma C.9), Lemma D.6 bounds them from
below at the dimension it asks for (:func:`dimension_d6`), Lemma D.7 compares every projection with ``B/n`` and
Lemma D.10 bounds the signal projections on ``U₊⁽⁰⁾∩Ũ₊⁽⁰⁾`` and ``U₋⁽⁰⁾∩Ũ₋⁽⁰⁾``. Each check returns a
:class:`~mmcl.theory.probability.ProbabilityCheck`.

Two statements fail at every ``n`` (:func:`scan_d7_d9`, and their limits as ``n → ∞``): D.7, because
``B_{r,+,+}⁽⁰⁾/n`` tends to a constant ``σ₀‖ξ‖/(4√(2π))`` below which a fixed fraction :func:`d7_limit` of all
``|⟨w_r⁽⁰⁾,ξ_i⟩|`` lies, and the base case ``t = 0`` of D.9 (46), whose right side tends to :func:`d9_46_limit`
times ``σ₀σ_ξ√d``. :func:`lemma_d7_verdict` turns the scan into the verdict ``wrong as stated``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..model.config import SyntheticConfig
from .init_single import positive_part_sum_bound
from .montecarlo import FailureRate, check_delta
from .probability import ProbabilityCheck, check_trials, draws, pool_failures, sizes_label
from .verdicts import Check, Verdict

__all__ = [
    "lemma_d5",
    "dimension_d6",
    "lemma_d6",
    "lemma_d7",
    "lemma_d10",
    "d7_limit",
    "d9_46_limit",
    "D7Scan",
    "scan_d7_d9",
    "lemma_d7_verdict",
]


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


# --------------------------------------------------------------------------------------------------- every n
def d7_limit() -> float:
    """``lim_{n→∞} P(|⟨w_r⁽⁰⁾,ξ_i⟩| ≤ B_{r,+,+}⁽⁰⁾/n)`` for one pair: ``B/n`` tends to ``E[σ(Z)·1[Z̃>0]·1[y=1]] =
    s/(4√(2π))`` (``s = σ₀‖ξ_i‖``), so the limit is ``P(|Z| ≤ 1/(4√(2π))) = erf(1/(8√π)) ≈ 0.080``."""
    return math.erf(1 / (8 * math.sqrt(math.pi)))


def d9_46_limit(c_ell: float = 1.0) -> float:
    """``lim_{n→∞}`` of the right side of D.9 (46) at ``t = 0`` in units of ``σ₀σ_ξ√d``: ``M + 1 ≈ n/2`` negatives and
    ``B_{r,+,+} + B_{r,+,−} = Σ_{i: y_i = 1} σ(⟨w_r⁽⁰⁾,ξ_i⟩) ≈ (n/2)·σ₀σ_ξ√d/√(2π)``, so
    ``101C_ℓ/(M+1)·B → 101C_ℓ/√(2π) ≈ 40.3·C_ℓ``."""
    if not c_ell >= 1:
        raise ValueError(f"c_ell must be >= 1 (the constant of Lemma D.1), got {c_ell}")
    return 101 * c_ell / math.sqrt(2 * math.pi)


@dataclass(frozen=True)
class D7Scan:
    """Per ``n``: the fraction of pairs ``(r, i)`` with ``|⟨w_r⁽⁰⁾,ξ_i⟩| ≤ B_{r,+,+}⁽⁰⁾/n`` (D.7), the failure rate of
    D.7's event "for all r and i", the fraction of case-4 pairs that satisfy (46) at ``t = 0`` (``C_ℓ = 1``) and the
    median of (46)'s right side in units of ``σ₀σ_ξ√d``."""

    ns: tuple[int, ...]
    d7_pairs: np.ndarray
    d7_all: list[FailureRate]
    d46_holds: np.ndarray
    d46_rhs: np.ndarray


def scan_d7_d9(c: SyntheticConfig, ns: tuple[int, ...], trials: int = 100, seed: int = 0) -> D7Scan:
    """Lemma D.7 and the base case of D.9 (46) at every ``n`` of ``ns`` (the other sizes those of ``c``), modality 1
    against modality 2's signs, ``trials`` draws per ``n``."""
    check_trials(trials)
    if not ns or any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2 for k in ns):
        raise ValueError(f"ns must be a non-empty tuple of integers >= 2, got {ns!r}")
    pairs, fail_all, holds46, rhs46 = [], [], [], []
    for n in ns:
        cn = c.replace(n=int(n))
        scale = cn.sigma0 * cn.sigma_xi * math.sqrt(cn.d)
        below, total, alls, ok, cases, rhs = 0, 0, [], 0, 0, []
        for y, xi, w_xi, xi_t, w_xi_t, w_mu, w_mu_t in _two_modalities(cn, trials, seed + int(n)):
            b = _cross_totals(y, w_xi, w_xi_t, 1.0)  # (t, m)
            bad = np.abs(w_xi) <= b[:, :, None] / cn.n
            below, total = below + int(bad.sum()), total + bad.size
            alls.append(bad.any((1, 2)))
            plus = y[:, None, :] > 0
            m_i = np.where(y > 0, (y < 0).sum(1, keepdims=True), (y > 0).sum(1, keepdims=True))  # (t, n)
            right = 101.0 / (m_i[:, None, :] + 1) * (np.maximum(w_xi, 0) * plus).sum(2, keepdims=True)
            case4 = (w_xi > 0) & (w_xi_t > 0)
            ok, cases = ok + int((case4 & (w_xi_t >= right)).sum()), cases + int(case4.sum())
            rhs.append((right / scale)[np.broadcast_to(case4, right.shape[:2] + (cn.n,))])
        pairs.append(below / total)
        fail_all.append(FailureRate.of(np.concatenate(alls)))
        holds46.append(ok / max(cases, 1))
        rhs46.append(float(np.median(np.concatenate(rhs))))
    return D7Scan(tuple(int(k) for k in ns), np.array(pairs), fail_all, np.array(holds46), np.array(rhs46))


def lemma_d7_verdict(scan: D7Scan, delta: float = 0.1) -> Check:
    """D.7 judged on a scan over ``n``: ``wrong as stated`` when its event fails more often than ``δ`` at every ``n``
    while the per-pair failure fraction stays above :func:`d7_limit` ÷ 2 (so that the event "for all ``r, i``" fails
    with probability → 1 as ``n`` grows, including at the ``n`` its condition asks for); ``fails: sizes unmet``
    otherwise."""
    check_delta(delta)
    every = all(not f.consistent_with(delta) for f in scan.d7_all)
    stays = bool((scan.d7_pairs > d7_limit() / 2).all())
    return Check(
        "D.7",
        Verdict.WRONG if every and stays else Verdict.SIZE_UNMET,
        "pairs below B/n: " + ", ".join(f"n={n}: {p:.3f}" for n, p in zip(scan.ns, scan.d7_pairs)),
        f"failure rate ≤ δ = {delta:g}; per-pair limit {d7_limit():.3f} as n → ∞",
        "B/n tends to a constant, so a fixed fraction of pairs fails at every n: the event for all r, i fails "
        "with probability → 1, also at the n ≥ 8 log(1/δ)/log(1/(1−(δ/m)²)) the lemma asks for",
        f"n = {scan.ns[0]}…{scan.ns[-1]}",
    )
