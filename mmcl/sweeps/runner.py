"""Running a sweep: the cells of a grid trained batched, their results appended to a results file, resumable.

Cells whose configurations share the shapes ``(n, d, d̃, m, n_test, epochs)`` are trained together in one
:func:`mmcl.train` call (up to ``batch_runs`` runs), so scalar parameters (``‖μ‖``, ``σ_ξ``, ``τ``, ``η``,
``label_agreement``, …) vary per run inside one tensor program. A batch whose training diverges is retried cell by
cell; a cell that diverges alone is recorded as ``diverged``.

:func:`run_sweep` appends one ``cell`` line per finished cell to the results file (:mod:`.results`) as soon as its
batch is done. Re-running the same command skips every run already in the file (matched by
:attr:`.grid.Cell.config_key`, a hash of mode, configuration and dtype, and the seed), so an interrupted sweep
resumes without losing or duplicating work.
:func:`train_grid` trains a grid in memory, without a results file.

A run's result depends only on its configuration and seed, so resuming works seed by seed: a grid extended to more
seeds (``seeds: 5`` → ``seeds: 20``) trains only the new seeds of each cell, as one more line per cell, and
:meth:`.results.SweepResults.table` assembles a cell from all the lines that hold its seeds.

Both train in this process by default. Given an ``executor`` (anything with ``submit`` returning futures: a Dask
``distributed.Client``, see :mod:`.cluster`, or a :mod:`concurrent.futures` pool), each batch becomes one task
(:func:`train_batch`, a pure function of the batch's cells, device and dtype) and the driver, still the only writer
of the results file, appends a batch's cells as its future completes. The batches are formed exactly as in process.
A batch whose future fails is reported by :class:`SweepError` after all the others are written.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from ..model.probe import probe_accuracy
from ..model.trainer import Run, TrainingDiverged, train
from ..storage.records import rounded
from .grid import Cell, Grid
from .results import FORMAT, ResultsFile, _row

__all__ = [
    "SweepSummary",
    "SweepError",
    "run_sweep",
    "train_grid",
    "train_batch",
    "cell_record",
    "synchronisation_record",
]


# -- running a sweep ------------------------------------------------------------------------------------------------
def _in_distribution_accuracy(run: Run) -> np.ndarray:
    """The probe of :mod:`mmcl.model.probe` with the training signal as test signal (``ν = μ``): accuracy without
    shift."""
    data = dataclasses.replace(run.data, nu=run.data.mu)
    return probe_accuracy(run.w, data).cpu().numpy()


def cell_record(cell: Cell, run: Run, rows: slice, in_dist: np.ndarray, header: int, seconds: float) -> dict[str, Any]:
    """The ``cell`` line of one finished cell: its identity, its configuration and per-seed results."""
    h = run.history
    results = {
        "test_accuracy": rounded(run.test_accuracy[rows]),
        "id_accuracy": rounded(in_dist[rows]),
        "final_train_loss": rounded(h["train_loss"][rows, -1]),
        "signal_learning": rounded(h["signal_learning"][rows, -1]),
        "noise_memorization": rounded(h["noise_memorization"][rows, -1]),
    }
    if cell.mode == "multi":
        results["signal_learning_tilde"] = rounded(h["signal_learning_tilde"][rows, -1])
        results["noise_memorization_tilde"] = rounded(h["noise_memorization_tilde"][rows, -1])
        if "synchronisation" in cell.record:
            results |= synchronisation_record(run, rows)
    return {
        "kind": "cell",
        "key": cell.key,
        "mode": cell.mode,
        "seeds": list(cell.seeds),
        "dtype": cell.dtype,
        "point": dict(cell.point),
        "config": cell.config.to_dict(),
        "status": "ok",
        "results": results,
        "header": header,
        "device": run.device,
        "batch_runs": run.runs,
        "batch_seconds": round(seconds, 3),
    }


def _first(condition: np.ndarray) -> np.ndarray:
    """The first index along axis 1 at which ``condition`` holds, −1 where it never does."""
    return np.where(condition.any(1), condition.argmax(1), -1)


def synchronisation_record(run: Run, rows: slice) -> dict[str, Any]:
    """Per seed, what Lemma D.3's synchronisation leaves in a multi-modal run (recorded for the cells of grids with
    ``record: [synchronisation]``; chapter 13 reads it back).

    Per neuron (lists of ``m``): the signs of ``⟨w_r⁽⁰⁾, μ⟩`` and ``⟨w̃_r⁽⁰⁾, μ̃⟩`` (``sign0``, ``sign0_tilde``), the
    first epoch at which each changes sign (``first_flip``, ``first_flip_tilde``, −1 if never), how often each changes
    sign (``flips``, ``flips_tilde``) and the first epoch at which the two agree (``sync_time``, 0 if aligned at
    ``t = 0``, −1 if never). Per run: ``signal_time``, the first epoch with ``max_r |γ_r| ≥ 1`` (the measured end of
    stage 1, Lemma 5.4; −1 if never), and at the last epoch the fraction of pairs ``(r, i)`` whose activation patterns
    agree across the modalities on the training signal parts (``1[y_i⟨w_r, μ⟩ > 0] = 1[ỹ_i⟨w̃_r, μ̃⟩ > 0]``,
    ``signal_agreement``) and noise parts (``noise_agreement``), and of neurons whose pattern on the test signal ``ν``
    agrees with that on ``μ̃`` (``test_signal_agreement``).
    """
    h = run.history
    sig, sig_t = np.sign(h["signal_pre"][rows]), np.sign(h["signal_pre_tilde"][rows])  # (R, T+1, m)
    out: dict[str, Any] = {}
    for suffix, s in (("", sig), ("_tilde", sig_t)):
        out["sign0" + suffix] = s[:, 0].astype(int).tolist()
        out["first_flip" + suffix] = _first(s != s[:, :1]).tolist()
        out["flips" + suffix] = (s[:, 1:] != s[:, :-1]).sum(1).tolist()
    out["sync_time"] = _first(sig * sig_t > 0).tolist()
    out["signal_time"] = _first(h["signal_learning"][rows] >= 1.0).tolist()
    y, y_t = run.data.y[rows].cpu().numpy(), run.data.labels_tilde[rows].cpu().numpy()
    active, active_t = (sig[:, -1, :, None] * y[:, None, :] > 0), (sig_t[:, -1, :, None] * y_t[:, None, :] > 0)
    out["signal_agreement"] = rounded((active == active_t).mean((1, 2)))
    out["noise_agreement"] = rounded(h["noise_agreement"][rows, -1])
    on_nu = (run.w[rows] @ run.data.nu[rows, :, None])[..., 0].cpu().numpy()  # ⟨w_r⁽ᵀ⁾, ν⟩ (R, m)
    out["test_signal_agreement"] = rounded((np.sign(on_nu) == sig_t[:, -1]).mean(1))
    return out


def _chunks(cells: Sequence[Cell], batch_runs: int) -> list[list[Cell]]:
    groups: dict[tuple, list[Cell]] = {}
    for cell in cells:
        groups.setdefault(cell.shape, []).append(cell)
    out: list[list[Cell]] = []
    for group in groups.values():
        current: list[Cell] = []
        for cell in group:
            if current and sum(len(c.seeds) for c in current) + len(cell.seeds) > batch_runs:
                out.append(current)
                current = []
            current.append(cell)
        out.append(current)
    return out


def _diverged_record(cell: Cell, error: str, header: int | None) -> dict[str, Any]:
    return {
        "kind": "cell",
        "key": cell.key,
        "mode": cell.mode,
        "seeds": list(cell.seeds),
        "dtype": cell.dtype,
        "point": dict(cell.point),
        "config": cell.config.to_dict(),
        "status": "diverged",
        "error": error,
        "results": None,
        "header": header,
    }


def _train_chunk(chunk: Sequence[Cell], device: str, dtype: str, bar: Any, header: int | None) -> Iterator[dict]:
    """Train one batch (cells of equal shape) in one :func:`mmcl.train` call and yield each cell's record.

    A batch whose training diverges is retried cell by cell; a cell that diverges alone yields a ``diverged`` record.
    """
    configs = [c.config for c in chunk for _ in c.seeds]
    seeds = [s for c in chunk for s in c.seeds]
    epochs = chunk[0].config.epochs
    tick = len(seeds) / (epochs + 1)
    t0, n0 = time.perf_counter(), bar.n
    try:
        run = train(
            configs,
            chunk[0].mode,
            seeds,
            device=device,
            dtype=dtype,
            eval_every=max(epochs, 1),
            on_epoch=lambda _: bar.update(tick),
        )
    except TrainingDiverged as exc:
        bar.n = n0
        if len(chunk) > 1:  # find the culprit(s): retry cell by cell
            for cell in chunk:
                yield from _train_chunk([cell], device, dtype, bar, header)
            return
        bar.n = n0 + len(seeds)
        bar.refresh()
        yield _diverged_record(chunk[0], str(exc), header)
        return
    in_dist = _in_distribution_accuracy(run)
    seconds = time.perf_counter() - t0
    bar.n = n0 + len(seeds)
    bar.refresh()
    row = 0
    for cell in chunk:
        rows = slice(row, row + len(cell.seeds))
        row += len(cell.seeds)
        yield cell_record(cell, run, rows, in_dist, header, seconds)


def train_batch(cells: Sequence[Cell], device: str, dtype: str) -> list[dict[str, Any]]:
    """The records of one batch, as a task for an executor: a pure function of its cells, device and dtype.

    ``cells`` is one batch as the driver forms it (equal shapes, at most ``batch_runs`` runs); the records are those
    an in-process sweep writes, with ``"header": None`` (the driver fills in its header). Runs in a worker process.
    """
    return list(_train_chunk(cells, device, dtype, tqdm(total=0, disable=True), None))


class SweepError(RuntimeError):
    """Some batches of a distributed sweep failed; the cells of every other batch are in the results file.

    ``failures`` lists, per failed batch, the keys of its cells and the exception its future raised."""

    def __init__(self, message: str, failures: list[tuple[list[str], BaseException]]) -> None:
        super().__init__(message)
        self.failures = failures


def _as_completed(futures: Sequence[Any]) -> Iterator[Any]:
    """``futures`` in completion order: :func:`concurrent.futures.as_completed` for the standard library's futures,
    :func:`distributed.as_completed` for Dask's, else in submission order."""
    if not futures:
        return
    if all(isinstance(f, concurrent.futures.Future) for f in futures):
        yield from concurrent.futures.as_completed(futures)
    elif type(futures[0]).__module__.split(".")[0] == "distributed":
        from distributed import as_completed

        yield from as_completed(futures)
    else:
        yield from futures


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: " + " ".join(str(exc).split())


