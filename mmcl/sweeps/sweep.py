"""Grid sweeps over the synthetic task: any configuration fields × seeds × modes, trained batched and resumable.

A *grid* (:class:`Grid`, read from YAML or JSON by :func:`load_grid`) is

.. code-block:: yaml

    name: phase-diagram          # optional label
    base: {epochs: 200}          # fields shared by every cell (defaults: the paper's Figure 1 settings)
    grid:                        # cartesian product, in this order
      n_snr2: [0.5, 1.25, 2.5]   # derived coordinates are allowed (see DERIVED)
      c_mu: [1, 3]
    cases: [{tau: 0.1}, {tau: 0.2, lr: 0.02}]   # optional: coupled assignments, multiplied with ``grid``
    seeds: 5                     # a count K (seeds 0 … K−1) or a list
    modes: [single, multi]
    dtype: float32

A *cell* is one point of the grid in one mode, with all its seeds. Cells whose configurations share the shapes
``(n, d, d̃, m, n_test, epochs)`` are trained together in one :func:`mmcl.train` call (up to ``batch_runs`` runs),
so scalar parameters (``‖μ‖``, ``σ_ξ``, ``τ``, ``η``, ``label_agreement``, …) vary per run inside one tensor program.
Fields that a mode never reads (modality 2 for ``single``, the augmentation for ``multi``, ``mask_rate`` for the
Gaussian augmentation and ``σ_ε`` for masking) are stored at their defaults, so equal runs are trained once.

Results go to a JSON-lines file (:class:`ResultsFile`): a ``header`` line per invocation that has work to do
(the grid, the command and the code version, :func:`mmcl.storage.records.provenance`), then one ``cell`` line per finished
cell. Each line is written whole with one ``write`` and flushed to disk (``fsync``) before the next cell starts.
A crash can leave at most a partial last line; it is detected and cut off on the next run. Re-running the same
command skips every cell already in the file (matched by a hash of mode, configuration, seeds and dtype), so an
interrupted sweep resumes without losing or duplicating work.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from ..model.config import SyntheticConfig
from ..model.data import parse_seeds
from ..model.probe import probe_accuracy
from ..model.trainer import MODES, Run, TrainingDiverged, resolve_dtype, train
from ..storage.records import rounded

__all__ = [
    "DERIVED",
    "FORMAT",
    "Cell",
    "Grid",
    "ResultsFile",
    "SweepResults",
    "SweepSummary",
    "load_grid",
    "load_results",
    "run_sweep",
    "train_grid",
    "compare",
    "Agreement",
    "cell_record",
    "resolve_config",
    "canonical",
]

FORMAT = "mmcl-sweep/1"
"""Format tag of the results file (first field of every header line)."""

DERIVED = ("n_snr2", "c_mu")
"""Grid coordinates that are not configuration fields: ``n_snr2`` sets ``‖μ‖ = σ_ξ·√(n_snr2·d/n)`` (so that
``n·SNR² = n_snr2``, §2.3) and ``c_mu`` sets ``‖μ̃‖ = C_μ·‖μ‖`` (Assumption 4.1(7)); applied in this order, after
every plain field."""

_MODALITY2 = ("mu_tilde_norm", "d_tilde", "sigma_xi_tilde", "label_agreement")
_AUGMENTATION = ("sigma_eps", "augmentation", "mask_rate")
_GRID_KEYS = ("name", "description", "base", "grid", "cases", "seeds", "modes", "dtype")
_FLOAT_FIELDS = tuple(f.name for f in dataclasses.fields(SyntheticConfig) if "float" in str(f.type))


# -- grids ----------------------------------------------------------------------------------------------------------
def _check_assignment(values: Mapping[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(values, Mapping):
        raise ValueError(f"{where} must be a mapping of field names to values, got {type(values).__name__}")
    allowed = SyntheticConfig.field_names() + DERIVED
    unknown = [k for k in values if k not in allowed]
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {unknown}; allowed: {list(allowed)}")
    return dict(values)


def _coordinate(assignment: Mapping[str, Any], name: str) -> float:
    value = assignment[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _as_field_value(name: str, value: Any) -> Any:
    """Integers given for float fields become floats, so that ``tau: 1`` and ``tau: 1.0`` are the same cell."""
    if name in _FLOAT_FIELDS and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def resolve_config(assignment: Mapping[str, Any]) -> SyntheticConfig:
    """The configuration of one grid point: plain fields first, then the derived coordinates of :data:`DERIVED`."""
    for name, field in (("n_snr2", "mu_norm"), ("c_mu", "mu_tilde_norm")):
        if name in assignment and field in assignment:
            raise ValueError(f"give either {name} or {field} at a grid point, not both")
    config = SyntheticConfig.from_dict({k: _as_field_value(k, v) for k, v in assignment.items() if k not in DERIVED})
    if "n_snr2" in assignment:
        config = config.replace(mu_norm=config.sigma_xi * math.sqrt(_coordinate(assignment, "n_snr2") * config.d / config.n))
    if "c_mu" in assignment:
        config = config.replace(mu_tilde_norm=_coordinate(assignment, "c_mu") * config.mu_norm)
    return config


def canonical(config: SyntheticConfig, mode: str) -> SyntheticConfig:
    """``config`` with the fields that ``mode`` never reads set to their defaults (equal runs, equal cells)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    default = SyntheticConfig()
    unused = list(_MODALITY2 if mode == "single" else _AUGMENTATION)
    if mode == "single":
        unused.append("mask_rate" if config.augmentation == "gaussian" else "sigma_eps")
    return config.replace(**{name: getattr(default, name) for name in unused})


