"""The single-modal stage verdicts over many seeds: on what fraction of seeds does each check hold?

A verdict computed on one run (seed 0 in Chapters 5–6) is an anecdote: the labels, the noise and the initialisation
are all random, and seed 0's 41/59 label split alone is a tail event. :func:`stage_verdicts` records, for every seed,
the verdict of every single-modal stage check (:func:`mmcl.theory.audit.stage_checks_single`, Lemmas C.1–C.5, C.7,
C.11, 5.2 and C.13–C.18) and the seed's label split; :func:`seed_table` turns the record into the fraction of seeds
on which each check holds (``holds``, ``holds, vacuous``, ``holds by construction`` or ``holds once corrected``;
seeds on which a check is ``not checkable`` are not counted), with a Clopper–Pearson interval
(:func:`mmcl.sweeps.stats.binomial_interval`). A check that holds on some seeds and not on others depends on the
seed, and the table says so.

Run ``python -m mmcl.theory.over_seeds`` to record the book's two sizes (Figure 1, and ``d = 8000`` rescaled by
:func:`mmcl.model.scaling.at_dimension`, where the cross-talk conditions on ``d`` are closer to met) into
:data:`RECORD`; the chapters load the record and re-check one seed live.
"""

from __future__ import annotations

import html
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..model.config import SyntheticConfig
from ..model.scaling import at_dimension
from ..sweeps.stats import binomial_interval
from .audit import EPSILON, stage_checks_single
from .trajectory import Trajectory, record
from .verdicts import Check, Verdict

__all__ = [
    "HOLDING",
    "RECORD",
    "seed_list",
    "seed_fractions",
    "stage_verdicts",
    "per_seed_checks",
    "SeedRow",
    "SeedTable",
    "seed_table",
    "label_balance",
    "disagreements",
    "load",
]

HOLDING = frozenset({Verdict.HOLDS, Verdict.VACUOUS, Verdict.BY_CONSTRUCTION, Verdict.CORRECTED})
"""The verdicts that count as "holds" when counting seeds."""

RECORD = Path(__file__).resolve().parents[2] / "results" / "theory" / "seed_verdicts.json"
"""Where ``python -m mmcl.theory.over_seeds`` writes the record the chapters load."""


def per_seed_checks(traj_one: Trajectory, eps: float = EPSILON, delta: float = 0.1) -> list[Check]:
    """The single-modal stage checks of one run (a one-run trajectory), without the least-squares check of 5.1."""
    if traj_one.runs != 1:
        raise ValueError(f"need a one-run trajectory, got {traj_one.runs} runs")
    return stage_checks_single(traj_one, eps, delta, with_recursion=False)


def seed_list(seeds: Iterable[int], chunk: int) -> list[int]:
    """``seeds`` as a list of at least 2 distinct integers, and ``chunk`` (seeds trained per batch) checked to be an
    integer ``>= 1``; ``ValueError`` naming the parameter otherwise."""
    seeds = [int(s) for s in seeds]
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must hold at least 2 distinct seeds, got {seeds}")
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be an integer >= 1, got {chunk!r}")
    return seeds


def stage_verdicts(
    config: SyntheticConfig, seeds: Sequence[int], eps: float = EPSILON, delta: float = 0.1, chunk: int = 5
) -> dict:
    """Train ``seeds`` (in chunks of ``chunk`` runs, float64) and record every check's verdict per seed.

    Returns a JSON-ready dictionary: ``config`` (its dictionary), ``seeds``, ``plus`` (``|S₊|`` per seed), ``eps``,
    ``delta`` and ``checks``: label → ``{"lemma", "verdicts": [one word per seed], "measured": [...]}``.
    """
    seeds = seed_list(seeds, chunk)
    checks: dict[str, dict] = {}
    plus: list[int] = []
    for start in range(0, len(seeds), chunk):
        _, traj = record(config, "single", seeds[start : start + chunk], snapshots=[])
        for k in range(traj.runs):
            one = traj.select(k)
            plus.append(int((one.y > 0).sum()))
            for c in per_seed_checks(one, eps, delta):
                entry = checks.setdefault(c.label, {"lemma": c.lemma, "verdicts": [], "measured": []})
                entry["verdicts"].append(c.verdict.value)
                entry["measured"].append(c.measured)
        del traj
    return {"config": config.to_dict(), "seeds": seeds, "plus": plus, "eps": eps, "delta": delta, "checks": checks}


@dataclass(frozen=True)
class SeedRow:
    """One check over seeds: how many seeds it holds on, the interval, and the verdict words seen."""

    label: str
    holds: int
    seeds: int  # the seeds on which the check was decidable (not "not checkable")
    low: float
    high: float
    words: tuple[str, ...]

    @property
    def checkable(self) -> bool:
        return self.seeds > 0

    @property
    def fraction(self) -> float:
        return self.holds / self.seeds if self.seeds else float("nan")

    def __str__(self) -> str:
        if not self.checkable:
            return "not checkable"
        return f"{self.holds}/{self.seeds} [{self.low:.2f}, {self.high:.2f}]"

    @property
    def seed_dependent(self) -> bool:
        """True when the check holds on some seeds and fails on others."""
        return 0 < self.holds < self.seeds


