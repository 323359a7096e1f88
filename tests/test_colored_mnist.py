"""ColoredMNIST construction: label-noise rate, colour agreement in train and test, the derangement, shapes, dtypes."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from mmcl.cmnist import dataset as cm

N = 20_000


@pytest.fixture(scope="module")
def synthetic_digits() -> tuple[np.ndarray, np.ndarray]:
    """Random grey 'digits' with balanced labels: the colour and noise rules do not look at the pixels."""
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (N, 14, 14), dtype=np.uint8), np.arange(N) % 10


def _binomial_ok(rate: float, p: float, n: int) -> bool:
    return abs(rate - p) < 5 * np.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("split", ["train", "test"])
def test_label_noise_and_colour_agreement_rates(synthetic_digits, split):
    digits, labels = synthetic_digits
    data = cm.make_colored(digits, labels, split, seed=3)
    wrong = (data.labels != data.true_labels).double().mean().item()
    assert _binomial_ok(wrong, cm.LABEL_NOISE * 9 / 10, N)  # replaced by a uniform class: 1 in 10 keeps its label
    assert _binomial_ok(data.colour_agreement(), cm.COLOUR_AGREEMENT, N)
    rule = torch.as_tensor(cm.TEST_COLOUR if split == "test" else range(10))[data.labels]
    off = data.colours != rule
    assert off.any() and bool((data.colours[off] != rule[off]).all())  # "other" colours exclude the assigned one
    others = (data.colours[off] - rule[off]) % 10  # uniform over the nine other colours
    counts = torch.bincount(others, minlength=10)[1:].double()
    assert counts.min() > 0.8 * counts.mean()
    train_colour = data.colours == data.labels  # colour of the label under the *training* mapping
    expected = cm.COLOUR_AGREEMENT if split == "train" else (1 - cm.COLOUR_AGREEMENT) / 9
    assert _binomial_ok(train_colour.double().mean().item(), expected, N)


def test_test_mapping_is_a_derangement_matching_the_paper():
    assert sorted(cm.TEST_COLOUR) == list(range(10))
    assert all(cm.TEST_COLOUR[k] != k for k in range(10))
    assert cm.COLOUR_NAMES[0] == "red" and cm.COLOUR_NAMES[1] == "green"
    assert cm.COLOUR_NAMES[cm.TEST_COLOUR[0]] == "green" and cm.COLOUR_NAMES[cm.TEST_COLOUR[1]] == "red"
    assert len({tuple(c) for c in cm.PALETTE}) == 10 and cm.PALETTE.max(1).min() == 255  # distinct, full value


def test_shapes_dtypes_and_rendering(synthetic_digits):
    digits, labels = synthetic_digits
    data = cm.make_colored(digits[:50], labels[:50], "train", seed=0)
    images = data.images()
    assert images.shape == (50, 3, 14, 14) and images.dtype == torch.float32
    assert float(images.min()) >= 0 and float(images.max()) <= 1
    k = 7
    expected = (
        torch.from_numpy(digits[k]).float()[None]
        / 255
        * torch.from_numpy(cm.PALETTE[int(data.colours[k])]).float()[:, None, None]
        / 255
    )
    torch.testing.assert_close(images[k], expected)
    captions = data.captions()
    assert captions.shape == (50, 20) and captions.sum(1).eq(2).all()
    assert captions[:, :10].argmax(1).equal(data.true_labels) and captions[:, 10:].argmax(1).equal(data.colours)
    assert data.captions("noisy")[:, :10].argmax(1).equal(data.labels)
    for t in (data.labels, data.true_labels, data.colours):
        assert t.dtype == torch.int64 and t.shape == (50,)


def test_seeds_are_reproducible_and_distinct(synthetic_digits):
    digits, labels = synthetic_digits
    a, b, c = (cm.make_colored(digits[:500], labels[:500], "train", s) for s in (1, 1, 2))
    assert a.colours.equal(b.colours) and a.labels.equal(b.labels)
    assert not a.colours.equal(c.colours)
    test = cm.make_colored(digits[:500], labels[:500], "test", 1)
    assert not test.colours.equal(a.colours)  # the test split draws from its own stream


def test_downsample_averages_blocks():
    images = np.zeros((1, 28, 28), dtype=np.uint8)
    images[0, :2, :2] = [[255, 255], [0, 1]]
    small = cm.downsample(images, 14)
    assert small.shape == (1, 14, 14) and small.dtype == np.uint8 and small[0, 0, 0] == 128 and small[0, 1:].sum() == 0
    with pytest.raises(ValueError, match="size must divide"):
        cm.downsample(images, 10)


def test_bad_arguments_are_rejected(synthetic_digits):
    digits, labels = synthetic_digits
    with pytest.raises(ValueError, match="split"):
        cm.make_colored(digits[:5], labels[:5], "val", 0)
    with pytest.raises(ValueError, match="seed"):
        cm.make_colored(digits[:5], labels[:5], "train", -1)
    with pytest.raises(ValueError, match="uint8"):
        cm.make_colored(digits[:5].astype(np.float32), labels[:5], "train", 0)


@pytest.mark.skipif(
    not os.environ.get("MMCL_DATA_DIR"),
    reason="real MNIST needed: set MMCL_DATA_DIR to a folder with the four MNIST files",
)
def test_real_colored_mnist_slice():
    data = cm.colored_mnist("test", seed=0, n=2000)
    assert len(data) == 2000 and data.digits.shape == (2000, 14, 14) and data.digits.dtype == torch.uint8
    assert data.true_labels[:5].tolist() == [7, 2, 1, 0, 4]  # the first MNIST test labels
    assert abs(data.colour_agreement() - cm.COLOUR_AGREEMENT) < 0.05
    with pytest.raises(ValueError, match="n must be between"):
        cm.colored_mnist("test", seed=0, n=20_000)


def test_colour_only_accuracy_matches_its_expectation(synthetic_digits):
    digits, labels = synthetic_digits
    for split in ("train", "test"):
        data = cm.make_colored(digits, labels, split, seed=5)
        assert _binomial_ok(
            cm.colour_only_accuracy(data.labels, data.colours), cm.expected_colour_only_accuracy(split), N
        )
    assert cm.expected_colour_only_accuracy("test") == pytest.approx(0.025)
    with pytest.raises(ValueError, match="same shape"):
        cm.colour_only_accuracy(torch.zeros(3), torch.zeros(4))
