"""One place for the repository (``_config.yml``, ``tools/repository.py``) and the Colab launch path.

The Colab test builds what Colab would see without the network: a git repository with this working tree, served
under the book's GitHub URL (git's ``url.<base>.insteadOf``), a fresh virtual environment whose only packages are
the ones Colab has preinstalled (those of this environment, minus ``mmcl``: a ``.pth`` line), and a fake
``google.colab`` module. In that environment it runs a chapter's first cell (clone at the configured branch, install
``mmcl`` from the clone, change into its ``book/``) and then the chapter's import cell, in IPython, as Colab does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

from tools import repository
from tools.make_student import student_notebook

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "02_problem_setting.ipynb"


def test_the_config_names_the_repository_once() -> None:
    repo = repository.read()
    assert repo.url.startswith("https://github.com/") and repo.ref and repo.student_ref
    assert repository.sync(write=False) == [], "run `python -m tools.repository`: files disagree with _config.yml"
    cell = repository.colab_cell(repo)
    assert f"--branch {repo.ref}" in cell and repo.url in cell


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("repository:\n  url: https://gitlab.com/a/b\n  branch: main\n", "repository.url"),
        ("repository:\n  url: https://github.com/a/b\n", "repository.branch"),
        ("repository:\n  url: https://github.com/a/b\n  branch: 'a b'\n", "ref must be"),
    ],
)
def test_a_malformed_config_is_named(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "_config.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        repository.read(tmp_path / "_config.yml")


def test_forking_means_changing_one_line(tmp_path: Path) -> None:
    """A fork edits `repository.url` (and a course perhaps `branch`); `python -m tools.repository` then rewrites the
    chapters' Colab cells and the guide's links, and the student edition follows."""
    (tmp_path / "book").mkdir()
    for name in (CHAPTER, "03_main_results.ipynb", "instructor_guide.md"):
        shutil.copy(ROOT / "book" / name, tmp_path / "book" / name)
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    old = repository.read()
    assert config.count(old.url) == 1, "the repository's URL must appear exactly once in _config.yml"
    config = config.replace(old.url, "https://github.com/school/ml-course").replace(
        f"branch: {old.ref}", "branch: v2.1", 1
    )
    (tmp_path / "_config.yml").write_text(config, encoding="utf-8")
    assert sorted(repository.sync(tmp_path, write=False)) == [
        "book/02_problem_setting.ipynb",
        "book/03_main_results.ipynb",
        "book/instructor_guide.md",
    ]
    repository.sync(tmp_path)
    assert repository.sync(tmp_path, write=False) == []
    for name in (CHAPTER, "03_main_results.ipynb"):
        first = "".join(json.loads((tmp_path / "book" / name).read_text(encoding="utf-8"))["cells"][0]["source"])
        assert "https://github.com/school/ml-course" in first and "--branch v2.1" in first and old.slug not in first
    guide = (tmp_path / "book" / "instructor_guide.md").read_text(encoding="utf-8")
    assert guide.count("school/ml-course/v2.1?urlpath") == 1 and guide.count("school/ml-course/blob/v2.1/") == 1


def test_the_student_edition_opens_the_student_branch() -> None:
    import nbformat

    nb = nbformat.read(ROOT / "book" / CHAPTER, as_version=4)
    repo = repository.read()
    student = student_notebook(nb, CHAPTER)
    assert f"--branch {repo.student_ref}" in student.cells[0].source and repo.url in student.cells[0].source
    moved = student_notebook(nb, CHAPTER, repository="school/ml-course", ref="fall")
    assert "https://github.com/school/ml-course" in moved.cells[0].source and "--branch fall" in moved.cells[0].source


def _working_tree_repository(target: Path, branch: str) -> None:
    """A git repository holding this working tree (tracked and untracked, not ignored, files) on ``branch``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in filter(None, listed):
        source = ROOT / raw.decode()
        if source.is_file():
            (target / raw.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / raw.decode())
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org"]
    subprocess.run([*git, "init", "-q", "-b", branch], cwd=target, check=True)
    subprocess.run([*git, "add", "-A"], cwd=target, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "book"], cwd=target, check=True)


COLAB_SESSION = textwrap.dedent(
    """
    import json, os, sys, types
    google = types.ModuleType("google")
    google.colab = types.ModuleType("google.colab")
    sys.modules["google"], sys.modules["google.colab"] = google, google.colab
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    cells = json.loads(os.environ["CELLS"])
    for source in cells:
        result = shell.run_cell(source)
        if not result.success:
            raise SystemExit(f"cell failed: {result.error_before_exec or result.error_in_exec!r}")
    import mmcl
    print(json.dumps({"mmcl": mmcl.__file__, "cwd": os.getcwd()}))
    """
)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_colab_cell_installs_the_book_from_its_branch(tmp_path: Path) -> None:
    repo = repository.read()
    origin = tmp_path / "origin"
    origin.mkdir()
    _working_tree_repository(origin, repo.ref)
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(f'[url "file://{origin}"]\n\tinsteadOf = {repo.url}\n', encoding="utf-8")

    env_dir = tmp_path / "colab-env"
    venv.EnvBuilder(with_pip=False).create(env_dir)  # pip and setuptools too come with what Colab has
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    preinstalled = sysconfig.get_paths()["purelib"]  # torch, numpy, IPython, ... but not mmcl (its .pth is not read)
    Path(purelib, "colab_preinstalled.pth").write_text(preinstalled + "\n", encoding="utf-8")

    nb = json.loads((ROOT / "book" / CHAPTER).read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    content = tmp_path / "content"
    content.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_", "MPLBACKEND"))
    }
    env.update(
        {
            "CELLS": json.dumps(code[:2]),
            "GIT_CONFIG_GLOBAL": str(gitconfig),
            "GIT_CONFIG_NOSYSTEM": "1",
            repository.COLAB_DIR: str(content / "mmcl-book"),
            "PIP_NO_INDEX": "1",  # nothing from the network: what Colab has preinstalled must be enough
            "PIP_NO_BUILD_ISOLATION": "0",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "MPLBACKEND": "Agg",
            "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    done = subprocess.run(
        [str(python), "-c", COLAB_SESSION],
        cwd=content,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(found["mmcl"]).resolve().is_relative_to(Path(purelib).resolve()), found  # installed from the clone
    assert Path(found["cwd"]) == content / "mmcl-book" / "book", found
    head = subprocess.run(
        ["git", "branch", "--show-current"], cwd=content / "mmcl-book", capture_output=True, text=True
    )
    assert head.stdout.strip() == repo.ref
    assert sys.prefix not in found["mmcl"]