@dataclass(frozen=True)
class Cell:
    """One grid point in one mode: ``config`` (canonical for the mode), all ``seeds``, and the grid values ``point``."""

    mode: str
    config: SyntheticConfig
    seeds: tuple[int, ...]
    dtype: str
    point: tuple[tuple[str, Any], ...]

    @property
    def key(self) -> str:
        """Identity of the cell's work: a hash of mode, configuration, seeds and dtype (not of ``point``)."""
        payload = {"mode": self.mode, "config": self.config.to_dict(), "seeds": list(self.seeds), "dtype": self.dtype}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]

    @property
    def shape(self) -> tuple:
        """Cells of equal shape train in one batch."""
        c = self.config
        return (self.mode, c.n, c.d, c.dim_tilde, c.m, c.n_test, c.epochs)

    @property
    def coordinates(self) -> dict[str, Any]:
        return dict(self.point)


@dataclass(frozen=True)
class Grid:
    """A validated sweep specification (see the module docstring for the file format)."""

    base: Mapping[str, Any]
    axes: tuple[tuple[str, tuple[Any, ...]], ...]
    cases: tuple[Mapping[str, Any], ...]
    seeds: tuple[int, ...]
    modes: tuple[str, ...]
    dtype: str = "float32"
    name: str | None = None
    description: str | None = None

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "Grid":
        if not isinstance(spec, Mapping):
            raise ValueError(f"a grid must be a mapping, got {type(spec).__name__}")
        unknown = [k for k in spec if k not in _GRID_KEYS]
        if unknown:
            raise ValueError(f"unknown grid key(s) {unknown}; allowed: {list(_GRID_KEYS)}")
        base = _check_assignment(spec.get("base") or {}, "base")
        axes_spec = _check_assignment(spec.get("grid") or {}, "grid")
        axes = []
        for name, values in axes_spec.items():
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
                raise ValueError(f"grid.{name} must be a non-empty list of values, got {values!r}")
            axes.append((name, tuple(values)))
        cases_spec = spec.get("cases") or [{}]
        if isinstance(cases_spec, Mapping) or not isinstance(cases_spec, Sequence):
            raise ValueError("cases must be a list of mappings")
        cases = tuple(_check_assignment(c, f"cases[{i}]") for i, c in enumerate(cases_spec))
        seeds = parse_seeds(spec.get("seeds", 1), distinct=True)
        modes = spec.get("modes", list(MODES))
        if isinstance(modes, str):
            modes = [modes]
        if not modes or any(m not in MODES for m in modes) or len(set(modes)) != len(modes):
            raise ValueError(f"modes must be a non-empty list drawn from {list(MODES)}, got {modes!r}")
        dtype = spec.get("dtype", "float32")
        resolve_dtype(dtype)
        grid = cls(base, tuple(axes), cases, tuple(seeds), tuple(modes), dtype, spec.get("name"), spec.get("description"))
        grid.cells()  # validate every configuration now, before any training
        return grid

    def subset(self, seeds: Sequence[int] | None = None, cases: Sequence[int] | None = None, **axes: Sequence[Any]) -> "Grid":
        """A smaller grid: some values of some axes, some of the ``cases`` (by index) and/or some of the seeds.

        Its cells are cells of this grid with fewer seeds, so their results can be compared seed by seed
        (:func:`compare`).
        """
        names = dict(self.axes)
        for name, values in axes.items():
            if name not in names:
                raise ValueError(f"{name} is not an axis of this grid; axes: {list(names)}")
            missing = [v for v in values if v not in names[name]]
            if missing or not values:
                raise ValueError(f"{name}: values {missing or values!r} are not a non-empty subset of {list(names[name])}")
        picked = self.cases if cases is None else tuple(self.cases[i] for i in cases)
        spec = self.to_dict() | {"grid": {k: list(axes.get(k, v)) for k, v in self.axes}, "cases": [dict(c) for c in picked],
                                 "seeds": list(self.seeds if seeds is None else seeds)}
        if seeds is not None and not set(seeds) <= set(self.seeds):
            raise ValueError(f"seeds {list(seeds)} are not a subset of the grid's seeds {list(self.seeds)}")
        return Grid.from_dict(spec)

    def to_dict(self) -> dict[str, Any]:
        """The specification as plain data (what the results header stores)."""
        out: dict[str, Any] = {"name": self.name, "description": self.description, "base": dict(self.base),
                               "grid": {k: list(v) for k, v in self.axes}, "cases": [dict(c) for c in self.cases],
                               "seeds": list(self.seeds), "modes": list(self.modes), "dtype": self.dtype}
        return {k: v for k, v in out.items() if v is not None}

    def points(self) -> Iterator[dict[str, Any]]:
        """Every grid point as the assignment the user wrote (base, then axes, then case), in grid order."""
        names = [k for k, _ in self.axes]
        for values in itertools.product(*[v for _, v in self.axes]):
            for case in self.cases:
                yield {**self.base, **dict(zip(names, values)), **case}

    def cells(self) -> list[Cell]:
        """All cells, in grid order (point-major, then mode)."""
        out = []
        for point in self.points():
            try:
                config = resolve_config(point)
            except ValueError as exc:
                raise ValueError(f"grid point {point}: {exc}") from None
            frozen = tuple(sorted((k, _plain(v)) for k, v in point.items()))
            out.extend(Cell(mode, canonical(config, mode), self.seeds, self.dtype, frozen) for mode in self.modes)
        return out

    def unique_cells(self) -> list[Cell]:
        """:meth:`cells` with duplicates (equal keys) removed, first occurrence kept."""
        seen: set[str] = set()
        out = []
        for cell in self.cells():
            if cell.key not in seen:
                seen.add(cell.key)
                out.append(cell)
        return out

    @property
    def runs(self) -> int:
        return sum(len(c.seeds) for c in self.unique_cells())


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def load_grid(path: str | os.PathLike[str]) -> Grid:
    """Read a grid from a ``.yaml``/``.yml`` or ``.json`` file (``ValueError`` with the reason when invalid)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"grid file {path} does not exist") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"{path} is not valid YAML ({exc})") from None
    elif path.suffix.lower() == ".json":
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path} is not valid JSON ({exc})") from None
    else:
        raise ValueError(f"grid file must end in .yaml, .yml or .json, got {path.name}")
    try:
        return Grid.from_dict(spec)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


# -- the results file -----------------------------------------------------------------------------------------------
class ResultsFile:
    """An append-only JSON-lines results file with crash-safe appends and an exclusive lock while open.

    Opening it reads every line; a partial or unreadable *last* line (what a crash during a write leaves behind)
    is cut off, while an unreadable line anywhere else raises ``ValueError``. :meth:`append` writes one whole line
    with a single ``write`` on an ``O_APPEND`` descriptor and ``fsync``\\ s it.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.repaired = False
        self.lines: list[dict[str, Any]] = []
        self._fd: int | None = None

    def __enter__(self) -> "ResultsFile":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            _lock(self._fd, self.path)
            self.lines, keep, self.repaired = _parse(self.path, os.pread(self._fd, os.fstat(self._fd).st_size, 0))
            if self.repaired:
                os.ftruncate(self._fd, keep)
                os.fsync(self._fd)
        except BaseException:
            os.close(self._fd)
            self._fd = None
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def append(self, record: Mapping[str, Any]) -> None:
        """Append one record as one line, durably."""
        if self._fd is None:
            raise ValueError("the results file is not open; use it as a context manager")
        data = (json.dumps(record, allow_nan=False, separators=(",", ":")) + "\n").encode()
        written = os.write(self._fd, data)
        if written != len(data):  # a short write on a regular file means the disk is full
            raise OSError(f"short write to {self.path} ({written} of {len(data)} bytes)")
        os.fsync(self._fd)
        self.lines.append(dict(record))

    @property
    def finished(self) -> set[str]:
        return {line["key"] for line in self.lines if line.get("kind") == "cell"}

    @property
    def headers(self) -> int:
        return sum(1 for line in self.lines if line.get("kind") == "header")