def _describe(chunk: Sequence[Cell]) -> str:
    runs = sum(len(c.seeds) for c in chunk)
    return f"a {chunk[0].mode} batch of {len(chunk)} cell(s), {runs} run(s), first cell {chunk[0].key}"


def _train_distributed(
    cells: Sequence[Cell], device: str, dtype: str, batch_runs: int, bar: Any, header: int | None, executor: Any
) -> Iterator[dict[str, Any]]:
    """Submit each batch of ``cells`` to ``executor`` (:func:`train_batch`) and yield its records as it completes.

    A batch whose future raises (its task failed, or Dask gave up on it after its workers died) does not stop the
    others; once they are done a :class:`SweepError` names the failed ones.
    """
    chunks = _chunks(cells, batch_runs)
    futures = [executor.submit(train_batch, chunk, device, dtype) for chunk in chunks]
    batch_of = {id(f): chunk for f, chunk in zip(futures, chunks)}
    failures: list[tuple[list[str], BaseException]] = []
    try:
        for future in _as_completed(futures):
            chunk = batch_of[id(future)]
            try:
                records = future.result()
            except Exception as exc:  # a failed task: the other batches go on; the error is raised at the end
                failures.append(([c.key for c in chunk], exc))
                if not bar.disable:  # with the progress bar, say so at once (the error names them all at the end)
                    tqdm.write(f"sweep: {_describe(chunk)} failed: {_one_line(exc)}", file=sys.stderr)
                continue
            bar.update(sum(len(c.seeds) for c in chunk))
            for record in records:
                yield {**record, "header": header}
    finally:
        for future in futures:  # interrupted: do not leave the cluster busy with batches nobody will write
            if not future.done():
                future.cancel()
    if failures:
        lost = sum(len(keys) for keys, _ in failures)
        keys, first = failures[0]
        raise SweepError(
            f"{len(failures)} of {len(chunks)} batches failed ({lost} cell(s) not written), the first (cell "
            f"{keys[0]}) with {_one_line(first)}; the other cells are saved: run the same command again "
            "to train the missing ones",
            failures,
        )


