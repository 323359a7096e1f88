"""The project tools: the execution of record's helpers (and its statistics), the small Sphinx extensions, the
book's offline assets and its PDF."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import yaml

from tools import cdn_copies, print_pdf
from tools import execute_notebooks as ex
from tools import sphinx_execution_stats as stats
from tools import sphinx_offline_assets as assets
from tools.sphinx_dedupe import dedupe_scripts
from tools.sphinx_page_fixes import require_config
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


# The execution statistics (book/_execution_stats.json) and the page that shows them.

MACHINE = {"cpu_count": 2, "cpu_model": "Test CPU", "torch": "2.13.0+cpu", "python": "3.11.7"}


def _run(path: Path, wall: float, peak: float | None = 300.4, attempts: int = 1) -> ex.NotebookRun:
    return ex.NotebookRun(path=path, wall_s=wall, peak_rss_mib=peak, attempts=attempts)


def test_record_stats_merges_with_the_entries_of_other_notebooks(tmp_path, monkeypatch) -> None:
    book = tmp_path / "book"
    book.mkdir()
    a, b, gone = (book / f"{n}.ipynb" for n in ("a", "b", "gone"))
    for path in (a, b, gone):
        path.write_text("{}", encoding="utf-8")
    target = book / "_execution_stats.json"
    first = ex.record_stats(
        [_run(a, 12.345), _run(b, 3.0, None), _run(gone, 1.0)],
        target,
        date="2026-01-01",
        machine_info=MACHINE,
        root=tmp_path,
    )
    assert list(first) == ["book/a.ipynb", "book/b.ipynb", "book/gone.ipynb"]
    assert first["book/a.ipynb"] == {
        "wall_s": 12.3,
        "peak_rss_mib": 300,
        "attempts": 1,
        "date": "2026-01-01",
        **MACHINE,
    }
    assert first["book/b.ipynb"]["peak_rss_mib"] is None
    gone.unlink()
    writes = []
    monkeypatch.setattr(ex, "write_text", lambda path, text: writes.append(path) or Path(path).write_text(text))
    other = dict(MACHINE, cpu_count=16)
    second = ex.record_stats([_run(a, 7.0, attempts=2)], target, date="2026-02-02", machine_info=other, root=tmp_path)
    assert writes == [target], "the file is written through mmcl.storage.atomic.write_text"
    assert list(second) == ["book/a.ipynb", "book/b.ipynb"], "kept b, dropped the entry of a deleted notebook"
    assert second["book/a.ipynb"] == {"wall_s": 7.0, "peak_rss_mib": 300, "attempts": 2, "date": "2026-02-02", **other}
    assert second["book/b.ipynb"] == first["book/b.ipynb"]
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data == {"schema": ex.STATS_SCHEMA, "notebooks": second} and ex.read_stats(target) == second
    assert [p.name for p in book.iterdir() if p.name.startswith(".")] == [], "no temporary file left"


def test_read_stats_refuses_a_file_of_another_kind(tmp_path) -> None:
    assert ex.read_stats(tmp_path / "missing.json") == {}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"notebooks": []}), encoding="utf-8")
    with pytest.raises(ValueError, match="not an execution statistics file"):
        ex.read_stats(bad)


def test_machine_names_cpus_and_versions() -> None:
    info = ex.machine()
    assert info["cpu_count"] == os.cpu_count() and info["cpu_model"] and info["python"].count(".") == 2
    assert set(info) == {"cpu_count", "cpu_model", "torch", "python"}


def test_committed_stats_cover_every_notebook_of_the_toc() -> None:
    entries = ex.read_stats()
    assert entries, f"{ex.STATS.relative_to(ex.ROOT)} is missing: run `make notebooks`"
    notebooks = [p.relative_to(ex.ROOT).as_posix() for p in ex.toc_notebooks()]
    assert stats.missing(entries, [stats.docname(n) for n in notebooks]) == []
    for entry in entries.values():
        assert entry["wall_s"] > 0 and entry["date"] and entry["cpu_count"] and entry["torch"]


def test_main_records_each_executed_notebook(tmp_path, capsys) -> None:
    path = _notebook(tmp_path, "tiny.ipynb", "print(1 + 1)")
    target = tmp_path / "stats.json"
    assert ex.main([str(path), "--stats", str(target)]) == 0
    entries = ex.read_stats(target)
    assert list(entries) == [path.resolve().as_posix()]
    entry = entries[path.resolve().as_posix()]
    assert entry["wall_s"] > 0 and entry["attempts"] == 1 and entry["cpu_count"] == os.cpu_count()
    assert "statistics:" in capsys.readouterr().out


def _entry(wall: float, **extra: object) -> dict:
    return {"wall_s": wall, "peak_rss_mib": 250, "attempts": 1, "date": "2026-01-01", **MACHINE, **extra}


def _build(src: Path, stats_file: dict | None) -> tuple[str, str]:
    """A tiny Sphinx project (index, one chapter, the statistics page); returns the page's HTML and the warnings."""
    from sphinx.application import Sphinx

    src.mkdir(parents=True, exist_ok=True)
    (src / "conf.py").write_text('extensions = ["tools.sphinx_execution_stats"]\n', encoding="utf-8")
    (src / "index.rst").write_text("Book\n====\n\n.. toctree::\n\n   chap\n   stats\n", encoding="utf-8")
    (src / "chap.rst").write_text("1. The chapter\n==============\n\nText.\n", encoding="utf-8")
    page = "Statistics\n==========\n\n.. execution-statistics:: _execution_stats.json\n"
    (src / "stats.rst").write_text(page, encoding="utf-8")
    if stats_file is not None:
        (src / "_execution_stats.json").write_text(json.dumps(stats_file), encoding="utf-8")
    warnings = io.StringIO()
    app = Sphinx(src, src, src / "_build", src / "_doctrees", "html", status=None, warning=warnings, freshenv=True)
    app.build()
    return (src / "_build" / "stats.html").read_text(encoding="utf-8"), warnings.getvalue()


