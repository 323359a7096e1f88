"""The one execution of record: re-execute the book's chapters deterministically on the CPU.

Usage::

    python -m tools.execute_notebooks                 # every notebook listed in _toc.yml
    python -m tools.execute_notebooks book/02_x.ipynb # just these

Each notebook runs top to bottom in a fresh ``python3`` kernel with the same working directory that strict nbval
uses (the notebook's own folder) and a fixed environment: ``OMP_NUM_THREADS=1`` (as ``mmcl.notebook.setup()``
sets for torch: CPU reductions run in one order, so stored numbers are reproducible), ``CUDA_VISIBLE_DEVICES=""`` (stored outputs are CPU outputs even on a GPU
machine), ``TQDM_DISABLE=1`` and matplotlib's inline backend. Widget state is stored so that the site can render
widgets. Volatile metadata (execution timestamps, the interpreter's patch version) is dropped, cell ids are kept,
and the file is replaced atomically only when the whole notebook ran without error.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from mmcl.storage.atomic import write_text

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "python3"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL}
LANGUAGE_INFO_KEYS = ("name", "codemirror_mode", "file_extension", "mimetype", "nbconvert_exporter", "pygments_lexer")
CELL_TIMEOUT = 900

__all__ = ["toc_notebooks", "kernel_environment", "execute", "normalise", "main"]


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
    env.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "", "TQDM_DISABLE": "1",
                "PYTHONHASHSEED": "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
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


def execute(path: Path, timeout: int = CELL_TIMEOUT) -> float:
    """Execute one notebook in place; returns the wall time in seconds. Raises on the first failing cell."""
    path = path.resolve()
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
        record_timing=False,
        allow_errors=False,
    )
    start = time.perf_counter()
    client.execute(env=kernel_environment())
    elapsed = time.perf_counter() - start
    nb = normalise(nb, path.stem)
    nbformat.validate(nb)
    write_text(path, nbformat.writes(nb) + "\n")  # atomic, with ordinary file permissions; as nbformat.write
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.execute_notebooks", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks to execute (default: every notebook in _toc.yml)")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help=f"seconds per cell (default {CELL_TIMEOUT})")
    args = parser.parse_args(argv)
    paths = args.paths or toc_notebooks()
    missing = [p for p in paths if p.suffix != ".ipynb" or not p.exists()]
    if missing:
        parser.error(f"not an existing .ipynb file: {', '.join(map(str, missing))}")
    total = 0.0
    for path in paths:
        try:
            elapsed = execute(path, args.timeout)
        except CellExecutionError as exc:
            print(f"FAILED  {path}: {str(exc).splitlines()[-1] if str(exc) else type(exc).__name__}", file=sys.stderr)
            print(exc, file=sys.stderr)
            return 1
        total += elapsed
        shown = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
        print(f"{elapsed:7.1f} s  {shown}", flush=True)
    print(f"{total:7.1f} s  total ({len(paths)} notebook(s))")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
