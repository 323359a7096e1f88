"""The locked environment: requirements.lock (made by `make lock`, installed by `make env`) agrees with pyproject.toml.

pyproject.toml keeps version ranges for those who install mmcl as a library; the lock pins one version of every
package that the book and its tests use. These tests read the three files only (no network): every requirement of
pyproject.toml (its dependencies and the extras the Makefile locks) is in the lock at a version its range admits, the
lock names nothing that pyproject.toml no longer asks for, torch is pinned at the Makefile's TORCH_SPEC, and no CUDA
library (nvidia-*, cuda-*, triton) is in it. After a change to pyproject.toml, run `make lock`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
CUDA_ONLY = re.compile(r"^(nvidia-|cuda-|triton\b)", re.IGNORECASE)


def makefile_variable(name: str) -> str:
    """The value of a simple variable of the Makefile (``NAME = value`` or ``NAME ?= value``)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{name}\s*\??=[ \t]*(.*)$", text, re.MULTILINE)
    assert match, f"the Makefile sets no {name}"
    return match.group(1).strip()


def lock_python() -> str:
    """The Python version the Makefile's `make lock` resolves for (``--python-version``)."""
    match = re.search(r"--python-version\s+(3\.\d+)", (ROOT / "Makefile").read_text(encoding="utf-8"))
    assert match, "make lock names no --python-version"
    return match.group(1)


def target_environment() -> dict[str, str]:
    """The marker environment the lock is made and tested for: CPython on Linux x86-64 at the lock's Python."""
    env = dict(default_environment())
    python = lock_python()
    env.update(
        {
            "python_version": python,
            "python_full_version": f"{python}.7",
            "sys_platform": "linux",
            "platform_system": "Linux",
            "platform_machine": "x86_64",
            "os_name": "posix",
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
        }
    )
    return env


def lock_entries() -> list[tuple[Requirement, set[str]]]:
    """Each pinned line of the lock with the names in its ``# via`` annotation."""
    entries: list[tuple[Requirement, set[str]]] = []
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if not line.strip() or (line.startswith("#") and not entries):
            continue  # the header
        if not line.startswith((" ", "#")):
            entries.append((Requirement(line), set()))
            continue
        via = re.sub(r"^via\b", "", line.strip().lstrip("#").strip()).strip()
        if via:
            entries[-1][1].add(via)
    return entries


def pyproject_requirements() -> list[Requirement]:
    """The dependencies of pyproject.toml and of the extras the Makefile locks, for the lock's target."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in makefile_variable("LOCK_EXTRAS").split():
        lines.extend(project["optional-dependencies"][extra])
    env = target_environment()
    return [r for r in map(Requirement, lines) if r.marker is None or r.marker.evaluate(env)]


def test_the_makefile_locks_every_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    locked = makefile_variable("LOCK_EXTRAS").split()
    assert sorted(locked) == sorted(project["optional-dependencies"]), "LOCK_EXTRAS (Makefile) and pyproject extras"


def test_every_line_is_one_exact_pin() -> None:
    entries = lock_entries()
    assert len(entries) > 50, "requirements.lock looks empty"
    for req, _ in entries:
        assert len(req.specifier) == 1 and next(iter(req.specifier)).operator == "==", f"not an exact pin: {req}"
        assert not req.extras and req.url is None, f"extras or a URL in the lock: {req}"
    env = target_environment()
    names = [canonicalize_name(r.name) for r, _ in entries if r.marker is None or r.marker.evaluate(env)]
    assert len(names) == len(set(names)), "two versions of one package apply to the target"


def test_lock_satisfies_pyproject() -> None:
    env = target_environment()
    entries = lock_entries()
    problems = []
    for req in pyproject_requirements():
        name = canonicalize_name(req.name)
        pins = [r for r, _ in entries if canonicalize_name(r.name) == name]
        if not any(r.marker is None or r.marker.evaluate(env) for r in pins):
            problems.append(f"{req}: not in requirements.lock")
        for pin in pins:
            (version,) = (s.version for s in pin.specifier)
            if not req.specifier.contains(version, prereleases=True):
                problems.append(f"{req}: the lock has {pin}")
    assert problems == [], "pyproject.toml and requirements.lock disagree (run `make lock`):\n" + "\n".join(problems)


def test_lock_asks_for_nothing_pyproject_dropped() -> None:
    """The packages the lock has for mmcl itself are exactly pyproject's requirements (and torch, from TORCH_SPEC)."""
    top = {canonicalize_name(r.name) for r, via in lock_entries() if "mmcl (pyproject.toml)" in via}
    wanted = {canonicalize_name(r.name) for r in pyproject_requirements()}
    assert top == wanted, f"run `make lock`: lock only {sorted(top - wanted)}, pyproject only {sorted(wanted - top)}"


def test_torch_is_pinned_as_the_makefile_installs_it() -> None:
    spec = Requirement(makefile_variable("TORCH_SPEC"))
    assert canonicalize_name(spec.name) == "torch" and [s.operator for s in spec.specifier] == ["=="], spec
    pins = [r for r, _ in lock_entries() if canonicalize_name(r.name) == "torch"]
    assert [str(p.specifier) for p in pins] == [str(spec.specifier)], f"the lock's torch {pins}, TORCH_SPEC {spec}"


def test_no_cuda_libraries() -> None:
    cuda = [str(r) for r, _ in lock_entries() if CUDA_ONLY.match(r.name)]
    assert cuda == [], f"CUDA-only packages in the lock (add torch's requirement to LOCK_EXCLUDE): {cuda}"
    excluded = {canonicalize_name(n) for n in makefile_variable("LOCK_EXCLUDE").split()}
    assert excluded and all(CUDA_ONLY.match(n) for n in excluded), "LOCK_EXCLUDE is for CUDA-only packages"


def test_lock_was_made_by_make_lock_and_names_no_local_path() -> None:
    text = LOCK.read_text(encoding="utf-8")
    assert text.splitlines()[:2] == ["# This file was autogenerated by uv via the following command:", "#    make lock"]
    assert not re.search(r"(^|\s)(/|~|file:|\.\./)", text.replace("# via", "")), "a local path in requirements.lock"


def test_make_env_installs_the_lock() -> None:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    rule = re.search(r"^\$\(VENV\)/\.installed:(.*)\n((?:\t.*\n)+)", text, re.MULTILINE)
    assert rule, "no $(VENV)/.installed rule"
    assert "$(LOCK)" in rule.group(1).split() and makefile_variable("LOCK") == LOCK.name, "reinstall on a new lock"
    assert "--no-deps -r $(LOCK)" in rule.group(2), "make env installs exactly the lines of the lock"