def test_statistics_page_renders_the_table_from_the_file(tmp_path) -> None:
    data = {"schema": 1, "notebooks": {"chap.ipynb": _entry(12.34), "removed.ipynb": _entry(99.0)}}
    html, warnings = _build(tmp_path / "one", data)
    assert warnings == ""
    table = html[html.index("<table") : html.index("</table>")]
    assert "execution-statistics" in table and "Peak memory (MiB)" in table
    assert '<a class="reference internal" href="chap.html">' in table and "1. The chapter" in table
    assert "12.3" in table and "250" in table and "2026-01-01" in table and "Total" in table
    assert "99.0" not in table, "an entry whose page is not in the build is not shown"
    assert "Every chapter was executed on one machine: 2 CPUs (Test CPU), PyTorch 2.13.0+cpu" in html
    data["notebooks"]["chap.ipynb"]["cpu_count"] = 16
    data["notebooks"]["index.ipynb"] = _entry(1.0)
    html, _ = _build(tmp_path / "two", data)
    table = html[html.index("<table") : html.index("</table>")]
    assert "Machine" in table and "16 CPUs (Test CPU)" in table and "13.3" in table, "machines differ: a column"


def test_statistics_page_fails_the_build_without_its_file(tmp_path) -> None:
    from sphinx.errors import SphinxError

    with pytest.raises(SphinxError, match="_execution_stats.json not found: .*make notebooks"):
        _build(tmp_path / "none", None)
    with pytest.raises(SphinxError, match="not an execution statistics file"):
        _build(tmp_path / "bad", {"schema": 2, "notebooks": {}})


