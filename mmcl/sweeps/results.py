"""The results file of a sweep: JSON lines, appended crash-safely, read back as tables of per-seed results.

A results file (:class:`ResultsFile`, format :data:`FORMAT`) holds a ``header`` line per invocation that has work
to do (the grid, the command and the code version, :func:`mmcl.storage.records.provenance`), then one ``cell`` line
per finished cell. Each line is written whole with one ``write`` and flushed to disk (``fsync``) before the next cell
starts. A crash can leave at most a partial last line; it is detected and cut off on the next run. While a sweep
writes to the file it holds an exclusive lock on it, so two sweeps cannot interleave their lines.

:func:`load_results` reads a file back (read-only) as :class:`SweepResults`, whose :meth:`~SweepResults.table` gives
one row per cell of the grid; :func:`compare` checks runs trained now against the stored ones, seed by seed
(:class:`Agreement`). Writing the lines is :mod:`.runner`'s part.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..model.config import SyntheticConfig
from .grid import DERIVED, Cell, Grid, _plain, config_key

__all__ = [
    "FORMAT",
    "ResultsFile",
    "SweepResults",
    "load_results",
    "compare",
    "Agreement",
    "seed_lines",
    "merged_line",
]

FORMAT = "mmcl-sweep/1"
"""Format tag of the results file (first field of every header line)."""


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

    def pending(self, cells: Sequence[Cell]) -> list[Cell]:
        """What is left to train of ``cells``: each cell with the seeds that no line of the file holds yet (matched
        by :attr:`.grid.Cell.config_key`), cells with every seed stored left out. A grid extended to more seeds
        thus trains only the new ones."""
        stored = seed_lines(self.lines)
        out = []
        for cell in cells:
            done = stored.get(cell.config_key, {})
            missing = [s for s in cell.seeds if s not in done]
            if missing:
                out.append(cell if len(missing) == len(cell.seeds) else cell.with_seeds(missing))
        return out

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
                raise ValueError(
                    f"{path}, line {number}: {exc}; this is not a sweep results file or it is damaged"
                ) from None
            return lines, pos, True
        lines.append(record)
        pos += len(chunk) + 1
    if lines and lines[0].get("kind") != "header":
        raise ValueError(f"{path} does not start with a sweep header line")
    if lines and lines[0].get("format") != FORMAT:
        raise ValueError(f"{path} has format {lines[0].get('format')!r}, expected {FORMAT!r}")
    return lines, pos, False


# -- reading results ------------------------------------------------------------------------------------------------
def seed_lines(lines: Sequence[Mapping[str, Any]]) -> dict[str, dict[int, tuple[Mapping[str, Any], int]]]:
    """Every stored run: ``{config_key: {seed: (its cell line, its position in the line's seeds)}}``.

    A seed stored twice (which the runner never writes) keeps its first line."""
    out: dict[str, dict[int, tuple[Mapping[str, Any], int]]] = {}
    for line in lines:
        if line.get("kind") != "cell":
            continue
        runs = out.setdefault(config_key(line["mode"], line["config"], line["dtype"]), {})
        for position, seed in enumerate(line["seeds"]):
            runs.setdefault(int(seed), (line, position))
    return out


def merged_line(cell: Cell, runs: Mapping[int, tuple[Mapping[str, Any], int]]) -> dict[str, Any] | None:
    """The ``cell`` line of ``cell`` assembled seed by seed from the stored ``runs`` of its configuration
    (:func:`seed_lines`), in the order of ``cell.seeds``; ``None`` when a seed is missing.

    Its status is ``"diverged"`` when any of the lines it draws on diverged (and then it has no results)."""
    if any(s not in runs for s in cell.seeds):
        return None
    parts = [runs[s] for s in cell.seeds]
    sources = list({id(line): line for line, _ in parts}.values())
    if len(sources) == 1 and list(sources[0]["seeds"]) == list(cell.seeds):
        return dict(sources[0])
    bad = [line for line in sources if line["status"] != "ok"]
    if bad:
        return {**bad[0], "seeds": list(cell.seeds), "results": None}
    names = [k for k in sources[0]["results"] if all(k in line["results"] for line in sources)]
    results = {k: [line["results"][k][i] for line, i in parts] for k in names}
    return {**sources[0], "key": cell.key, "seeds": list(cell.seeds), "results": results}


def _row(cell: Cell, line: Mapping[str, Any]) -> dict[str, Any]:
    """The table row of ``cell`` from its ``cell`` line (:meth:`SweepResults.table`, :func:`.runner.train_grid`)."""
    row = {**cell.coordinates, "mode": cell.mode, "seeds": np.asarray(cell.seeds), "status": line["status"]}
    for name, values in (line["results"] or {}).items():
        row[name] = np.asarray(values)
    return row


@dataclass
class SweepResults:
    """A results file read back: its headers (grid, command, code version) and its cells by key."""

    path: Path
    headers: list[dict[str, Any]]
    cells: dict[str, dict[str, Any]]
    runs: dict[str, dict[int, tuple[Mapping[str, Any], int]]] = dataclasses.field(default_factory=dict)
    """Every stored run by configuration and seed (:func:`seed_lines`)."""

    @property
    def grid(self) -> Grid:
        """The grid of the latest header (the one the last invocation ran)."""
        return Grid.from_dict(self.headers[-1]["grid"])

    @property
    def provenance(self) -> list[dict[str, Any]]:
        """Command and code version of every invocation that wrote to the file."""
        return [h["provenance"] for h in self.headers]

    def line(self, cell: Cell) -> dict[str, Any] | None:
        """The stored results of ``cell`` (:func:`merged_line`: its seeds may come from several lines), or ``None``."""
        return merged_line(cell, self.runs.get(cell.config_key, {}))

    def table(self, grid: Grid | None = None) -> list[dict[str, Any]]:
        """One row per cell of ``grid`` (default: :attr:`grid`): its point, mode, status and per-seed results.

        A cell's seeds may be stored in several lines (a grid extended to more seeds); any subset of the stored
        seeds can be read. Raises ``ValueError`` when a seed of a cell has no result yet (an unfinished sweep).
        """
        grid = self.grid if grid is None else grid
        rows = []
        missing = 0
        for cell in grid.cells():
            line = self.line(cell)
            if line is None:
                missing += 1
                continue
            rows.append(_row(cell, line))
        if missing:
            raise ValueError(
                f"{self.path}: {missing} cell(s) of the grid have no result; run the sweep command again to finish it"
            )
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
    cells = {line["key"]: line for line in lines if line["kind"] == "cell"}
    return SweepResults(path, headers, cells, seed_lines(lines))


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
        line = results.line(cell)
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