def _lock(fd: int, path: Path) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock, appends stay line-atomic
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ValueError(f"another sweep is writing to {path}; wait for it or choose another --out") from None


def _parse(path: Path, raw: bytes) -> tuple[list[dict[str, Any]], int, bool]:
    """Records, the byte length of the intact part, and whether a damaged last line was cut off."""
    lines: list[dict[str, Any]] = []
    pos = 0
    chunks = raw.split(b"\n")
    for number, chunk in enumerate(chunks, start=1):
        last = number == len(chunks)
        if last and not chunk:
            break
        try:
            if last:  # no newline: the write never completed
                raise ValueError("incomplete line")
            record = json.loads(chunk)
            if not isinstance(record, dict) or record.get("kind") not in ("header", "cell"):
                raise ValueError("not a sweep record")
        except ValueError as exc:
            rest = raw[pos:].rstrip(b"\n")
            if b"\n" in rest:
                raise ValueError(f"{path}, line {number}: {exc}; this is not a sweep results file or it is damaged") from None
            return lines, pos, True
        lines.append(record)
        pos += len(chunk) + 1
    if lines and lines[0].get("kind") != "header":
        raise ValueError(f"{path} does not start with a sweep header line")
    if lines and lines[0].get("format") != FORMAT:
        raise ValueError(f"{path} has format {lines[0].get('format')!r}, expected {FORMAT!r}")
    return lines, pos, False


