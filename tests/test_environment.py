"""Binder's environment (environment.yml, postBuild) is the locked environment that `make env` installs.

Conda provides only Python, pip and JupyterLab, at the Python the lock is made for; postBuild installs the CPU build of
torch at the Makefile's TORCH_SPEC, then exactly the lines of requirements.lock, then mmcl. That the lock agrees with
pyproject.toml is tests/test_lock.py's business.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
BINDER_ONLY = {"python", "pip", "jupyterlab"}  # the Binder image itself: every package of the book is in the lock


def makefile_variable(name: str) -> str:
    match = re.search(rf"^{name}\s*\??=[ \t]*(.*)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"the Makefile sets no {name}"
    return match.group(1).strip()


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def _post_build() -> list[list[str]]:
    """postBuild's commands, each split into words (comments and blank lines dropped)."""
    lines = (ROOT / "postBuild").read_text(encoding="utf-8").splitlines()
    return [shlex.split(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _shell_variables(commands: list[list[str]]) -> dict[str, str]:
    return dict(c[0].split("=", 1) for c in commands if len(c) == 1 and re.fullmatch(r"[A-Z_]+=.*", c[0]))


def _pip_installs(commands: list[list[str]]) -> list[list[str]]:
    variables = _shell_variables(commands)
    expand = lambda word: re.sub(r"\$\{?([A-Z_]+)\}?", lambda m: variables[m.group(1)], word)  # noqa: E731
    return [[expand(w) for w in c[4:]] for c in commands if c[:4] == ["python", "-m", "pip", "install"]]


def test_binder_environment_is_python_and_pip_only() -> None:
    env = _environment()
    assert env["channels"] == ["conda-forge", "nodefaults"], "Binder: conda-forge only"
    assert all(isinstance(d, str) for d in env["dependencies"]), "no pip section: postBuild installs the lock"
    names = {re.match(r"[A-Za-z0-9_.\-]+", d).group(0) for d in env["dependencies"]}
    assert names == BINDER_ONLY, f"packages of the book belong in requirements.lock, not environment.yml: {names}"
    python = next(d for d in env["dependencies"] if d.startswith("python"))
    lock_python = re.search(r"--python-version\s+(3\.\d+)", (ROOT / "Makefile").read_text(encoding="utf-8")).group(1)
    assert python == f"python={lock_python}", f"Binder's {python} is not the lock's Python {lock_python}"
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists(), "a binder/ folder hides environment.yml"


def test_post_build_installs_the_lock_with_cpu_torch() -> None:
    text = (ROOT / "postBuild").read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash\n") and "set -euo pipefail" in text
    installs = _pip_installs(_post_build())
    assert len(installs) == 3, installs
    torch, lock, package = installs
    spec = next(Requirement(w) for w in torch if w.startswith("torch"))
    assert str(spec) == makefile_variable("TORCH_SPEC"), "postBuild's torch is not the Makefile's TORCH_SPEC"
    assert "--no-deps" in torch and torch[torch.index("--index-url") + 1].endswith("/whl/cpu"), "CPU PyTorch only"
    assert lock == ["--no-deps", "-r", "requirements.lock"], "exactly the lines of the lock"
    assert package == ["--no-deps", "-e", "."]
