"""The ``synthetic`` and ``figure1`` commands (see :mod:`mmcl.cli`)."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from ..model.config import SyntheticConfig
from ..model.trainer import train
from ..storage.atomic import write_bytes
from ..storage.records import synthetic_record, write_json

__all__ = ["add_synthetic_arguments", "add_figure1_arguments", "run_synthetic", "run_figure1"]

# (flag, config field, type)
_CONFIG_FLAGS = (
    ("--n", "n", int),
    ("--d", "d", int),
    ("--m", "m", int),
    ("--mu-norm", "mu_norm", float),
    ("--mu-tilde-norm", "mu_tilde_norm", float),
    ("--sigma-xi", "sigma_xi", float),
    ("--sigma-eps", "sigma_eps", float),
    ("--nu-norm", "nu_norm", float),
    ("--n-test", "n_test", int),
    ("--tau", "tau", float),
    ("--sigma0", "sigma0", float),
    ("--lr", "lr", float),
    ("--epochs", "epochs", int),
)


def _add_common(parser: argparse.ArgumentParser, default_seeds: int) -> None:
    defaults = SyntheticConfig()
    for flag, name, kind in _CONFIG_FLAGS:
        parser.add_argument(
            flag, dest=name, type=kind, default=getattr(defaults, name), help=f"default {getattr(defaults, name)}"
        )
    parser.add_argument(
        "--seeds", type=int, default=default_seeds, help=f"number of seeds K, trained batched (default {default_seeds})"
    )
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def add_synthetic_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=("single", "multi", "both"), default="both")
    _add_common(parser, default_seeds=5)
    parser.add_argument("--out", required=True, help="JSON file to write")


def add_figure1_arguments(parser: argparse.ArgumentParser) -> None:
    _add_common(parser, default_seeds=5)
    parser.add_argument("--out", required=True, help="folder for figure1.png and figure1.json")


def _config(args: argparse.Namespace) -> SyntheticConfig:
    return SyntheticConfig(**{name: getattr(args, name) for _, name, _ in _CONFIG_FLAGS})


def _train_modes(args: argparse.Namespace, modes: tuple[str, ...], min_seeds: int = 1) -> dict:
    if args.seeds < min_seeds:
        raise ValueError(f"--seeds must be >= {min_seeds}, got {args.seeds}")
    config = _config(args)
    command = args.invocation
    runs = [
        train(config, mode, args.seeds, device=args.device, dtype=args.dtype, progress=not args.quiet) for mode in modes
    ]
    return synthetic_record(runs, command)


def run_synthetic(args: argparse.Namespace) -> None:
    modes = ("single", "multi") if args.mode == "both" else (args.mode,)
    record = _train_modes(args, modes)
    write_json(args.out, record)
    if not args.quiet:
        for mode, s in record["summary"].items():
            print(
                f"{mode:>6}-modal: OOD test accuracy {s['test_accuracy_mean']:.3f} ± {s['test_accuracy_std']:.3f}, "
                f"final training loss {s['final_train_loss_mean']:.4f}",
                file=sys.stderr,
            )


def run_figure1(args: argparse.Namespace) -> None:
    from ..reader.plot import figure1

    record = _train_modes(args, ("single", "multi"), min_seeds=5)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig = figure1(record)
    png = io.BytesIO()
    fig.savefig(png, dpi=150, bbox_inches="tight", format="png")
    write_bytes(out / "figure1.png", png.getvalue())
    write_json(out / "figure1.json", record)