# -- running a sweep ------------------------------------------------------------------------------------------------
def _in_distribution_accuracy(run: Run) -> np.ndarray:
    """The probe of :mod:`mmcl.model.probe` with the training signal as test signal (``ν = μ``): accuracy without shift."""
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
    return {"kind": "cell", "key": cell.key, "mode": cell.mode, "seeds": list(cell.seeds), "dtype": cell.dtype,
            "point": dict(cell.point), "config": cell.config.to_dict(), "status": "ok", "results": results,
            "header": header, "device": run.device, "batch_runs": run.runs, "batch_seconds": round(seconds, 3)}


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
    return {"kind": "cell", "key": cell.key, "mode": cell.mode, "seeds": list(cell.seeds), "dtype": cell.dtype,
            "point": dict(cell.point), "config": cell.config.to_dict(), "status": "diverged", "error": error,
            "results": None, "header": header}


def _train_cells(cells: Sequence[Cell], device: str, dtype: str, batch_runs: int, bar: Any, header: int | None) -> Iterator[tuple[Cell, dict[str, Any]]]:
    """Train ``cells`` in batches of equal shape and yield each cell's record as soon as its batch is done.

    A batch whose training diverges is retried cell by cell; a cell that diverges alone yields a ``diverged`` record.
    """
    queue = _chunks(cells, batch_runs)
    while queue:
        chunk = queue.pop(0)
        configs = [c.config for c in chunk for _ in c.seeds]
        seeds = [s for c in chunk for s in c.seeds]
        epochs = chunk[0].config.epochs
        tick = len(seeds) / (epochs + 1)
        t0, n0 = time.perf_counter(), bar.n
        try:
            run = train(configs, chunk[0].mode, seeds, device=device, dtype=dtype, eval_every=max(epochs, 1),
                        on_epoch=lambda _: bar.update(tick))
        except TrainingDiverged as exc:
            bar.n = n0
            if len(chunk) > 1:  # find the culprit(s): retry cell by cell
                queue[:0] = [[c] for c in chunk]
                continue
            bar.n = n0 + len(seeds)
            bar.refresh()
            yield chunk[0], _diverged_record(chunk[0], str(exc), header)
            continue
        in_dist = _in_distribution_accuracy(run)
        seconds = time.perf_counter() - t0
        bar.n = n0 + len(seeds)
        bar.refresh()
        row = 0
        for cell in chunk:
            rows = slice(row, row + len(cell.seeds))
            row += len(cell.seeds)
            yield cell, cell_record(cell, run, rows, in_dist, header, seconds)


