"""Recorded grids of ColoredMNIST runs (chapter 10): one command each, resumable, one JSON line per finished cell.

A grid file (YAML) names a size of :data:`mmcl.cmnist.training.SIZES`, a number of seeds and a list of *cases*;
a case is a Table 1 pipeline (:data:`mmcl.cmnist.table1.PIPELINES`) and changes to its configuration::

    name: cmnist-captions
    description: caption quality as the second modality's SNR
    size: quick
    seeds: 5
    cases:
      - {pipeline: multi_text}
      - {pipeline: multi_text, wrong_digit: 0.1}

:func:`run_grid` trains every case the results file does not hold yet (all seeds of a case in one batched run)
and rewrites the file after each finished case, atomically (:func:`mmcl.storage.atomic.write_text`), so an
interrupted run loses at most the case in progress and the same command continues it. :func:`load_grid_results`
reads a results file back.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from ..model.data import parse_seeds
from ..storage.atomic import write_text
from ..storage.records import provenance
from .config import SIZES, CMNISTConfig
from .table1 import PIPELINES
from .training import train_cmnist

__all__ = ["CMNISTGrid", "load_grid", "run_grid", "load_grid_results", "FORMAT"]

FORMAT = "mmcl-cmnist-grid/1"


@dataclass(frozen=True)
class CMNISTGrid:
    """A grid of ColoredMNIST cases (module docstring); ``cases`` are ``{"pipeline": name, **changes}``."""

    name: str
    description: str
    size: str
    seeds: tuple[int, ...]
    cases: tuple[dict[str, Any], ...]

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            raise ValueError(f"size must be one of {tuple(SIZES)}, got {self.size!r}")
        if not self.cases:
            raise ValueError("cases must hold at least one case")
        keys = [self.key(case) for case in self.cases]  # also checks every case
        if len(set(keys)) != len(keys):
            raise ValueError("cases must be distinct")

    def config(self, case: dict[str, Any]) -> tuple[str, CMNISTConfig]:
        """The mode and the configuration of ``case`` (the size's configuration, the pipeline's and the case's
        changes); a bad pipeline name or setting raises ``ValueError`` naming it."""
        if not isinstance(case, dict) or case.get("pipeline") not in PIPELINES:
            raise ValueError(f"each case needs a pipeline from {tuple(PIPELINES)}, got {case!r}")
        mode, changes = PIPELINES[case["pipeline"]]
        extra = {k: v for k, v in case.items() if k != "pipeline"}
        unknown = set(extra) - set(CMNISTConfig().to_dict())
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)} in case {case!r}")
        return mode, replace(SIZES[self.size], **(changes | extra))

    def key(self, case: dict[str, Any]) -> str:
        """What identifies a finished case in the results file: its mode, full configuration and seeds."""
        mode, config = self.config(case)
        return json.dumps({"mode": mode, "config": config.to_dict(), "seeds": list(self.seeds)}, sort_keys=True)


def load_grid(path: str | os.PathLike[str]) -> CMNISTGrid:
    """Read a grid file (module docstring)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not {"name", "size", "seeds", "cases"} <= set(raw):
        raise ValueError(f"grid file {path} must be a mapping with name, size, seeds and cases")
    return CMNISTGrid(
        name=str(raw["name"]),
        description=str(raw.get("description", "")),
        size=raw["size"],
        seeds=tuple(parse_seeds(raw["seeds"], distinct=True)),
        cases=tuple(raw["cases"]),
    )


def _read_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if lines and lines[0].get("format") != FORMAT:
        raise ValueError(f"{path} is not a {FORMAT} results file")
    return lines


def run_grid(
    grid: CMNISTGrid,
    out: str | os.PathLike[str],
    *,
    device: str = "auto",
    progress: bool = False,
    command: str | None = None,
    on_case: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Train the cases of ``grid`` missing from the results file ``out`` and append them; return every cell line
    of the file for this grid. ``on_case(line)`` is called after each case is written."""
    path = Path(out)
    lines = _read_lines(path)
    done = {line["key"] for line in lines if line.get("kind") == "cell"}
    todo = [case for case in grid.cases if grid.key(case) not in done]
    if todo:
        header = {"format": FORMAT, "kind": "header", "grid": grid.name, "description": grid.description}
        lines.append(header | {"provenance": provenance(command)})
    for case in todo:
        mode, config = grid.config(case)
        clock = time.perf_counter()
        run = train_cmnist(config, mode, grid.seeds, device=device, progress=progress)
        line = {
            "format": FORMAT,
            "kind": "cell",
            "key": grid.key(case),
            "case": case,
            "mode": mode,
            "config": config.to_dict(),
            "seeds": list(grid.seeds),
            "train_accuracy": [round(float(a), 6) for a in run.train_accuracy],
            "test_accuracy": [round(float(a), 6) for a in run.test_accuracy],
            "final_loss": [round(float(x), 6) for x in run.loss[:, -1]],
            "wall_time_s": round(time.perf_counter() - clock, 1),
            "device": run.device,
        }
        lines.append(line)
        write_text(path, "".join(json.dumps(x, sort_keys=True) + "\n" for x in lines))
        if on_case is not None:
            on_case(line)
    keys = {grid.key(case) for case in grid.cases}
    return [line for line in lines if line.get("kind") == "cell" and line["key"] in keys]


def load_grid_results(path: str | os.PathLike[str], grid: CMNISTGrid | None = None) -> list[dict[str, Any]]:
    """The cell lines of a results file (only those of ``grid``'s cases, in its order, if given; then every case
    must be there)."""
    cells = [line for line in _read_lines(Path(path)) if line.get("kind") == "cell"]
    if grid is None:
        return cells
    by_key = {line["key"]: line for line in cells}
    missing = [case for case in grid.cases if grid.key(case) not in by_key]
    if missing:
        raise ValueError(f"{path} lacks {len(missing)} case(s) of grid {grid.name!r}, e.g. {missing[0]!r}")
    return [by_key[grid.key(case)] for case in grid.cases]