def test_statistics_name_the_notebooks_without_an_entry() -> None:
    entries = {"book/a.ipynb": _entry(1.0)}
    assert stats.missing(entries, ["book/a", "book/b"]) == ["book/b"]
    assert stats.machine_text({"cpu_count": 1}) == "1 CPU" and stats.machine_text({}) == "unknown machine"


# The offline site: MathJax and the widget scripts served from _static/ (tools/sphinx_offline_assets.py).


def test_config_points_every_script_at_an_asset_of_package_json() -> None:
    config = yaml.safe_load((ex.ROOT / "_config.yml").read_text(encoding="utf-8"))["sphinx"]
    assert "sphinx_offline_assets" in config["local_extensions"]
    paths = [config["config"]["mathjax_path"], *config["config"]["nb_ipywidgets_js"]]
    pinned = cdn_copies.packages()
    for path in paths:
        asset = next((a for a in assets.ASSETS if assets.local_url(a, path)), None)
        assert asset is not None and asset.package in pinned, f"{path}: no asset of package.json serves it"
    assert [a.package for a in assets.ASSETS] == list(pinned)


def test_cdn_fallback_points_the_settings_at_the_pinned_versions() -> None:
    versions = {"mathjax": "3.2.2", "requirejs": "2.3.4", "@jupyter-widgets/html-manager": "1.0.6"}
    config = SimpleNamespace(
        mathjax_path="mathjax/es5/tex-mml-chtml.js",
        nb_ipywidgets_js={"requirejs/require.js": {}, "@jupyter-widgets/html-manager/dist/embed-amd.js": {"a": "b"}},
    )
    assets.use_cdn(config, versions)
    assert config.mathjax_path == "https://cdn.jsdelivr.net/npm/mathjax@3.2.2/es5/tex-mml-chtml.js"
    assert config.nb_ipywidgets_js == {
        "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.4/require.min.js": {},
        "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6/dist/embed-amd.js": {"a": "b"},
    }
    assert assets.cdn_url("other.js", versions) == "other.js"


def _app(tmp_path: Path) -> SimpleNamespace:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "package.json").write_text((ex.ROOT / "package.json").read_text(encoding="utf-8"), encoding="utf-8")
    config = SimpleNamespace(mathjax_path="mathjax/es5/tex-mml-chtml.js", nb_ipywidgets_js={"requirejs/require.js": {}})
    return SimpleNamespace(
        builder=SimpleNamespace(format="html"), srcdir=str(tmp_path), outdir=str(tmp_path / "out"), config=config
    )


def test_assets_are_copied_into_the_site(tmp_path, monkeypatch) -> None:
    modules = tmp_path / "node_modules"
    for asset in assets.ASSETS:
        source = modules / asset.package / asset.source
        if "." in asset.source:
            source.parent.mkdir(parents=True, exist_ok=True)
            source.write_text("// js", encoding="utf-8")
        else:
            (source / "sub").mkdir(parents=True)
            (source / "sub" / "a.js").write_text("// js", encoding="utf-8")
            (source / "a.js.map").write_text("{}", encoding="utf-8")
    fetched = []
    monkeypatch.setattr(cdn_copies, "fetch", lambda name, version, into: fetched.append((name, into)) or False)
    app = _app(tmp_path)
    assets.install_assets(app)
    static = tmp_path / "out" / "_static"
    assert [name for name, _ in fetched] == [a.package for a in assets.ASSETS] and fetched[0][1] == modules
    assert (static / "mathjax/es5/sub/a.js").exists() and (static / "requirejs/require.js").exists()
    assert (static / "@jupyter-widgets/html-manager/dist/sub/a.js").exists()
    assert not (static / "@jupyter-widgets/html-manager/dist/a.js.map").exists(), "source maps are left out"
    assert (static / "mathjax/es5/a.js.map").exists(), "MathJax's folder is copied whole"
    assert app.config.mathjax_path == "mathjax/es5/tex-mml-chtml.js", "the local paths are kept"


