"""How much chapter 10's live figures move with the CPU's vector instructions.

Usage::

    python -m tools.isa_spread                      # writes results/isa_spread.json (about 6 minutes on 2 cores)

The ColoredMNIST encoders train in float32. PyTorch chooses its CPU kernels by the instruction set it finds
(``ATEN_CPU_CAPABILITY``: ``default``, ``avx2``, ``avx512`` on x86-64), and kernels of different vector widths add in
different orders, so the rounding differs and training — chaotic over a few hundred Adam steps — ends elsewhere. This
tool re-runs exactly what chapter 10 runs live (Table 1 at the quick size, three pipelines, three seeds, and the
augmentation grid, two seeds) once per instruction set that this CPU supports, each in a fresh process with one
thread, and records the per-seed accuracies. Chapter 10 reads the file, prints the spread and checks that it is far
smaller than the spread over seeds, so that no conclusion depends on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from mmcl.storage.records import provenance, write_json

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "isa_spread.json"
CAPABILITIES = ("default", "avx2", "avx512")
PIPELINES = ("single", "multi", "single_colour_jitter")
SHIFTS, NOISE_STDS = (0, 2, 4), (0.2, 0.4, 0.8)

_CHILD = """
import json, sys
import torch
torch.set_num_threads(1)
from mmcl.cmnist import table1
live = table1.table1("quick", seeds=3, pipelines={pipelines!r}, device="cpu")
grid = table1.augmentation_grid("quick", shifts={shifts!r}, noise_stds={noise_stds!r}, seeds=2, device="cpu")
json.dump({{
    "capability": torch.backends.cpu.get_cpu_capability(),
    "table1": {{k: {{"train_accuracy": v["train_accuracy"], "test_accuracy": v["test_accuracy"]}}
                for k, v in live["results"].items()}},
    "augmentation": {{"train_accuracy": grid["train_accuracy"].tolist(),
                      "test_accuracy": grid["test_accuracy"].tolist()}},
}}, sys.stdout)
"""

__all__ = ["supported", "measure", "main"]


def supported() -> list[str]:
    """The instruction sets of :data:`CAPABILITIES` that this CPU runs (PyTorch falls back silently otherwise)."""
    flags = ""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        pass
    out = ["default"]
    if platform.machine() in ("x86_64", "AMD64"):
        if " avx2" in flags:
            out.append("avx2")
        if " avx512f" in flags and " avx512bw" in flags and " avx512vl" in flags and " avx512dq" in flags:
            out.append("avx512")
    return out


def measure(capability: str) -> dict:
    """Run chapter 10's live computations in a fresh process under ``ATEN_CPU_CAPABILITY=capability``."""
    env = dict(
        os.environ,
        ATEN_CPU_CAPABILITY=capability,
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        CUDA_VISIBLE_DEVICES="",
        TQDM_DISABLE="1",
    )
    code = _CHILD.format(pipelines=PIPELINES, shifts=SHIFTS, noise_stds=NOISE_STDS)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"ATEN_CPU_CAPABILITY={capability}: the measurement failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout)
    if result["capability"].lower() != capability:
        raise RuntimeError(f"asked for {capability}, PyTorch used {result['capability']}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    runs = {}
    for capability in supported():
        print(f"ATEN_CPU_CAPABILITY={capability} ...", flush=True)
        runs[capability] = measure(capability)
    record = {
        "pipelines": list(PIPELINES),
        "seeds": [0, 1, 2],
        "augmentation": {"shifts": list(SHIFTS), "noise_stds": list(NOISE_STDS), "seeds": [0, 1]},
        "runs": runs,
        "machine": {"processor": platform.machine(), "system": platform.system()},
        "provenance": provenance("python -m tools.isa_spread"),
    }
    write_json(args.out, record)
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
