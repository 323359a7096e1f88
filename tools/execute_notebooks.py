"""The one execution of record: re-execute the book's chapters deterministically on the CPU.

Usage::

    python -m tools.execute_notebooks                 # every notebook listed in _toc.yml
    python -m tools.execute_notebooks book/02_x.ipynb # just these

Each notebook runs top to bottom in a fresh ``python3`` kernel with the same working directory that strict nbval
uses (the notebook's own folder) and a fixed environment: ``OMP_NUM_THREADS=1`` (as ``mmcl.notebook.setup()``
sets for torch: CPU reductions run in one order, so stored numbers are reproducible), ``CUDA_VISIBLE_DEVICES=""``
(stored outputs are CPU outputs even on a GPU machine), ``TQDM_DISABLE=1`` and matplotlib's inline backend.
Widget state is stored so that the site can render widgets. Volatile metadata (execution timestamps, the
interpreter's patch version) is dropped, cell ids are kept, and the file is replaced atomically only when the whole
notebook ran without error.

A watchdog ends a notebook in which no cell completes for ``--stall`` seconds, or that runs past ``--wall`` seconds,
names the notebook and the cell that hung, and retries it once in a fresh kernel; a second hang fails (exit status 1)
and leaves the stored notebook as it was. Each notebook's wall time and peak memory are printed (and returned by
:func:`execute` as a :class:`NotebookRun`), and recorded in ``book/_execution_stats.json`` (:func:`record_stats`;
``--stats`` names another file): one entry per notebook, with the date and the machine (CPU count and model, PyTorch
and Python versions). Re-executing some notebooks replaces their entries and keeps the others. The site's page
"Execution statistics" shows that file as a table (``tools/sphinx_execution_stats.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import hashlib
import importlib.metadata
import json
import os
import platform
import signal
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from mmcl.storage.atomic import write_text

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "python3"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL}
LANGUAGE_INFO_KEYS = ("name", "codemirror_mode", "file_extension", "mimetype", "nbconvert_exporter", "pygments_lexer")
CELL_TIMEOUT = 900
# The watchdog (execute): a notebook in which no cell completes for STALL_TIMEOUT seconds (longer than a cell's own
# timeout, which reports a slow cell first) or that runs past WALL_TIMEOUT seconds has hung, as once when a reply was
# lost with kernel and client idle; checked every WATCHDOG_POLL seconds.
STALL_TIMEOUT = 1200
WALL_TIMEOUT = 3600
WATCHDOG_POLL = 0.25
STATS = ROOT / "book" / "_execution_stats.json"
"""The committed record of each notebook's execution of record (:func:`record_stats`)."""
STATS_SCHEMA = 1

__all__ = [
    "NotebookHang",
    "NotebookRun",
    "toc_notebooks",
    "kernel_environment",
    "execute",
    "report",
    "normalise",
    "machine",
    "stats_entry",
    "read_stats",
    "record_stats",
    "main",
]


