"""Monte Carlo checks of the lemmas about the data and the initialisation (time 0).

Appendix B (B.1–B.5) and the time-0 lemmas of Appendices C and D (C.6, C.8–C.10, C.12, D.5–D.7, D.10) claim that
some event has probability at least ``1 − δ``. Each function here samples that event exactly
(:mod:`mmcl.theory.montecarlo`; the cost does not grow with ``d``), counts how often it fails and compares the failure
rate with ``δ``. A lemma whose union bound runs over some index (visible in its ``δ`` term, e.g. ``δ²/(4m²)`` in
B.2 means "for all ``r``") is checked in that reading; the docstring of each function says which.

Each function returns a :class:`ProbabilityCheck`: the failure rate of every part of the statement, and a
:class:`~mmcl.theory.verdicts.Check` with the verdict (``holds`` when every part is consistent with ``δ``; ``holds once
corrected`` when the printed statement fails but our corrected statement holds; ``fails at these sizes``
otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from ..model.config import SyntheticConfig
from .montecarlo import FailureRate, check_delta, project, rademacher, sample_vectors
from .verdicts import Check, Verdict

__all__ = [
    "ProbabilityCheck",
    "AntiConcentration",
    "lemma_b1",
    "lemma_b2",
    "lemma_b3",
    "lemma_b4",
    "lemma_b5",
    "lemma_c6",
    "lemma_c8",
    "lemma_c9",
    "lemma_c10",
    "lemma_c12",
    "lemma_d5",
    "lemma_d6",
    "lemma_d7",
    "lemma_d10",
    "dimension_b2",
    "dimension_c6",
    "dimension_d6",
    "lemma_c6_verdict",
    "checks",
    "ClassTotalScaling",
    "class_total_scaling",
    "class_total_mean",
    "positive_part_sum_bound",
    "CHUNK",
]

CHUNK = 4_000_000
"""Doubles held at once by one batch of trials (about 32 MB): a batch of the Gaussian-vector lemmas has
``CHUNK // (k·(min(d, k+1) + m))`` trials for ``k`` vectors."""


def _check_trials(trials: int) -> None:
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 1:
        raise ValueError(f"trials must be an integer >= 1, got {trials!r}")


def _sizes(c: SyntheticConfig) -> str:
    return f"n={c.n}, d={c.d:.3g}, m={c.m}" if c.d >= 1e5 else f"n={c.n}, d={c.d}, m={c.m}"


@dataclass
class ProbabilityCheck:
    """Failure rates of the parts of one probabilistic lemma, against ``δ``.

    ``printed`` holds the parts of the statement as printed in the paper, ``corrected`` our corrected versions of
    any part that is wrong as printed (empty when none is needed).
    """

    lemma: str
    delta: float
    sizes: str
    printed: dict[str, FailureRate]
    corrected: dict[str, FailureRate] = field(default_factory=dict)
    note: str = ""

    @property
    def holds(self) -> bool:
        return all(f.consistent_with(self.delta) for f in self.printed.values())

    @property
    def verdict(self) -> Verdict:
        if self.holds:
            return Verdict.HOLDS
        if self.corrected and all(f.consistent_with(self.delta) for f in self.corrected.values()):
            return Verdict.CORRECTED
        return Verdict.FAILS

    @property
    def check(self) -> Check:
        worst = max(self.printed.items(), key=lambda kv: kv[1].rate)
        measured = f"failure rate {worst[1].rate:.3f} ({worst[0]})"
        if self.verdict is Verdict.CORRECTED:
            best = max(self.corrected.items(), key=lambda kv: kv[1].rate)
            measured += f"; corrected: {best[1].rate:.3f}"
        return Check(self.lemma, self.verdict, measured, f"δ = {self.delta:g}", self.note, self.sizes)

    def table(self) -> str:
        """Plain-text table: part, failure rate with 95% interval, consistent with δ."""
        rows = [("part", "failure rate [95% CI] (count)", f"≤ δ={self.delta:g}?")]
        for tag, parts in (("", self.printed), ("corrected: ", self.corrected)):
            for name, f in parts.items():
                rows.append((tag + name, str(f), "yes" if f.consistent_with(self.delta) else "NO"))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        body = "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)
        return f"Lemma {self.lemma} at {self.sizes}: {self.verdict}\n{body}"

    def __str__(self) -> str:
        return self.table()


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
        bound_ok = bool((self.exact <= self.bound_without_2 + 1e-15).all() and (self.monte_carlo <= self.bound + 1e-12).all())
        verdict = Verdict.CORRECTED if bound_ok and identity_error > 10 * mc_error else (Verdict.HOLDS if bound_ok else Verdict.FAILS)
        k = int(np.argmin(np.abs(self.ratio - 1.0)))
        return Check(
            "B.1",
            verdict,
            f"P(|x|≤σ) = {self.monte_carlo[k]:.4f} (MC), erf = {self.exact[k]:.4f}",
            f"{self.bound_without_2[k]:.4f} without the 2",
            f"the identity P = 2·erf is off by a factor 2 (max error {identity_error:.3f}); P = erf(c/(√2σ)) and the bound hold",
            f"{self.samples} samples",
        )