def _progress(total: int, progress: bool) -> Any:
    return tqdm(total=total, desc="sweep", unit="run", disable=None if progress else True, file=sys.stderr,
                bar_format="{l_bar}{bar}| {n:.0f}/{total} runs [{elapsed}<{remaining}]")


def train_grid(grid: Grid, *, device: str = "auto", batch_runs: int = 64, progress: bool = False) -> list[dict[str, Any]]:
    """Train every cell of ``grid`` in memory (no results file) and return rows like :meth:`SweepResults.table`."""
    if isinstance(batch_runs, bool) or not isinstance(batch_runs, int) or batch_runs < 1:
        raise ValueError(f"batch_runs must be an integer >= 1, got {batch_runs!r}")
    cells = grid.unique_cells()
    bar = _progress(sum(len(c.seeds) for c in cells), progress)
    try:
        records = {cell.key: record for cell, record in _train_cells(cells, device, grid.dtype, batch_runs, bar, None)}
    finally:
        bar.close()
    return [_row(cell, records[cell.key]) for cell in grid.cells()]


def _row(cell: Cell, line: Mapping[str, Any]) -> dict[str, Any]:
    row = {**cell.coordinates, "mode": cell.mode, "seeds": np.asarray(cell.seeds), "status": line["status"]}
    for name, values in (line["results"] or {}).items():
        row[name] = np.asarray(values)
    return row


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
) -> SweepSummary:
    """Train every cell of ``grid`` not yet in ``out`` and append one line per cell (see the module docstring).

    ``batch_runs`` caps the runs per :func:`mmcl.train` call (a cell with more seeds is still trained whole).
    A batch whose training diverges is retried cell by cell; a cell that diverges alone is recorded with
    ``"status": "diverged"`` and the error, and counts as finished. ``on_cell`` is called after each line is on disk.
    """
    from ..storage.records import provenance

    if isinstance(batch_runs, bool) or not isinstance(batch_runs, int) or batch_runs < 1:
        raise ValueError(f"batch_runs must be an integer >= 1, got {batch_runs!r}")
    start = time.perf_counter()
    cells = grid.unique_cells()
    with ResultsFile(out) as results:
        done = results.finished
        pending = [c for c in cells if c.key not in done]
        summary = SweepSummary(len(cells), len(cells) - len(pending), 0, 0, 0, 0.0, results.repaired)
        if not pending:
            summary.seconds = time.perf_counter() - start
            return summary
        header = results.headers
        results.append({"kind": "header", "format": FORMAT, "grid": grid.to_dict(), "provenance": provenance(command),
                        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "pending_cells": len(pending)})
        bar = _progress(sum(len(c.seeds) for c in pending), progress)
        try:
            for cell, record in _train_cells(pending, device, grid.dtype, batch_runs, bar, header):
                results.append(record)
                if record["status"] == "ok":
                    summary.trained += 1
                    summary.runs += len(cell.seeds)
                else:
                    summary.diverged += 1
                if on_cell is not None:
                    on_cell(record)
        finally:
            bar.close()
    summary.seconds = time.perf_counter() - start
    return summary


