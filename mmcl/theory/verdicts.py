"""Verdicts on the paper's lemmas: the result type of every numerical check, and the catalogue of all lemmas.

Each check in :mod:`mmcl.theory.appendix_b`, :mod:`mmcl.theory.init_single`, :mod:`mmcl.theory.init_multi`,
:mod:`mmcl.theory.stage1_single`, :mod:`mmcl.theory.stage1_multi` and :mod:`mmcl.theory.stage2` returns a
:class:`Check`: the lemma's number, a one-line statement, what was measured, the bound it was held against, the
*slack* (bound ÷ measurement, ≥ 1 when the bound holds) where one is defined, and a :class:`Verdict`:

* ``holds`` — the statement, read literally at the sizes checked, is true, with a slack below 10;
* ``holds, vacuous`` — true, but the bound exceeds the measurement by a factor ≥ 10 (the slack is shown): the
  inequality says little about the quantity it bounds;
* ``holds by construction`` — the check restates the implementation (e.g. recovering a trainer's coefficients by
  least squares from the trainer's own weights), so it cannot fail while the code is right;
* ``holds once corrected`` — the statement as printed is false because of a slip, and the corrected statement
  (given in ``note``) holds;
* ``fails: sizes unmet`` — false at the sizes checked, and the stated size conditions are not met there;
* ``wrong as stated`` — false where its hypotheses hold, or a proof step is invalid: an erratum;
* ``not checkable`` — no finite computation can decide it (``note`` says why).

:data:`LEMMAS` lists every lemma of Appendices B–D and Section 5 (42 statements, numbered as in the paper), and
:func:`summary_table` turns a list of checks into the book's verdict table, refusing to leave a lemma out.
Notebooks guard each verdict with :func:`expect`, so a change in the code that flips a verdict fails the book's
tests.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "Verdict",
    "Check",
    "expect",
    "holds_with_slack",
    "VACUOUS_SLACK",
    "LEMMAS",
    "THEOREMS",
    "summary_table",
    "VerdictTable",
    "CheckTable",
]

VACUOUS_SLACK = 10.0
"""A bound that exceeds the measurement by this factor or more is reported as ``holds, vacuous``."""


class Verdict(str, Enum):
    """The outcome of a numerical check of one statement (the values are the words printed in the tables)."""

    HOLDS = "holds"
    VACUOUS = "holds, vacuous"
    BY_CONSTRUCTION = "holds by construction"
    CORRECTED = "holds once corrected"
    SIZE_UNMET = "fails: sizes unmet"
    WRONG = "wrong as stated"
    NOT_CHECKABLE = "not checkable"

    def __str__(self) -> str:
        return self.value


def holds_with_slack(slack: float) -> Verdict:
    """``HOLDS`` for a slack (bound ÷ measurement) in [1, 10), ``VACUOUS`` for a slack ≥ :data:`VACUOUS_SLACK`.

    Raises ``ValueError`` for a slack below 1 (the bound does not hold) or not a number.
    """
    if not isinstance(slack, (int, float)) or math.isnan(slack):
        raise ValueError(f"slack must be a number ≥ 1, got {slack!r}")
    if slack < 1:
        raise ValueError(f"slack must be ≥ 1 (bound ÷ measurement where the bound holds), got {slack!r}")
    return Verdict.VACUOUS if slack >= VACUOUS_SLACK else Verdict.HOLDS


def _fmt_slack(slack: float | None) -> str:
    if slack is None:
        return ""
    if slack == math.inf:
        return "∞"
    return f"{slack:.3g}" if slack < 1e4 else f"{slack:.2e}"


LEMMAS: dict[str, tuple[str, str]] = {
    # number: (where, one-line statement)
    "B.1": ("App. B", "x ~ N(0,σ²): P(|x| ≤ c) ≤ 2√(1 − exp(−2c²/(σ²π))) (anti-concentration)"),
    "B.2": ("App. B", "|⟨w_r⁽⁰⁾,μ⟩| ≥ 100·SNR·√(8 log(6n/δ)/d)·n for all r, once d ≥ (400n/(σ₀σ_ξ))·√(…)"),
    "B.3": ("App. B", "label counts |S_±1| ∈ n/2 ± √(n/2·log(4/δ))"),
    "B.4": (
        "App. B",
        "initial inner products with μ, ξ_i, ε_i are at most √log(·) times their scale; "
        "maxima over r at least σ₀‖μ‖/2, σ₀σ_ξ√d/4",
    ),
    "B.5": (
        "App. B",
        "‖ξ_i‖² ∈ [σ_ξ²d/2, 3σ_ξ²d/2], |⟨ξ_i,ξ_i'⟩| ≤ 2σ_ξ²√(d log(6n²/δ)), "
        "|⟨ξ_i,μ⟩| ≤ ‖μ‖σ_ξ√(2 log(6n/δ)); same for ε",
    ),
    "5.1": ("§5.1", "the coefficients γ, ρ follow the recursions (12)–(13)"),
    "C.1": (
        "App. C.1",
        "|⟨w_r⁽ᵗ⁾−w_r⁽⁰⁾,ξ_i⟩ − ρ_{r,i}| ≤ 5√(log(6n²/δ)/d)·n, |⟨w_r⁽ᵗ⁾−w_r⁽⁰⁾,μ⟩ − γ_r| ≤ SNR√(8 log(6n/δ)/d)·n",
    ),
    "C.2": ("App. C.1", "in stage 1, 1/(C_ℓ(1+M)) ≤ ℓ'_i, ℓ'_{i,j} ≤ C_ℓ/(1+M) for a constant C_ℓ > 1"),
    "C.3": ("App. C.1.1", "U_±⁽ᵗ⁾ = U_±⁽⁰⁾, and γ_r is monotone with the sign of ⟨w_r⁽⁰⁾,μ⟩"),
    "C.4": ("App. C.1.1", "A_r⁽ᵗ⁾ ≤ (1 + 0.52η‖μ‖²/(mτ))ᵗ A_r⁽⁰⁾"),
    "C.5": ("App. C.1.2", "|⟨w_r⁽⁰⁾,ξ_i⟩| ≥ C_ξ|⟨w_r⁽ᵗ⁾,ε_i⟩| with a large constant C_ξ (C.11 uses C_ξ > 200)"),
    "C.6": ("App. C.1.2", "|⟨w_r⁽⁰⁾,ξ_i⟩| > 150√(log(6n²/δ)/d), once d ≥ √(300 log(6n²/δ)/(−log(1−δ²/4n²)πσ₀²σ_ξ²))"),
    "C.7": (
        "App. C.1.2",
        "I_{r,−}⁽ᵗ⁾ = I_{r,−}⁽⁰⁾ and ρ_{r,i}⁽ᵗ⁾ = 0 there: negatively initialised pairs never memorise",
    ),
    "C.8": ("App. C.1.2", "|#{i : y_i = 1, ⟨w_r⁽⁰⁾,ξ_i⟩ > 0} − n/4| ≤ √(n/2·log(4/δ))"),
    "C.9": ("App. C.1.2", "B_{r,±}⁽⁰⁾ ≤ σ₀σ_ξ√(dn)·(1 + √(log(1/δ)/2))"),
    "C.10": ("App. C.1.2", "|⟨w_r⁽⁰⁾,ξ_i⟩| > C·B_{r,±}⁽⁰⁾/n, once n ≥ 8C² log(1/δ)/log(1/(1−(δ/m)²))"),
    "C.11": ("App. C.1.2", "Ψ⁽ᵗ⁾ ≥ (1 + 0.96ησ_ξ²d/(nmτ))ᵗ Ψ⁽⁰⁾, Ψ⁽ᵗ⁾ ≥ 101C_ℓ/(M+1)·B_{r,−}⁽ᵗ⁾, ρ ≥ 0 on I_{r,+}"),
    "C.12": ("App. C.1.2", "(1/m)·Σ_{r: ⟨w_r⁽⁰⁾,ξ_i⟩>0} Ψ_{r,i}⁽⁰⁾ ≥ 0.2σ₀σ_ξ√d (and the same for Φ)"),
    "5.2": ("§5.1", "γ_r⁽ᵗ⁾ = Õ(1/√n) for t ≤ T₁ and max_r ρ_{r,i}⁽ᵀ¹⁾ = Ω(1) for every i (single-modal)"),
    "C.13": ("App. C.2", "|γ_r⁽ᵗ⁾|, |ρ_{r,i}⁽ᵗ⁾| ≤ α = log(3MT*) for all t ≤ T* (Proposition)"),
    "C.14": ("App. C.2", "‖∇L_S(W⁽ᵗ⁾)‖_F² ≤ O(max{‖μ‖², σ_ξ²d})·L_S(W⁽ᵗ⁾)"),
    "C.15": ("App. C.2", "‖W⁽ᵀ¹⁾ − W*‖_F ≤ Õ(√(mn)/(σ_ξ√d)) for the noise-direction reference point W*"),
    "C.16": ("App. C.2", "⟨∇F₀,W*⟩ ≥ 2 log(2M/ε) and ⟨∇F_j,W*⟩ ≤ log(2M/ε) on [T₁, T*]"),
    "C.17": ("App. C.2", "‖W⁽ᵗ⁾−W*‖_F² − ‖W⁽ᵗ⁺¹⁾−W*‖_F² ≥ η·L_S(W⁽ᵗ⁾) − ηε"),
    "C.18": ("App. C.2", "mean loss on [T₁, t] ≤ ‖W⁽ᵀ¹⁾−W*‖_F²/(η(t−T₁+1)) + ε, and max_r|γ_r| ≤ 3·max_r|γ_r⁽ᵀ¹⁾|"),
    "5.3": ("§5.2", "the coefficients γ, ρ, γ̃, ρ̃ follow the recursions (15)–(18)"),
    "D.1": ("App. D.1", "in stage 1, 1/(C_ℓ(1+M)) ≤ ℓ'_i, ℓ'_{i,j} ≤ C_ℓ/(1+M) (multi-modal)"),
    "D.2": ("App. D.1", "projections ≈ coefficients as in C.1, for both modalities"),
    "D.3": ("App. D.1.1", "aligned neurons keep their signs and grow; mixed-sign neurons synchronise"),
    "D.4": (
        "App. D.1.1",
        "A_r⁽ᵗ⁾ ≥ (1 + 0.48C_μη‖μ‖²/(mτ))ᵗ(A_r⁽⁰⁾ + Ã_r⁽⁰⁾/C_μ) − 1; C_μA + Ã grows, the gap shrinks",
    ),
    "D.5": ("App. D.1.2", "B_{r,+,+}⁽⁰⁾, B_{r,−,+}⁽⁰⁾ (and tilde) ≤ ½σ₀σ_ξ√(dn)·(1 + √(log(1/δ)/2))"),
    "D.6": (
        "App. D.1.2",
        "B_{r,+,+}⁽⁰⁾ > 150√(log(6n²/δ)/d)·n², once d ≥ 300√2·n³ log(6n²/δ)/(σ₀σ_ξ√π·log(1/(1−(δ/m)²)))",
    ),
    "D.7": ("App. D.1.2", "|⟨w_r⁽⁰⁾,ξ_i⟩| > B_{r,+,+}⁽⁰⁾/n, once n ≥ 8 log(1/δ)/log(1/(1−(δ/m)²))"),
    "D.8": ("App. D.1.2", "B_{r,±,+}⁽ᵗ⁾ ≤ (1 + 1.05η/(nmτ))ᵗ B_{r,±,+}⁽⁰⁾ and B_{r,±,−}⁽ᵗ⁾ ≤ B_{r,±,−}⁽⁰⁾"),
    "D.9": (
        "App. D.1.2",
        "noise in the four sign cases: zero on negative pairs; "
        "Ψ⁽ᵗ⁾ ≤ (1 + 1.06ησ_ξ²d/(nmτ))ᵗ(Ψ + Ψ̃) when both positive",
    ),
    "D.10": ("App. D.1.3", "(1/m)·Σ_{r ∈ U₊⁽⁰⁾∩Ũ₊⁽⁰⁾}(A_r⁽⁰⁾ + Ã_r⁽⁰⁾/C_μ) ≥ 0.2σ₀‖μ‖ (and for U₋∩Ũ₋)"),
    "5.4": ("§5.2", "at T₁: ρ_{r,i} = Õ(1/√n) for all r, i and max_r γ_r = Ω(1) (multi-modal)"),
    "D.11": ("App. D.2", "‖∇L_S(W⁽ᵗ⁾)‖_F² ≤ O(max{‖μ‖², σ_ξ²d})·L_S(W⁽ᵗ⁾), and the same for W̃"),
    "D.12": ("App. D.2", "‖W⁽ᵀ¹⁾ − W*‖_F ≤ Õ(√m/‖μ‖) (and W̃) for the signal-direction reference point"),
    "D.13": ("App. D.2", "⟨∇F₀,W*⟩ ≥ 2 log(2M/ε) and ⟨∇F_j,W*⟩ ≤ log(2M/ε) on [T₁, T*], both modalities"),
    "D.14": ("App. D.2", "joint descent: distance drop of (W, W̃) ≥ η·L(W⁽ᵗ⁾, W̃⁽ᵗ⁾) − 2ηε"),
    "D.15": ("App. D.2", "|ρ|, |ρ̃| ≤ σ₀σ_ξ√d on [T₁, T] and mean loss ≤ (distance at T₁)/(η(t−T₁+1)) + 2ε"),
}
"""Every lemma (and Proposition C.13) of the paper's proofs: number → (where, one-line statement)."""

