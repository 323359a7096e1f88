"""The paper's 10-class ColoredMNIST (§6, Table 1): digit shape is the invariant feature, colour the spurious one.

Construction (the paper's rules, with every point it leaves open decided here and marked *ours*):

* **Digits.** MNIST digits, downsampled from 28×28 to ``size``×``size`` (default 14, the size of IRM's
  ColoredMNIST, which keeps every second pixel; here by averaging 2×2 blocks; *ours*, for speed) and painted in one
  colour: an image is ``3 × size × size`` with pixel ``grey/255 · colour/255`` on a black background.
* **Label noise.** With probability :data:`LABEL_NOISE` = 0.1 a digit's label is replaced by a class drawn uniformly
  from all ten (*ours*: "a random class" may be the true one, so 9 % of labels are wrong in expectation and a
  shape-only classifier scores at most about 91 %).
* **Colour.** Drawn from the *noisy* label, as in IRM's ColoredMNIST (*ours*): with probability
  :data:`COLOUR_AGREEMENT` = 0.775 the class colour, otherwise one of the nine *other* colours uniformly (*ours*:
  "a random other colour" excludes the class colour). So colour agrees with the label 77.5 % of the time and shape
  90 % (+1 % by chance): in the terms of Wang et al. (the paper's [54]) ``p_spu = 0.775`` and ``p_inv = 0.9``.
* **Class colours.** :data:`PALETTE`: ten fully saturated hues at least 30° apart on the colour wheel, class 0
  red and class 1 green as in the paper's example (*ours*). Every colour has its largest channel at 255, so a
  colour is told apart from another by the *ratios* of its channels, whatever the stroke intensity; with palettes
  that contain two shades of one hue (e.g. green and dark green), a faint green digit and a bold dark-green one are
  confusable and colour stops being a clean feature.
* **Test split.** MNIST's test digits with the same label noise and the colour rule applied to the deranged mapping
  :data:`TEST_COLOUR`: class ``k`` gets the training colour of class ``TEST_COLOUR[k]``. The paper gives 0 → green,
  1 → red; for 2–9 we use the cyclic shift 2 → 3 → … → 9 → 2 (*ours*). No class keeps its colour, so a colour-only
  classifier predicts a wrong class whenever the colour follows the rule (77.5 %) and scores about 2.5 %.
* **Caption** (the second modality): it describes the image — the digit drawn and its colour. By default the
  digit is the *true* one (*ours*: an ideal caption describes what is in the image; the 10 % noise is noise in the
  downstream labels); ``captions("noisy")`` uses the noisy label instead, the caption ablation of Table 1. The ideal
  language encoder (§6, following [54]) turns a caption into ``[one-hot(digit), one-hot(colour)] ∈ {0, 1}²⁰``.

Randomness: each split of a seed draws from its own ``numpy`` stream (``SeedSequence([seed, split])``), so a seed
fixes the dataset, independently of anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .mnist import load_mnist

__all__ = [
    "ColoredMNIST",
    "colored_mnist",
    "colour_only_accuracy",
    "expected_colour_only_accuracy",
    "make_colored",
    "colourise",
    "downsample",
    "PALETTE",
    "COLOUR_NAMES",
    "TEST_COLOUR",
    "LABEL_NOISE",
    "COLOUR_AGREEMENT",
    "CLASSES",
]

CLASSES = 10
LABEL_NOISE = 0.1
"""Probability that a label is replaced by a uniformly random class."""
COLOUR_AGREEMENT = 0.775
"""Probability that a digit is painted in its (noisy) label's colour."""

PALETTE = np.array(
    [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 255, 255],
     [255, 0, 255], [255, 128, 0], [128, 0, 255], [0, 128, 255], [255, 0, 128]],
    dtype=np.uint8,
)  # fmt: skip
"""Training colour of each class (RGB, 0–255)."""
COLOUR_NAMES = ("red", "green", "blue", "yellow", "cyan", "magenta", "orange", "violet", "azure", "rose")
TEST_COLOUR = (1, 0, 3, 4, 5, 6, 7, 8, 9, 2)
"""Test-time derangement: class ``k`` is painted in ``PALETTE[TEST_COLOUR[k]]`` (0 ↔ 1 swapped, 2 → 3 → … → 9 → 2)."""

_SPLIT_CODE = {"train": 0, "test": 1}


