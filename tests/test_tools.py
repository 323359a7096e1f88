"""The project tools: the execution of record's helpers and the two small Sphinx extensions."""

from __future__ import annotations

import os
from types import SimpleNamespace

import nbformat

from tools import execute_notebooks as ex
from tools.sphinx_dedupe import dedupe_scripts
from tools.sphinx_paper_numbers import paper_number, renumber


def test_paper_numbers_are_read_from_labels() -> None:
    assert paper_number("thm-4-2") == ("4", "2")
    assert paper_number("lem-c-4") == ("C", "4")
    assert paper_number("prop-c-13") == ("C", "13")
    assert paper_number("asm-4-1") == ("4", "1")
    for label in ("thm-main", "lem-5", "theorem-0", "lem-cc-4", "lem-c-x"):
        assert paper_number(label) is None, label


def test_renumber_replaces_only_paper_labels() -> None:
    env = SimpleNamespace(
        proof_list={
            "thm-4-2": {"docname": "a", "countertype": "theorem", "nonumber": False},
            "thm-ours": {"docname": "a", "countertype": "theorem", "nonumber": False},
            "lem-c-4": {"docname": "b", "countertype": "lemma", "nonumber": True},
        },
        toc_fignumbers={"a": {"theorem": {"thm-4-2": (1,), "thm-ours": (2,)}}, "b": {"lemma": {}}},
    )
    assert renumber(None, env) == []
    assert env.toc_fignumbers["a"]["theorem"] == {"thm-4-2": ("4", "2"), "thm-ours": (2,)}


def test_dedupe_keeps_the_first_of_identical_scripts() -> None:
    script = lambda filename, **attributes: SimpleNamespace(filename=filename, attributes=attributes)  # noqa: E731
    context = {"script_files": [script("a.js"), script(None, body="const X = 1"), script("", body="const X = 1"),
                                script("a.js"), script("b.js", defer="defer")]}
    dedupe_scripts(None, "page", "page.html", context, None)
    assert [(s.filename, s.attributes) for s in context["script_files"]] == [
        ("a.js", {}), (None, {"body": "const X = 1"}), ("b.js", {"defer": "defer"})]


def test_toc_notebooks_lists_the_root_first() -> None:
    paths = ex.toc_notebooks()
    assert paths and paths[0].name == "00_preface.ipynb"
    assert all(p.suffix == ".ipynb" and p.exists() for p in paths)


def test_normalise_strips_volatile_metadata_and_keeps_ids() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1"), nbformat.v4.new_markdown_cell("x"), nbformat.v4.new_code_cell("2")]
    nb.cells[0]["id"] = "keepme"
    nb.cells[2]["id"] = "keepme"  # a duplicate gets a fresh, deterministic id
    nb.cells[0].metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    out = ex.normalise(nb, "demo")
    nbformat.validate(out)
    assert out.cells[0]["id"] == "keepme" and out.cells[2]["id"] not in ("keepme", out.cells[1]["id"])
    assert "execution" not in out.cells[0].metadata
    assert out.metadata["language_info"] == {"name": "python"}
    assert out.metadata["kernelspec"]["name"] == "python3"
    again = ex.normalise(nbformat.from_dict(out), "demo")
    assert [c["id"] for c in again.cells] == [c["id"] for c in out.cells]


def test_kernel_environment_is_cpu_single_threaded_and_inline() -> None:
    env = ex.kernel_environment()
    assert env["CUDA_VISIBLE_DEVICES"] == "" and env["OMP_NUM_THREADS"] == "1" and env["TQDM_DISABLE"] == "1"
    assert "MPLBACKEND" not in env
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(ex.ROOT)
