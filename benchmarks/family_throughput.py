"""Training throughput of the sequence machines on Delétang et al.'s tasks, in optimiser
steps per second: what a time budget buys on this machine.

    python benchmarks/family_throughput.py [--pairs reverse:tapernn,...] [--length 40]
                                           [--batch 32] [--steps 30] [--threads 1]

Each pair is trained by the real loop (``machines.training.train``, Adam, no checkpoints
or probes) on lengths 1 to ``--length``, one length per batch as in ``tapelab compare``;
the rate is taken after ``--warmup`` steps. Batches are drawn from seed 0, so every run of
this script times the same batches.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from analysis.runs import RunSpec, batch_fn, build_model, task_of  # noqa: E402
from machines.training import TrainConfig, train  # noqa: E402

PAIRS = ("reverse:tapernn,duplicate:tapernn,odds_first:tapernn,reverse:stackrnn,"
         "cycle_navigation:lstm")


def steps_per_second(spec: RunSpec, batch: int, steps: int, warmup: int,
                     threads: int) -> float:
    """Optimiser steps per second of ``spec``'s machine in the real training loop (no
    checkpoints, logs or probes), timed over ``steps`` steps after ``warmup``."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    task = task_of(spec)
    model = build_model(spec, task)
    marks: dict[int, float] = {}

    def progress(state, result):
        marks[state.step] = time.perf_counter()
    config = TrainConfig(steps=warmup + steps, batch_size=batch, log_every=10**9,
                         checkpoint_every=10**9, checkpoint_seconds=10**9, probe_every=0,
                         threads=threads)
    with tempfile.TemporaryDirectory() as d:
        train(model, batch_fn(spec, task, 0, batch), config, d, progress=progress)
    return steps / (marks[warmup + steps] - marks[warmup])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", default=PAIRS, help="TASK:MACHINE,... (default: %(default)s)")
    ap.add_argument("--length", type=int, default=40, help="longest training input")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    print(f"lengths 1-{args.length}, batch {args.batch}, {args.threads} thread(s)")
    print(f"{'task':<18} {'machine':<10} {'steps/s':>8} {'s per 10k steps':>16}")
    for pair in args.pairs.split(","):
        task_name, machine = pair.split(":")
        spec = RunSpec(task=task_name, machine=machine, max_length=args.length)
        rate = steps_per_second(spec, args.batch, args.steps, args.warmup, args.threads)
        print(f"{task_name:<18} {machine:<10} {rate:>8.1f} {10_000 / rate:>16.0f}", flush=True)


if __name__ == "__main__":
    main()
