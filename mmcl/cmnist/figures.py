"""Figures of the ColoredMNIST chapter: example images, Table 1 as bars, and the colour–shape frontier.

Every function returns the ``matplotlib`` figure; notebooks end the cell with ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch

from ..reader.plot import COLORS
from .dataset import CLASSES, ColoredMNIST

__all__ = ["examples", "table1_bars", "frontier"]

PIPELINE_COLORS = {
    "single": COLORS["single"],
    "multi": COLORS["multi"],
    "single_colour_jitter": "#ff7f0e",
    "multi_noisy_caption": "#17becf",
    "single_shift_4": "#8c564b",
    "multi_text": "#2ca02c",
}
PIPELINE_LABELS = {
    "single": "single-modal",
    "multi": "multi-modal",
    "single_colour_jitter": "single + colour jitter",
    "multi_noisy_caption": "multi, noisy caption",
    "single_shift_4": "single, shifts up to 4 px",
    "multi_text": "multi, captions in words",
}


def _grid(data: ColoredMNIST, per_class: int) -> np.ndarray:
    images = data.images()
    rows = []
    for k in range(CLASSES):
        idx = torch.nonzero(data.labels == k).flatten()[:per_class]
        tiles = [
            np.pad(images[i].permute(1, 2, 0).cpu().numpy(), ((1, 1), (1, 1), (0, 0)), constant_values=0.25)
            for i in idx
        ]
        rows.append(np.concatenate(tiles, axis=1))
    return np.concatenate(rows, axis=0)


def examples(train: ColoredMNIST, test: ColoredMNIST, per_class: int = 8) -> plt.Figure:
    """The first ``per_class`` images of each label (rows 0–9) in the training and the test split, side by side."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 5.6))
    for ax, data, title in ((axes[0], train, "training set"), (axes[1], test, "test set (colours deranged)")):
        ax.imshow(_grid(data, per_class), interpolation="nearest")
        side = data.size + 2
        ax.set_yticks(np.arange(CLASSES) * side + side / 2, [f"label {k}" for k in range(CLASSES)])
        ax.set_xticks([])
        ax.set_title(title)
        for spine in ax.spines.values():
            spine.set_visible(False)
    fig.tight_layout()
    return fig


def table1_bars(record: Mapping[str, Any], title: str = "") -> plt.Figure:
    """Train and test accuracy (mean ± std over seeds) of every pipeline in a ``table1`` record, with the paper's
    values."""
    results, paper = record["results"], record["paper"]
    names = list(results)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for ax, key in zip(axes, ("train_accuracy", "test_accuracy")):
        x = np.arange(len(names))
        means = [results[n][f"{key}_mean"] for n in names]
        stds = [results[n][f"{key}_std"] for n in names]
        ax.bar(x, means, yerr=stds, color=[PIPELINE_COLORS.get(n, "grey") for n in names], capsize=3)
        for i, n in enumerate(names):
            if n in paper:
                ax.plot([i - 0.4, i + 0.4], [paper[n][key]] * 2, color="black", lw=2, label="paper" if i == 0 else None)
        ax.set_xticks(x, [PIPELINE_LABELS.get(n, n) for n in names], rotation=20, ha="right")
        ax.set_title(key.replace("_", " "))
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("linear-probe accuracy")
    axes[0].legend(loc="lower left", frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def frontier(
    oracle: Mapping[str, np.ndarray],
    points: Mapping[str, tuple[float, float]],
    paper: Mapping[str, Mapping[str, float]],
    augmentations: Mapping[str, Any] | None = None,
) -> plt.Figure:
    """The oracle colour–shape frontier (:func:`mmcl.cmnist.oracle.mixture_frontier`) with measured and paper points.

    ``augmentations``, if given, is a :func:`mmcl.cmnist.table1.augmentation_grid` record: its settings are added as
    small labelled points (seed means).
    """
    fig, ax = plt.subplots(figsize=(8.4, 4.2))
    ax.plot(
        oracle["test_accuracy"],
        oracle["train_accuracy"],
        "-o",
        color="grey",
        label="oracle: shape seen for a fraction $f$",
    )
    for f, x, y in zip(oracle["fraction"], oracle["test_accuracy"], oracle["train_accuracy"]):
        ax.annotate(f"$f$={f:g}", (x, y), textcoords="offset points", xytext=(6, -10), fontsize=8, color="grey")
    if augmentations is not None:
        train, test = augmentations["train_accuracy"].mean(-1), augmentations["test_accuracy"].mean(-1)
        ax.plot(
            test.ravel(),
            train.ravel(),
            "s",
            ms=4,
            color=COLORS["single"],
            alpha=0.45,
            label="ours, quick size: single, augmentation grid",
        )
        for i, shift in enumerate(augmentations["shifts"]):
            for j, noise in enumerate(augmentations["noise_stds"]):
                ax.annotate(
                    f"{shift}/{noise:g}",
                    (test[i, j], train[i, j]),
                    textcoords="offset points",
                    xytext=(3, 3),
                    fontsize=6,
                    color=COLORS["single"],
                )
    for name, (train, test) in points.items():
        ax.plot(
            test,
            train,
            "o",
            ms=8,
            color=PIPELINE_COLORS.get(name, "black"),
            label=f"ours: {PIPELINE_LABELS.get(name, name)}",
        )
    for name, values in paper.items():
        ax.plot(
            values["test_accuracy"],
            values["train_accuracy"],
            "*",
            ms=13,
            color=PIPELINE_COLORS.get(name, "black"),
            label=f"paper: {PIPELINE_LABELS.get(name, name)}",
        )
    ax.set_xlabel("test accuracy (reversed colours)")
    ax.set_ylabel("train accuracy")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig
