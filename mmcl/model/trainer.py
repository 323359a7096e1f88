"""Full-batch gradient descent on the contrastive losses, many independent runs in one tensor program.

``train(config, mode, seeds)`` draws each run's data and initialisation from its seed (:mod:`mmcl.model.data`), stacks
the runs along a leading dimension and applies the closed-form updates of eq. (7) (``mode="single"``) or eq. (10)
and its twin (``mode="multi"``) for ``config.epochs`` steps. Runs may differ in any scalar parameter (``τ``,
``η``, ``σ₀``, signal and noise norms, …) as long as they share the shapes ``n, d, d̃, m, n_test`` and the number
of epochs. Training works in the span of the data: ``W_t = W_0 + A_t·B`` with ``B = [ξ_1 … ξ_n, μ]``, so after two
products formed once per run an epoch costs ``m·(n+1)`` multiply-adds per forward vector instead of ``m·d``
(:func:`matmul_flops`), and the rank-one signal patch enters the loss through a ``2 × 2`` matrix per run
(:mod:`mmcl.model.dynamics`). The ``d``-dimensional weights are formed only when needed: at the end, for a ``callback``,
and for the probe when it runs rarely.

Recorded history (NumPy arrays with a leading run axis, entry ``t`` = state after ``t`` steps, entry 0 at
initialisation):

* ``train_loss`` — eq. (6) or eq. (9);
* ``signal_learning`` — ``max_r |γ_r⁽ᵗ⁾|`` (the quantity Lemmas 5.2 and 5.4 bound);
* ``noise_memorization`` — ``(1/n) Σ_i max_r ρ_{r,i}⁽ᵗ⁾`` (Lemma 5.2: ``max_r ρ_{r,i} = Ω(1)`` for every ``i``);
* ``gamma`` — all ``γ_r⁽ᵗ⁾``, shape ``(R, T+1, m)``, and ``rho_final`` — ``ρ_{r,i}⁽ᵀ⁾``, shape ``(R, m, n)``;
* ``test_accuracy`` — the OOD probe accuracy (:mod:`mmcl.model.probe`) at the epochs listed in ``eval_epochs``
  (every ``eval_every`` epochs and at the end);
* with ``record="coefficients"`` also ``rho`` ``(R, T+1, m, n)`` and ``pos_prob`` (``ℓ'_i⁽ᵗ⁾``, ``(R, T+1, n)``);
* in the multi-modal case the same for modality 2 with the suffix ``_tilde``, and the quantities of the
  synchronisation of Lemma D.3: ``signal_pre`` ``⟨w_r⁽ᵗ⁾, μ⟩`` and ``signal_pre_tilde`` ``⟨w̃_r⁽ᵗ⁾, μ̃⟩``, the exact
  pre-activations, ``(R, T+1, m)``, and ``noise_agreement``, the fraction of pairs ``(r, i)`` whose activation
  patterns on the training noise agree, ``1[⟨w_r, ξ_i⟩ > 0] = 1[⟨w̃_r, ξ̃_i⟩ > 0]``, ``(R, T+1)``.

The initial weights follow ``config.init`` (:func:`mmcl.model.initialization.initial_pair`); with
``init="warm_single"`` the modality-1 encoder of a multi-modal run starts from the final weights of the single-modal
run of the same seed and configuration, trained first in the same call.

``γ`` and ``ρ`` follow the exact coefficient recursions of Lemma 5.1/5.3 (see :mod:`mmcl.model.dynamics`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from tqdm.auto import tqdm

from .config import SyntheticConfig
from .data import SyntheticData, parse_seeds, sample, stack
from .dynamics import HalfStep, multi_modal_terms, single_modal_terms
from .initialization import initial_pair
from .losses import negative_mask
from .probe import probe_accuracy_from, probe_preactivations

__all__ = ["Run", "TrainingDiverged", "train", "resolve_device", "resolve_dtype", "MODES", "matmul_flops"]

MODES = ("single", "multi")
Mode = Literal["single", "multi"]
Record = Literal["summary", "coefficients"]


def _evaluations(epochs: int, eval_every: int) -> int:
    """How many epochs the probe evaluates: every ``eval_every``-th and the last."""
    return epochs // eval_every + 1 + (epochs % eval_every != 0)


def _probe_in_span(config: SyntheticConfig, eval_every: int) -> bool:
    """Whether the probe's products are formed from ``W_0·P`` and ``B·P`` (once, ``(m + n + 1)`` rows) rather than
    from the weights at every evaluation (``m`` rows each): the cheaper of the two."""
    return _evaluations(config.epochs, eval_every) * config.m > config.m + config.n + 1


def matmul_flops(config: SyntheticConfig, mode: Mode, eval_every: int = 10) -> int:
    """Floating-point operations of the matrix products :func:`train` performs for one run (2 per multiply-add).

    Once per run: ``W_0·F`` and the Gram matrix ``B·F`` of the basis ``B = [ξ_1 … ξ_n, μ]`` with the forward
    vectors ``F`` (``[ξ, μ, ε]`` single-modal, ``B`` itself per modality multi-modal), and the final weights
    ``W_0 + A·B``. Per epoch and encoder: the pre-activations ``W_0·F + A_t·(B·F)`` (``m·(n+1)·|F|``
    multiply-adds) and the four ``m·n²`` products of the loss and its gradient (:mod:`mmcl.model.dynamics`). For the
    probe, at every evaluated epoch, the products of the modality-1 weights with the ``P = 1 + 2·n_test`` probe
    vectors: either from ``W_0·P`` and ``B·P`` formed once (when evaluations are many) or from the weights
    formed anew. The probe's logistic regression is not counted.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    c = config
    dims = [c.d] if mode == "single" else [c.d, c.dim_tilde]
    vectors = 2 * c.n + 1 if mode == "single" else c.n + 1
    total = 0
    for d in dims:
        total += 2 * (c.m + c.n + 1) * d * vectors + 2 * c.m * (c.n + 1) * d  # W_0·F, B·F, final weights
        total += (c.epochs + 1) * (2 * c.m * (c.n + 1) * vectors + 8 * c.m * c.n * c.n)
    evaluations, probe = _evaluations(c.epochs, eval_every), 1 + 2 * c.n_test
    if _probe_in_span(c, eval_every):
        total += 2 * (c.m + c.n + 1) * c.d * probe + evaluations * 2 * c.m * (c.n + 1) * probe
    else:  # the weights (of every encoder) formed at each evaluated epoch but the last, already counted
        total += evaluations * 2 * c.m * c.d * probe + (evaluations - 1) * sum(2 * c.m * (c.n + 1) * d for d in dims)
    return total


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
    table = {
        "float32": torch.float32,
        "float64": torch.float64,
        torch.float32: torch.float32,
        torch.float64: torch.float64,
    }
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


