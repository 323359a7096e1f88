"""Table 1 of the paper (§6): single- vs multi-modal contrastive learning on ColoredMNIST, plus two variants.

Pipelines (each trained for every seed, see :mod:`mmcl.cmnist.training`):

* ``single`` — SimCLR with the default augmentations (shift + Gaussian noise, no colour distortion);
* ``multi`` — CLIP against the ideal caption (true digit + colour);
* ``single_colour_jitter`` — the augmentation ablation: ``single`` plus SimCLR's colour distortion;
* ``multi_noisy_caption`` — the caption ablation: ``multi`` with the noisy label as the caption's digit;
* ``single_shift_4`` — the augmentation-strength ablation: ``single`` with shifts of up to 4 pixels instead of 2.
* ``multi_text`` — captions in words: CLIP between the image encoder and a bag-of-words text encoder trained from
  scratch on generated English captions (:mod:`mmcl.cmnist.captions`, :mod:`mmcl.cmnist.text`).

:func:`table1` returns (and with ``out`` writes) the record ``{"config", "results", "paper", "provenance"}``;
``results[name]`` holds the mean and standard deviation over seeds of the probe's train and test accuracies and
the per-seed values.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..model.data import parse_seeds
from ..storage.atomic import write_text
from ..storage.records import provenance, write_json
from .config import CMNISTConfig
from .training import SIZES, train_cmnist

__all__ = ["table1", "markdown", "augmentation_grid", "isa_tolerance", "recheck_record", "PIPELINES", "PAPER"]

PIPELINES: dict[str, tuple[str, dict[str, Any]]] = {
    "single": ("single", {}),
    "multi": ("multi", {}),
    "single_colour_jitter": ("single", {"colour_jitter": True}),
    "multi_noisy_caption": ("multi", {"caption": "noisy"}),
    "single_shift_4": ("single", {"max_shift": 4}),
    "multi_text": ("multi", {"text": "words"}),
}
"""Pipeline name → (mode, changes to the size's configuration)."""

PAPER = {
    "single": {"train_accuracy": 0.8843, "test_accuracy": 0.1268},
    "multi": {"train_accuracy": 0.8777, "test_accuracy": 0.8213},
}
"""The paper's Table 1 (accuracies as fractions)."""


def table1(
    size: str = "quick",
    seeds: int = 3,
    *,
    device: str = "auto",
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    progress: bool = False,
    pipelines: tuple[str, ...] = tuple(PIPELINES),
    command: str | None = None,
) -> dict[str, Any]:
    """Train every pipeline of ``pipelines`` at ``size`` (``"quick"`` or ``"full"``) for ``seeds`` seeds; return the
    record.

    With ``out``, checkpoints go to ``out/checkpoints/<pipeline>.pt`` (``resume=True`` continues from them) and the
    record to ``out/table1.json`` and ``out/table1.md``.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {tuple(SIZES)}, got {size!r}")
    unknown = [p for p in pipelines if p not in PIPELINES]
    if unknown or not pipelines:
        raise ValueError(f"pipelines must be a non-empty subset of {tuple(PIPELINES)}, got {pipelines!r}")
    if resume and out is None:
        raise ValueError("resume needs an output folder")
    seed_list = parse_seeds(seeds, distinct=True)
    base = SIZES[size]
    folder = Path(out) if out is not None else None
    results: dict[str, Any] = {}
    used_device = "cpu"
    source = provenance(command)  # the code version at the start, not whatever is checked out at the end
    started = time.perf_counter()
    for name in pipelines:
        mode, changes = PIPELINES[name]
        clock = time.perf_counter()
        run = train_cmnist(
            replace(base, **changes),
            mode,
            seed_list,
            device=device,
            progress=progress,
            checkpoint=folder / "checkpoints" / f"{name}.pt" if folder is not None else None,
            resume=resume,
        )
        used_device = run.device
        results[name] = run.summary() | {
            "train_accuracy": [round(float(a), 6) for a in run.train_accuracy],
            "test_accuracy": [round(float(a), 6) for a in run.test_accuracy],
            "final_loss": [round(float(x), 6) for x in run.loss[:, -1]],
            "wall_time_s": round(time.perf_counter() - clock, 1),
        }
    record = {
        "config": {
            "size": size,
            "seeds": seed_list,
            "base": base.to_dict(),
            "pipelines": {name: {"mode": PIPELINES[name][0], "changes": PIPELINES[name][1]} for name in pipelines},
        },
        "results": results,
        "paper": PAPER,
        "provenance": source | {"device": used_device, "wall_time_s": round(time.perf_counter() - started, 1)},
    }
    if folder is not None:
        write_json(folder / "table1.json", record)
        write_text(folder / "table1.md", markdown(record))
    return record


def markdown(record: dict[str, Any]) -> str:
    """Table 1 as Markdown: our mean ± std (in %) next to the paper's numbers."""
    seeds = len(record["config"]["seeds"])
    lines = [
        f"Table 1 on ColoredMNIST ({record['config']['size']} size, {seeds} seeds, linear probe; mean ± std in %).",
        "",
        "| pipeline | train accuracy | test accuracy | paper train | paper test |",
        "|---|---|---|---|---|",
    ]
    for name, r in record["results"].items():
        paper = record["paper"].get(name)
        ours = [f"{100 * r[f'{k}_mean']:.2f} ± {100 * r[f'{k}_std']:.2f}" for k in ("train_accuracy", "test_accuracy")]
        theirs = [f"{100 * paper[k]:.2f}" for k in ("train_accuracy", "test_accuracy")] if paper else ["–", "–"]
        lines.append(f"| {name} | {ours[0]} | {ours[1]} | {theirs[0]} | {theirs[1]} |")
    return "\n".join(lines) + "\n"


def augmentation_grid(
    size: str = "quick",
    shifts: tuple[int, ...] = (0, 2, 4),
    noise_stds: tuple[float, ...] = (0.2, 0.4, 0.8),
    seeds: int = 2,
    *,
    device: str = "auto",
    progress: bool = False,
) -> dict[str, Any]:
    """The single-modal pipeline at ``size`` for every augmentation strength ``(max_shift, noise_std)`` of the grid.

    Returns ``{"shifts", "noise_stds", "seeds", "train_accuracy", "test_accuracy"}``; the two accuracies are arrays
    of shape ``(len(shifts), len(noise_stds), len(seeds))``.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {tuple(SIZES)}, got {size!r}")
    if not shifts or not noise_stds:
        raise ValueError("shifts and noise_stds must each hold at least one value")
    seed_list = parse_seeds(seeds, distinct=True)
    train = np.zeros((len(shifts), len(noise_stds), len(seed_list)))
    test = np.zeros_like(train)
    for i, shift in enumerate(shifts):
        for j, noise in enumerate(noise_stds):
            config = replace(SIZES[size], max_shift=shift, noise_std=noise)  # CMNISTConfig checks the values
            run = train_cmnist(config, "single", seed_list, device=device, progress=progress)
            train[i, j], test[i, j] = run.train_accuracy, run.test_accuracy
    return {
        "shifts": tuple(shifts),
        "noise_stds": tuple(noise_stds),
        "seeds": seed_list,
        "train_accuracy": train,
        "test_accuracy": test,
    }


def isa_tolerance(spread: dict[str, Any], metric: str = "test_accuracy") -> float:
    """The largest change of one seed's ``metric`` from one instruction set to another in an ``isa_spread`` record
    (``tools/isa_spread.py``: the same runs under each of ``ATEN_CPU_CAPABILITY``'s kernels), over its pipelines
    and seeds."""
    runs = list(spread["runs"].values())
    if len(runs) < 2:
        raise ValueError(f"spread must hold runs under at least two instruction sets, got {len(runs)}")
    values = np.array([[r["table1"][name][metric] for name in spread["pipelines"]] for r in runs])
    return float(np.ptp(values, axis=0).max())


def recheck_record(
    record: dict[str, Any], pipelines: tuple[str, ...] = ("single", "multi"), seed: int = 0, *, device: str = "cpu"
) -> dict[str, dict[str, float]]:
    """Re-train ``seed`` of ``pipelines`` with today's code at the configuration a :func:`table1` ``record`` holds;
    return, per pipeline and accuracy, the recorded value, today's and their difference.

    Raises ``ValueError`` if the record lacks the seed or a pipeline, or if a pipeline's definition has changed.
    """
    seeds = record["config"]["seeds"]
    if seed not in seeds:
        raise ValueError(f"seed must be one of the record's seeds {seeds}, got {seed!r}")
    base = CMNISTConfig.from_dict(record["config"]["base"])
    out: dict[str, dict[str, float]] = {}
    for name in pipelines:
        if name not in record["results"]:
            raise ValueError(f"pipelines must be recorded ones {tuple(record['results'])}, got {name!r}")
        mode, changes = PIPELINES[name]
        if record["config"]["pipelines"][name] != {"mode": mode, "changes": changes}:
            raise ValueError(f"pipeline {name!r} is defined differently today than in the record")
        run = train_cmnist(replace(base, **changes), mode, [seed], device=device)
        out[name] = {}
        for metric, now in (("train_accuracy", run.train_accuracy[0]), ("test_accuracy", run.test_accuracy[0])):
            then = record["results"][name][metric][seeds.index(seed)]
            now = float(now)
            out[name] |= {f"{metric}_recorded": then, f"{metric}_now": now, f"{metric}_difference": now - then}
    return out