@dataclass(frozen=True)
class SeedTable:
    """The rows of :func:`seed_table` for one or more recorded sizes; renders as Markdown."""

    sizes: tuple[str, ...]
    rows: dict[str, tuple[SeedRow, ...]]  # label → one row per size

    def only(self, lemmas: Iterable[str]) -> SeedTable:
        """The rows of the lemmas ``lemmas`` (numbers such as ``"C.11"``), in the table's order."""
        wanted = set(lemmas)
        return SeedTable(self.sizes, {k: v for k, v in self.rows.items() if k.split()[0] in wanted})

    def seed_dependent(self, size: int = 0) -> list[str]:
        """The checks that hold on some seeds and fail on others at size number ``size``."""
        return [label for label, rows in self.rows.items() if rows[size].seed_dependent]

    def row(self, label: str, size: int = 0) -> SeedRow:
        if label not in self.rows:
            raise ValueError(f"label must be one of {list(self.rows)}, got {label!r}")
        return self.rows[label][size]

    def _repr_markdown_(self) -> str:
        head = "| Check | " + " | ".join(f"holds on seeds, {html.escape(s)} [95% CI]" for s in self.sizes) + " |"
        lines = [head, "|---" * (1 + len(self.sizes)) + "|"]
        for label, rows in self.rows.items():
            cells = []
            for r in rows:
                cells.append(str(r) + (" (depends on the seed)" if r.seed_dependent else ""))
            lines.append(f"| {html.escape(label)} | " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "\n".join(f"{label}: " + "; ".join(str(r) for r in rows) for label, rows in self.rows.items())


def seed_fractions(*tables: SeedTable) -> dict[str, str]:
    """Lemma → ``"k/n [lo, hi] at <size>; …"`` over every size of the per-lemma ``tables`` (:func:`seed_table` with
    ``by_lemma=True``), marked where the lemma depends on the seed: the column of seeds of the summary table
    (:func:`mmcl.theory.verdicts.summary_table`)."""
    out: dict[str, str] = {}
    for table in tables:
        for label, rows in table.rows.items():
            parts = [
                f"{r}{' (depends on the seed)' if r.seed_dependent else ''} at {size}"
                for r, size in zip(rows, table.sizes)
            ]
            out[label] = "; ".join(([out[label]] if label in out else []) + parts)
    return out


def _size_label(rec: dict) -> str:
    c = rec["config"]
    return f"n={c['n']}, d={c['d']}"


def _lemma_words(rec: dict, lemma: str) -> list[Verdict]:
    """Per seed, the weakest verdict over the parts of ``lemma`` (``not checkable`` only when every part is)."""
    parts = [[Verdict(w) for w in e["verdicts"]] for e in rec["checks"].values() if e["lemma"] == lemma]
    out = []
    for words in zip(*parts):
        decidable = [w for w in words if w is not Verdict.NOT_CHECKABLE]
        out.append(
            Verdict.NOT_CHECKABLE if not decidable else next((w for w in decidable if w not in HOLDING), decidable[0])
        )
    return out


def seed_table(records: Sequence[dict], by_lemma: bool = False) -> SeedTable:
    """The fraction of seeds on which each check holds, per recorded size (:func:`stage_verdicts` outputs), with
    Clopper–Pearson 95% intervals. All records must hold the same checks. With ``by_lemma``, one row per lemma: a
    seed counts when every decidable part of the lemma holds on it."""
    if not records:
        raise ValueError("records must hold at least one record of stage_verdicts")
    labels = list(records[0]["checks"])
    for rec in records[1:]:
        if list(rec["checks"]) != labels:
            raise ValueError("all records must hold the same checks")
    if by_lemma:
        labels = list(dict.fromkeys(e["lemma"] for e in records[0]["checks"].values()))
    rows = {}
    for label in labels:
        out = []
        for rec in records:
            words = _lemma_words(rec, label) if by_lemma else [Verdict(w) for w in rec["checks"][label]["verdicts"]]
            decidable = [w for w in words if w is not Verdict.NOT_CHECKABLE]
            k = sum(w in HOLDING for w in decidable)
            ci = binomial_interval(k, len(decidable)) if decidable else None
            low, high = (ci.low, ci.high) if ci else (float("nan"), float("nan"))
            out.append(SeedRow(label, k, len(decidable), low, high, tuple(sorted({w.value for w in words}))))
        rows[label] = tuple(out)
    return SeedTable(tuple(_size_label(r) for r in records), rows)


def disagreements(rec: dict, traj_one: Trajectory, eps: float = EPSILON, delta: float = 0.1) -> list[str]:
    """The checks whose holds / does-not-hold status on the one-run ``traj_one`` differs from the record's for the
    same seed (empty when the record is current). Raises ``ValueError`` when the run is not one of the record's."""
    if traj_one.config.to_dict() != rec["config"] or traj_one.seeds[0] not in rec["seeds"]:
        raise ValueError("traj_one must be a run of the recorded configuration with a recorded seed")
    k = rec["seeds"].index(traj_one.seeds[0])
    live = {c.label: c.verdict in HOLDING for c in per_seed_checks(traj_one, eps, delta)}
    recorded = {label: Verdict(e["verdicts"][k]) in HOLDING for label, e in rec["checks"].items()}
    return sorted(label for label in set(live) | set(recorded) if live.get(label) != recorded.get(label))


def label_balance(rec: dict) -> np.ndarray:
    """``|S₊|/n`` of every recorded seed."""
    return np.asarray(rec["plus"], dtype=float) / rec["config"]["n"]


def load(path: Path | str = RECORD) -> list[dict]:
    """The records written by ``python -m mmcl.theory.over_seeds`` (a list, one per size)."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"no record at {p}: run `python -m mmcl.theory.over_seeds` first")
    return json.loads(p.read_text())


def main(argv: Sequence[str] | None = None) -> None:
    """Record the two sizes of the book (20 seeds each) into :data:`RECORD`."""
    from ..model.config import FIGURE1

    seeds = int((argv or sys.argv[1:] or ["20"])[0])
    records = [stage_verdicts(c, range(seeds)) for c in (FIGURE1, at_dimension(FIGURE1, 8000))]
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    RECORD.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {RECORD}")


if __name__ == "__main__":
    main()