def _broadcast(
    config: SyntheticConfig | Sequence[SyntheticConfig], seeds: int | Sequence[int]
) -> tuple[list[SyntheticConfig], list[int]]:
    seed_list = parse_seeds(seeds)  # repeats allowed: cells of a sweep reuse the same seeds
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
                raise ValueError(
                    f"runs batched together must share {name}: {getattr(first, name)} vs {getattr(c, name)}"
                )
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
        if mode == "multi":
            self.store |= {
                "signal_pre": z(runs, t1, m),
                "signal_pre_tilde": z(runs, t1, m),
                "noise_agreement": z(runs, t1),
            }
        for s in self.suffixes:
            self.store["signal_learning" + s] = z(runs, t1)
            self.store["noise_memorization" + s] = z(runs, t1)
            self.store["gamma" + s] = z(runs, t1, m)
            if record == "coefficients":
                self.store["rho" + s] = z(runs, t1, m, n)
                self.store["pos_prob" + s] = z(runs, t1, n)

    def __call__(
        self,
        t: int,
        loss: torch.Tensor,
        coefficients: list[tuple[torch.Tensor, torch.Tensor]],
        steps: Sequence[HalfStep],
    ) -> None:
        self.store["train_loss"][:, t] = loss
        if len(steps) == 2:  # the pre-activations of Lemma D.3's sign classes and the noise activation patterns
            self.store["signal_pre"][:, t] = steps[0].signal
            self.store["signal_pre_tilde"][:, t] = steps[1].signal
            self.store["noise_agreement"][:, t] = (
                ((steps[0].noise > 0) == (steps[1].noise > 0)).to(loss.dtype).mean((1, 2))
            )
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


