"""Result files: atomic JSON writing and the record format of the synthetic command.

A record is ``{"config": {...}, "runs": [...], "summary": {...}, "provenance": {...}}`` (see
:func:`synthetic_record`). Files are written to a temporary file in the target folder and renamed into place, so a
reader never sees a half-written file.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..model.trainer import Run
from .atomic import write_text

__all__ = ["write_json", "read_json", "synthetic_record", "provenance", "rounded"]


def write_json(path: str | os.PathLike[str], payload: Any) -> Path:
    """Write ``payload`` as JSON atomically (:mod:`mmcl.storage.atomic`); NaN and infinities are refused. Returns the
    path."""
    return write_text(path, json.dumps(payload, indent=1, allow_nan=False) + "\n")


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file, with a clear error when it is missing or not valid JSON."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not a valid JSON file ({exc})") from exc


def provenance(command: str | None = None) -> dict[str, Any]:
    """The code version and environment a result was produced with."""
    from .. import __version__

    commit = None
    try:
        here = Path(__file__).resolve().parent
        commit = (
            subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=True
            ).stdout.strip()
            or None
        )
    except (OSError, subprocess.SubprocessError):
        commit = None
    import torch

    return {
        "mmcl_version": __version__,
        "git_commit": commit,
        "command": command,
        "python": platform.python_version(),
        "torch": torch.__version__,
    }


def rounded(values: Iterable[float]) -> list[float]:
    """Plain floats rounded to 8 decimals: how every result file stores a series (short, and stable across BLAS
    builds)."""
    return [round(float(v), 8) for v in values]


def synthetic_record(runs: list[Run], command: str | None = None) -> dict[str, Any]:
    """The JSON record of one or two :class:`Run` objects (one per mode) sharing a configuration."""
    if not runs:
        raise ValueError("synthetic_record needs at least one run")
    entries = []
    summary = {}
    for run in runs:
        for k, seed in enumerate(run.seeds):
            entries.append(
                {
                    "mode": run.mode,
                    "seed": seed,
                    "train_loss": rounded(run.history["train_loss"][k]),
                    "signal_learning": rounded(run.history["signal_learning"][k]),
                    "noise_memorization": rounded(run.history["noise_memorization"][k]),
                    "test_accuracy": float(run.test_accuracy[k]),
                    "test_accuracy_curve": rounded(run.history["test_accuracy"][k]),
                    "eval_epochs": [int(e) for e in run.history["eval_epochs"]],
                }
            )
        summary[run.mode] = run.summary()
    return {
        "config": runs[0].config.to_dict(),
        "runs": entries,
        "summary": summary,
        "provenance": provenance(command) | {"device": runs[0].device, "seeds": len(runs[0].seeds)},
    }
