"""Fetch local copies of the scripts that stock pages load from CDNs, for the site to serve itself (offline).

Usage::

    python -m tools.cdn_copies            # into node_modules/ (ignored by git and by the book build)

Stock Jupyter Book pages load MathJax 3 and ``@jupyter-widgets/html-manager`` from jsdelivr and require.js from
cdnjs. jsdelivr serves the files of the published npm package, so the same files unpacked from the npm registry can
replace them: the book build (``tools/sphinx_offline_assets.py``) calls :func:`fetch` and copies them into the site's
``_static/``. The packages and exact versions are the ``devDependencies`` of ``package.json``. Each one is fetched
with ``npm pack`` and unpacked into ``node_modules/<name>/``, without its dependencies: the CDN bundles are
self-contained, and ``npm install`` would add about 250 MB of build-time dependencies and a minute and a half.
A package already unpacked at the right version is left alone.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["packages", "installed_version", "fetch", "main"]


def packages(manifest: Path = ROOT / "package.json") -> dict[str, str]:
    """``{name: exact version}`` from ``package.json``'s ``devDependencies`` (ranges are refused)."""
    specs = json.loads(manifest.read_text(encoding="utf-8")).get("devDependencies", {})
    for name, version in specs.items():
        if not version[:1].isdigit():
            raise ValueError(f"package.json: pin {name} to an exact version, got {version!r}")
    return dict(specs)


def installed_version(name: str, modules: Path = ROOT / "node_modules") -> str | None:
    """The version of ``name`` unpacked under ``modules`` (``None`` if absent)."""
    manifest = modules / name / "package.json"
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("version")


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise ValueError(f"refusing to unpack {member.name!r}")
        members.append(member)
    return members


def fetch(name: str, version: str, modules: Path = ROOT / "node_modules") -> bool:
    """Unpack ``name@version`` into ``modules/name`` with ``npm pack``; returns False when it was already there."""
    if installed_version(name, modules) == version:
        return False
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to fetch the CDN copies (Debian: apt-get install npm)")
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [npm, "pack", f"{name}@{version}", "--silent", "--pack-destination", tmp],
            check=True,
            capture_output=True,
            text=True,
        )
        tarball = Path(tmp) / result.stdout.strip().splitlines()[-1]
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(tarball) as archive:
            extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            archive.extractall(unpacked, members=_safe_members(archive), **extra)
        target = modules / name
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(unpacked / "package"), target)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.cdn_copies", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--into", type=Path, default=ROOT / "node_modules", help="target folder (default: node_modules)"
    )
    args = parser.parse_args(argv)
    for name, version in packages().items():
        fetched = fetch(name, version, args.into)
        print(f"{name}@{version}: {'fetched' if fetched else 'present'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