@dataclass(frozen=True)
class ColoredMNIST:
    """One ColoredMNIST split: grey digits plus the drawn labels and colours (images are rendered on demand)."""

    digits: torch.Tensor  # (N, size, size) uint8 grey digits
    labels: torch.Tensor  # (N,) int64 noisy labels: the probe's target
    true_labels: torch.Tensor  # (N,) int64 MNIST labels
    colours: torch.Tensor  # (N,) int64 palette index of each digit's colour
    split: str

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def size(self) -> int:
        return int(self.digits.shape[-1])

    def images(self) -> torch.Tensor:
        """All images, ``float32`` of shape ``(N, 3, size, size)`` with values in ``[0, 1]``."""
        return colourise(self.digits, torch.from_numpy(PALETTE).to(torch.float32)[self.colours] / 255)

    def captions(self, digit: str = "true") -> torch.Tensor:
        """The ideal language encoder's features ``[one-hot(digit), one-hot(colour)]``, ``(N, 20)`` float32.

        ``digit="true"``: the digit drawn (default); ``"noisy"``: the noisy label.
        """
        if digit not in ("true", "noisy"):
            raise ValueError(f"digit must be 'true' or 'noisy', got {digit!r}")
        eye = torch.eye(CLASSES)
        return torch.cat([eye[self.true_labels if digit == "true" else self.labels], eye[self.colours]], dim=1)

    def colour_agreement(self) -> float:
        """Fraction of digits painted in the colour the split's rule assigns to their label."""
        rule = torch.as_tensor(TEST_COLOUR if self.split == "test" else range(CLASSES))
        return float((self.colours == rule[self.labels]).to(torch.float64).mean())


def colour_only_accuracy(labels: torch.Tensor, colours: torch.Tensor) -> float:
    """Accuracy of the colour-only rule "predict the class whose *training* colour the digit wears"
    (colour index = class)."""
    labels, colours = torch.as_tensor(labels), torch.as_tensor(colours)
    if labels.shape != colours.shape:
        raise ValueError(
            f"labels and colours must have the same shape, got {tuple(labels.shape)} and {tuple(colours.shape)}"
        )
    return float((labels == colours).to(torch.float64).mean())


def expected_colour_only_accuracy(split: str, agreement: float = COLOUR_AGREEMENT) -> float:
    """Expected value of :func:`colour_only_accuracy` under the colour rule: ``p`` in training, ``(1 − p)/9`` at test.

    At test the rule paints class ``k`` in the training colour of ``TEST_COLOUR[k] ≠ k``; the digit wears its own
    training colour only when it gets one of the nine other colours and that one happens to be its own.
    """
    if split not in _SPLIT_CODE:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if not 0 <= agreement <= 1:
        raise ValueError(f"agreement must be in [0, 1], got {agreement}")
    return agreement if split == "train" else (1 - agreement) / (CLASSES - 1)


def colourise(digits: torch.Tensor, rgb: torch.Tensor) -> torch.Tensor:
    """Paint grey digits ``(..., s, s)`` (uint8 0–255 or float in [0, 1]) with colours ``(..., 3)`` in [0, 1] →
    ``(..., 3, s, s)``."""
    grey = digits.to(torch.float32) / 255 if digits.dtype == torch.uint8 else digits
    return grey.unsqueeze(-3) * rgb.to(grey.dtype)[..., :, None, None]


def downsample(images: np.ndarray, size: int) -> np.ndarray:
    """Average ``k × k`` blocks of ``uint8`` images ``(N, 28, 28)`` to ``(N, size, size)`` with ``k = 28 / size``."""
    if images.ndim != 3 or images.shape[1] != images.shape[2]:
        raise ValueError(f"images must have shape (N, s, s), got {images.shape}")
    side = images.shape[1]
    if size < 1 or side % size:
        raise ValueError(f"size must divide the image side {side} (e.g. 28, 14 or 7), got {size}")
    k = side // size
    blocks = images.reshape(len(images), size, k, size, k).astype(np.float32).mean((2, 4))
    return np.rint(blocks).astype(np.uint8)


def make_colored(digits: np.ndarray, true_labels: np.ndarray, split: str, seed: int) -> ColoredMNIST:
    """Apply the label-noise and colour rules of the module docstring to grey ``uint8`` digits and their labels."""
    if split not in _SPLIT_CODE:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if digits.dtype != np.uint8 or digits.ndim != 3 or len(digits) != len(true_labels):
        raise ValueError(
            f"digits must be uint8 (N, s, s) with one label each, got {digits.dtype} {digits.shape} "
            f"and {len(true_labels)} labels"
        )
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), _SPLIT_CODE[split]]))
    n = len(true_labels)
    true = np.asarray(true_labels, dtype=np.int64)
    labels = np.where(rng.random(n) < LABEL_NOISE, rng.integers(0, CLASSES, n), true)
    assigned = np.asarray(TEST_COLOUR if split == "test" else range(CLASSES))[labels]
    other = (assigned + rng.integers(1, CLASSES, n)) % CLASSES  # uniform over the nine other colours
    colours = np.where(rng.random(n) < COLOUR_AGREEMENT, assigned, other)
    return ColoredMNIST(
        digits=torch.from_numpy(np.ascontiguousarray(digits)),
        labels=torch.from_numpy(labels),
        true_labels=torch.from_numpy(true),
        colours=torch.from_numpy(colours),
        split=split,
    )


def colored_mnist(split: str, seed: int, n: int | None = None, size: int = 14) -> ColoredMNIST:
    """ColoredMNIST ``split`` (``"train"`` or ``"test"``) of ``seed``: the first ``n`` MNIST digits of that split (all
    if None)."""
    images, labels = load_mnist(split)
    if n is not None and not 1 <= n <= len(labels):
        raise ValueError(f"n must be between 1 and {len(labels)} for the {split} split, got {n}")
    images, labels = images[:n], labels[:n]
    return make_colored(downsample(images, size), labels, split, seed)