THEOREMS: dict[str, tuple[str, str]] = {
    "4.2": ("§4", "single-modal: training loss ≤ ε after T*, downstream test error Θ(1) (via C.3)"),
    "4.3": ("§4", "multi-modal: training loss ≤ ε after T*, downstream test error o(1) (via D.3)"),
}
"""The paper's two theorems; a :class:`Check` may name one, and :func:`summary_table` appends their rows when given."""


@dataclass(frozen=True)
class Check:
    """The verdict on one lemma (or one part of it) with the numbers behind it.

    ``measured`` and ``bound`` are short, already rounded strings (safe to store in notebook outputs); ``note``
    explains a correction, a failure or why a statement cannot be checked; ``sizes`` names the configuration;
    ``slack`` is bound ÷ measurement (≥ 1 when the bound holds), where the check has one.
    """

    lemma: str
    verdict: Verdict
    measured: str
    bound: str
    note: str = ""
    sizes: str = ""
    part: str = ""
    slack: float | None = None

    def __post_init__(self) -> None:
        if self.lemma not in LEMMAS and self.lemma not in THEOREMS:
            raise ValueError(f"lemma must be one of {list(LEMMAS) + list(THEOREMS)}, got {self.lemma!r}")
        if not isinstance(self.verdict, Verdict):
            raise ValueError(f"verdict must be a Verdict, got {self.verdict!r}")
        if self.slack is not None and not (isinstance(self.slack, (int, float)) and self.slack >= 0):
            raise ValueError(f"slack must be None or a number ≥ 0, got {self.slack!r}")
        if self.verdict in (Verdict.HOLDS, Verdict.VACUOUS) and self.slack is not None:
            wanted = holds_with_slack(self.slack)
            if wanted is not self.verdict:
                raise ValueError(f"slack {self.slack:.3g} means '{wanted}', not '{self.verdict}'")

    @classmethod
    def from_slack(cls, lemma: str, slack: float, measured: str, bound: str, **kw: str) -> Check:
        """A check that holds with ``slack`` (bound ÷ measurement ≥ 1): ``holds`` or ``holds, vacuous``."""
        return cls(lemma, holds_with_slack(slack), measured, bound, slack=float(slack), **kw)

    @property
    def statement(self) -> str:
        return {**LEMMAS, **THEOREMS}[self.lemma][1]

    @property
    def label(self) -> str:
        """``"C.11"`` or ``"C.11 (22)"`` when the check covers one part of a lemma."""
        return f"{self.lemma} {self.part}".strip()

    def __str__(self) -> str:
        text = f"{self.label}: {self.verdict} — measured {self.measured}; bound {self.bound}"
        if self.slack is not None:
            text += f"; slack {_fmt_slack(self.slack)}"
        return text + (f" ({self.note})" if self.note else "")