def _train_cells(
    cells: Sequence[Cell], device: str, dtype: str, batch_runs: int, bar: Any, header: int | None, executor: Any
) -> Iterator[dict[str, Any]]:
    """Every record of ``cells``, trained in batches in this process or, with an ``executor``, by its workers."""
    if executor is not None:
        yield from _train_distributed(cells, device, dtype, batch_runs, bar, header, executor)
        return
    for chunk in _chunks(cells, batch_runs):
        yield from _train_chunk(chunk, device, dtype, bar, header)


def _check(batch_runs: int, executor: Any) -> None:
    if isinstance(batch_runs, bool) or not isinstance(batch_runs, int) or batch_runs < 1:
        raise ValueError(f"batch_runs must be an integer >= 1, got {batch_runs!r}")
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise ValueError(
            "executor must be None (train in this process) or have a submit method like concurrent.futures.Executor "
            f"or distributed.Client, got {type(executor).__name__}"
        )


def _progress(total: int, progress: bool) -> Any:
    return tqdm(
        total=total,
        desc="sweep",
        unit="run",
        disable=None if progress else True,
        file=sys.stderr,
        bar_format="{l_bar}{bar}| {n:.0f}/{total} runs [{elapsed}<{remaining}]",
    )


def train_grid(
    grid: Grid, *, device: str = "auto", batch_runs: int = 64, progress: bool = False, executor: Any = None
) -> list[dict[str, Any]]:
    """Train every cell of ``grid`` in memory (no results file) and return rows like :meth:`.SweepResults.table`.

    ``executor``: as for :func:`run_sweep`."""
    _check(batch_runs, executor)
    cells = grid.unique_cells()
    bar = _progress(sum(len(c.seeds) for c in cells), progress)
    with bar, closing(_train_cells(cells, device, grid.dtype, batch_runs, bar, None, executor)) as records:
        by_key = {record["key"]: record for record in records}
    return [_row(cell, by_key[cell.key]) for cell in grid.cells()]


