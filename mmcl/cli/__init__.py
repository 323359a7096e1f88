"""Command line: ``python -m mmcl <command> …`` (``mmcl`` once installed).

Commands:

* ``synthetic`` — train single- and/or multi-modal runs on the synthetic task and write a JSON record;
* ``figure1`` — reproduce the paper's Figure 1 (PNG + JSON);
* ``sweep`` — train a grid of configurations × seeds × modes, batched and resumable (JSON lines);
* ``table1`` — reproduce the paper's Table 1 on ColoredMNIST (JSON + Markdown);
* ``grade`` — grade a class's submitted notebooks against the instructor's checks (CSV + feedback files).

Every error is reported as one line on stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable, Sequence

from ..model.trainer import TrainingDiverged
from ..sweeps.runner import SweepError
from . import grade, sweep, synthetic, table1

__all__ = ["main", "CliError"]


class CliError(Exception):
    """An error the command line reports as one line and exit status 2."""


COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], None], str]] = {
    "synthetic": (
        synthetic.add_synthetic_arguments,
        synthetic.run_synthetic,
        "train on the synthetic task (Figure 1 settings)",
    ),
    "figure1": (synthetic.add_figure1_arguments, synthetic.run_figure1, "reproduce Figure 1 (PNG + JSON)"),
    "sweep": (
        sweep.add_sweep_arguments,
        sweep.run_sweep_command,
        "train a grid of configurations, batched and resumable",
    ),
    "table1": (table1.add_table1_arguments, table1.run_table1, "reproduce Table 1 on ColoredMNIST (JSON + Markdown)"),
    "grade": (grade.add_grade_arguments, grade.run_grade, "grade a class's notebooks (CSV + feedback files)"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m mmcl", description="Multi-modal vs single-modal contrastive learning.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (add_arguments, _, help_text) in COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(words)
    args.invocation = "python -m mmcl " + " ".join(shlex.quote(w) for w in words)  # recorded with the results
    try:
        COMMANDS[args.command][1](args)
    except (ValueError, CliError, OSError, TrainingDiverged, SweepError) as exc:
        sys.stderr.write(f"python -m mmcl {args.command}: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"python -m mmcl {args.command}: interrupted\n")
        return 130
    return 0