def expect(check: Check, verdict: Verdict | str) -> None:
    """Raise ``AssertionError`` with the numbers unless ``check`` has the verdict ``verdict`` (silent otherwise).

    The notebooks call this after every check, so that a change which flips a verdict fails strict nbval.
    """
    wanted = Verdict(verdict)
    if check.verdict is not wanted:
        raise AssertionError(f"Lemma {check.label}: expected '{wanted}', got '{check.verdict}': {check}")


_ORDER = [
    Verdict.WRONG,
    Verdict.SIZE_UNMET,
    Verdict.CORRECTED,
    Verdict.BY_CONSTRUCTION,
    Verdict.VACUOUS,
    Verdict.HOLDS,
]
"""From the weakest verdict to the strongest; a lemma checked in parts gets the weakest."""


def _combine(checks: Sequence[Check]) -> Verdict:
    """One verdict for a lemma checked in several parts: the weakest part decides; ``not checkable`` only when
    every part is."""
    present = {c.verdict for c in checks}
    if present == {Verdict.NOT_CHECKABLE}:
        return Verdict.NOT_CHECKABLE
    return next(v for v in _ORDER if v in present)


def _cell(text: str) -> str:
    return html.escape(text).replace("|", "&#124;")


@dataclass
class VerdictTable:
    """All lemmas with their combined verdicts; renders as Markdown in a notebook and as text elsewhere.

    A row is (number, where, statement, verdict, detail, slack): ``slack`` is the smallest slack of the parts that
    have one (``None`` when none has).
    """

    rows: list[tuple[str, str, str, Verdict, str, float | None]] = field(default_factory=list)
    seeds: dict[str, str] = field(default_factory=dict)
    """Lemma → on how many seeds it holds (with its interval), shown as a column when given."""

    def counts(self) -> dict[Verdict, int]:
        """How many lemmas have each verdict (every class listed, zeros included)."""
        out = {v: 0 for v in Verdict}
        for row in self.rows:
            out[row[3]] += 1
        return out

    def verdict(self, lemma: str) -> Verdict:
        for row in self.rows:
            if row[0] == lemma:
                return row[3]
        raise ValueError(f"lemma {lemma!r} is not in the table")

    def _counts_line(self) -> str:
        return ", ".join(f"{v}: {k}" for v, k in self.counts().items())

    def _repr_markdown_(self) -> str:
        if not self.seeds:
            lines = ["| Lemma | Where | Statement | Verdict | Slack | Evidence |", "|---|---|---|---|---|---|"]
            lines += [
                f"| {n} | {w} | {_cell(s)} | **{v}** | {_fmt_slack(k)} | {_cell(d)} |" for n, w, s, v, d, k in self.rows
            ]
        else:
            lines = [
                "| Lemma | Where | Statement | Verdict | Slack | Seeds | Evidence |",
                "|---|---|---|---|---|---|---|",
            ]
            lines += [
                f"| {n} | {w} | {_cell(s)} | **{v}** | {_fmt_slack(k)} | {_cell(self.seeds.get(n, '—'))} | {_cell(d)} |"
                for n, w, s, v, d, k in self.rows
            ]
        return "\n".join(lines) + f"\n\n{len(self.rows)} lemmas — {self._counts_line()}"

    def __repr__(self) -> str:
        return f"VerdictTable({len(self.rows)} lemmas; {self._counts_line()})"