def lemma_b1(ratio: np.ndarray | None = None, samples: int = 200_000, seed: int = 0) -> AntiConcentration:
    """Lemma B.1 for ``x ~ N(0, σ²)`` on a grid of ``c/σ`` (default 0.05 … 3)."""
    _check_trials(samples)
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
    return 400 * c.n / (c.sigma0 * c.sigma_xi) * math.sqrt(math.log(6 * c.n / delta) / (-math.pi * math.log1p(-(delta**2) / (4 * c.m**2))))


def lemma_b2(c: SyntheticConfig, delta: float = 0.1, trials: int = 20_000, seed: int = 0) -> ProbabilityCheck:
    """Lemma B.2, reading "for all ``r``" (the ``δ²/(4m²)`` term): ``min_r |⟨w_r⁽⁰⁾,μ⟩| ≥ 100·SNR·√(8 log(6n/δ)/d)·n``.

    Only ``⟨w_r⁽⁰⁾, μ⟩ ~ N(0, σ₀²‖μ‖²)`` enters, so the check is exact at any ``d``.
    """
    check_delta(delta)
    _check_trials(trials)
    rng = np.random.default_rng(seed)
    proj = np.abs(rng.standard_normal((trials, c.m))) * c.sigma0 * c.mu_norm
    threshold = 100 * c.snr * math.sqrt(8 * math.log(6 * c.n / delta) / c.d) * c.n
    failed = proj.min(1) < threshold
    note = f"needs d ≥ {dimension_b2(c, delta):.3g}"
    return ProbabilityCheck("B.2", delta, _sizes(c), {"min_r |⟨w_r,μ⟩| ≥ bound": FailureRate.of(failed)}, note=note)


# --------------------------------------------------------------------------------------------------- B.3
def lemma_b3(n: int, delta: float = 0.1, trials: int = 20_000, seed: int = 0) -> ProbabilityCheck:
    """Lemma B.3: both label counts lie in ``n/2 ± √(n/2·log(4/δ))``."""
    check_delta(delta)
    _check_trials(trials)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    plus = np.random.default_rng(seed).binomial(n, 0.5, size=trials)
    half = math.sqrt(n / 2 * math.log(4 / delta))
    failed = (np.abs(plus - n / 2) > half) | (np.abs((n - plus) - n / 2) > half)
    return ProbabilityCheck("B.3", delta, f"n={n}", {"|S_±1| within n/2 ± √(n/2·log(4/δ))": FailureRate.of(failed)})