def test_without_npm_the_site_falls_back_to_the_cdn_or_fails_when_required(tmp_path, monkeypatch, capsys) -> None:
    def no_npm(name: str, version: str, into: Path) -> bool:
        raise RuntimeError("npm is needed to fetch the CDN copies (Debian: apt-get install npm)")

    monkeypatch.setattr(cdn_copies, "fetch", no_npm)
    monkeypatch.delenv("MMCL_E2E_REQUIRED", raising=False)
    monkeypatch.delenv("MMCL_OFFLINE_ASSETS", raising=False)
    messages = []
    monkeypatch.setattr(assets.logger, "info", lambda message, *a, **k: messages.append(str(message)))
    app = _app(tmp_path)
    assets.install_assets(app)
    assert app.config.mathjax_path.startswith("https://cdn.jsdelivr.net/npm/mathjax@3.2.2/")
    assert list(app.config.nb_ipywidgets_js) == [
        "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.4/require.min.js"
    ]
    assert any("WARNING: offline assets" in m and "npm" in m for m in messages)
    monkeypatch.setenv("MMCL_OFFLINE_ASSETS", "1")
    from sphinx.errors import ExtensionError

    with pytest.raises(ExtensionError, match="could not install the npm packages"):
        assets.install_assets(_app(tmp_path / "strict"))


def test_the_pdf_button_links_the_site_root() -> None:
    group = {"label": "download-buttons", "buttons": []}
    context = {"header_buttons": [group], "pathto": lambda name, resource: f"../{name}"}
    assets.add_pdf_button(None, "book/x", "page.html", context, None)
    assert [(b["url"], b["label"]) for b in group["buttons"]] == [("../mmcl-book.pdf", "download-book-pdf-button")]


def test_require_config_is_relative_to_the_page_for_local_scripts() -> None:
    local = "_static/@jupyter-widgets/html-manager/dist/embed-amd.js?v=1"
    config = require_config(local, lambda name, resource: "../" + name)
    assert '"../_static/@jupyter-widgets/html-manager/dist"' in config
    cdn = "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6/dist/embed-amd.js"
    assert '"https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6/dist"' in require_config(cdn, None)


# The book's PDF (tools/print_pdf.py; the PDF itself is checked by tests/e2e/test_pdf.py after `make pdf`).


def test_pdf_follows_the_toc() -> None:
    pages = print_pdf.toc_pages()
    assert pages[0] == "book/00_preface" and "book/execution_statistics" in pages
    assert [f"book/{p.stem}" for p in ex.toc_notebooks()] == [p for p in pages if (ex.ROOT / f"{p}.ipynb").exists()]


def test_pdf_names_what_a_page_would_miss() -> None:
    state = {
        "figuresBroken": [],
        "figuresHidden": ["a.png"],
        "math": 3,
        "mathTypeset": 3,
        "mathErrors": 0,
        "mathEmpty": [],
        "rawTex": [],
        "mathHidden": 0,
        "tables": 1,
        "tablesHidden": 0,
        "codeCells": 2,
        "codeHidden": 0,
        "sidebarsShown": 1,
    }
    found = print_pdf.problems("book/x", state, {"views": 1, "rendered": False})
    assert found == [
        "book/x: the stored widgets did not render",
        "book/x: figures hidden in print: ['a.png']",
        "book/x: the navigation or a sidebar shows in print",
    ]
    state.update(figuresHidden=[], sidebarsShown=0)
    assert print_pdf.problems("book/x", state, {"views": 0, "rendered": True}) == []
    state.update(rawTex=["network $$x"], mathEmpty=["Then"])
    assert print_pdf.problems("book/x", state, {"views": 0, "rendered": True}) == [
        "book/x: TeX printed as text (a formula MyST did not parse): ['network $$x']",
        "book/x: empty formulas (TeX source: two $$ lines in a row?) after ['Then']",
    ]
