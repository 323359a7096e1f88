"""Binder's environment.yml and pyproject.toml must name the same dependencies with the same version bounds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
CONDA_TO_PYPI = {"pytorch-cpu": "torch", "pytorch": "torch"}
BINDER_ONLY = {"python", "pip", "jupyterlab"}  # the Binder image itself, not dependencies of mmcl
NOT_ON_BINDER = {"e2e"}  # extras a reader never needs: the browser test of the built site


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def _conda_requirements(env: dict) -> dict[str, SpecifierSet]:
    out: dict[str, SpecifierSet] = {}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            for line in entry.get("pip", []):
                req = Requirement(line)
                out[canonicalize_name(req.name)] = req.specifier
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", entry.strip())
        assert match, f"cannot read the conda dependency {entry!r}"
        name, spec = match.groups()
        name = CONDA_TO_PYPI.get(name, name)
        if name in BINDER_ONLY:
            continue
        out[canonicalize_name(name)] = SpecifierSet(spec)
    return out


def _pyproject_requirements() -> dict[str, SpecifierSet]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for name, extra in project.get("optional-dependencies", {}).items():
        if name not in NOT_ON_BINDER:
            lines.extend(extra)
    out: dict[str, SpecifierSet] = {}
    for line in lines:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate({"python_version": "3.12"}):
            continue
        out[canonicalize_name(req.name)] = req.specifier
    return out


def test_same_dependency_names() -> None:
    conda, pip = _conda_requirements(_environment()), _pyproject_requirements()
    assert sorted(set(pip) - set(conda)) == [], "in pyproject.toml but not in environment.yml"
    assert sorted(set(conda) - set(pip)) == [], "in environment.yml but not in pyproject.toml"


def test_same_version_bounds() -> None:
    conda, pip = _conda_requirements(_environment()), _pyproject_requirements()
    different = {name: (str(pip[name]), str(conda[name])) for name in pip if name in conda and pip[name] != conda[name]}
    assert different == {}, f"version bounds differ (pyproject, environment.yml): {different}"


def test_binder_environment_rules() -> None:
    env = _environment()
    assert env["channels"] == ["conda-forge", "nodefaults"], "Binder: conda-forge only"
    pythons = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert pythons and re.fullmatch(r"python=3\.\d+", pythons[0]), "Binder needs an exact python=3.x"
    assert any(isinstance(d, str) and d.startswith("pytorch-cpu") for d in env["dependencies"]), "CPU PyTorch only"
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert not any(line.startswith(("-e", ".", "-r", "torch")) for line in pip), "no local or CUDA pip entries"
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists(), "a binder/ folder hides environment.yml"
    post = (ROOT / "postBuild").read_text(encoding="utf-8")
    assert "set -euo pipefail" in post and "pip install --no-deps -e ." in post