def _draw(
    configs: Sequence[SyntheticConfig], seeds: Sequence[int], mode: Mode, device: torch.device, dtype: torch.dtype
) -> tuple[SyntheticData, torch.Tensor, torch.Tensor | None]:
    """Every run's data and initial weights, stacked. Each run draws from its own generators, so the runs are
    drawn concurrently (one thread per torch thread): the same numbers as one after another, in less time."""

    def one(run: tuple[SyntheticConfig, int]) -> tuple[SyntheticData, torch.Tensor, torch.Tensor | None]:
        c, s = run
        w, w_t = initial_pair(c, s, mode)
        w_t = w_t.to(device, dtype) if w_t is not None else None
        return sample(c, s, (mode,)).to(device, dtype), w.to(device, dtype), w_t

    runs = list(zip(configs, seeds))
    workers = min(len(runs), torch.get_num_threads())
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            drawn = list(pool.map(one, runs))
    else:
        drawn = [one(r) for r in runs]
    data = stack([d for d, _, _ in drawn])
    w0 = torch.stack([w for _, w, _ in drawn])
    w0_t = torch.stack([w for _, _, w in drawn]) if mode == "multi" else None
    return data, w0, w0_t


def _products(rows: Sequence[torch.Tensor], columns: Sequence[torch.Tensor]) -> torch.Tensor:
    """The inner products of two lists of blocks of vectors, ``(R, kᵢ, d)`` each, as one ``(R, Σkᵢ, Σk'ⱼ)`` matrix."""
    return torch.cat([torch.cat([torch.bmm(r, c.transpose(1, 2)) for c in columns], dim=2) for r in rows], dim=1)


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
    on_epoch: Callable[[int], None] | None = None,
) -> Run:
    """Train ``len(seeds)`` independent runs of the single- or multi-modal encoder by full-batch GD.

    ``config`` is one :class:`SyntheticConfig` for all runs or one per seed; ``seeds`` is a count ``K`` (seeds
    ``0 … K−1``) or an explicit list. ``progress=True`` shows a progress bar on stderr when it is a terminal.
    ``callback(t, W, W̃, steps)``, if given, is called at every epoch before the update with the current weights and the
    :class:`~mmcl.model.dynamics.HalfStep` gradients (one per encoder); it costs one ``d``-dimensional product per epoch
    to form the weights. ``on_epoch(t)``, if given, is called at every epoch with its index only (cheap: for progress
    reports and timing). Raises ``ValueError`` on invalid arguments and :class:`TrainingDiverged` when a loss becomes
    non-finite.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if isinstance(eval_every, bool) or not isinstance(eval_every, int) or eval_every < 1:
        raise ValueError(f"eval_every must be an integer >= 1, got {eval_every!r}")
    if record not in ("summary", "coefficients"):
        raise ValueError(f"record must be 'summary' or 'coefficients', got {record!r}")
    configs, seed_list = _broadcast(config, seeds)
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    data, w0, w0_t = _draw(configs, seed_list, mode, dev, dt)
    warm = [i for i, c in enumerate(configs) if c.init == "warm_single"]
    if warm and mode == "single":
        raise ValueError("init='warm_single' starts a multi-modal run from a single-modal one; use mode='multi'")
    if warm:  # W⁽⁰⁾ of these runs: the final weights of their single-modal twins (same seed, Gaussian start)
        twins = train(
            [configs[i].replace(init="gaussian") for i in warm],
            "single",
            [seed_list[i] for i in warm],
            device=dev,
            dtype=dt,
            eval_every=max(configs[0].epochs, 1),
        )
        w0 = w0.clone()
        w0[warm] = twins.w
    tau = _per_run(configs, "tau", dev, dt)
    lr = _per_run(configs, "lr", dev, dt)
    epochs, m, n = configs[0].epochs, configs[0].m, configs[0].n
    runs = len(seed_list)

    # One basis per encoder, B = [ξ_1 … ξ_n, μ]. Every update lies in its span (eq. 7/10), so W_t = W_0 + A_t·B
    # with A_t (m × (n+1)) the accumulated steps. The pre-activations W_t·F of the forward vectors F then follow
    # from two products computed once, W_0·F and the Gram matrix B·F, as W_0·F + A_t·(B·F): per epoch this costs
    # m·(n+1)·|F| multiply-adds instead of m·d·|F|, and the d-dimensional weights are formed only when asked for.
    # B and F are kept as lists of blocks, so the d-dimensional vectors are never copied into one tensor.
    bases = [[data.xi, data.mu[:, None, :]]]
    if mode == "single":
        forward = [bases[0] + [data.eps]]  # [ξ, μ, ε]: ⟨w, ξ + ε⟩ = ⟨w, ξ⟩ + ⟨w, ε⟩
        starts = [w0]
    else:
        bases.append([data.xi_tilde, data.mu_tilde[:, None, :]])
        forward = bases
        starts = [w0, w0_t]
    pre0 = [_products([w], f) for w, f in zip(starts, forward)]
    grams = [_products(b, f) for b, f in zip(bases, forward)]
    moved = [torch.zeros(runs, m, n + 1, dtype=dt, device=dev) for _ in bases]  # A_t

    def weights() -> list[torch.Tensor]:
        return [
            torch.baddbmm(torch.baddbmm(w, a[:, :, :n], b[0]), a[:, :, n:], b[1])
            for w, a, b in zip(starts, moved, bases)
        ]

    # The probe needs W_t·[ν, ζ_fit, ζ_score]. Over many evaluations it pays to form these products the same way,
    # from W_0·P and B·P computed once (see matmul_flops for the two costs); otherwise from the weights.
    probe_in_span = _probe_in_span(configs[0], eval_every)
    if probe_in_span:
        probe0 = probe_preactivations(w0, data)
        probe_gram = torch.cat([probe_preactivations(b, data) for b in bases[0]], dim=1)

    norms = [torch.cat([(v * v).sum(2) for v in b], dim=1) for b in bases]  # ‖ξ_i‖², ‖μ‖²
    mask = negative_mask(data.y)  # the hard negatives y_j ≠ y_i, fixed for the whole run
    # augmented views without their signal patch (augmentation="mask_all"); None keeps the paper's computation
    signal_keep = data.signal_keep if any(c.augmentation == "mask_all" for c in configs) and mode == "single" else None
    coefficients = [torch.zeros(runs, m, n + 1, dtype=dt, device=dev) for _ in bases]  # [ρ, γ]
    delta, step_size = torch.empty(runs, m, n + 1, dtype=dt, device=dev), -lr[:, None, None]
    recorder = _Recorder(runs, epochs, m, n, mode, record, dev)

    eval_epochs: list[int] = []
    accuracy: list[torch.Tensor] = []
    bar = tqdm(
        total=epochs,
        desc=f"{mode}-modal, {runs} run(s)",
        disable=None if progress else True,
        file=sys.stderr,
        leave=False,
    )
    for t in range(epochs + 1):
        pre = [torch.baddbmm(p, a, g) for p, a, g in zip(pre0, moved, grams)]
        if mode == "single":
            noise = pre[0][:, :, :n]
            steps = [
                single_modal_terms(
                    data.y, pre[0][:, :, n], noise, noise + pre[0][:, :, n + 1 :], tau, mask, signal_keep
                )
            ]
        else:
            steps = list(
                multi_modal_terms(
                    data.y,
                    pre[0][:, :, n],
                    pre[0][:, :, :n],
                    pre[1][:, :, n],
                    pre[1][:, :, :n],
                    tau,
                    data.y_tilde,
                    mask,
                )
            )
        loss = sum(s.loss for s in steps)
        if not bool(torch.isfinite(loss).all()):
            bad = [seed_list[i] for i in torch.nonzero(~torch.isfinite(loss)).flatten().tolist()]
            raise TrainingDiverged(
                f"training loss became non-finite at epoch {t} for seed(s) {bad}; lower lr or raise tau"
            )
        recorder(t, loss, [(k[:, :, n], k[:, :, :n]) for k in coefficients], steps)
        evaluate = t % eval_every == 0 or t == epochs
        current = weights() if callback is not None or t == epochs or (evaluate and not probe_in_span) else None
        if evaluate:
            eval_epochs.append(t)
            if probe_in_span:
                accuracy.append(probe_accuracy_from(torch.baddbmm(probe0, moved[0], probe_gram), data))
            else:
                accuracy.append(probe_accuracy_from(probe_preactivations(current[0], data), data))
        if callback is not None:
            callback(t, current[0], current[1] if len(current) > 1 else None, steps)
        if on_epoch is not None:
            on_epoch(t)
        if t == epochs:
            break
        for a, norm, coef, step in zip(moved, norms, coefficients, steps):
            delta[:, :, :n], delta[:, :, n] = step.c, step.g  # the step −η·[c, g] in the basis B
            delta.mul_(step_size)
            a.add_(delta)
            coef.addcmul_(delta, norm[:, None, :])
        bar.update(1)
    bar.close()

    final = current  # formed at the last epoch
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
        w=final[0],
        w0_tilde=w0_t,
        w_tilde=final[1] if w0_t is not None else None,
        history=history,
        test_accuracy=history["test_accuracy"][:, -1],
        device=dev.type,
    )
