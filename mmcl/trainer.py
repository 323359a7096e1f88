"""Full-batch gradient descent on the contrastive losses, many independent runs in one tensor program.

``train(config, mode, seeds)`` draws each run's data and initialisation from its seed (:mod:`mmcl.data`), stacks
the runs along a leading dimension and applies the closed-form updates of eq. (7) (``mode="single"``) or eq. (10)
and its twin (``mode="multi"``) for ``config.epochs`` steps. Runs may differ in any scalar parameter (``τ``,
``η``, ``σ₀``, signal and noise norms, …) as long as they share the shapes ``n, d, d̃, m, n_test`` and the number
of epochs. The per-run cost of one step is three (single) or four (multi) ``m × d × n`` matrix products; the
signal patch never costs more than a matrix-vector product because it is rank one.

Recorded history (NumPy arrays with a leading run axis, entry ``t`` = state after ``t`` steps, entry 0 at
initialisation):

* ``train_loss`` — eq. (6) or eq. (9);
* ``signal_learning`` — ``max_r |γ_r⁽ᵗ⁾|`` (the quantity Lemmas 5.2 and 5.4 bound);
* ``noise_memorization`` — ``(1/n) Σ_i max_r ρ_{r,i}⁽ᵗ⁾`` (Lemma 5.2: ``max_r ρ_{r,i} = Ω(1)`` for every ``i``);
* ``gamma`` — all ``γ_r⁽ᵗ⁾``, shape ``(R, T+1, m)``, and ``rho_final`` — ``ρ_{r,i}⁽ᵀ⁾``, shape ``(R, m, n)``;
* ``test_accuracy`` — the OOD probe accuracy (:mod:`mmcl.probe`) at the epochs listed in ``eval_epochs``
  (every ``eval_every`` epochs and at the end);
* with ``record="coefficients"`` also ``rho`` ``(R, T+1, m, n)`` and ``pos_prob`` (``ℓ'_i⁽ᵗ⁾``, ``(R, T+1, n)``);
* in the multi-modal case the same for modality 2 with the suffix ``_tilde``.

``γ`` and ``ρ`` follow the exact coefficient recursions of Lemma 5.1/5.3 (see :mod:`mmcl.dynamics`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from tqdm.auto import tqdm

from .config import SyntheticConfig
from .data import SyntheticData, initial_weights, sample, stack
from .dynamics import HalfStep, multi_modal_terms, single_modal_terms
from .losses import negative_mask
from .probe import probe_accuracy

__all__ = ["Run", "TrainingDiverged", "train", "resolve_device", "resolve_dtype", "MODES", "matmul_flops"]

MODES = ("single", "multi")
Mode = Literal["single", "multi"]
Record = Literal["summary", "coefficients"]


def matmul_flops(config: SyntheticConfig, mode: Mode) -> int:
    """Floating-point operations of the matrix products :func:`train` performs for one run (2 per multiply-add).

    Per epoch and encoder, the forward product of ``W (m × d)`` with the basis ``[ξ_1 … ξ_n, μ]`` (plus the ``n``
    augmentations ``ε_i`` in the single-modal case) and, except after the last epoch, the update ``W += Δ·[ξ, μ]``
    with ``Δ (m × (n+1))``. The loss terms (``O(m·n²)`` per run) and the probe are not counted.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    c = config
    if mode == "single":
        forward, update = 2 * c.m * c.d * (2 * c.n + 1), 2 * c.m * (c.n + 1) * c.d
    else:
        forward = update = 2 * c.m * (c.n + 1) * (c.d + c.dim_tilde)
    return (c.epochs + 1) * forward + c.epochs * update


