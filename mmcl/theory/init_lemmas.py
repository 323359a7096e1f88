"""The verdicts of all time-0 lemmas (Appendix B: B.1–B.5; Appendix C: C.6, C.8–C.10, C.12; Appendix D: D.5–D.7,
D.10) at the sizes of one configuration, for the book's summary table (chapter 12, :mod:`mmcl.theory.audit`).

The Monte Carlo checks themselves live in :mod:`mmcl.theory.appendix_b` (B.1–B.5), :mod:`mmcl.theory.init_single`
(the single-modal C lemmas) and :mod:`mmcl.theory.init_multi` (the multi-modal D lemmas), on the shared machinery of
:mod:`mmcl.theory.probability`. :func:`checks` runs each once; the lemmas with an explicit dimension condition (B.2,
C.6, D.6) are judged at that dimension.
"""

from __future__ import annotations

import math

from ..model.config import SyntheticConfig
from .appendix_b import dimension_b2, lemma_b1, lemma_b2, lemma_b3, lemma_b4, lemma_b5
from .init_multi import dimension_d6, lemma_d5, lemma_d6, lemma_d7, lemma_d10
from .init_single import lemma_c6_verdict, lemma_c8, lemma_c9, lemma_c10, lemma_c12
from .probability import ProbabilityCheck, check_trials
from .verdicts import Check

__all__ = ["checks"]


def _at_condition(check: ProbabilityCheck, figure: ProbabilityCheck) -> Check:
    """A conditional lemma judged at the dimension it asks for, noting how it fares at the experiment's size."""
    base = check.check
    rate = max(f.rate for f in figure.printed.values())
    return Check(
        base.lemma,
        base.verdict,
        base.measured + f" at d = {check.sizes.split('d=')[1].split(',')[0]}",
        base.bound,
        f"{base.note}; at the experiment's d = {figure.sizes.split('d=')[1].split(',')[0]} "
        f"the failure rate is {rate:.3f}",
        base.sizes,
    )


def checks(c: SyntheticConfig, delta: float = 0.1, trials: int = 300, seed: int = 0) -> list[Check]:
    """The verdicts of all time-0 lemmas at the sizes of ``c``; lemmas with an explicit dimension condition
    (B.2, C.6, D.6) are judged at that dimension. ``trials`` scales the Monte Carlo effort."""
    check_trials(trials)
    big = 20 * trials
    out = [
        lemma_b1(seed=seed).check,
        _at_condition(
            lemma_b2(c.replace(d=math.ceil(dimension_b2(c, delta))), delta, big, seed), lemma_b2(c, delta, big, seed)
        ),
        lemma_b3(c.n, delta, big, seed).check,
        lemma_b4(c, delta, trials, seed).check,
        lemma_b5(c, delta, trials, seed).check,
        lemma_c6_verdict(c, delta, trials, seed),
        lemma_c8(c, delta, trials, seed).check,
        lemma_c9(c, delta, trials, seed).check,
        lemma_c10(c, delta, trials, seed).check,
        lemma_c12(c, delta, trials, seed).check,
        lemma_d5(c, delta, trials, seed).check,
        _at_condition(
            lemma_d6(c.replace(d=math.ceil(dimension_d6(c, delta))), delta, trials, seed),
            lemma_d6(c, delta, trials, seed),
        ),
        lemma_d7(c, delta, trials, seed).check,
        lemma_d10(c, delta, big, seed).check,
    ]
    return out
