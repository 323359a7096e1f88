"""The command line: JSON schema of `synthetic`, Figure 1 files, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mmcl.cli import main

SMALL = ["--n", "10", "--d", "40", "--m", "5", "--n-test", "20", "--epochs", "6", "--quiet"]


def test_synthetic_writes_the_documented_record(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    assert main(["synthetic", "--mode", "both", "--seeds", "2", "--out", str(out), *SMALL]) == 0
    record = json.loads(out.read_text())
    assert set(record) >= {"config", "runs", "summary"}
    assert record["config"]["n"] == 10 and record["config"]["tau"] == 0.1
    assert sorted(record["summary"]) == ["multi", "single"]
    assert set(record["summary"]["single"]) == {"test_accuracy_mean", "test_accuracy_std", "final_train_loss_mean"}
    assert len(record["runs"]) == 4
    for r in record["runs"]:
        assert r["mode"] in ("single", "multi") and isinstance(r["seed"], int)
        for key in ("train_loss", "signal_learning", "noise_memorization"):
            assert len(r[key]) == 7
        assert 0.0 <= r["test_accuracy"] <= 1.0
    assert not list(tmp_path.glob(".*tmp"))  # no temporary file left behind
    assert record["provenance"]["command"] == "python -m mmcl synthetic --mode both --seeds 2 --out " + str(
        out
    ) + " " + " ".join(SMALL)


def test_single_mode_only(tmp_path: Path) -> None:
    out = tmp_path / "single.json"
    assert main(["synthetic", "--mode", "single", "--seeds", "1", "--out", str(out), *SMALL]) == 0
    assert list(json.loads(out.read_text())["summary"]) == ["single"]


def test_figure1_writes_png_and_json(tmp_path: Path) -> None:
    assert main(["figure1", "--out", str(tmp_path / "fig"), "--seeds", "5", *SMALL]) == 0
    png = tmp_path / "fig" / "figure1.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(json.loads((tmp_path / "fig" / "figure1.json").read_text())["runs"]) == 10


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["synthetic", "--n", "1", "--out", "x.json"], "n must be"),
        (["synthetic", "--tau", "0", "--out", "x.json"], "tau must be"),
        (["synthetic", "--seeds", "0", "--out", "x.json"], "--seeds"),
        (["figure1", "--seeds", "3", "--out", "d"], "--seeds must be >= 5"),
        (["synthetic", "--device", "tpu", "--out", "x.json"], "invalid choice"),
    ],
)
def test_errors_are_one_line_exit_2(tmp_path: Path, argv: list[str], needle: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mmcl", *argv, "--quiet"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert needle in lines[-1]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.json").exists()