# --------------------------------------------------------------------------------------------------- helpers
def _draws(c: SyntheticConfig, trials: int, seed: int, with_eps: bool):
    """Yield chunks ``(y, mu, xi, eps, w_mu, w_xi, w_eps)`` of exact samples at the sizes of ``c``."""
    rng = np.random.default_rng(seed)
    done = 0
    scales = np.full(c.n, c.sigma_xi)
    if with_eps:
        scales = np.concatenate([scales, np.full(c.n, c.sigma_eps)])
    k = scales.size
    batch = max(1, CHUNK // (k * (min(c.d, k + 1) + c.m)))
    while done < trials:
        t = min(batch, trials - done)
        mu, v = sample_vectors(c.d, scales, c.mu_norm, t, rng)
        proj = project(np.concatenate([mu[:, None, :], v], axis=1), c.m, c.sigma0, rng)
        xi, eps = v[:, : c.n], (v[:, c.n :] if with_eps else None)
        w_eps = proj[:, :, 1 + c.n :] if with_eps else None
        yield rademacher(t, c.n, rng), mu, xi, eps, proj[:, :, 0], proj[:, :, 1 : 1 + c.n], w_eps
        done += t


def _pool(chunks: Iterable[tuple[np.ndarray, ...]], events: Callable[..., dict[str, np.ndarray]]) -> dict[str, FailureRate]:
    """Run ``events(*chunk) -> {name: failed (t,)}`` over all chunks of draws and pool the counts per event."""
    pooled: dict[str, list[np.ndarray]] = {}
    for chunk in chunks:
        for name, failed in events(*chunk).items():
            pooled.setdefault(name, []).append(np.asarray(failed, dtype=bool).reshape(-1))
    return {name: FailureRate.of(np.concatenate(parts)) for name, parts in pooled.items()}


# --------------------------------------------------------------------------------------------------- B.4, B.5
def lemma_b4(c: SyntheticConfig, delta: float = 0.1, trials: int = 1000, seed: int = 0) -> ProbabilityCheck:
    """Lemma B.4 (all ``r``, ``i``): the five bounds on ``⟨w_r⁽⁰⁾, μ⟩``, ``⟨w_r⁽⁰⁾, ξ_i⟩``, ``⟨w_r⁽⁰⁾, ε_i⟩``."""
    check_delta(delta)
    _check_trials(trials)
    s0, L8m, L8mn = c.sigma0, math.log(8 * c.m / delta), math.log(8 * c.m * c.n / delta)
    sd = math.sqrt(c.d)

    def events(y, mu, xi, eps, w_mu, w_xi, w_eps):
        return {
            "|⟨w_r,μ⟩| ≤ √(2log(8m/δ))σ₀‖μ‖": np.abs(w_mu).max(1) > math.sqrt(2 * L8m) * s0 * c.mu_norm,
            "|⟨w_r,ξ_i⟩| ≤ 2√(log(8mn/δ))σ₀σ_ξ√d": np.abs(w_xi).max((1, 2)) > 2 * math.sqrt(L8mn) * s0 * c.sigma_xi * sd,
            "|⟨w_r,ε_i⟩| ≤ 2√(log(8mn/δ))σ₀σ_ε√d": np.abs(w_eps).max((1, 2)) > 2 * math.sqrt(L8mn) * s0 * c.sigma_eps * sd,
            "max_r ⟨w_r,μ⟩ ≥ σ₀‖μ‖/2": w_mu.max(1) < s0 * c.mu_norm / 2,
            "max_r ⟨w_r,ξ_i⟩ ≥ σ₀σ_ξ√d/4 (all i)": w_xi.max(1).min(1) < s0 * c.sigma_xi * sd / 4,
        }

    return ProbabilityCheck("B.4", delta, _sizes(c), _pool(_draws(c, trials, seed, True), events))


def lemma_b5(c: SyntheticConfig, delta: float = 0.1, trials: int = 1000, seed: int = 0) -> ProbabilityCheck:
    """Lemma B.5 (all ``i``, ``i' ≠ i``): norms and cross inner products of ``ξ``, ``ε`` and ``μ``."""
    check_delta(delta)
    _check_trials(trials)
    sx, se, d, n = c.sigma_xi, c.sigma_eps, c.d, c.n
    Ln2, Ln = math.log(6 * n**2 / delta), math.log(6 * n / delta)
    off = ~np.eye(n, dtype=bool)

    def events(y, mu, xi, eps, w_mu, w_xi, w_eps):
        gx = xi @ xi.transpose(0, 2, 1)
        nx, ne = np.einsum("tii->ti", gx), (eps * eps).sum(2)
        return {
            "‖ξ_i‖² ∈ [σ_ξ²d/2, 3σ_ξ²d/2]": ((nx < sx**2 * d / 2) | (nx > 1.5 * sx**2 * d)).any(1),
            "|⟨ξ_i,ξ_i'⟩| ≤ 2σ_ξ²√(d log(6n²/δ))": (np.abs(gx) * off).max((1, 2)) > 2 * sx**2 * math.sqrt(d * Ln2),
            "|⟨ξ_i,μ⟩| ≤ ‖μ‖σ_ξ√(2log(6n/δ))": np.abs(xi @ mu[:, :, None]).max((1, 2)) > c.mu_norm * sx * math.sqrt(2 * Ln),
            "‖ε_i‖² ∈ [σ_ε²d/2, 3σ_ε²d/2]": ((ne < se**2 * d / 2) | (ne > 1.5 * se**2 * d)).any(1),
            "|⟨ε_i,ξ_i'⟩| ≤ 2σ_εσ_ξ√(d log(6n²/δ))": np.abs(eps @ xi.transpose(0, 2, 1)).max((1, 2)) > 2 * se * sx * math.sqrt(d * Ln2),
            "|⟨ε_i,μ⟩| ≤ ‖μ‖σ_ε√(2log(6n/δ))": np.abs(eps @ mu[:, :, None]).max((1, 2)) > c.mu_norm * se * math.sqrt(2 * Ln),
        }

    return ProbabilityCheck("B.5", delta, _sizes(c), _pool(_draws(c, trials, seed, True), events))


# --------------------------------------------------------------------------------------------------- C.6
def dimension_c6(c: SyntheticConfig, delta: float = 0.1, constant: float = 300.0) -> float:
    """The dimension of Lemma C.6, ``d ≥ √(K·log(6n²/δ)/(−log(1 − δ²/4n²)·π σ₀²σ_ξ²))`` with ``K = 300`` as
    printed. Its own proof (Lemma B.1 with threshold ``150√(log(6n²/δ)/d)``) needs ``K = 2·150² = 45000``."""
    check_delta(delta)
    L = math.log(6 * c.n**2 / delta)
    return math.sqrt(constant * L / (-math.log1p(-(delta**2) / (4 * c.n**2)) * math.pi * c.sigma0**2 * c.sigma_xi**2))


def lemma_c6(c: SyntheticConfig, delta: float = 0.1, trials: int = 400, seed: int = 0) -> ProbabilityCheck:
    """Lemma C.6, reading "for a given ``r``, all ``i``" (the ``δ²/(4n²)`` term): ``|⟨w_r⁽⁰⁾,ξ_i⟩| > 150√(log(6n²/δ)/d)``.

    Also the threshold with the extra factor ``n`` that the proof uses (NOTES §10 item 6). Every neuron counts as
    one trial of the per-neuron event.
    """
    check_delta(delta)
    _check_trials(trials)
    thr = 150 * math.sqrt(math.log(6 * c.n**2 / delta) / c.d)

    def events(y, mu, xi, eps, w_mu, w_xi, w_eps):
        low = np.abs(w_xi).min(2)  # (t, m): per neuron, the smallest |⟨w_r, ξ_i⟩| over i
        return {"|⟨w_r,ξ_i⟩| > 150√(log(6n²/δ)/d)": low <= thr, "with the proof's factor n": low <= thr * c.n}

    rates = _pool(_draws(c, trials, seed, False), events)
    note = f"d condition (printed) {dimension_c6(c, delta):.3g}; the proof needs {dimension_c6(c, delta, 45000.0):.3g}"
    return ProbabilityCheck("C.6", delta, _sizes(c), rates, note=note)


# --------------------------------------------------------------------------------------------------- C.8–C.10, C.12
def positive_part_sum_bound(xi: np.ndarray, members: np.ndarray, classes: np.ndarray, m: int, sigma0: float, delta: float) -> np.ndarray:
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
    _check_trials(trials)
    half = math.sqrt(c.n / 2 * math.log(4 / delta))

    def events(y, mu, xi, eps, w_mu, w_xi, w_eps):
        count = ((w_xi > 0) & (y[:, None, :] > 0)).sum(2)
        return {"count within n/4 ± √(n/2·log(4/δ))": (np.abs(count - c.n / 4) > half).any(1)}

    return ProbabilityCheck("C.8", delta, _sizes(c), _pool(_draws(c, trials, seed, False), events))


def lemma_c9(c: SyntheticConfig, delta: float = 0.1, trials: int = 400, seed: int = 0) -> ProbabilityCheck:
    """Lemma C.9 (all ``r``, both classes): ``B_{r,±}⁽⁰⁾ ≤ σ₀σ_ξ√(dn)(1 + √(log(1/δ)/2))``, and our corrected bound
    (:func:`positive_part_sum_bound`)."""
    check_delta(delta)
    _check_trials(trials)
    printed = c.sigma0 * c.sigma_xi * math.sqrt(c.d * c.n) * (1 + math.sqrt(math.log(1 / delta) / 2))

    def events(y, mu, xi, eps, w_mu, w_xi, w_eps):
        out_p, out_c = [], []
        for s in (1.0, -1.0):
            members = (y == s)
            total = (np.maximum(w_xi, 0) * members[:, None, :]).sum(2)
            out_p.append((total > printed).any(1))
            out_c.append((total > positive_part_sum_bound(xi, members, members, c.m, c.sigma0, delta)).any(1))
        return {"printed": out_p[0] | out_p[1], "corrected": out_c[0] | out_c[1]}

    rates = _pool(_draws(c, trials, seed, False), events)
    return ProbabilityCheck(
        "C.9", delta, _sizes(c), {"B_{r,±} ≤ σ₀σ_ξ√(dn)(1+√(log(1/δ)/2))": rates["printed"]},
        {"B_{r,±} ≤ σ₀(Σ‖ξ_i‖/√(2π) + ‖Ξ_K‖₂√(2|S|log(2m/δ)))": rates["corrected"]},
        note="B grows like n (mean ≈ 0.2nσ₀σ_ξ√d), the printed bound like √n",
    )


def lemma_c10(c: SyntheticConfig, delta: float = 0.1, trials: int = 400, seed: int = 0, constant: float = 1.0) -> ProbabilityCheck:
    """Lemma C.10 with ``C = constant``, reading "for all ``r``" (the ``(δ/m)²`` term), each sample ``i`` one trial:
    ``|⟨w_r⁽⁰⁾,ξ_i⟩| > C·B_{r,±}⁽⁰⁾/n``."""
    check_delta(delta)
    _check_trials(trials)
    if constant <= 0:
        raise ValueError(f"constant must be > 0, got {constant}")

    def events(y, mu, xi, eps, w_mu, w_xi, w_eps):
        pos = np.maximum(w_xi, 0)
        b_plus = (pos * (y[:, None, :] > 0)).sum(2)  # (t, m)
        b_minus = (pos * (y[:, None, :] < 0)).sum(2)
        b = np.maximum(b_plus, b_minus)[:, :, None] * constant / c.n
        return {f"|⟨w_r,ξ_i⟩| > {constant:g}·B_{{r,±}}/n for all r": (np.abs(w_xi) <= b).any(1)}

    note = f"the condition asks n ≥ {8 * constant**2 * math.log(1 / delta) / math.log(1 / (1 - (delta / c.m) ** 2)):.3g}"
    return ProbabilityCheck("C.10", delta, _sizes(c), _pool(_draws(c, trials, seed, False), events), note=note)


def lemma_c12(c: SyntheticConfig, delta: float = 0.1, trials: int = 1000, seed: int = 0) -> ProbabilityCheck:
    """Lemma C.12 (all ``i``): ``(1/m)Σ_{r: ⟨w_r⁽⁰⁾,ξ_i⟩>0} Ψ_{r,i}⁽⁰⁾ ≥ 0.2σ₀σ_ξ√d`` for ``y_i = 1``, and for
    ``y_i = −1`` the printed ``(1/m)Σ_{r: ⟨w_r⁽⁰⁾,ξ_i⟩<0} Φ_{r,i}⁽⁰⁾`` (negative by construction) and the corrected
    sum over ``⟨w_r⁽⁰⁾,ξ_i⟩ > 0``."""
    check_delta(delta)
    _check_trials(trials)
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

    rates = _pool(_draws(c, trials, seed, False), events)
    corrected = rates.pop("Φ corrected (sum over ⟨w_r,ξ_i⟩ > 0)")
    psi = rates["Ψ (y_i = 1)"]
    note = "for y_i = −1 the printed set {r : ⟨w_r,ξ_i⟩ < 0} makes every term negative"
    if not psi.consistent_with(delta):
        note += f"; the Ψ part fails with rate {psi.rate:.3f} at m = {c.m} (it needs m ≥ Ω̃(1) larger)"
    return ProbabilityCheck("C.12", delta, _sizes(c), rates, {"Φ with ⟨w_r,ξ_i⟩ > 0": corrected, "Ψ (y_i = 1)": psi}, note=note)


# --------------------------------------------------------------------------------------------------- D.5–D.7, D.10
def _two_modalities(c: SyntheticConfig, trials: int, seed: int):
    """Chunks of both modalities' time-0 quantities with shared labels: ``(y, xi, w_xi, xi_t, w_xi_t, w_mu, w_mu_t)``."""
    ct = c.replace(d=c.dim_tilde, sigma_xi=c.noise_tilde, mu_norm=c.mu_tilde_norm)
    first = _draws(c, trials, seed, False)
    second = _draws(ct, trials, seed + 1_000_003, False)
    for (y, _, xi, _, w_mu, w_xi, _), (_, _, xi_t, _, w_mu_t, w_xi_t, _) in zip(first, second):
        yield y, xi, w_xi, xi_t, w_xi_t, w_mu, w_mu_t


def _cross_totals(y, w_xi, w_xi_t, s: float) -> np.ndarray:
    """``B_{r,s,+}⁽⁰⁾ = Σ_{i: y_i = s} σ(⟨w_r⁽⁰⁾,ξ_i⟩)·1[⟨w̃_r⁽⁰⁾,ξ̃_i⟩ > 0]``, shape ``(t, m)``."""
    return (np.maximum(w_xi, 0) * (w_xi_t > 0) * (y[:, None, :] == s)).sum(2)


def lemma_d5(c: SyntheticConfig, delta: float = 0.1, trials: int = 400, seed: int = 0) -> ProbabilityCheck:
    """Lemma D.5 (all ``r``): ``B_{r,+,+}⁽⁰⁾, B_{r,−,+}⁽⁰⁾`` and their modality-2 twins ``≤ ½σ₀σ_ξ√(dn)(1 + √(log(1/δ)/2))``,
    and the corrected bound of :func:`positive_part_sum_bound`."""
    check_delta(delta)
    _check_trials(trials)
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

    rates = _pool(_two_modalities(c, trials, seed), events)
    return ProbabilityCheck(
        "D.5", delta, _sizes(c), {"B_{r,±,+} ≤ ½σ₀σ_ξ√(dn)(1+√(log(1/δ)/2))": rates["printed"]},
        {"B_{r,±,+} ≤ σ₀(Σ‖ξ_i‖/√(2π) + ‖Ξ_K‖₂√(2|S|log(2m/δ)))": rates["corrected"]},
        note="B grows like n (mean ≈ 0.1nσ₀σ_ξ√d), the printed bound like √n",
    )


def dimension_d6(c: SyntheticConfig, delta: float = 0.1) -> float:
    """The dimension of Lemma D.6: ``d ≥ 300√2·n³ log(6n²/δ)/(σ₀σ_ξ√π·log(1/(1 − (δ/m)²)))``."""
    check_delta(delta)
    return 300 * math.sqrt(2) * c.n**3 * math.log(6 * c.n**2 / delta) / (c.sigma0 * c.sigma_xi * math.sqrt(math.pi) * math.log(1 / (1 - (delta / c.m) ** 2)))


def lemma_d6(c: SyntheticConfig, delta: float = 0.1, trials: int = 400, seed: int = 0) -> ProbabilityCheck:
    """Lemma D.6 (all ``r``, both modalities): ``B_{r,+,+}⁽⁰⁾ > 150√(log(6n²/δ)/d)·n²``."""
    check_delta(delta)
    _check_trials(trials)
    thr = 150 * math.sqrt(math.log(6 * c.n**2 / delta) / c.d) * c.n**2

    def events(y, xi, w_xi, xi_t, w_xi_t, w_mu, w_mu_t):
        low = np.minimum(_cross_totals(y, w_xi, w_xi_t, 1.0).min(1), _cross_totals(y, w_xi_t, w_xi, 1.0).min(1))
        return {"B_{r,+,+} > 150√(log(6n²/δ)/d)·n²": low <= thr}

    return ProbabilityCheck("D.6", delta, _sizes(c), _pool(_two_modalities(c, trials, seed), events), note=f"needs d ≥ {dimension_d6(c, delta):.3g}")


def lemma_d7(c: SyntheticConfig, delta: float = 0.1, trials: int = 400, seed: int = 0) -> ProbabilityCheck:
    """Lemma D.7, reading "for all ``r``" (the ``(δ/m)²`` term), each sample ``i`` one trial:
    ``|⟨w_r⁽⁰⁾,ξ_i⟩| > B_{r,+,+}⁽⁰⁾/n`` (and the modality-2 twin)."""
    check_delta(delta)
    _check_trials(trials)

    def events(y, xi, w_xi, xi_t, w_xi_t, w_mu, w_mu_t):
        f1 = (np.abs(w_xi) <= _cross_totals(y, w_xi, w_xi_t, 1.0)[:, :, None] / c.n).any(1)
        f2 = (np.abs(w_xi_t) <= _cross_totals(y, w_xi_t, w_xi, 1.0)[:, :, None] / c.n).any(1)
        return {"|⟨w_r,ξ_i⟩| > B_{r,+,+}/n for all r": f1 | f2}

    note = f"the condition asks n ≥ {8 * math.log(1 / delta) / math.log(1 / (1 - (delta / c.m) ** 2)):.3g}"
    return ProbabilityCheck("D.7", delta, _sizes(c), _pool(_two_modalities(c, trials, seed), events), note=note)


def lemma_d10(c: SyntheticConfig, delta: float = 0.1, trials: int = 20_000, seed: int = 0) -> ProbabilityCheck:
    """Lemma D.10: ``(1/m)Σ_{r∈U₊⁽⁰⁾∩Ũ₊⁽⁰⁾}(A_r⁽⁰⁾ + Ã_r⁽⁰⁾/C_μ) ≥ 0.2σ₀‖μ‖``, and the same over ``U₋⁽⁰⁾∩Ũ₋⁽⁰⁾``.

    Only ``⟨w_r⁽⁰⁾,μ⟩ ~ N(0, σ₀²‖μ‖²)`` and ``⟨w̃_r⁽⁰⁾,μ̃⟩ ~ N(0, σ₀²‖μ̃‖²)`` enter (exact at any ``d``).
    """
    check_delta(delta)
    _check_trials(trials)
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((trials, c.m)) * c.sigma0 * c.mu_norm
    b = rng.standard_normal((trials, c.m)) * c.sigma0 * c.mu_tilde_norm / c.c_mu
    target = 0.2 * c.sigma0 * c.mu_norm
    both = {}
    for name, s in (("U₊∩Ũ₊", 1.0), ("U₋∩Ũ₋", -1.0)):
        inside = (s * a > 0) & (s * b > 0)
        both[name] = ((np.abs(a) + np.abs(b)) * inside).mean(1) < target
    return ProbabilityCheck("D.10", delta, f"m={c.m}", {"both sets": FailureRate.of(both["U₊∩Ũ₊"] | both["U₋∩Ũ₋"])})


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


def class_total_scaling(c: SyntheticConfig, ns: list[int], delta: float = 0.1, trials: int = 100, seed: int = 0) -> ClassTotalScaling:
    """Lemma C.9 (and C.10) at the sizes of ``c`` for each ``n`` in ``ns`` (exact Monte Carlo, ``trials`` per ``n``)."""
    check_delta(delta)
    _check_trials(trials)
    unit = c.sigma0 * c.sigma_xi * math.sqrt(c.d)
    out: dict[str, list] = {k: [] for k in ("mean", "printed", "corrected", "one", "all", "fixed", "c10")}
    for n in ns:
        cn = c.replace(n=n)
        printed = math.sqrt(n) * (1 + math.sqrt(math.log(1 / delta) / 2))
        totals, bounds, c10 = [], [], []
        for y, mu, xi, eps, w_mu, w_xi, w_eps in _draws(cn, trials, seed, False):
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
    return ClassTotalScaling(np.asarray(ns), np.asarray(out["mean"]), np.asarray(out["printed"]), np.asarray(out["corrected"]),
                             out["one"], out["all"], out["fixed"], np.asarray(out["c10"]), delta)


# --------------------------------------------------------------------------------------------------- all of them
def lemma_c6_verdict(c: SyntheticConfig, delta: float = 0.1, trials: int = 200, seed: int = 0) -> Check:
    """Lemma C.6 judged where it claims to hold: at its printed dimension (fails) and at the dimension its proof
    actually needs (``K = 45000``, holds without the proof's extra factor ``n``) → ``holds once corrected``."""
    printed = lemma_c6(c.replace(d=math.ceil(dimension_c6(c, delta))), delta, trials, seed)
    fixed = lemma_c6(c.replace(d=math.ceil(dimension_c6(c, delta, 45000.0))), delta, trials, seed)
    key = "|⟨w_r,ξ_i⟩| > 150√(log(6n²/δ)/d)"
    ok_printed = printed.printed[key].consistent_with(delta)
    ok_fixed = fixed.printed[key].consistent_with(delta)
    verdict = Verdict.HOLDS if ok_printed else (Verdict.CORRECTED if ok_fixed else Verdict.FAILS)
    return Check(
        "C.6", verdict,
        f"failure rate {printed.printed[key].rate:.3f} at the printed d = {dimension_c6(c, delta):.3g}, "
        f"{fixed.printed[key].rate:.3f} at d = {dimension_c6(c, delta, 45000.0):.3g}",
        f"δ = {delta:g}",
        "the d condition needs the constant 2·150² = 45000 where 300 is printed; with the proof's extra factor n it fails even there "
        f"(rate {fixed.printed['with the proof' + chr(39) + 's factor n'].rate:.3f})",
        f"n={c.n}, m={c.m}",
    )


def _at_condition(check: ProbabilityCheck, figure: ProbabilityCheck) -> Check:
    """A conditional lemma judged at the dimension it asks for, noting how it fares at the experiment's size."""
    base = check.check
    rate = max(f.rate for f in figure.printed.values())
    return Check(base.lemma, base.verdict, base.measured + f" at d = {check.sizes.split('d=')[1].split(',')[0]}", base.bound,
                 f"{base.note}; at the experiment's d = {figure.sizes.split('d=')[1].split(',')[0]} the failure rate is {rate:.3f}", base.sizes)


def checks(c: SyntheticConfig, delta: float = 0.1, trials: int = 300, seed: int = 0) -> list[Check]:
    """The verdicts of all time-0 lemmas at the sizes of ``c``; lemmas with an explicit dimension condition
    (B.2, C.6, D.6) are judged at that dimension. ``trials`` scales the Monte Carlo effort."""
    _check_trials(trials)
    big = 20 * trials
    out = [
        lemma_b1(seed=seed).check,
        _at_condition(lemma_b2(c.replace(d=math.ceil(dimension_b2(c, delta))), delta, big, seed), lemma_b2(c, delta, big, seed)),
        lemma_b3(c.n, delta, big, seed).check,
        lemma_b4(c, delta, trials, seed).check,
        lemma_b5(c, delta, trials, seed).check,
        lemma_c6_verdict(c, delta, trials, seed),
        lemma_c8(c, delta, trials, seed).check,
        lemma_c9(c, delta, trials, seed).check,
        lemma_c10(c, delta, trials, seed).check,
        lemma_c12(c, delta, trials, seed).check,
        lemma_d5(c, delta, trials, seed).check,
        _at_condition(lemma_d6(c.replace(d=math.ceil(dimension_d6(c, delta))), delta, trials, seed), lemma_d6(c, delta, trials, seed)),
        lemma_d7(c, delta, trials, seed).check,
        lemma_d10(c, delta, big, seed).check,
    ]
    return out
