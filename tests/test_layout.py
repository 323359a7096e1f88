"""The package's layout: one subpackage per part of the book, small modules, an import graph without cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mmcl

PACKAGE = Path(mmcl.__file__).resolve().parent
SUBPACKAGES = ("model", "theory", "cmnist", "sweeps", "reader", "mechanism", "storage", "grading", "cli")
MAX_LINES = 450
MODULES = sorted(PACKAGE.rglob("*.py"))


def _subpackage(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else None


def _imported_subpackages(path: Path) -> set[str]:
    """The other subpackages of ``mmcl`` that ``path`` imports (relative or absolute imports)."""
    own = _subpackage(path)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.startswith("mmcl."):
                target = node.module.split(".")[1]
            elif node.level == 0 and node.module == "mmcl":
                target = "(top)"
            elif node.level == (1 if own is None else 2):
                target = (node.module or "").split(".")[0] or "(top)"
            else:
                continue
            if target in SUBPACKAGES and target != own:
                found.add(target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "mmcl" and len(parts) > 1 and parts[1] in SUBPACKAGES and parts[1] != own:
                    found.add(parts[1])
    return found


def test_every_module_lives_in_a_subpackage() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py"], f"modules at the top level of mmcl: {top}"
    assert sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()) == sorted(SUBPACKAGES)


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_subpackage_says_what_it_holds(name: str) -> None:
    doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc) > 80, f"mmcl.{name} needs a docstring saying what it holds and which chapters use it"
    modules = sorted(p.stem for p in (PACKAGE / name).glob("*.py") if p.stem != "__init__")
    missing = [m for m in modules if m not in doc]
    assert name == "cli" or not missing, f"mmcl.{name}'s docstring does not name {missing}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_is_short(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines (at most {MAX_LINES})"


def test_subpackage_imports_have_no_cycle() -> None:
    graph = {name: set() for name in SUBPACKAGES}
    for path in MODULES:
        own = _subpackage(path)
        if own is not None:
            graph[own] |= _imported_subpackages(path)
    assert graph["model"] == set(), f"mmcl.model must not import other subpackages, imports {graph['model']}"
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == 1:
            raise AssertionError("import cycle: " + " -> ".join(trail + [node]))
        if state.get(node) == 2:
            return
        state[node] = 1
        for nxt in sorted(graph[node]):
            visit(nxt, trail + [node])
        state[node] = 2

    for name in SUBPACKAGES:
        visit(name, [])


def test_public_face() -> None:
    for name in (
        "train",
        "Run",
        "SyntheticConfig",
        "FIGURE1",
        "TrainingDiverged",
        "notebook",
        "plot",
        "explorers",
        "exercises",
    ):
        assert hasattr(mmcl, name), f"mmcl.{name} is part of the public face the chapters use"