@dataclass
class SweepSummary:
    """What one call of :func:`run_sweep` did."""

    cells: int
    skipped: int
    trained: int
    diverged: int
    runs: int
    seconds: float
    repaired: bool


def run_sweep(
    grid: Grid,
    out: str | os.PathLike[str],
    *,
    device: str = "auto",
    batch_runs: int = 64,
    progress: bool = False,
    command: str | None = None,
    on_cell: Callable[[dict[str, Any]], None] | None = None,
    executor: Any = None,
) -> SweepSummary:
    """Train every cell of ``grid`` not yet in ``out`` and append one line per cell (see :mod:`.results`).

    ``batch_runs`` caps the runs per :func:`mmcl.train` call (a cell with more seeds is still trained whole).
    A batch whose training diverges is retried cell by cell; a cell that diverges alone is recorded with
    ``"status": "diverged"`` and the error, and counts as finished. ``on_cell`` is called after each line is on disk.

    ``executor`` (default ``None``: train in this process) is anything with ``submit`` returning futures, such as a
    :class:`concurrent.futures.ProcessPoolExecutor` or a Dask ``distributed.Client``: each batch is then one task
    (:func:`train_batch`), and this process, the only writer of ``out``, appends a batch's cells as its future
    completes. Batches are formed exactly as in process, so the results are the same (bit-identical on CPUs at the
    same thread count). If batches fail, every other batch is still written and :class:`SweepError` is raised at the
    end; running the sweep again trains exactly the missing cells.
    """
    from ..storage.records import provenance

    _check(batch_runs, executor)
    start = time.perf_counter()
    cells = grid.unique_cells()
    with ResultsFile(out) as results:
        pending = results.pending(cells)
        summary = SweepSummary(len(cells), len(cells) - len(pending), 0, 0, 0, 0.0, results.repaired)
        if not pending:
            summary.seconds = time.perf_counter() - start
            return summary
        header = results.headers
        results.append(
            {
                "kind": "header",
                "format": FORMAT,
                "grid": grid.to_dict(),
                "provenance": provenance(command),
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "pending_cells": len(pending),
            }
        )
        bar = _progress(sum(len(c.seeds) for c in pending), progress)
        with bar, closing(_train_cells(pending, device, grid.dtype, batch_runs, bar, header, executor)) as records:
            for record in records:
                results.append(record)
                if record["status"] == "ok":
                    summary.trained += 1
                    summary.runs += len(record["seeds"])
                else:
                    summary.diverged += 1
                if on_cell is not None:
                    on_cell(record)
    summary.seconds = time.perf_counter() - start
    return summary
