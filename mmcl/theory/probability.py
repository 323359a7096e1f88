"""The shared machinery of the Monte Carlo checks of the time-0 lemmas (Appendices B, C and D).

Appendix B (B.1–B.5) and the time-0 lemmas of Appendices C and D (C.6, C.8–C.10, C.12, D.5–D.7, D.10) claim that
some event has probability at least ``1 − δ``. Each check samples that event exactly
(:mod:`mmcl.theory.montecarlo`; the cost does not grow with ``d``), counts how often it fails and compares the failure
rate with ``δ``. A lemma whose union bound runs over some index (visible in its ``δ`` term, e.g. ``δ²/(4m²)`` in
B.2 means "for all ``r``") is checked in that reading; the docstring of each check says which.

Each check returns a :class:`ProbabilityCheck`: the failure rate of every part of the statement, and a
:class:`~mmcl.theory.verdicts.Check` with the verdict (``holds`` when every part is consistent with ``δ``; ``holds once
corrected`` when the printed statement fails but our corrected statement holds; ``fails: sizes unmet``
otherwise). This module holds that result type, the exact draws of the time-0 quantities at the sizes of a
configuration (:func:`draws`, in batches of :data:`CHUNK` doubles) and the pooling of per-trial failures
(:func:`pool_failures`). The checks themselves live in :mod:`mmcl.theory.appendix_b` (B.1–B.5),
:mod:`mmcl.theory.init_single` (C.6, C.8–C.10, C.12) and :mod:`mmcl.theory.init_multi` (D.5–D.7, D.10);
:func:`mmcl.theory.init_lemmas.checks` collects their verdicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ..model.config import SyntheticConfig
from .montecarlo import FailureRate, project, rademacher, sample_vectors
from .verdicts import Check, Verdict

__all__ = ["ProbabilityCheck", "CHUNK", "check_trials", "sizes_label", "draws", "pool_failures"]

CHUNK = 4_000_000
"""Doubles held at once by one batch of trials (about 32 MB): a batch of the Gaussian-vector lemmas has
``CHUNK // (k·(min(d, k+1) + m))`` trials for ``k`` vectors."""


def check_trials(trials: int) -> None:
    """Raise ``ValueError`` unless the number of Monte Carlo ``trials`` is an integer ``≥ 1``."""
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 1:
        raise ValueError(f"trials must be an integer >= 1, got {trials!r}")


def sizes_label(c: SyntheticConfig) -> str:
    """The sizes ``n, d, m`` of ``c`` as a check reports them (``d`` in ``%.3g`` from ``10⁵`` on)."""
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
    wrong: bool = False  # evidence that the statement is false where its hypotheses hold (an erratum)

    @property
    def holds(self) -> bool:
        return all(f.consistent_with(self.delta) for f in self.printed.values())

    @property
    def verdict(self) -> Verdict:
        if self.holds:
            return Verdict.HOLDS
        if self.corrected and all(f.consistent_with(self.delta) for f in self.corrected.values()):
            return Verdict.CORRECTED
        return Verdict.WRONG if self.wrong else Verdict.SIZE_UNMET

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


def draws(c: SyntheticConfig, trials: int, seed: int, with_eps: bool) -> Iterator[tuple[np.ndarray | None, ...]]:
    """Yield chunks ``(y, mu, xi, eps, w_mu, w_xi, w_eps)`` of exact samples at the sizes of ``c``.

    ``trials`` draws in all, from one ``default_rng(seed)`` stream, in batches that hold about :data:`CHUNK` doubles:
    the labels ``y (t, n)``, ``μ`` and the noise vectors ``ξ`` (and, with ``with_eps``, ``ε``; otherwise ``eps`` and
    ``w_eps`` are ``None``) realised exactly by :func:`~mmcl.theory.montecarlo.sample_vectors`, and their inner
    products ``w_mu (t, m)``, ``w_xi (t, m, n)``, ``w_eps (t, m, n)`` with fresh initial weights.
    """
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


def pool_failures(
    chunks: Iterable[tuple[np.ndarray, ...]], events: Callable[..., dict[str, np.ndarray]]
) -> dict[str, FailureRate]:
    """Run ``events(*chunk) -> {name: failed (t,)}`` over all chunks of draws and pool the counts per event.

    The chunks are usually those of :func:`draws`; the result maps each event name to its pooled
    :class:`~mmcl.theory.montecarlo.FailureRate`.
    """
    pooled: dict[str, list[np.ndarray]] = {}
    for chunk in chunks:
        for name, failed in events(*chunk).items():
            pooled.setdefault(name, []).append(np.asarray(failed, dtype=bool).reshape(-1))
    return {name: FailureRate.of(np.concatenate(parts)) for name, parts in pooled.items()}
