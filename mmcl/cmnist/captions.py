"""Captions in words for ColoredMNIST images: the second modality as English text instead of the ideal one-hot code.

The paper's second modality (§6, after its reference [54]) is an *ideal* language encoder: the caption is the
one-hot digit and colour. :func:`generate_captions` writes what a person might write instead (every rule is *ours*):

* **Variety.** The digit is named by a numeral or a word, alone or in a phrase ("7", "seven", "number seven",
  "digit 7"); each colour has two or three names (:data:`COLOUR_WORDS`: "red", "scarlet", "crimson"); the two are
  put together by one of several templates with different word orders (:data:`TEMPLATES`: "a red seven",
  "seven in red", "digit 7, painted crimson", …).
* **Omission.** With probability ``omit_digit`` the caption does not name the digit, with probability
  ``omit_colour`` not the colour (independently; templates for the remaining part, e.g. "a handwritten seven").
* **Noise.** With probability ``wrong_digit`` the digit named is a *wrong* one (uniform over the nine others);
  every alphabetic word of three or more letters gets one typo (a deleted, doubled, swapped or replaced letter)
  with probability ``typo``; with probability ``filler`` one to three filler words (:data:`FILLERS`) are inserted
  at random places.

The caption of an image is drawn once (a fixed data set of image–caption pairs, as a scraped one would be), from
the stream ``SeedSequence([seed, 2])`` (the dataset's splits use ``[seed, 0]`` and ``[seed, 1]``), so a seed fixes
the captions; the wording, the wrong digits and omissions, the typos and the fillers draw from four separate child
streams, so raising one noise rate leaves the rest of every caption as it was. :func:`named_digit` and
:func:`named_colour` read back what a caption names, which the tests use to measure the noise rates from the text
itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .dataset import CLASSES, COLOUR_NAMES

__all__ = [
    "CaptionNoise",
    "generate_captions",
    "named_digit",
    "named_colour",
    "wrong_digit_rate",
    "DIGIT_WORDS",
    "COLOUR_WORDS",
    "TEMPLATES",
    "FILLERS",
]

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
COLOUR_WORDS: tuple[tuple[str, ...], ...] = (
    ("red", "scarlet", "crimson"),
    ("green", "lime"),
    ("blue", "cobalt"),
    ("yellow", "lemon"),
    ("cyan", "aqua", "turquoise"),
    ("magenta", "fuchsia"),
    ("orange", "amber"),
    ("violet", "purple"),
    ("azure", "cerulean"),
    ("rose", "pink"),
)
"""Names of each palette colour (:data:`mmcl.cmnist.dataset.COLOUR_NAMES` first)."""
DIGIT_FORMS = ("{n}", "{w}", "number {w}", "digit {n}", "number {n}")
"""How a digit ``k`` is named: ``{n}`` the numeral, ``{w}`` the word."""
TEMPLATES: dict[str, tuple[str, ...]] = {
    "both": (
        "a {c} {d}",
        "{d} in {c}",
        "{d}, painted {c}",
        "handwritten {d} written in {c} ink",
        "{c} ink showing {d}",
        "this is {d} and it is {c}",
    ),
    "digit": ("{d}", "handwritten {d}", "this is {d}"),
    "colour": ("something {c}", "a {c} digit", "written in {c} ink"),
    "none": ("a handwritten digit", "an image of a digit"),
}
"""Templates by what the caption names; ``{d}`` is the digit phrase, ``{c}`` the colour word."""
FILLERS = ("um", "maybe", "probably", "quite", "nice", "photo", "look", "here")

_WORD = re.compile(r"[a-z0-9]+")
_DIGIT_LOOKUP = {w: k for k, w in enumerate(DIGIT_WORDS)} | {str(k): k for k in range(CLASSES)}
_COLOUR_LOOKUP = {w: k for k, names in enumerate(COLOUR_WORDS) for w in names}
assert tuple(names[0] for names in COLOUR_WORDS) == COLOUR_NAMES


@dataclass(frozen=True)
class CaptionNoise:
    """Rates of the caption generator (module docstring); each a probability in ``[0, 1]``."""

    wrong_digit: float = 0.0
    omit_digit: float = 0.0
    omit_colour: float = 0.0
    typo: float = 0.0
    filler: float = 0.0

    def __post_init__(self) -> None:
        for name in ("wrong_digit", "omit_digit", "omit_colour", "typo", "filler"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")


def _typo(word: str, rng: np.random.Generator) -> str:
    """One random edit of ``word``: delete, double, swap two neighbours or replace a letter (always a change)."""
    i = int(rng.integers(len(word)))
    kind = int(rng.integers(4))
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[: i + 1] + word[i:]
    if kind == 2 and i + 1 < len(word) and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    letters = [c for c in "abcdefghijklmnopqrstuvwxyz" if c != word[i]]
    return word[:i] + letters[int(rng.integers(len(letters)))] + word[i + 1 :]


def generate_captions(
    digits: Sequence[int] | np.ndarray,
    colours: Sequence[int] | np.ndarray,
    seed: int,
    noise: CaptionNoise = CaptionNoise(),
) -> list[str]:
    """One caption per image naming its digit ``digits[i]`` and colour index ``colours[i]``, with the variety and
    the ``noise`` of the module docstring; deterministic given ``seed``."""
    digits, colours = np.asarray(digits, dtype=np.int64), np.asarray(colours, dtype=np.int64)
    if digits.ndim != 1 or digits.shape != colours.shape:
        raise ValueError(f"digits and colours must be 1-d of one length, got {digits.shape} and {colours.shape}")
    for name, values in (("digits", digits), ("colours", colours)):
        if values.size and not (0 <= values.min() and values.max() < CLASSES):
            raise ValueError(f"{name} must lie in [0, {CLASSES - 1}]")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(noise, CaptionNoise):
        raise ValueError(f"noise must be a CaptionNoise, got {type(noise).__name__}")
    rng, flips, typos, fillers = map(np.random.default_rng, np.random.SeedSequence([int(seed), 2]).spawn(4))
    n = len(digits)
    named = np.where(flips.random(n) < noise.wrong_digit, (digits + flips.integers(1, CLASSES, n)) % CLASSES, digits)
    show_digit, show_colour = flips.random(n) >= noise.omit_digit, flips.random(n) >= noise.omit_colour
    captions = []
    for k, c, has_d, has_c in zip(named, colours, show_digit, show_colour):
        kind = ("both" if has_c else "digit") if has_d else ("colour" if has_c else "none")
        templates = TEMPLATES[kind]
        form = DIGIT_FORMS[int(rng.integers(len(DIGIT_FORMS)))]
        names = COLOUR_WORDS[c]
        text = templates[int(rng.integers(len(templates)))].format(
            d=form.format(n=int(k), w=DIGIT_WORDS[k]), c=names[int(rng.integers(len(names)))]
        )
        words = text.split(" ")
        if noise.typo > 0:
            words = [
                _typo(w, typos) if w.isalpha() and len(w) >= 3 and typos.random() < noise.typo else w for w in words
            ]
        if noise.filler > 0 and fillers.random() < noise.filler:
            for _ in range(int(fillers.integers(1, 4))):
                words.insert(int(fillers.integers(len(words) + 1)), FILLERS[int(fillers.integers(len(FILLERS)))])
        captions.append(" ".join(words))
    return captions


def _named(caption: str, lookup: dict[str, int]) -> int | None:
    found = {lookup[w] for w in _WORD.findall(caption.lower()) if w in lookup}
    if len(found) > 1:
        raise ValueError(f"caption {caption!r} names more than one of {sorted(found)}")
    return found.pop() if found else None


def named_digit(caption: str) -> int | None:
    """The digit a caption names (numeral or word), or None if it names none."""
    return _named(caption, _DIGIT_LOOKUP)


def named_colour(caption: str) -> int | None:
    """The palette index of the colour a caption names, or None if it names none."""
    return _named(caption, _COLOUR_LOOKUP)


def wrong_digit_rate(captions: Sequence[str], digits: Sequence[int] | np.ndarray) -> float:
    """Among the captions that name a digit, the fraction that name another digit than ``digits[i]`` (0 if none
    names one)."""
    digits = np.asarray(digits, dtype=np.int64)
    if len(captions) != len(digits):
        raise ValueError(f"captions and digits must have one length, got {len(captions)} and {len(digits)}")
    named = [(named_digit(c), int(d)) for c, d in zip(captions, digits)]
    said = [(n, d) for n, d in named if n is not None]
    return sum(n != d for n, d in said) / len(said) if said else 0.0