class TrainingDiverged(RuntimeError):
    """Raised when the training loss of some run becomes non-finite."""


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` → CUDA when available, else CPU; ``"cpu"``/``"cuda"`` as asked (CUDA must be available)."""
    if isinstance(device, torch.device):
        device = str(device)
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device("cpu")
    if device == "cuda" or (isinstance(device, str) and device.startswith("cuda:")):
        if not torch.cuda.is_available():
            raise ValueError("device 'cuda' was requested but no CUDA device is available; use 'auto' or 'cpu'")
        return torch.device(device)
    raise ValueError(f"device must be one of 'auto', 'cpu', 'cuda', got {device!r}")


def resolve_dtype(dtype: str | torch.dtype = "float32") -> torch.dtype:
    """``"float32"`` or ``"float64"`` (or the matching ``torch.dtype``)."""
    table = {"float32": torch.float32, "float64": torch.float64, torch.float32: torch.float32, torch.float64: torch.float64}
    if dtype not in table:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return table[dtype]


@dataclass
class Run:
    """The result of :func:`train`: one entry per run along every leading axis."""

    configs: tuple[SyntheticConfig, ...]
    mode: str
    seeds: tuple[int, ...]
    data: SyntheticData
    w0: torch.Tensor
    w: torch.Tensor
    w0_tilde: torch.Tensor | None
    w_tilde: torch.Tensor | None
    history: dict[str, np.ndarray]
    test_accuracy: np.ndarray
    device: str = field(default="cpu")

    @property
    def config(self) -> SyntheticConfig:
        """The configuration shared by all runs (``ValueError`` if they differ)."""
        if any(c != self.configs[0] for c in self.configs):
            raise ValueError("the runs of this batch have different configurations; use .configs")
        return self.configs[0]

    @property
    def runs(self) -> int:
        return len(self.seeds)

    def summary(self) -> dict[str, float]:
        """Mean and standard deviation of the OOD test accuracy and the final training loss over runs."""
        acc = self.test_accuracy
        return {
            "test_accuracy_mean": float(acc.mean()),
            "test_accuracy_std": float(acc.std()),
            "final_train_loss_mean": float(self.history["train_loss"][:, -1].mean()),
        }


def _broadcast(config: SyntheticConfig | Sequence[SyntheticConfig], seeds: int | Sequence[int]) -> tuple[list[SyntheticConfig], list[int]]:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds must be >= 1 (or a list of seeds), got {seeds}")
        seed_list = list(range(int(seeds)))
    else:
        seed_list = [s for s in seeds]
        if not seed_list:
            raise ValueError("seeds must not be empty")
    if isinstance(config, SyntheticConfig):
        configs = [config] * len(seed_list)
    else:
        configs = list(config)
        if len(configs) != len(seed_list):
            raise ValueError(f"got {len(configs)} configurations for {len(seed_list)} seeds; give one per seed")
    for c in configs:
        if not isinstance(c, SyntheticConfig):
            raise ValueError(f"config must be a SyntheticConfig, got {type(c).__name__}")
    first = configs[0]
    for c in configs[1:]:
        for name in ("n", "d", "dim_tilde", "m", "n_test", "epochs"):
            if getattr(c, name) != getattr(first, name):
                raise ValueError(f"runs batched together must share {name}: {getattr(first, name)} vs {getattr(c, name)}")
    return configs, seed_list


def _per_run(configs: Sequence[SyntheticConfig], name: str, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    return torch.tensor([getattr(c, name) for c in configs], dtype=dtype, device=device)


class _Recorder:
    """Collects the per-epoch history on the device and hands it back as NumPy arrays."""

    def __init__(self, runs: int, epochs: int, m: int, n: int, mode: str, record: Record, device: torch.device) -> None:
        self.record = record
        self.suffixes = ("",) if mode == "single" else ("", "_tilde")
        t1 = epochs + 1
        z = lambda *shape: torch.zeros(*shape, dtype=torch.float64, device=device)  # noqa: E731
        self.store: dict[str, torch.Tensor] = {"train_loss": z(runs, t1)}
        for s in self.suffixes:
            self.store["signal_learning" + s] = z(runs, t1)
            self.store["noise_memorization" + s] = z(runs, t1)
            self.store["gamma" + s] = z(runs, t1, m)
            if record == "coefficients":
                self.store["rho" + s] = z(runs, t1, m, n)
                self.store["pos_prob" + s] = z(runs, t1, n)

    def __call__(self, t: int, loss: torch.Tensor, coefficients: list[tuple[torch.Tensor, torch.Tensor]], steps: Sequence[HalfStep]) -> None:
        self.store["train_loss"][:, t] = loss
        for s, (gamma, rho), step in zip(self.suffixes, coefficients, steps):
            self.store["signal_learning" + s][:, t] = gamma.abs().amax(1)
            self.store["noise_memorization" + s][:, t] = rho.amax(1).mean(1)
            self.store["gamma" + s][:, t] = gamma
            if self.record == "coefficients":
                self.store["rho" + s][:, t] = rho
                self.store["pos_prob" + s][:, t] = step.pos_prob

    def finish(self, coefficients: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
        for s, (_, rho) in zip(self.suffixes, coefficients):
            self.store["rho_final" + s] = rho.to(torch.float64)

    def as_arrays(self) -> dict[str, np.ndarray]:
        return {k: v.cpu().numpy() for k, v in self.store.items()}


def train(
    config: SyntheticConfig | Sequence[SyntheticConfig] = SyntheticConfig(),
    mode: Mode = "single",
    seeds: int | Sequence[int] = 1,
    *,
    device: str | torch.device = "auto",
    dtype: str | torch.dtype = "float32",
    record: Record = "summary",
    progress: bool = False,
    eval_every: int = 10,
    callback: Callable[[int, torch.Tensor, torch.Tensor | None, Sequence[HalfStep]], None] | None = None,
) -> Run:
    """Train ``len(seeds)`` independent runs of the single- or multi-modal encoder by full-batch GD.

    ``config`` is one :class:`SyntheticConfig` for all runs or one per seed; ``seeds`` is a count ``K`` (seeds
    ``0 … K−1``) or an explicit list. ``progress=True`` shows a progress bar on stderr when it is a terminal. ``callback(t, W, W̃, steps)``, if given, is called at every epoch before
    the update with the current weights and the :class:`~mmcl.dynamics.HalfStep` gradients (one per encoder).
    Raises ``ValueError`` on invalid arguments and :class:`TrainingDiverged` when a loss becomes non-finite.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if isinstance(eval_every, bool) or not isinstance(eval_every, int) or eval_every < 1:
        raise ValueError(f"eval_every must be an integer >= 1, got {eval_every!r}")
    if record not in ("summary", "coefficients"):
        raise ValueError(f"record must be 'summary' or 'coefficients', got {record!r}")
    configs, seed_list = _broadcast(config, seeds)
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    data = stack([sample(c, s, (mode,)).to(dev, dt) for c, s in zip(configs, seed_list)])
    w0 = torch.stack([initial_weights(c, s, 1) for c, s in zip(configs, seed_list)]).to(dev, dt)
    w0_t = torch.stack([initial_weights(c, s, 2) for c, s in zip(configs, seed_list)]).to(dev, dt) if mode == "multi" else None
    tau = _per_run(configs, "tau", dev, dt)
    lr = _per_run(configs, "lr", dev, dt)
    epochs, m, n = configs[0].epochs, configs[0].m, configs[0].n
    runs = len(seed_list)

    # One basis per encoder, [ξ_1 … ξ_n, μ]: a single batched product gives every pre-activation, and the update
    # ∇_{w_r} L = Σ_i c_{r,i} ξ_i + g_r μ is one batched product with the coefficients [c, g] (in place).
    bases = [torch.cat([data.xi, data.mu[:, None, :]], dim=1)]
    if mode == "single":
        forward = [torch.cat([bases[0], data.eps], dim=1)]  # [ξ, μ, ε]: ⟨w, ξ + ε⟩ = ⟨w, ξ⟩ + ⟨w, ε⟩
        weights = [w0.clone()]
    else:
        bases.append(torch.cat([data.xi_tilde, data.mu_tilde[:, None, :]], dim=1))
        forward = bases
        weights = [w0.clone(), w0_t.clone()]
    norms = [(b * b).sum(2) for b in bases]  # ‖ξ_i‖², ‖μ‖²
    mask = negative_mask(data.y)  # the hard negatives y_j ≠ y_i, fixed for the whole run
    # augmented views without their signal patch (augmentation="mask_all"); None keeps the paper's computation
    signal_keep = data.signal_keep if any(c.augmentation == "mask_all" for c in configs) and mode == "single" else None
    coefficients = [torch.zeros(runs, m, n + 1, dtype=dt, device=dev) for _ in bases]  # [ρ, γ]
    recorder = _Recorder(runs, epochs, m, n, mode, record, dev)

    eval_epochs: list[int] = []
    accuracy: list[torch.Tensor] = []
    bar = tqdm(total=epochs, desc=f"{mode}-modal, {runs} run(s)", disable=None if progress else True, file=sys.stderr, leave=False)
    for t in range(epochs + 1):
        pre = [torch.bmm(w, f.transpose(1, 2)) for w, f in zip(weights, forward)]
        if mode == "single":
            noise = pre[0][:, :, :n]
            steps = [single_modal_terms(data.y, pre[0][:, :, n], noise, noise + pre[0][:, :, n + 1 :], tau, mask, signal_keep)]
        else:
            steps = list(multi_modal_terms(data.y, pre[0][:, :, n], pre[0][:, :, :n], pre[1][:, :, n], pre[1][:, :, :n], tau, data.y_tilde, mask))
        loss = sum(s.loss for s in steps)
        if not bool(torch.isfinite(loss).all()):
            bad = [seed_list[i] for i in torch.nonzero(~torch.isfinite(loss)).flatten().tolist()]
            raise TrainingDiverged(f"training loss became non-finite at epoch {t} for seed(s) {bad}; lower lr or raise tau")
        recorder(t, loss, [(k[:, :, n], k[:, :, :n]) for k in coefficients], steps)
        if t % eval_every == 0 or t == epochs:
            eval_epochs.append(t)
            accuracy.append(probe_accuracy(weights[0], data))
        if callback is not None:
            callback(t, weights[0], weights[1] if len(weights) > 1 else None, steps)
        if t == epochs:
            break
        for w, basis, norm, coef, step in zip(weights, bases, norms, coefficients, steps):
            delta = torch.cat([step.c, step.g[:, :, None]], dim=2) * (-lr[:, None, None])
            w.baddbmm_(delta, basis)
            coef.add_(delta * norm[:, None, :])
        bar.update(1)
    bar.close()

    recorder.finish([(k[:, :, n], k[:, :, :n]) for k in coefficients])
    history = recorder.as_arrays()
    history["test_accuracy"] = torch.stack(accuracy, 1).cpu().numpy()
    history["eval_epochs"] = np.asarray(eval_epochs)
    return Run(
        configs=tuple(configs),
        mode=mode,
        seeds=tuple(int(s) for s in seed_list),
        data=data,
        w0=w0,
        w=weights[0],
        w0_tilde=w0_t,
        w_tilde=weights[1] if w0_t is not None else None,
        history=history,
        test_accuracy=history["test_accuracy"][:, -1],
        device=dev.type,
    )