def toc_notebooks(toc: Path = ROOT / "_toc.yml") -> list[Path]:
    """The notebooks listed in ``_toc.yml`` (root, chapters and sections), in reading order."""
    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    files: list[str] = [data["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))

    for part in data.get("parts", []):
        walk(part.get("chapters", []))
    walk(data.get("chapters", []))
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def kernel_environment() -> dict[str, str]:
    """The kernel's environment: the caller's, with the settings that make outputs reproducible."""
    env = dict(os.environ)
    env.update(
        {
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "CUDA_VISIBLE_DEVICES": "",
            "TQDM_DISABLE": "1",
            "PYTHONHASHSEED": "0",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
    )
    env.pop("MPLBACKEND", None)  # ipykernel then selects the inline backend
    path = [str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(ROOT)]
    env["PYTHONPATH"] = os.pathsep.join(path)
    return env


def normalise(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Drop volatile metadata and give every cell a stable id (existing ids are kept)."""
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    info = nb.metadata.get("language_info", {})
    nb.metadata["language_info"] = {k: info[k] for k in LANGUAGE_INFO_KEYS if k in info}
    for key in ("papermill", "execution"):
        nb.metadata.pop(key, None)
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        if not cell.get("id") or cell["id"] in seen:
            cell["id"] = hashlib.sha1(f"{name}:{index}".encode()).hexdigest()[:8]
        seen.add(cell["id"])
    nb.nbformat, nb.nbformat_minor = 4, max(5, nb.get("nbformat_minor", 5))
    return nb


@dataclass(frozen=True)
class NotebookRun:
    """What one notebook's execution of record cost (recorded in the committed file ``STATS``)."""

    path: Path
    wall_s: float
    """Wall time of the attempt that succeeded, kernel start and shutdown included."""
    peak_rss_mib: float | None
    """Peak resident memory of the kernel process (Linux: its VmHWM, read while it runs). Elsewhere the peak over
    every child process this process has waited for (``resource.getrusage(RUSAGE_CHILDREN)``), an upper bound.
    None where neither is known."""
    attempts: int
    """1, or 2 when the first attempt hung and the watchdog retried it."""


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith("model name") and ":" in line:
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine() or None


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, object]:
    """The machine that executes the notebooks: CPU count and model, and the versions of PyTorch and Python."""
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "torch": _version("torch"),
        "python": platform.python_version(),
    }


def stats_entry(run: NotebookRun, date: str, machine: dict[str, object]) -> dict[str, object]:
    """The record of one execution: wall time (s, 0.1 s), peak memory (MiB, whole; None if unknown), attempts, the
    date (ISO, UTC) and the machine (:func:`machine`)."""
    peak = None if run.peak_rss_mib is None else round(run.peak_rss_mib)
    return {"wall_s": round(run.wall_s, 1), "peak_rss_mib": peak, "attempts": run.attempts, "date": date, **machine}


def read_stats(path: Path = STATS) -> dict[str, dict[str, object]]:
    """The entries of a statistics file, ``{notebook path relative to the repository: entry}`` (empty if the file
    does not exist). Raises ValueError for a file that is not one."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("schema") != STATS_SCHEMA or not isinstance(data.get("notebooks"), dict):
        raise ValueError(f"{path}: not an execution statistics file (schema {STATS_SCHEMA})")
    return dict(data["notebooks"])


def record_stats(
    runs: Iterable[NotebookRun],
    path: Path = STATS,
    *,
    date: str | None = None,
    machine_info: dict[str, object] | None = None,
    root: Path = ROOT,
) -> dict[str, dict[str, object]]:
    """Merge ``runs`` into the statistics file ``path`` and write it atomically; returns its entries.

    Each run replaces the entry of its notebook (keyed by its path relative to ``root``, or its absolute path outside
    ``root``); the entries of the other notebooks are kept, except those whose notebook no longer exists. ``date``
    defaults to today's (UTC), ``machine_info`` to :func:`machine`."""
    date = date or datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    machine_info = machine() if machine_info is None else machine_info
    root = root.resolve()
    entries = {key: entry for key, entry in read_stats(path).items() if (root / key).exists()}
    for run in runs:
        where = run.path.resolve()
        key = where.relative_to(root).as_posix() if where.is_relative_to(root) else where.as_posix()
        entries[key] = stats_entry(run, date, machine_info)
    entries = dict(sorted(entries.items()))
    write_text(path, json.dumps({"schema": STATS_SCHEMA, "notebooks": entries}, indent=2) + "\n")
    return entries


class NotebookHang(RuntimeError):
    """The watchdog ended a notebook that made no progress (or ran past its wall limit)."""

    def __init__(
        self,
        path: Path,
        cell_index: int | None,
        first_line: str,
        reason: str,
        kernel_pid: int | None,
        attempts: int = 1,
    ) -> None:
        self.path, self.cell_index, self.first_line = path, cell_index, first_line
        self.reason, self.kernel_pid, self.attempts = reason, kernel_pid, attempts
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"at cell {self.cell_index} ({self.first_line!r})" if self.cell_index is not None else "before a cell"
        return f"{_shown(self.path)} hung {where}: {self.reason}"


def _shown(path: Path) -> Path:
    path = path.resolve()
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def _first_line(source: str) -> str:
    return next((line.strip() for line in source.splitlines() if line.strip()), "")[:80]


def _children_peak_mib() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024) if peak else None


class _Watchdog:
    """One attempt's progress, recorded by nbclient's hooks: the cell running, when a cell last completed, and the
    kernel's peak memory."""

    def __init__(self) -> None:
        self.client: NotebookClient | None = None
        self.ready = False  # the kernel has started; its start is bounded by the wall limit only
        self.last_progress = time.monotonic()
        self.cell_index: int | None = None
        self.first_line = ""
        self.kernel_pid: int | None = None
        self.peak_kib = 0

    def hooks(self) -> dict:
        return {
            "on_notebook_start": self._on_ready,
            "on_cell_execute": self._on_cell,
            "on_cell_executed": self._on_done,
        }

    def _on_ready(self, notebook: nbformat.NotebookNode) -> None:
        self.ready, self.last_progress = True, time.monotonic()
        self.find_kernel()

    def find_kernel(self) -> None:
        """The kernel's process id, once nbclient has started it (jupyter_client's local provisioner)."""
        if self.kernel_pid is None and self.client is not None and self.client.km is not None:
            self.kernel_pid = getattr(getattr(self.client.km, "provisioner", None), "pid", None)

    def _on_cell(self, cell: nbformat.NotebookNode, cell_index: int) -> None:
        self.cell_index, self.first_line = cell_index, _first_line(cell.source)

    def _on_done(self, cell: nbformat.NotebookNode, cell_index: int, execute_reply: dict) -> None:
        self.last_progress = time.monotonic()
        self.sample()

    def sample(self) -> None:
        """Read the kernel's high-water mark of resident memory (Linux)."""
        if self.kernel_pid is None:
            return
        try:
            with open(f"/proc/{self.kernel_pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        self.peak_kib = max(self.peak_kib, int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            pass

    def end_kernel(self) -> None:
        """Make sure the kernel process is gone (nbclient shuts it down; this is the last resort)."""
        pid = self.kernel_pid
        if pid is None:
            return
        try:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                return  # it had exited; now reaped
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ChildProcessError, ProcessLookupError, PermissionError):
            pass  # already reaped by jupyter_client, or not ours


async def _watched(client: NotebookClient, watchdog: _Watchdog, path: Path, stall: float, wall: float) -> None:
    """Run the client's notebook; end it (kernel included) and raise NotebookHang when the watchdog fires."""
    start = time.monotonic()
    task = asyncio.ensure_future(client.async_execute(env=kernel_environment()))
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=WATCHDOG_POLL)
            watchdog.find_kernel()
            watchdog.sample()
            if done:
                task.result()  # the notebook's own error, if any
                return
            now = time.monotonic()
            if now - start > wall:
                reason = f"still running after the wall limit of {wall:g} s"
            elif watchdog.ready and now - watchdog.last_progress > stall:
                reason = f"no cell completed for {stall:g} s"
            else:
                continue
            raise NotebookHang(path, watchdog.cell_index, watchdog.first_line, reason, watchdog.kernel_pid)
    finally:
        if not task.done():
            client.shutdown_kernel = "immediate"  # nbclient's clean-up kills the kernel instead of asking it
            task.cancel()
            await asyncio.wait({task}, timeout=30)
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: the hang is what is reported
        watchdog.end_kernel()


