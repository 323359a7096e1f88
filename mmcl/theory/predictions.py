"""The theory's numbers for a configuration: stage-1 growth rates, ``T₁``, Assumption 4.1 and the proofs' explicit
conditions (the paper's Assumption 4.1, Theorems 4.2–4.3 and the conditions inside the proofs).

The paper's assumptions hide constants and log factors (``Õ``, ``Ω̃``). :func:`assumption_4_1` evaluates each
clause *at order level*, with every hidden constant set to 1 and log factors dropped, and reports the margin
``lhs/rhs``. :func:`proof_conditions` evaluates the explicit inequalities that the proofs actually use (with a
failure probability ``δ``), which is where the Figure 1 configuration falls short.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..model.config import SyntheticConfig
from ..model.snr import n_snr2_window
from .montecarlo import check_delta

__all__ = [
    "Clause",
    "signal_rate_single",
    "noise_rate_single",
    "signal_rate_multi",
    "noise_rate_multi",
    "t1_single",
    "t1_multi",
    "lemma_5_4_noise_bound",
    "lemma_5_4_noise_bound_printed",
    "lemma_5_4_noise_exponent",
    "n_snr2_window",
    "assumption_4_1",
    "proof_conditions",
    "format_clauses",
]


def signal_rate_single(c: SyntheticConfig) -> float:
    """Lemma C.4: ``A_r^{(t+1)} ≤ (1 + 0.52·η‖μ‖²/(mτ))·A_r^{(t)}`` — the single-modal signal growth factor (upper)."""
    return 1 + 0.52 * c.lr * c.mu_norm**2 / (c.m * c.tau)


def noise_rate_single(c: SyntheticConfig) -> float:
    """Lemma C.11 (22): ``Ψ^{(t)} ≥ (1 + 0.96·ησ_ξ²d/(nmτ))^t Ψ^{(0)}`` — the single-modal noise growth factor
    (lower)."""
    return 1 + 0.96 * c.lr * c.sigma_xi**2 * c.d / (c.n * c.m * c.tau)


def signal_rate_multi(c: SyntheticConfig) -> float:
    """Lemma D.4 (41): ``C_μA + Ã`` grows at least by ``1 + 0.48·C_μ·η‖μ‖²/(mτ)`` per step (multi-modal signal)."""
    return 1 + 0.48 * c.c_mu * c.lr * c.mu_norm**2 / (c.m * c.tau)


def noise_rate_multi(c: SyntheticConfig) -> float:
    """Lemma D.9 (45): ``Ψ⁽ᵗ⁾ ≤ (1 + 1.06·ησ_ξ²d/(nmτ))ᵗ (Ψ⁽⁰⁾ + Ψ̃⁽⁰⁾)`` — the multi-modal noise growth factor
    (upper)."""
    return 1 + 1.06 * c.lr * c.sigma_xi**2 * c.d / (c.n * c.m * c.tau)


def t1_single(c: SyntheticConfig) -> float:
    """Lemma 5.2: ``T₁ = log(20/(σ₀σ_ξ√d)) / log(1 + 0.96·ησ_ξ²d/(nmτ))``."""
    if c.sigma_xi == 0:
        raise ValueError("T₁ of Lemma 5.2 needs sigma_xi > 0")
    return math.log(20 / (c.sigma0 * c.sigma_xi * math.sqrt(c.d))) / math.log(noise_rate_single(c))


def t1_multi(c: SyntheticConfig) -> float:
    """Lemma 5.4: ``T₁ = log(20/(σ₀‖μ‖)) / log(1 + 0.48·C_μ·η‖μ‖²/(mτ))``."""
    if c.mu_norm == 0:
        raise ValueError("T₁ of Lemma 5.4 needs mu_norm > 0")
    return math.log(20 / (c.sigma0 * c.mu_norm)) / math.log(signal_rate_multi(c))


def _check_5_4(c: SyntheticConfig, delta: float) -> None:
    check_delta(delta)
    if c.mu_norm == 0:
        raise ValueError("the bound of Lemma 5.4 needs mu_norm > 0")


def lemma_5_4_noise_bound(c: SyntheticConfig, delta: float = 0.1) -> float:
    """The bound on ``max Ψ⁽ᵀ¹⁾`` that the last chain of Lemma 5.4's proof actually yields.

    The proof bounds the noise at ``T₁`` by its initial size times its growth: ``Ψ⁽⁰⁾ + Ψ̃⁽⁰⁾ ≤
    2√(log(8mn/δ))·σ₀σ_ξ√d`` (Lemma B.4) and ``(1 + 1.06x)^{T₁} ≤ (20/(σ₀‖μ‖))^{1/2}`` (the exponent
    ``log(1 + 1.06x)/log(1 + 0.48C_μ y) ≤ 1/2`` by ``n·SNR² ≥ 1.7``, ``C_μ > 2.66``; eq. (45) with ``T₁`` of
    Lemma 5.4). Their product is ``(20/(σ₀‖μ‖))^{1/2}·2√(log(8mn/δ))·σ₀σ_ξ√d = √(80 log(8mn/δ))·σ_ξ√d·√(σ₀/‖μ‖)``.
    The paper prints ``√(24 log(8mn/δ))·√(σ₀σ_ξ√d/‖μ‖)`` (:func:`lemma_5_4_noise_bound_printed`), which does not
    follow: it has ``√(σ_ξ√d)`` where the product has ``σ_ξ√d``.
    """
    _check_5_4(c, delta)
    return (
        math.sqrt(20 / (c.sigma0 * c.mu_norm))
        * 2
        * math.sqrt(math.log(8 * c.m * c.n / delta))
        * (c.sigma0 * c.sigma_xi * math.sqrt(c.d))
    )


def lemma_5_4_noise_bound_printed(c: SyntheticConfig, delta: float = 0.1) -> float:
    """The bound on ``max Ψ⁽ᵀ¹⁾`` as printed at the end of Lemma 5.4's proof: ``√(24 log(8mn/δ))·√(σ₀σ_ξ√d/‖μ‖)``
    (it does not follow from the proof's algebra; see :func:`lemma_5_4_noise_bound`)."""
    _check_5_4(c, delta)
    return math.sqrt(24 * math.log(8 * c.m * c.n / delta)) * math.sqrt(
        c.sigma0 * c.sigma_xi * math.sqrt(c.d) / c.mu_norm
    )


def lemma_5_4_noise_exponent(c: SyntheticConfig) -> float:
    """The exponent ``log(1 + 1.06x)/log(1 + 0.48C_μ y)`` with ``x = ησ_ξ²d/(nmτ)``, ``y = η‖μ‖²/(mτ)``: the noise
    grows by ``(20/(σ₀‖μ‖))`` to this power during multi-modal stage 1 (the proof of Lemma 5.4 needs it ≤ 1/2)."""
    return math.log(noise_rate_multi(c)) / math.log(signal_rate_multi(c))


@dataclass(frozen=True)
class Clause:
    """One inequality ``lhs ≤ rhs`` (``kind="upper"``) or ``lhs ≥ rhs`` (``kind="lower"``) evaluated numerically."""

    name: str
    source: str
    statement: str
    lhs: float
    rhs: float
    kind: str  # "upper": need lhs <= rhs; "lower": need lhs >= rhs

    @property
    def holds(self) -> bool:
        return self.lhs <= self.rhs if self.kind == "upper" else self.lhs >= self.rhs

    @property
    def margin(self) -> float:
        """How comfortably it holds: ``rhs/lhs`` for upper bounds, ``lhs/rhs`` for lower ones (≥ 1 ⇔ holds)."""
        num, den = (self.rhs, self.lhs) if self.kind == "upper" else (self.lhs, self.rhs)
        return math.inf if den == 0 else num / den


def assumption_4_1(c: SyntheticConfig) -> list[Clause]:
    """Assumption 4.1, clause by clause, at order level (hidden constants 1, log factors dropped)."""
    mu, s, d, n, m = c.mu_norm, c.sigma_xi, c.d, c.n, c.m
    return [
        Clause(
            "4.1(1) dimension",
            "Assumption 4.1(1)",
            r"d \ge \max\{n^2, n/(\sigma_0\sigma_\xi), 1/(\sigma_0^2\|\mu\|^2)\}",
            d,
            max(n**2, n / (c.sigma0 * s), 1 / (c.sigma0**2 * mu**2)),
            "lower",
        ),
        Clause(
            "4.1(2) learning rate",
            "Assumption 4.1(2)",
            r"\eta \le \min\{m/\|\mu\|^2, nm/(\sigma_\xi^2 d)\}",
            c.lr,
            min(m / mu**2, n * m / (s**2 * d)),
            "upper",
        ),
        Clause(
            "4.1(3) initialisation",
            "Assumption 4.1(3)",
            r"\sigma_0 \le 1/\max\{\sigma_\xi\sqrt d, \|\mu\|\}",
            c.sigma0,
            1 / max(s * math.sqrt(d), mu),
            "upper",
        ),
        Clause("4.1(4) width", "Assumption 4.1(4)", r"m \ge \log(m n)", m, math.log(m * n), "lower"),
        Clause(
            "4.1(5) augmentation",
            "Assumption 4.1(5)",
            r"\sigma_\epsilon \le \min\{\|\mu\|, \sigma_\xi\}",
            c.sigma_eps,
            min(mu, s),
            "upper",
        ),
        Clause(
            "4.1(6) n·SNR² (lower)",
            "Assumption 4.1(6), proof of Lemma 5.4",
            r"n\,\mathrm{SNR}^2 \ge 2.21/(0.49\,C_\mu)",
            c.n_snr2,
            n_snr2_window(c.c_mu)[0],
            "lower",
        ),
        Clause(
            "4.1(6) n·SNR² (upper)",
            "Assumption 4.1(6), proof of Lemma 5.2",
            r"n\,\mathrm{SNR}^2 \le 1.8",
            c.n_snr2,
            n_snr2_window(c.c_mu)[1],
            "upper",
        ),
        Clause("4.1(7) C_μ", "Assumption 4.1(7)", r"C_\mu \ge 2.66", c.c_mu, 2.66, "lower"),
    ]


def proof_conditions(c: SyntheticConfig, delta: float = 0.1) -> list[Clause]:
    """The explicit inequalities used inside the proofs (as collected in Chapter 3), at failure probability ``δ``."""
    check_delta(delta)
    mu, s, d, n, m, s0 = c.mu_norm, c.sigma_xi, c.d, c.n, c.m, c.sigma0
    log = math.log
    b2 = 400 * n / (s0 * s) * math.sqrt(log(6 * n / delta) / (-math.pi * math.log1p(-(delta**2) / (4 * m**2))))
    return [
        Clause(
            "B.2 dimension",
            "Lemma B.2 / C.3",
            r"d \ge \frac{400n}{\sigma_0\sigma_\xi}\sqrt{\frac{\log(6n/\delta)}{-\pi\log(1-\delta^2/4m^2)}}",
            d,
            b2,
            "lower",
        ),
        Clause(
            "C.2 init vs noise",
            "Lemma C.2",
            r"\sigma_0 \le 1/(2\sqrt{\log(8mn/\delta)}\,\sigma_\xi\sqrt d)",
            s0,
            1 / (2 * math.sqrt(log(8 * m * n / delta)) * s * math.sqrt(d)),
            "upper",
        ),
        Clause(
            "C.2 init vs signal",
            "Lemma C.2",
            r"\sigma_0 \le 1/(2\sqrt{\log(8m/\delta)}\,\|\mu\|)",
            s0,
            1 / (2 * math.sqrt(log(8 * m / delta)) * mu),
            "upper",
        ),
        Clause("C.2 dimension", "Lemma C.2", r"d > n^2\log(6n^2/\delta)", d, n**2 * log(6 * n**2 / delta), "lower"),
        Clause(
            "C.2 augmentation",
            "Lemma C.2",
            r"\sigma_\epsilon \le \|\mu\|/\sqrt{2\log(6n/\delta)}",
            c.sigma_eps,
            mu / math.sqrt(2 * log(6 * n / delta)),
            "upper",
        ),
        Clause("C.4 samples", "Lemma C.4 / D.4", r"n \ge 2500\log(4/\delta)", n, 2500 * log(4 / delta), "lower"),
        Clause("D.8 samples", "Lemma D.8", r"n \ge 1\,280\,000\log(4/\delta)", n, 1_280_000 * log(4 / delta), "lower"),
        Clause(
            "C.13 learning rate",
            "Proposition C.13",
            r"\eta \le \frac{1}{12}\frac{nm\tau}{\sigma_\xi^2 d}",
            c.lr,
            n * m * c.tau / (12 * s**2 * d),
            "upper",
        ),
        Clause("5.4 init", "Lemma 5.4", r"\sigma_0 \le 1/\|\mu\|", s0, 1 / mu, "upper"),
    ]


def format_clauses(clauses: list[Clause]) -> str:
    """A plain-text table: clause, value, bound, holds, margin (rounded; safe for stored notebook outputs)."""
    rows = [("clause", "value", "bound", "holds", "margin")]
    for cl in clauses:
        rows.append(
            (
                cl.name,
                f"{cl.lhs:.4g}",
                f"{'≤' if cl.kind == 'upper' else '≥'} {cl.rhs:.4g}",
                "yes" if cl.holds else "NO",
                f"{cl.margin:.3g}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)
