"""Training and evaluation of the two ColoredMNIST pipelines of Table 1, with per-epoch checkpoints.

``train_cmnist(config, "single" | "multi", seeds)`` trains ``len(seeds)`` independent runs batched in one tensor
program (:mod:`mmcl.cmnist.models`) and evaluates them with a linear probe (:mod:`mmcl.cmnist.softmax_probe`):

* ``"single"`` — SimCLR: two augmented views of each image (:mod:`mmcl.cmnist.augment`), NT-Xent loss;
* ``"multi"`` — CLIP: each (un-augmented) image against its caption through the ideal language encoder, symmetric
  InfoNCE loss. As in the paper's multi-modal objective (eq. 9) no augmentation is used: the positive pair is
  the two modalities of one sample. With ``config.text == "words"`` the caption is English text
  (:mod:`mmcl.cmnist.captions`, one fixed caption per image) read by a bag-of-words text encoder trained from
  scratch on a vocabulary of that run's training captions (:mod:`mmcl.cmnist.text`).

``config.encoder`` picks the image encoder: the two-layer perceptron or the small convolutional network.

Both use the same image encoder, optimiser (Adam), batch size, temperature and epochs, and a seed gives both
modes the same dataset and the same initial image encoder.

Evaluation (*ours*): the trained encoder is frozen; the probe is fitted on the *unit-normalised* embeddings of the
(un-augmented, coloured, noisily labelled) training images — the contrastive losses only ever see normalised
embeddings — and scored on the training set (train accuracy) and on the reversed-colour test set (test accuracy),
both against their noisy labels as in the paper.

Randomness: each seed owns two CPU generators (initialisation; batches and augmentations), drawn from
``numpy.random.SeedSequence(seed)``; on a CPU with a fixed thread count a run is bit-for-bit reproducible.
Checkpoints (``checkpoint=path``) are written atomically after every epoch and hold only tensors and plain Python
values, so ``torch.load(path, weights_only=True)`` reads them; ``resume=True`` continues from one.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from ..model.data import parse_seeds, seed_generators
from ..model.trainer import MODES, resolve_device
from ..storage.atomic import write_bytes
from .augment import colour_jitter, shift
from .captions import generate_captions
from .config import SIZES, CMNISTConfig
from .dataset import CLASSES, PALETTE, ColoredMNIST, colored_mnist, colourise
from .models import BatchedConv, BatchedLinear, BatchedMLP, clip_loss, nt_xent
from .softmax_probe import fit_softmax_probe
from .text import BatchedBagEncoder, Vocabulary

__all__ = ["CMNISTConfig", "CMNISTRun", "train_cmnist", "SIZES", "MODES", "embed_images"]

CHECKPOINT_FORMAT = 1


@dataclass
class CMNISTRun:
    """Result of :func:`train_cmnist`: one entry per seed along every leading axis."""

    config: CMNISTConfig
    mode: str
    seeds: tuple[int, ...]
    train_accuracy: np.ndarray  # (R,) probe accuracy on the training set (noisy labels)
    test_accuracy: np.ndarray  # (R,) probe accuracy on the reversed-colour test set (noisy labels)
    loss: np.ndarray  # (R, epochs) mean training loss of each epoch
    device: str = field(default="cpu")

    def summary(self) -> dict[str, float]:
        """Mean and (population) standard deviation over seeds of the train and test accuracies."""
        return {
            "train_accuracy_mean": float(self.train_accuracy.mean()),
            "train_accuracy_std": float(self.train_accuracy.std()),
            "test_accuracy_mean": float(self.test_accuracy.mean()),
            "test_accuracy_std": float(self.test_accuracy.std()),
        }


@dataclass
class _Splits:
    """The stacked train and test sets of all runs, on the training device."""

    train_digits: torch.Tensor  # (N, s, s) float in [0, 1], shared by the runs
    test_digits: torch.Tensor  # (Nt, s, s)
    labels: torch.Tensor  # (R, N) noisy labels
    caption_digits: torch.Tensor  # (R, N) the caption's digit
    colours: torch.Tensor  # (R, N)
    test_labels: torch.Tensor  # (R, Nt)
    test_colours: torch.Tensor  # (R, Nt)
    tokens: torch.Tensor | None = None  # (R, N, L) token ids of the captions in words (text="words")
    vocab: int = 0  # the largest vocabulary over the runs


def _splits(config: CMNISTConfig, seeds: list[int], device: torch.device) -> _Splits:
    train: list[ColoredMNIST] = [colored_mnist("train", s, config.n_train, config.size) for s in seeds]
    test: list[ColoredMNIST] = [colored_mnist("test", s, config.n_test, config.size) for s in seeds]
    stack = lambda items: torch.stack(items).to(device)  # noqa: E731
    caption_digits = [d.true_labels if config.caption == "true" else d.labels for d in train]
    tokens, vocab = None, 0
    if config.text == "words":  # each run's captions, and a vocabulary from them (module mmcl.cmnist.text)
        captions = [
            generate_captions(digits.cpu().numpy(), d.colours.cpu().numpy(), seed, config.caption_noise())
            for digits, d, seed in zip(caption_digits, train, seeds)
        ]
        vocabularies = [Vocabulary(c) for c in captions]
        length = max(v.encode(c).shape[1] for v, c in zip(vocabularies, captions))
        tokens = stack([v.encode(c, length) for v, c in zip(vocabularies, captions)])
        vocab = max(len(v) for v in vocabularies)
    return _Splits(
        train_digits=(train[0].digits.to(torch.float32) / 255).to(device),
        test_digits=(test[0].digits.to(torch.float32) / 255).to(device),
        labels=stack([d.labels for d in train]),
        caption_digits=stack(caption_digits),
        colours=stack([d.colours for d in train]),
        test_labels=stack([d.labels for d in test]),
        test_colours=stack([d.colours for d in test]),
        tokens=tokens,
        vocab=vocab,
    )


def _palette(device: torch.device) -> torch.Tensor:
    return torch.from_numpy(PALETTE).to(torch.float32).to(device) / 255


def _view(config: CMNISTConfig, data: _Splits, idx: torch.Tensor, generators: list[torch.Generator]) -> torch.Tensor:
    """One augmented view ``(R, B, 3, s, s)`` of the training images ``idx (R, B)``."""
    device = idx.device
    batch, side = idx.shape[1], config.size
    digits = data.train_digits[idx]
    offsets = torch.stack(
        [torch.randint(-config.max_shift, config.max_shift + 1, (batch, 2), generator=g) for g in generators]
    )
    digits = shift(digits, config.max_shift, offsets.to(device))
    rgb = _palette(device)[torch.gather(data.colours, 1, idx)]
    if config.colour_jitter:
        rgb = torch.stack([colour_jitter(rgb[r].cpu(), g) for r, g in enumerate(generators)]).to(device)
    images = colourise(digits, rgb)
    if config.noise_std > 0:
        noise = torch.stack([torch.randn((batch, 3, side, side), generator=g) for g in generators]).to(device)
        images = images + config.noise_std * noise
    return images


def embed_images(encoder: nn.Module, digits: torch.Tensor, colours: torch.Tensor, chunk: int = 4096) -> torch.Tensor:
    """Unit-normalised embeddings ``(R, N, k)`` of the un-augmented images
    ``colourise(digits, PALETTE[colours (R, N)])``."""
    palette = _palette(digits.device)
    out = []
    with torch.no_grad():
        for start in range(0, colours.shape[1], chunk):
            part = colours[:, start : start + chunk]
            images = colourise(digits[start : start + chunk].expand(part.shape[0], -1, -1, -1), palette[part])
            out.append(F.normalize(encoder(images), dim=-1))
    return torch.cat(out, dim=1)


def _atomic_save(payload: dict[str, Any], path: Path) -> None:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_bytes(path, buffer.getvalue())


def _load_checkpoint(
    path: Path, config: CMNISTConfig, mode: str, seeds: list[int], device: torch.device
) -> dict[str, Any]:
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # a truncated or foreign file: say which and how to recover
        raise ValueError(f"cannot read checkpoint {path} ({exc}); delete it to start afresh") from exc
    expected = {"format": CHECKPOINT_FORMAT, "config": config.to_dict(), "mode": mode, "seeds": seeds}
    for key, value in expected.items():
        if state.get(key) != value:
            raise ValueError(
                f"checkpoint {path} was written for {key}={state.get(key)!r}, not {value!r}; "
                "delete it or run without resume"
            )
    return state


def train_cmnist(
    config: CMNISTConfig = CMNISTConfig(),
    mode: Literal["single", "multi"] = "single",
    seeds: int | Sequence[int] = 3,
    *,
    device: str | torch.device = "auto",
    progress: bool = False,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = False,
    on_epoch: Callable[[int], None] | None = None,
) -> CMNISTRun:
    """Train and probe ``len(seeds)`` runs of the ``mode`` pipeline (module docstring); seeds ``0 … K−1`` for an int
    ``K``.

    ``checkpoint``: file written after every epoch; with ``resume=True`` training continues from it (it must have been
    written for the same config, mode and seeds). ``on_epoch(e)`` is called after epoch ``e`` (1-based) is saved.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if not isinstance(config, CMNISTConfig):
        raise ValueError(f"config must be a CMNISTConfig, got {type(config).__name__}")
    if resume and checkpoint is None:
        raise ValueError("resume=True needs a checkpoint path")
    seed_list = parse_seeds(seeds, distinct=True)
    dev = resolve_device(device)
    data = _splits(config, seed_list, dev)
    init_gens, batch_gens = zip(*(seed_generators(s, 2) for s in seed_list))
    batch_gens = list(batch_gens)
    encoder: nn.Module = (
        BatchedMLP(list(init_gens), 3 * config.size**2, config.hidden, config.embed)
        if config.encoder == "mlp"
        else BatchedConv(list(init_gens), config.size, config.hidden, config.embed)
    ).to(dev)
    modules: dict[str, nn.Module] = {"encoder": encoder}
    if mode == "multi":
        modules["text"] = (
            BatchedLinear(list(init_gens), 2 * CLASSES, config.embed, bias=False)
            if config.text == "ideal"
            else BatchedBagEncoder(list(init_gens), data.vocab, config.embed, config.embed)
        ).to(dev)
    params = [p for m in modules.values() for p in m.parameters()]
    optimiser = torch.optim.Adam(params, lr=config.lr)
    runs, steps = len(seed_list), config.n_train // config.batch_size
    losses = torch.zeros(runs, 0, dtype=torch.float64)
    start = 0

    path = Path(checkpoint) if checkpoint is not None else None
    if resume and path is not None and path.exists():
        state = _load_checkpoint(path, config, mode, seed_list, dev)
        for name, module in modules.items():
            module.load_state_dict(state[name])
        optimiser.load_state_dict(state["optimizer"])
        for g, s in zip(batch_gens, state["generators"]):
            g.set_state(s.cpu())
        losses = state["loss"].cpu()
        start = int(state["epoch"])

    eye = torch.eye(CLASSES, device=dev)
    bar = tqdm(
        total=(config.epochs - start) * steps,
        desc=f"{mode}-modal, {runs} run(s)",
        disable=None if progress else True,
        file=sys.stderr,
        leave=False,
    )
    for epoch in range(start, config.epochs):
        order = torch.stack([torch.randperm(config.n_train, generator=g) for g in batch_gens]).to(dev)
        total = torch.zeros(runs, dtype=torch.float64, device=dev)
        for step in range(steps):
            idx = order[:, step * config.batch_size : (step + 1) * config.batch_size]
            if mode == "single":
                z1 = encoder(_view(config, data, idx, batch_gens))
                z2 = encoder(_view(config, data, idx, batch_gens))
                loss = nt_xent(z1, z2, config.tau)
            else:
                images = colourise(data.train_digits[idx], _palette(dev)[torch.gather(data.colours, 1, idx)])
                if data.tokens is not None:  # captions in words: token ids (R, B, L)
                    captions = torch.gather(data.tokens, 1, idx[..., None].expand(-1, -1, data.tokens.shape[2]))
                else:
                    captions = torch.cat(
                        [eye[torch.gather(data.caption_digits, 1, idx)], eye[torch.gather(data.colours, 1, idx)]],
                        dim=-1,
                    )
                loss = clip_loss(encoder(images), modules["text"](captions), config.tau)
            optimiser.zero_grad(set_to_none=True)
            loss.sum().backward()
            optimiser.step()
            total += loss.detach().to(torch.float64)
            bar.update(1)
        if not bool(torch.isfinite(total).all()):
            raise ValueError(
                f"the {mode}-modal training loss became non-finite in epoch {epoch + 1}; lower lr or raise tau"
            )
        losses = torch.cat([losses, (total / steps).cpu()[:, None]], dim=1)
        if path is not None:
            payload = {name: module.state_dict() for name, module in modules.items()}
            payload |= {
                "format": CHECKPOINT_FORMAT,
                "config": config.to_dict(),
                "mode": mode,
                "seeds": seed_list,
                "epoch": epoch + 1,
                "optimizer": optimiser.state_dict(),
                "generators": [g.get_state() for g in batch_gens],
                "loss": losses,
            }
            _atomic_save(payload, path)
        if on_epoch is not None:
            on_epoch(epoch + 1)
    bar.close()

    train_features = embed_images(encoder, data.train_digits, data.colours)
    test_features = embed_images(encoder, data.test_digits, data.test_colours)
    probe = fit_softmax_probe(train_features, data.labels, CLASSES, config.probe_l2)
    return CMNISTRun(
        config=config,
        mode=mode,
        seeds=tuple(seed_list),
        train_accuracy=probe.accuracy(train_features, data.labels).cpu().numpy(),
        test_accuracy=probe.accuracy(test_features, data.test_labels).cpu().numpy(),
        loss=losses.cpu().numpy(),
        device=dev.type,
    )
