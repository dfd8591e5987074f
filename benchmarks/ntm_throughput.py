"""Training throughput of the NTM on the NTM paper's copy task, in sequences per second.

    python benchmarks/ntm_throughput.py [--steps 30] [--compile both|on|off]

8-bit vectors, lengths 1 to 20 (one length per batch), memory 128 x 20, LSTM controller of 100
units, one read and one write head; the real training loop (``machines.training.train``) with
Adam. For each batch size and thread count: sequences/s after a warm-up (compilation excluded).
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


def measure(batch: int, threads: int, compiled: bool, steps: int, warmup: int) -> float:
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    spec = RunSpec(task="copy", bits=8, machine="ntm", compile=compiled)
    task = task_of(spec)
    model = build_model(spec, task)
    marks: dict[int, float] = {}

    def progress(state, result):
        marks[state.step] = time.perf_counter()
    config = TrainConfig(steps=warmup + steps, batch_size=batch, log_every=10**9,
                         checkpoint_every=10**9, threads=threads)
    with tempfile.TemporaryDirectory() as d:
        train(model, batch_fn(spec, task, 0, batch, None), config, d, progress=progress)
    return batch * steps / (marks[warmup + steps] - marks[warmup])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--batches", default="1,32,128")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--compile", choices=["both", "on", "off"], default="both")
    args = ap.parse_args()
    modes = {"both": [False, True], "on": [True], "off": [False]}[args.compile]
    print(f"{'batch':>5} {'threads':>7} {'compiled':>8} {'seq/s':>8}")
    for compiled in modes:
        for threads in map(int, args.threads.split(",")):
            for batch in map(int, args.batches.split(",")):
                steps = args.steps if batch > 1 else args.steps * 4
                rate = measure(batch, threads, compiled, steps, args.warmup)
                print(f"{batch:>5} {threads:>7} {str(compiled):>8} {rate:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
