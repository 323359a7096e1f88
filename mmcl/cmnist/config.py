"""The settings of a ColoredMNIST run (:class:`CMNISTConfig`) and the two sizes of the ``table1`` command.

The paper states none of the encoder's or the optimiser's settings; every value here is ours (chapter 10, §10.2).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from .captions import CaptionNoise

__all__ = ["CMNISTConfig", "SIZES"]


@dataclass(frozen=True)
class CMNISTConfig:
    """Every setting of a ColoredMNIST run (the paper states none of them; all values are ours, see the docstrings)."""

    n_train: int = 20_000  # first n MNIST training digits
    n_test: int = 10_000  # first n MNIST test digits
    size: int = 14  # image side after 2×2 averaging (3 × 14 × 14 inputs)
    hidden: int = 256  # hidden width of the image encoder
    embed: int = 64  # embedding width
    epochs: int = 3
    batch_size: int = 256
    lr: float = 2e-3  # Adam
    tau: float = 0.1  # temperature of both losses
    max_shift: int = 2  # single-modal augmentation: random shift (pixels)
    noise_std: float = 0.4  # single-modal augmentation: Gaussian pixel noise (eq. 5)
    colour_jitter: bool = False  # single-modal augmentation: SimCLR colour distortion (the ablation)
    caption: Literal["true", "noisy"] = "true"  # the caption's digit: the true digit or the noisy label
    probe_l2: float = 5e-4  # L2 penalty of the linear probe
    encoder: Literal["mlp", "conv"] = "mlp"  # image encoder (mmcl.cmnist.models)
    text: Literal["ideal", "words"] = "ideal"  # second modality: one-hot code, or captions in words + text encoder
    wrong_digit: float = 0.0  # caption noise (text="words" only, mmcl.cmnist.captions.CaptionNoise)
    omit_digit: float = 0.0
    omit_colour: float = 0.0
    typo: float = 0.0
    filler: float = 0.0

    def __post_init__(self) -> None:
        positive_ints = ("n_train", "n_test", "hidden", "embed", "epochs", "batch_size")
        for name in positive_ints:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if self.n_train > 60_000 or self.n_test > 10_000:
            raise ValueError(f"n_train must be <= 60000 and n_test <= 10000, got {self.n_train} and {self.n_test}")
        if self.size not in (7, 14, 28):
            raise ValueError(f"size must be 7, 14 or 28, got {self.size!r}")
        if self.batch_size < 2 or self.batch_size > self.n_train:
            raise ValueError(f"batch_size must be between 2 and n_train={self.n_train}, got {self.batch_size}")
        for name in ("lr", "tau", "probe_l2"):
            if not (isinstance(getattr(self, name), (int, float)) and getattr(self, name) > 0):
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if (
            isinstance(self.max_shift, bool)
            or not isinstance(self.max_shift, int)
            or not 0 <= self.max_shift < self.size // 2
        ):
            raise ValueError(f"max_shift must be an integer in [0, {self.size // 2 - 1}], got {self.max_shift!r}")
        if not (isinstance(self.noise_std, (int, float)) and self.noise_std >= 0):
            raise ValueError(f"noise_std must be >= 0, got {self.noise_std!r}")
        if not isinstance(self.colour_jitter, bool):
            raise ValueError(f"colour_jitter must be True or False, got {self.colour_jitter!r}")
        if self.caption not in ("true", "noisy"):
            raise ValueError(f"caption must be 'true' or 'noisy', got {self.caption!r}")
        if self.encoder not in ("mlp", "conv"):
            raise ValueError(f"encoder must be 'mlp' or 'conv', got {self.encoder!r}")
        if self.text not in ("ideal", "words"):
            raise ValueError(f"text must be 'ideal' or 'words', got {self.text!r}")
        noise = self.caption_noise()  # checks each rate is in [0, 1]
        if self.text == "ideal" and noise != CaptionNoise():
            raise ValueError("wrong_digit, omit_digit, omit_colour, typo and filler must be 0 unless text='words'")

    def caption_noise(self) -> CaptionNoise:
        """The caption generator's rates (:class:`mmcl.cmnist.captions.CaptionNoise`)."""
        return CaptionNoise(self.wrong_digit, self.omit_digit, self.omit_colour, self.typo, self.filler)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> CMNISTConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown CMNISTConfig field(s) {sorted(unknown)}")
        return cls(**values)


SIZES: dict[str, CMNISTConfig] = {
    "quick": CMNISTConfig(),
    "full": CMNISTConfig(n_train=60_000),
}
"""The two sizes of the ``table1`` command: ``quick`` runs live in the book, ``full`` is the reference run."""
