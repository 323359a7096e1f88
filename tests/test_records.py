"""Result records: atomic JSON writes with ordinary file permissions, and clear errors on reading."""

from __future__ import annotations

import math
import os
import stat

import pytest

from mmcl.storage.records import read_json, write_json


def test_write_json_is_atomic_readable_and_leaves_no_temporary_file(tmp_path):
    path = write_json(tmp_path / "sub" / "r.json", {"a": [1, 2.5]})
    assert read_json(path) == {"a": [1, 2.5]}
    assert [p.name for p in path.parent.iterdir()] == ["r.json"]
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask  # as open() would create it, not mkstemp's 0600


def test_write_json_refuses_nan_and_keeps_the_old_file(tmp_path):
    path = write_json(tmp_path / "r.json", {"a": 1})
    with pytest.raises(ValueError):
        write_json(path, {"a": math.nan})
    assert read_json(path) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_read_json_reports_a_broken_file(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="not a valid JSON file"):
        read_json(broken)


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    from mmcl.storage import atomic

    path = atomic.write_text(tmp_path / "t.md", "old\n")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        atomic.write_bytes(path, b"new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.md"]
