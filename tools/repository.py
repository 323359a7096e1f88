"""One place for the book's repository: its URL and the branch or tag that the chapters belong to.

``_config.yml`` holds both, as Jupyter Book reads them for the launch buttons::

    repository:
      url: https://github.com/OWNER/NAME
      branch: main            # or a tag, e.g. v1.0, to give a class a fixed version

and, for the published student edition, ``sphinx.config.mmcl_student_branch`` (the branch that holds it; default
``student``). Everything else that names the repository is derived from these lines:

* the first cell of every chapter (the Colab install cell, :func:`colab_cell`), which clones exactly that branch or
  tag — not the newest commit of the default branch — and installs ``mmcl`` from it;
* the instructor guide's example Binder and Colab links (:func:`guide_links`);
* the student edition (``tools/make_student.py``), whose chapters clone, and whose launch links open, the student
  branch (:func:`student_links`).

``python -m tools.repository`` rewrites the chapters' first cells and the guide's links from ``_config.yml``
(``--check`` only reports what differs, with exit status 1); ``tests/test_repository.py`` fails when anything
disagrees, so forking the book means changing the ``url`` line and running this command.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["Repository", "read", "colab_cell", "guide_links", "student_links", "sync", "main"]

ROOT = Path(__file__).resolve().parent.parent
COLAB_DIR = "MMCL_COLAB_DIR"
"""Environment variable naming the folder the Colab cell clones into (default ``/content/mmcl-book``: Colab's)."""
GUIDE = Path("book") / "instructor_guide.md"
_GITHUB = re.compile(r"^https://github\.com/(?P<owner>[A-Za-z0-9_.-]+)/(?P<name>[A-Za-z0-9_.-]+?)(?:\.git)?/?$")
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


@dataclass(frozen=True)
class Repository:
    """The book's repository on GitHub and the branch or tag (``ref``) that its chapters belong to."""

    owner: str
    name: str
    ref: str
    student_ref: str = "student"

    def __post_init__(self) -> None:
        for field, value in (("ref", self.ref), ("student_ref", self.student_ref)):
            if not _REF.match(value) or ".." in value:
                raise ValueError(f"{field} must be a git branch or tag name, got {value!r}")

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def url(self) -> str:
        return f"https://github.com/{self.slug}"

    def binder(self, notebook: str, ref: str | None = None) -> str:
        """The Binder link that opens ``notebook`` (a path in the repository) in JupyterLab."""
        return f"https://mybinder.org/v2/gh/{self.slug}/{ref or self.ref}?urlpath=lab/tree/{notebook}"

    def colab(self, notebook: str, ref: str | None = None) -> str:
        """The Colab link that opens ``notebook`` (a path in the repository)."""
        return f"https://colab.research.google.com/github/{self.slug}/blob/{ref or self.ref}/{notebook}"


def read(config: Path = ROOT / "_config.yml") -> Repository:
    """The repository named by ``config`` (``repository.url``, ``repository.branch`` and
    ``sphinx.config.mmcl_student_branch``); raises ``ValueError`` naming the key that is missing or malformed."""
    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    repository = data.get("repository") or {}
    url = str(repository.get("url", ""))
    match = _GITHUB.match(url)
    if not match:
        raise ValueError(f"{config.name}: repository.url must be https://github.com/OWNER/NAME, got {url!r}")
    ref = str(repository.get("branch", ""))
    if not ref:
        raise ValueError(f"{config.name}: repository.branch (the branch or tag of the chapters) is missing")
    student = str(((data.get("sphinx") or {}).get("config") or {}).get("mmcl_student_branch", "student"))
    return Repository(match["owner"], match["name"], ref, student)


def colab_cell(repo: Repository, ref: str | None = None) -> str:
    """The source of every chapter's first cell: on Colab only, clone the book at ``ref`` (default: the book's
    branch or tag) and install ``mmcl`` from that clone; anywhere else it does nothing."""
    return "\n".join(
        [
            "# Colab has neither mmcl nor the recorded results: fetch the book at its own",
            "# version and install mmcl from it (does nothing elsewhere).",
            "import os",
            "import sys",
            "",
            'if "google.colab" in sys.modules:',
            f'    book = os.environ.get("{COLAB_DIR}", "/content/mmcl-book")',
            f"    !test -d {{book}} || git clone -q --depth 1 --branch {ref or repo.ref} \\",
            f"        {repo.url} {{book}}",
            "    %pip install -q {book}",
            "    %cd {book}/book",
        ]
    )


def guide_links(repo: Repository) -> dict[str, str]:
    """The instructor guide's example links, by the text they are shown with."""
    notebook = "book/02_problem_setting.ipynb"
    return {"chapter 2 on Binder": repo.binder(notebook), "chapter 2 on Colab": repo.colab(notebook)}


def student_links(repo: Repository, notebooks: list[str]) -> list[tuple[str, str, str]]:
    """``(notebook, Binder link, Colab link)`` of each student-edition notebook on the student branch."""
    return [
        (nb, repo.binder(f"book/{nb}", repo.student_ref), repo.colab(f"book/{nb}", repo.student_ref))
        for nb in notebooks
    ]


def _chapter_cell(path: Path, repo: Repository, write: bool) -> bool:
    """Whether ``path``'s first cell differs from :func:`colab_cell` (rewritten when ``write``)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    first = nb["cells"][0]
    wanted = colab_cell(repo)
    if first["cell_type"] != "code":
        raise ValueError(f"{path.name}: the first cell must be the Colab install cell (a code cell)")
    if "".join(first["source"]) == wanted:
        return False
    if write:
        lines = wanted.split("\n")
        first["source"] = [line + "\n" for line in lines[:-1]] + [lines[-1]]
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


def _guide(root: Path, repo: Repository, write: bool) -> bool:
    path = root / GUIDE
    text = path.read_text(encoding="utf-8")
    new = text
    for label, link in guide_links(repo).items():
        new = re.sub(rf"\[{re.escape(label)}\]\([^)]*\)", f"[{label}]({link})", new)
    if new == text:
        return False
    if write:
        path.write_text(new, encoding="utf-8")
    return True


def sync(root: Path = ROOT, write: bool = True) -> list[str]:
    """Bring every chapter's first cell and the guide's links in line with ``_config.yml``; returns the files that
    differed (and were rewritten, when ``write``)."""
    repo = read(root / "_config.yml")
    changed = [
        str(p.relative_to(root)) for p in sorted((root / "book").glob("*.ipynb")) if _chapter_cell(p, repo, write)
    ]
    if _guide(root, repo, write):
        changed.append(str(GUIDE))
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.repository", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only list what differs from _config.yml (exit 1 if any)")
    args = parser.parse_args(argv)
    changed = sync(write=not args.check)
    verb = "differs from _config.yml" if args.check else "rewritten from _config.yml"
    for name in changed:
        print(f"{name}: {verb}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
