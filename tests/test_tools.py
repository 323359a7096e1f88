"""The project tools: the execution of record's helpers and the two small Sphinx extensions."""

from __future__ import annotations

import os
from types import SimpleNamespace

import nbformat
import pytest

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
    context = {
        "script_files": [
            script("a.js"),
            script(None, body="const X = 1"),
            script("", body="const X = 1"),
            script("a.js"),
            script("b.js", defer="defer"),
        ]
    }
    dedupe_scripts(None, "page", "page.html", context, None)
    assert [(s.filename, s.attributes) for s in context["script_files"]] == [
        ("a.js", {}),
        (None, {"body": "const X = 1"}),
        ("b.js", {"defer": "defer"}),
    ]


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


# The watchdog of the execution of record. Each test starts a few real kernels: about 15 s in all.


def _notebook(folder, name: str, *sources: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    path = folder / name
    nbformat.write(nb, path)
    return path


# A lost reply, as once on chapter 2: the kernel runs the cell and goes idle, but its reply never reaches the client.
LOSE_REPLIES = "session = get_ipython().kernel.session\nsession.send = lambda *a, **k: {'content': {'status': 'ok'}}"


def test_watchdog_retries_a_hung_notebook_once_then_names_notebook_and_cell(tmp_path, capsys) -> None:
    path = _notebook(tmp_path, "lost_reply.ipynb", "x = 1", LOSE_REPLIES, "y = 2")
    stored = path.read_bytes()
    with pytest.raises(ex.NotebookHang) as raised:
        ex.execute(path, stall=2, wall=60)
    hang = raised.value
    assert (hang.path, hang.cell_index, hang.first_line, hang.attempts) == (
        path.resolve(),
        1,
        "session = get_ipython().kernel.session",
        2,
    )
    assert "no cell completed for 2 s" in str(hang)
    err = capsys.readouterr().err
    assert err.count("HUNG") == 2 and err.count("retrying") == 1, err
    assert "lost_reply.ipynb hung at cell 1 ('session = get_ipython().kernel.session')" in err
    assert path.read_bytes() == stored, "the stored notebook is left untouched"
    with pytest.raises(ProcessLookupError):  # the kernel was ended (and reaped)
        os.kill(hang.kernel_pid, 0)


def test_watchdog_wall_limit_fails_main_with_a_clear_error(tmp_path, capsys) -> None:
    path = _notebook(tmp_path, "slow.ipynb", *["import time\ntime.sleep(0.5)"] * 30)  # cells complete, but too slowly
    stored = path.read_bytes()
    assert ex.main([str(path), "--stall", "30", "--wall", "3"]) == 1
    err = capsys.readouterr().err
    assert err.count("HUNG") == 2 and "still running after the wall limit of 3 s" in err
    assert "FAILED" in err and "slow.ipynb hung at cell" in err and "the stored notebook is unchanged" in err
    assert path.read_bytes() == stored


def test_execute_returns_wall_time_and_peak_memory(tmp_path, capsys) -> None:
    path = _notebook(
        tmp_path, "ok.ipynb", "import numpy as np\nblock = np.ones(2**25)  # 256 MiB", "print(block.sum())"
    )
    run = ex.execute(path, stall=60, wall=120)
    assert isinstance(run, ex.NotebookRun) and run.path == path.resolve() and run.attempts == 1
    assert 0 < run.wall_s < 120
    assert run.peak_rss_mib is not None and run.peak_rss_mib > 256
    assert nbformat.read(path, as_version=4).cells[1].outputs[0]["text"].strip() == f"{2.0**25}"
    assert "HUNG" not in capsys.readouterr().err