def execute(
    path: Path,
    timeout: int = CELL_TIMEOUT,
    *,
    stall: float = STALL_TIMEOUT,
    wall: float = WALL_TIMEOUT,
    retries: int = 1,
) -> NotebookRun:
    """Execute one notebook in place and return what it cost.

    ``timeout`` bounds each cell (nbclient's own timeout; the notebook then fails). A watchdog ends the kernel when no
    cell completes for ``stall`` seconds after the kernel started, or when the notebook runs past ``wall`` seconds
    (kernel start included); it prints the notebook and the cell that hung and retries the notebook from the file,
    in a fresh kernel, up to ``retries`` times, then raises :class:`NotebookHang`. On any failure the stored notebook
    is left as it was: it is replaced, atomically, only after a whole run succeeded. Raises nbclient's errors on the
    first failing cell.
    """
    path = path.resolve()
    for attempt in range(1, retries + 2):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        watchdog = _Watchdog()
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name=KERNEL,
            resources={"metadata": {"path": str(path.parent)}},
            store_widget_state=True,
            record_timing=False,
            allow_errors=False,
            **watchdog.hooks(),
        )
        watchdog.client = client
        start = time.perf_counter()
        try:
            asyncio.run(_watched(client, watchdog, path, stall, wall))
        except NotebookHang as hang:
            hang.attempts = attempt
            print(f"HUNG    {hang}; its kernel was ended", file=sys.stderr, flush=True)
            if attempt > retries:
                raise
            print(f"        retrying {_shown(path)} in a fresh kernel", file=sys.stderr, flush=True)
            continue
        elapsed = time.perf_counter() - start
        nb = normalise(nb, path.stem)
        nbformat.validate(nb)
        write_text(path, nbformat.writes(nb) + "\n")  # atomic, with ordinary file permissions; as nbformat.write
        peak = watchdog.peak_kib / 1024 if watchdog.peak_kib else _children_peak_mib()
        return NotebookRun(path=path, wall_s=elapsed, peak_rss_mib=peak, attempts=attempt)
    raise AssertionError("unreachable")


