"""Training throughput of the NTM on the NTM paper's copy task, in sequences per second.

    python benchmarks/ntm_throughput.py [--steps 30] [--compile both|on|off]

8-bit vectors, lengths 1 to 20 (one length per batch), memory 128 x 20, LSTM controller of 100
units, one read and one write head; the real training loop (``machines.training.train``) with
Adam. For each batch size and thread count: sequences/s after a warm-up (compilation excluded).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.runs import RunSpec  # noqa: E402
from family_throughput import steps_per_second  # noqa: E402  (benchmarks/ is on the path)


def measure(batch: int, threads: int, compiled: bool, steps: int, warmup: int) -> float:
    spec = RunSpec(task="copy", bits=8, machine="ntm", compile=compiled)
    return batch * steps_per_second(spec, batch, steps, warmup, threads)


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
