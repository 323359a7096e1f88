"""Monte Carlo checks of the time-0 lemmas of the single-modal setting (Appendix C: C.6, C.8–C.10, C.12; chapters 5
and 12).

Lemma C.6 (no noise projection ``⟨w_r⁽⁰⁾, ξ_i⟩`` is small) is judged at the dimension it asks for
(:func:`dimension_c6`, :func:`lemma_c6_verdict`); Lemma C.8 counts the active positive samples, Lemma C.9 bounds the
class totals ``B_{r,±}⁽⁰⁾ = Σ_{i: y_i = ±1} σ(⟨w_r⁽⁰⁾, ξ_i⟩)`` (with our corrected bound
:func:`positive_part_sum_bound`, which grows like ``n``; :func:`class_total_scaling` follows both bounds across
``n``), Lemma C.10 compares every projection with ``B/n`` and Lemma C.12 bounds the mean activations ``Ψ``, ``Φ``.
Each check returns a :class:`~mmcl.theory.probability.ProbabilityCheck`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model.config import SyntheticConfig
from .errata import c10_limit
from .montecarlo import FailureRate, check_delta
from .probability import ProbabilityCheck, check_trials, draws, pool_failures, sizes_label
from .verdicts import Check, Verdict

__all__ = [
    "dimension_c6",
    "lemma_c6",
    "lemma_c6_verdict",
    "positive_part_sum_bound",
    "lemma_c8",
    "lemma_c9",
    "lemma_c10",
    "lemma_c12",
    "ClassTotalScaling",
    "class_total_mean",
    "class_total_scaling",
]


# --------------------------------------------------------------------------------------------------- C.6
def dimension_c6(c: SyntheticConfig, delta: float = 0.1, constant: float = 300.0) -> float:
    """The dimension of Lemma C.6, ``d ≥ √(K·log(6n²/δ)/(−log(1 − δ²/4n²)·π σ₀²σ_ξ²))`` with ``K = 300`` as
    printed. Its own proof (Lemma B.1 with threshold ``150√(log(6n²/δ)/d)``) needs ``K = 2·150² = 45000``."""
    check_delta(delta)
    L = math.log(6 * c.n**2 / delta)
    return math.sqrt(constant * L / (-math.log1p(-(delta**2) / (4 * c.n**2)) * math.pi * c.sigma0**2 * c.sigma_xi**2))


def lemma_c6(c: SyntheticConfig, delta: float = 0.1, trials: int = 400, seed: int = 0) -> ProbabilityCheck:
    """Lemma C.6, reading "for a given ``r``, all ``i``" (the ``δ²/(4n²)`` term):
    ``|⟨w_r⁽⁰⁾,ξ_i⟩| > 150√(log(6n²/δ)/d)``.

    Also the threshold with the extra factor ``n`` that the proof uses (a slip listed in Chapter 12). Every neuron
    counts as one trial of the per-neuron event.
    """
    check_delta(delta)
    check_trials(trials)
    thr = 150 * math.sqrt(math.log(6 * c.n**2 / delta) / c.d)

    def events(y, mu, xi, eps, w_mu, w_xi, w_eps):
        low = np.abs(w_xi).min(2)  # (t, m): per neuron, the smallest |⟨w_r, ξ_i⟩| over i
        return {"|⟨w_r,ξ_i⟩| > 150√(log(6n²/δ)/d)": low <= thr, "with the proof's factor n": low <= thr * c.n}

    rates = pool_failures(draws(c, trials, seed, False), events)
    note = f"d condition (printed) {dimension_c6(c, delta):.3g}; the proof needs {dimension_c6(c, delta, 45000.0):.3g}"
    return ProbabilityCheck("C.6", delta, sizes_label(c), rates, note=note)


def lemma_c6_verdict(c: SyntheticConfig, delta: float = 0.1, trials: int = 200, seed: int = 0) -> Check:
    """Lemma C.6 judged where it claims to hold: at its printed dimension (fails) and at the dimension its proof
    actually needs (``K = 45000``, holds without the proof's extra factor ``n``) → ``holds once corrected``."""
    printed = lemma_c6(c.replace(d=math.ceil(dimension_c6(c, delta))), delta, trials, seed)
    fixed = lemma_c6(c.replace(d=math.ceil(dimension_c6(c, delta, 45000.0))), delta, trials, seed)
    key = "|⟨w_r,ξ_i⟩| > 150√(log(6n²/δ)/d)"
    ok_printed = printed.printed[key].consistent_with(delta)
    ok_fixed = fixed.printed[key].consistent_with(delta)
    verdict = Verdict.HOLDS if ok_printed else (Verdict.CORRECTED if ok_fixed else Verdict.WRONG)
    return Check(
        "C.6",
        verdict,
        f"failure rate {printed.printed[key].rate:.3f} at the printed d = {dimension_c6(c, delta):.3g}, "
        f"{fixed.printed[key].rate:.3f} at d = {dimension_c6(c, delta, 45000.0):.3g}",
        f"δ = {delta:g}",
        "the d condition needs the constant 2·150² = 45000 where 300 is printed; "
        "with the proof's extra factor n it fails even there "
        f"(rate {fixed.printed['with the proof' + chr(39) + 's factor n'].rate:.3f})",
        f"n={c.n}, m={c.m}",
    )


# --------------------------------------------------------------------------------------------------- C.8–C.10, C.12
def positive_part_sum_bound(
    xi: np.ndarray, members: np.ndarray, classes: np.ndarray, m: int, sigma0: float, delta: float
) -> np.ndarray:
    """Our corrected bound on ``Σ_{i∈S} σ(⟨w_r⁽⁰⁾, ξ_i⟩)`` (the totals ``B`` of Lemmas C.9/D.5), per trial and neuron.

    Conditionally on the ``ξ_i``, the sum over a set ``S`` inside a label class ``K`` is a Lipschitz function of
    ``w_r⁽⁰⁾`` with constant at most ``σ₀‖Ξ_K‖₂√|S|`` (``Ξ_K`` stacks the ``ξ_i`` of the class) and mean
    ``σ₀Σ_{i∈S}‖ξ_i‖/√(2π)``; Gaussian concentration and a union bound over the ``m`` neurons and the two classes
    give, with probability ``≥ 1 − δ``,

    ``B ≤ σ₀(Σ_{i∈S}‖ξ_i‖/√(2π) + ‖Ξ_K‖₂√(2|S| log(2m/δ)))`` ≈ ``σ₀σ_ξ√d·(|S|/√(2π) + √(2|S| log(2m/δ)))``,

    which grows like ``n`` (``|S| ≈ n/2``), not like ``√n`` as printed. ``members (t, m, n)`` or ``(t, n)`` selects
    ``S`` per neuron, ``classes (t, n)`` the class ``K ⊇ S``.
    """
    norms = np.sqrt((xi * xi).sum(2))  # (t, n)
    if members.ndim == 2:
        members = members[:, None, :]
    mean = sigma0 * (members * norms[:, None, :]).sum(2) / math.sqrt(2 * math.pi)
    sub = xi * classes[:, :, None]
    op = np.sqrt(np.linalg.eigvalsh(sub @ sub.transpose(0, 2, 1))[:, -1].clip(min=0))  # ‖Ξ_K‖₂, (t,)
    return mean + sigma0 * op[:, None] * np.sqrt(2 * members.sum(2) * math.log(2 * m / delta))


def lemma_c8(c: SyntheticConfig, delta: float = 0.1, trials: int = 1000, seed: int = 0) -> ProbabilityCheck:
    """Lemma C.8 (all ``r``): ``|#{i : y_i = 1, ⟨w_r⁽⁰⁾,ξ_i⟩ > 0} − n/4| ≤ √(n/2·log(4/δ))``."""
    check_delta(delta)
    check_trials(trials)
    half = math.sqrt(c.n / 2 * math.log(4 / delta))

    def events(y, mu, xi, eps, w_mu, w_xi, w_eps):
        count = ((w_xi > 0) & (y[:, None, :] > 0)).sum(2)
        return {"count within n/4 ± √(n/2·log(4/δ))": (np.abs(count - c.n / 4) > half).any(1)}

    return ProbabilityCheck("C.8", delta, sizes_label(c), pool_failures(draws(c, trials, seed, False), events))


def lemma_c9(c: SyntheticConfig, delta: float = 0.1, trials: int = 400, seed: int = 0) -> ProbabilityCheck:
    """Lemma C.9 (all ``r``, both classes): ``B_{r,±}⁽⁰⁾ ≤ σ₀σ_ξ√(dn)(1 + √(log(1/δ)/2))``, and our corrected bound
    (:func:`positive_part_sum_bound`)."""
    check_delta(delta)
    check_trials(trials)
    printed = c.sigma0 * c.sigma_xi * math.sqrt(c.d * c.n) * (1 + math.sqrt(math.log(1 / delta) / 2))

    def events(y, mu, xi, eps, w_mu, w_xi, w_eps):
        out_p, out_c = [], []
        for s in (1.0, -1.0):
            members = y == s
            total = (np.maximum(w_xi, 0) * members[:, None, :]).sum(2)
            out_p.append((total > printed).any(1))
            out_c.append((total > positive_part_sum_bound(xi, members, members, c.m, c.sigma0, delta)).any(1))
        return {"printed": out_p[0] | out_p[1], "corrected": out_c[0] | out_c[1]}

    rates = pool_failures(draws(c, trials, seed, False), events)
    return ProbabilityCheck(
        "C.9",
        delta,
        sizes_label(c),
        {"B_{r,±} ≤ σ₀σ_ξ√(dn)(1+√(log(1/δ)/2))": rates["printed"]},
        {"B_{r,±} ≤ σ₀(Σ‖ξ_i‖/√(2π) + ‖Ξ_K‖₂√(2|S|log(2m/δ)))": rates["corrected"]},
        note="B grows like n (mean ≈ 0.2nσ₀σ_ξ√d), the printed bound like √n",
    )


def lemma_c10(
    c: SyntheticConfig, delta: float = 0.1, trials: int = 400, seed: int = 0, constant: float = 1.0
) -> ProbabilityCheck:
    """Lemma C.10 with ``C = constant``, reading "for all ``r``" (the ``(δ/m)²`` term), each sample ``i`` one trial:
    ``|⟨w_r⁽⁰⁾,ξ_i⟩| > C·B_{r,±}⁽⁰⁾/n``."""
    check_delta(delta)
    check_trials(trials)
    if constant <= 0:
        raise ValueError(f"constant must be > 0, got {constant}")

    def events(y, mu, xi, eps, w_mu, w_xi, w_eps):
        pos = np.maximum(w_xi, 0)
        b_plus = (pos * (y[:, None, :] > 0)).sum(2)  # (t, m)
        b_minus = (pos * (y[:, None, :] < 0)).sum(2)
        b = np.maximum(b_plus, b_minus)[:, :, None] * constant / c.n
        return {f"|⟨w_r,ξ_i⟩| > {constant:g}·B_{{r,±}}/n for all r": (np.abs(w_xi) <= b).any(1)}

    limit = c10_limit(c.m, delta, constant)
    note = (
        f"the condition asks n ≥ {limit.n[0]:.3g}; there, and at every larger n, the per-sample failure probability "
        f"tends to {limit.per_sample[0]:.3f} > δ (errata.c10_limit): wrong as stated"
        if limit.wrong
        else f"the condition asks n ≥ {limit.n[0]:.3g}"
    )
    rates = pool_failures(draws(c, trials, seed, False), events)
    return ProbabilityCheck("C.10", delta, sizes_label(c), rates, note=note, wrong=limit.wrong)


def lemma_c12(c: SyntheticConfig, delta: float = 0.1, trials: int = 1000, seed: int = 0) -> ProbabilityCheck:
    """Lemma C.12 (all ``i``): ``(1/m)Σ_{r: ⟨w_r⁽⁰⁾,ξ_i⟩>0} Ψ_{r,i}⁽⁰⁾ ≥ 0.2σ₀σ_ξ√d`` for ``y_i = 1``, and for
    ``y_i = −1`` the printed ``(1/m)Σ_{r: ⟨w_r⁽⁰⁾,ξ_i⟩<0} Φ_{r,i}⁽⁰⁾`` (negative by construction) and the corrected
    sum over ``⟨w_r⁽⁰⁾,ξ_i⟩ > 0``."""
    check_delta(delta)
    check_trials(trials)
    target = 0.2 * c.sigma0 * c.sigma_xi * math.sqrt(c.d)

    def events(y, mu, xi, eps, w_mu, w_xi, w_eps):
        pos_mean = np.maximum(w_xi, 0).mean(1)  # (t, n)
        neg_mean = np.minimum(w_xi, 0).mean(1)
        plus, minus = y > 0, y < 0
        return {
            "Ψ (y_i = 1)": ((pos_mean < target) & plus).any(1),
            "Φ as printed (sum over ⟨w_r,ξ_i⟩ < 0)": ((neg_mean < target) & minus).any(1),
            "Φ corrected (sum over ⟨w_r,ξ_i⟩ > 0)": ((pos_mean < target) & minus).any(1),
        }

    rates = pool_failures(draws(c, trials, seed, False), events)
    corrected = rates.pop("Φ corrected (sum over ⟨w_r,ξ_i⟩ > 0)")
    psi = rates["Ψ (y_i = 1)"]
    note = "for y_i = −1 the printed set {r : ⟨w_r,ξ_i⟩ < 0} makes every term negative"
    if not psi.consistent_with(delta):
        note += f"; the Ψ part fails with rate {psi.rate:.3f} at m = {c.m} (it needs m ≥ Ω̃(1) larger)"
    return ProbabilityCheck(
        "C.12", delta, sizes_label(c), rates, {"Φ with ⟨w_r,ξ_i⟩ > 0": corrected, "Ψ (y_i = 1)": psi}, note=note
    )


# --------------------------------------------------------------------------------------------------- C.9 across n
@dataclass(frozen=True)
class ClassTotalScaling:
    """``B_{r,+}⁽⁰⁾`` of Lemma C.9 across sample sizes, in units of ``σ₀σ_ξ√d``.

    Per ``n``: the mean of ``B_{r,+}⁽⁰⁾``, the printed bound ``√n(1 + √(log(1/δ)/2))``, the mean of our corrected bound
    (:func:`positive_part_sum_bound`), the failure rates of the printed bound for one neuron and for all ``m`` neurons,
    the failure rate of the corrected bound for all neurons, and the fraction of pairs ``(r, i)`` with
    ``|⟨w_r⁽⁰⁾, ξ_i⟩| ≤ B_{r,±}⁽⁰⁾/n`` (the event Lemma C.10 excludes with ``C = 1``).
    """

    n: np.ndarray
    mean: np.ndarray
    printed: np.ndarray
    corrected: np.ndarray
    fail_one: list[FailureRate]
    fail_all: list[FailureRate]
    fail_corrected: list[FailureRate]
    c10_pairs: np.ndarray
    delta: float


def class_total_mean(c: SyntheticConfig) -> float:
    """The mean of ``B_{r,+}⁽⁰⁾ = Σ_{i: y_i=1} σ(⟨w_r⁽⁰⁾, ξ_i⟩)`` over labels, noise and initialisation:
    ``(n/2)·σ₀·E‖ξ‖/√(2π)`` with ``E‖ξ‖ = σ_ξ√2·Γ((d+1)/2)/Γ(d/2)`` (≈ ``0.2·nσ₀σ_ξ√d``): linear in ``n``."""
    norm = c.sigma_xi * math.sqrt(2) * math.exp(math.lgamma((c.d + 1) / 2) - math.lgamma(c.d / 2))
    return c.n / 2 * c.sigma0 * norm / math.sqrt(2 * math.pi)


def class_total_scaling(
    c: SyntheticConfig, ns: list[int], delta: float = 0.1, trials: int = 100, seed: int = 0
) -> ClassTotalScaling:
    """Lemma C.9 (and C.10) at the sizes of ``c`` for each ``n`` in ``ns`` (exact Monte Carlo, ``trials`` per ``n``)."""
    check_delta(delta)
    check_trials(trials)
    unit = c.sigma0 * c.sigma_xi * math.sqrt(c.d)
    out: dict[str, list] = {k: [] for k in ("mean", "printed", "corrected", "one", "all", "fixed", "c10")}
    for n in ns:
        cn = c.replace(n=n)
        printed = math.sqrt(n) * (1 + math.sqrt(math.log(1 / delta) / 2))
        totals, bounds, c10 = [], [], []
        for y, mu, xi, eps, w_mu, w_xi, w_eps in draws(cn, trials, seed, False):
            plus = y > 0
            b = (np.maximum(w_xi, 0) * plus[:, None, :]).sum(2)
            totals.append(b / unit)
            bounds.append(positive_part_sum_bound(xi, plus, plus, cn.m, cn.sigma0, delta) / unit)
            b_minus = (np.maximum(w_xi, 0) * ~plus[:, None, :]).sum(2)
            c10.append((np.abs(w_xi) <= np.maximum(b, b_minus)[:, :, None] / n).mean())
        tot, bnd = np.concatenate(totals), np.concatenate(bounds)
        out["mean"].append(tot.mean())
        out["printed"].append(printed)
        out["corrected"].append(bnd.mean())
        out["one"].append(FailureRate.of(tot[:, 0] > printed))
        out["all"].append(FailureRate.of((tot > printed).any(1)))
        out["fixed"].append(FailureRate.of((tot > bnd).any(1)))
        out["c10"].append(float(np.mean(c10)))
    return ClassTotalScaling(
        np.asarray(ns),
        np.asarray(out["mean"]),
        np.asarray(out["printed"]),
        np.asarray(out["corrected"]),
        out["one"],
        out["all"],
        out["fixed"],
        np.asarray(out["c10"]),
        delta,
    )
