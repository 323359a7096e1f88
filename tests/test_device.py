"""Device handling: 'auto' resolves, and no code path assumes CPU tensors when converting to NumPy."""

from __future__ import annotations

import re
from pathlib import Path

import torch

from mmcl.model.trainer import resolve_device

PACKAGE = Path(__file__).resolve().parents[1] / "mmcl"


def test_auto_device() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu").type == "cpu"


def test_numpy_conversions_go_through_cpu() -> None:
    """Every ``.numpy()`` on a tensor in the package is preceded by ``.cpu()`` (CUDA tensors cannot convert
    directly)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            for match in re.finditer(r"\.numpy\(\)", line):
                if not line[: match.start()].endswith(".cpu()"):
                    offenders.append(f"{path.name}:{lineno}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