def report(run: NotebookRun) -> str:
    """One line of the execution log: wall time, peak memory and the notebook."""
    peak = "      ? MiB" if run.peak_rss_mib is None else f"{run.peak_rss_mib:7.0f} MiB"
    again = f"  (attempt {run.attempts})" if run.attempts > 1 else ""
    return f"{run.wall_s:7.1f} s {peak}  {_shown(run.path)}{again}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.execute_notebooks", description=__doc__.splitlines()[0])
    parser.add_argument(
        "paths", nargs="*", type=Path, help="notebooks to execute (default: every notebook in _toc.yml)"
    )
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help=f"seconds per cell (default {CELL_TIMEOUT})")
    parser.add_argument(
        "--stall",
        type=float,
        default=STALL_TIMEOUT,
        help=f"watchdog: seconds without a cell completing before a notebook counts as hung and is "
        f"retried once (default {STALL_TIMEOUT})",
    )
    parser.add_argument(
        "--wall",
        type=float,
        default=WALL_TIMEOUT,
        help=f"watchdog: seconds one notebook may run in all (default {WALL_TIMEOUT})",
    )
    parser.add_argument(
        "--stats",
        type=Path,
        default=STATS,
        help="the statistics file to update after each notebook (default: book/_execution_stats.json)",
    )
    args = parser.parse_args(argv)
    paths = args.paths or toc_notebooks()
    missing = [p for p in paths if p.suffix != ".ipynb" or not p.exists()]
    if missing:
        parser.error(f"not an existing .ipynb file: {', '.join(map(str, missing))}")
    runs: list[NotebookRun] = []
    for path in paths:
        try:
            runs.append(execute(path, args.timeout, stall=args.stall, wall=args.wall))
        except NotebookHang as hang:
            print(
                f"FAILED  {hang} (on each of its {hang.attempts} attempts); the stored notebook is unchanged",
                file=sys.stderr,
            )
            return 1
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            print(f"FAILED  {path}: {str(exc).splitlines()[-1] if str(exc) else type(exc).__name__}", file=sys.stderr)
            print(exc, file=sys.stderr)
            return 1
        print(report(runs[-1]), flush=True)
        record_stats(runs[-1:], args.stats)  # after each notebook: a later failure keeps what was measured
    print(f"{sum(r.wall_s for r in runs):7.1f} s  total ({len(runs)} notebook(s)); statistics: {_shown(args.stats)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
