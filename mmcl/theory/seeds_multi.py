"""The multi-modal stage verdicts (chapters 7 and 8) over many seeds, at two sizes.

One seed is an anecdote: the verdict of a stage lemma can depend on the draw (the label split sets the stage-1
constants, the number of neurons that flip sets the D.13 defect). :func:`verdicts_over_seeds` records every seed
with :func:`mmcl.theory.trajectory.record`, splits the batch into one trajectory per seed and runs
every multi-modal stage check of :func:`mmcl.theory.audit.stage_checks_multi` on each. :data:`SIZES` names the
Figure 1 size and a second size at which every clause of Assumption 4.1 holds at order level (``d = n·σ₀⁻¹σ_ξ⁻¹ ≥ n²``,
``n·SNR² = 1.75`` inside the window ``[1.50, 1.80]`` of the proofs' constants at ``C_μ = 3``, and ``η`` within the
bound of Proposition C.13). The record is written by ``python -m mmcl.theory.seeds_multi --out FILE``; the chapters
read it (:func:`load`) and put Clopper–Pearson intervals on the fraction of seeds on which each check holds
(:func:`mmcl.theory.over_seeds.seed_table`).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..model.config import FIGURE1, SyntheticConfig
from ..storage.records import provenance, read_json, write_json
from .audit import EPSILON, stage_checks_multi
from .over_seeds import seed_list
from .trajectory import record

__all__ = ["SIZES", "verdicts_over_seeds", "load", "main"]

SIZES: dict[str, SyntheticConfig] = {
    "figure1": FIGURE1,
    "assumption": FIGURE1.replace(d=8000, n=80, mu_norm=math.sqrt(175), mu_tilde_norm=3 * math.sqrt(175), lr=0.004),
}
"""The two sizes of the record: Figure 1, and ``d = 8000, n = 80, ‖μ‖ = √175, ‖μ̃‖ = 3√175, η = 0.004``."""


def _slack(value: float | None) -> float | str | None:
    """A slack as the record stores it: rounded, ``"inf"`` when infinite, ``None`` when the check has none."""
    if value is None:
        return None
    return "inf" if math.isinf(value) else round(float(value), 4)


def verdicts_over_seeds(
    config: SyntheticConfig, seeds: list[int], eps: float = EPSILON, delta: float = 0.1, chunk: int = 5
) -> dict:
    """Every multi-modal stage check on every seed, in the record format of
    :func:`mmcl.theory.over_seeds.stage_verdicts` (so that :func:`mmcl.theory.over_seeds.seed_table` reads it):
    ``config``, ``seeds``, ``plus`` (``|S₊|`` per seed), ``eps``, ``delta`` and ``checks``: label →
    ``{"lemma", "verdicts", "measured", "slack"}`` with one entry per seed (a slack is ``None`` where the check has
    none, ``"inf"`` where it is infinite)."""
    seeds = seed_list(seeds, chunk)
    checks: dict[str, dict] = {}
    plus: list[int] = []
    for start in range(0, len(seeds), chunk):
        _, traj = record(config, "multi", seeds[start : start + chunk], snapshots=[0, config.epochs])
        for k in range(traj.runs):
            one = traj.select(k)
            plus.append(int((one.y > 0).sum()))
            for c in stage_checks_multi(one, eps, delta):
                entry = checks.setdefault(c.label, {"lemma": c.lemma, "verdicts": [], "measured": [], "slack": []})
                entry["verdicts"].append(c.verdict.value)
                entry["measured"].append(c.measured)
                entry["slack"].append(_slack(c.slack))
        del traj
    return {"config": config.to_dict(), "seeds": seeds, "plus": plus, "eps": eps, "delta": delta, "checks": checks}


def load(path: str | Path) -> list[dict]:
    """The records written by ``python -m mmcl.theory.seeds_multi`` (one per size of :data:`SIZES`)."""
    payload = read_json(path)
    if not isinstance(payload, dict) or "records" not in payload:
        raise ValueError(f"{path} is not a record of python -m mmcl.theory.seeds_multi")
    return payload["records"]


def main(argv: list[str] | None = None) -> None:
    """``python -m mmcl.theory.seeds_multi --out FILE [--seeds 20]``: record both sizes of :data:`SIZES`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error("--seeds must be >= 2")
    command = f"python -m mmcl.theory.seeds_multi --out {args.out} --seeds {args.seeds}"
    records = [verdicts_over_seeds(c, list(range(args.seeds))) for c in SIZES.values()]
    write_json(args.out, {"records": records, "provenance": provenance(command)})


if __name__ == "__main__":
    main()