# -- reading results ------------------------------------------------------------------------------------------------
@dataclass
class SweepResults:
    """A results file read back: its headers (grid, command, code version) and its cells by key."""

    path: Path
    headers: list[dict[str, Any]]
    cells: dict[str, dict[str, Any]]

    @property
    def grid(self) -> Grid:
        """The grid of the latest header (the one the last invocation ran)."""
        return Grid.from_dict(self.headers[-1]["grid"])

    @property
    def provenance(self) -> list[dict[str, Any]]:
        """Command and code version of every invocation that wrote to the file."""
        return [h["provenance"] for h in self.headers]

    def table(self, grid: Grid | None = None) -> list[dict[str, Any]]:
        """One row per cell of ``grid`` (default: :attr:`grid`): its point, mode, status and per-seed results.

        Raises ``ValueError`` when a cell of the grid has no result yet (an unfinished sweep).
        """
        grid = self.grid if grid is None else grid
        rows = []
        missing = 0
        for cell in grid.cells():
            line = self.cells.get(cell.key)
            if line is None:
                missing += 1
                continue
            rows.append(_row(cell, line))
        if missing:
            raise ValueError(f"{self.path}: {missing} cell(s) of the grid have no result; run the sweep command again to finish it")
        return rows


def load_results(path: str | os.PathLike[str]) -> SweepResults:
    """Read a sweep results file (read-only: a damaged last line is ignored here, repaired by the next sweep)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"results file {path} does not exist") from None
    lines, _, _ = _parse(path, raw)
    headers = [line for line in lines if line["kind"] == "header"]
    if not headers:
        raise ValueError(f"{path} holds no sweep header")
    return SweepResults(path, headers, {line["key"]: line for line in lines if line["kind"] == "cell"})


@dataclass
class Agreement:
    """How closely runs trained now reproduce stored ones, seed by seed (:func:`compare`)."""

    metric: str
    cells: int
    runs: int
    max_abs_diff: float
    mean_abs_diff: float
    identical: float  # fraction of runs with exactly the stored value


def compare(rows: Sequence[Mapping[str, Any]], results: SweepResults, metric: str = "test_accuracy") -> Agreement:
    """Compare ``rows`` (e.g. :func:`train_grid` of ``results.grid.subset(...)``) with the stored per-seed ``metric``.

    Each row is matched to the stored cell of the same grid point and mode, and each of its seeds to the stored
    value of that seed. Raises ``ValueError`` when a row has no stored counterpart.
    """
    stored: dict[tuple, Mapping[str, Any]] = {}
    for cell in results.grid.cells():
        line = results.cells.get(cell.key)
        if line is not None and line["status"] == "ok":
            stored[(cell.mode, cell.point)] = dict(zip(line["seeds"], line["results"][metric]))
    diffs = []
    cells = set()
    for row in rows:
        point = tuple(sorted((k, _plain(v)) for k, v in row.items() if k in SyntheticConfig.field_names() + DERIVED))
        values = stored.get((row["mode"], point))
        if values is None:
            raise ValueError(f"{results.path} holds no {row['mode']} result at {dict(point)}")
        cells.add((row["mode"], point))
        for seed, value in zip(row["seeds"], row[metric]):
            if int(seed) not in values:
                raise ValueError(f"{results.path} holds no result for seed {int(seed)} at {dict(point)}")
            diffs.append(abs(float(value) - values[int(seed)]))
    if not diffs:
        raise ValueError("compare needs at least one row")
    d = np.asarray(diffs)
    return Agreement(metric, len(cells), len(d), float(d.max()), float(d.mean()), float((d == 0).mean()))
