"""A word-level tokenizer built from the training captions and a small text encoder trained from scratch.

* :class:`Vocabulary` — lower-cased words (runs of letters and digits); a word gets its own id if it occurs at least
  ``min_count`` times in the *training* captions, every other word (a rare typo, a word never seen) maps to the
  out-of-vocabulary id :data:`UNK`; id :data:`PAD` pads captions to one length.
* :class:`BatchedBagEncoder` — the text encoder ``h̃`` of eq. (9) for ``R`` independent runs: the mean of the
  caption's word embeddings (an embedding bag, padding excluded) followed by a linear map into the image-embedding
  space. *Ours*: the captions' content is *which* words occur, not their order, so a bag of words loses nothing a
  caption says about the digit and the colour, and it trains in a fraction of the image encoder's time on a CPU; the
  ideal language encoder of §6 is the special case of a bag over the two words that matter, with one-hot embeddings.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import torch
from torch import nn

from .models import BatchedLinear

__all__ = ["Vocabulary", "BatchedBagEncoder", "words", "PAD", "UNK"]

PAD, UNK = 0, 1
_WORD = re.compile(r"[a-z0-9]+")


def words(caption: str) -> list[str]:
    """The tokens of ``caption``: lower-cased runs of letters and digits."""
    return _WORD.findall(caption.lower())


class Vocabulary:
    """Word ids from the training captions: ``PAD`` = 0, ``UNK`` = 1, then the words with ``≥ min_count``
    occurrences, most frequent first (ties alphabetical)."""

    def __init__(self, captions: Sequence[str], min_count: int = 2) -> None:
        if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
            raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")
        if not captions:
            raise ValueError("captions must hold at least one training caption")
        counts = Counter(w for c in captions for w in words(c))
        kept = sorted((w for w, k in counts.items() if k >= min_count), key=lambda w: (-counts[w], w))
        self.words: tuple[str, ...] = ("<pad>", "<unk>", *kept)
        self.ids = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, captions: Sequence[str], length: int | None = None) -> torch.Tensor:
        """Token ids ``(N, L)`` int64, padded with ``PAD`` (``L``: ``length``, else the longest caption, at least 1);
        words outside the vocabulary become ``UNK``. Longer captions are cut to ``length``."""
        rows = [[self.ids.get(w, UNK) for w in words(c)] for c in captions]
        width = max([len(r) for r in rows] + [1]) if length is None else length
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ValueError(f"length must be an integer >= 1, got {length!r}")
        out = torch.full((len(rows), width), PAD, dtype=torch.int64)
        for i, r in enumerate(rows):
            out[i, : min(len(r), width)] = torch.tensor(r[:width], dtype=torch.int64)
        return out

    def oov_rate(self, captions: Sequence[str]) -> float:
        """Fraction of the words of ``captions`` that map to ``UNK``."""
        tokens = [w for c in captions for w in words(c)]
        return sum(w not in self.ids for w in tokens) / max(len(tokens), 1)


class BatchedBagEncoder(nn.Module):
    """``R`` independent bag-of-words encoders: ``z = (mean of E[w] over the caption's words) · V``.

    ``E (R, vocab, width)`` starts ``N(0, 1/width)``, ``V`` as :class:`BatchedLinear` (no bias); ``PAD`` has no
    embedding (its row is ignored).
    """

    def __init__(self, generators: list[torch.Generator], vocab: int, width: int, embed: int) -> None:
        super().__init__()
        if vocab < 3:
            raise ValueError(f"vocab must be >= 3 (pad, unk and one word), got {vocab}")
        scale = 1 / math.sqrt(width)
        self.embedding = nn.Parameter(
            torch.stack([torch.randn((vocab, width), generator=g) * scale for g in generators])
        )
        self.out = BatchedLinear(generators, width, embed, bias=False)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Token ids ``(R, B, L)`` → embeddings ``(R, B, embed)``; an all-padding caption embeds to ``0 · V``."""
        runs = torch.arange(tokens.shape[0], device=tokens.device)[:, None, None]
        vectors = self.embedding[runs, tokens]  # (R, B, L, width)
        mask = (tokens != PAD).to(vectors.dtype)[..., None]
        bag = (vectors * mask).sum(2) / mask.sum(2).clamp(min=1)
        return self.out(bag)