@dataclass
class CheckTable:
    """A list of checks shown as a table (one row per check or part); renders as Markdown in a notebook."""

    checks: list[Check]

    def _repr_markdown_(self) -> str:
        lines = ["| Lemma | Verdict | Measured | Bound | Slack |", "|---|---|---|---|---|"]
        lines += [
            f"| {_cell(c.label)} | **{c.verdict}** | {_cell(c.measured)} | {_cell(c.bound)} | {_fmt_slack(c.slack)} |"
            for c in self.checks
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "\n".join(str(c) for c in self.checks)


def summary_table(checks: Iterable[Check], seeds: dict[str, str] | None = None) -> VerdictTable:
    """The verdict of every lemma in :data:`LEMMAS`, in the paper's order.

    Several checks of one lemma (its parts) are combined: the weakest verdict wins (order
    ``wrong as stated`` < ``fails: sizes unmet`` < ``holds once corrected`` < ``holds by construction`` <
    ``holds, vacuous`` < ``holds``). Raises ``ValueError`` if a lemma of the catalogue has no check, so the table can
    never silently skip one. Checks of Theorems 4.2/4.3 (:data:`THEOREMS`), when given, add rows after the lemmas.
    ``seeds`` (lemma → text, e.g. from :func:`mmcl.theory.over_seeds.seed_fractions`) adds the column of seeds;
    ``ValueError`` for a lemma that is not in the table.
    """
    by_lemma: dict[str, list[Check]] = {}
    for c in checks:
        by_lemma.setdefault(c.lemma, []).append(c)
    missing = [k for k in LEMMAS if k not in by_lemma]
    if missing:
        raise ValueError(f"checks missing for lemmas {missing}: every lemma needs a check or an explanation")
    table = VerdictTable()
    theorems = {k: v for k, v in THEOREMS.items() if k in by_lemma}
    for number, (where, statement) in {**LEMMAS, **theorems}.items():
        parts = by_lemma[number]
        verdict = _combine(parts)
        detail = "; ".join(
            (f"{c.part}: " if c.part else "")
            + f"{c.measured} (bound: {c.bound}"
            + (f"; slack {_fmt_slack(c.slack)})" if c.slack is not None else ")")
            for c in parts
        )
        slacks = [c.slack for c in parts if c.slack is not None]
        table.rows.append((number, where, statement, verdict, detail, min(slacks) if slacks else None))
    unknown = sorted(set(seeds or {}) - {row[0] for row in table.rows})
    if unknown:
        raise ValueError(f"seeds names lemmas that are not in the table: {unknown}")
    table.seeds = dict(seeds or {})
    return table
