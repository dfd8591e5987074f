"""Wall-clock time and sequences until the NTM learns the NTM paper's copy task.

    python benchmarks/ntm_copy_convergence.py [--seeds 5] [--max-seconds 600]

8-bit vectors, lengths 1 to 20, memory 128 x 20, LSTM controller of 100 units, one read and
one write head, with the defaults of ``tapelab train`` (Collier & Beel's recipe, torch.compile).
Every ``--every`` steps the bit error per sequence is measured on 100 fresh examples of
lengths 1-20; a seed has converged when it falls below 0.1 (Collier & Beel's criterion).
Seconds are training seconds (compilation included, evaluation excluded).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from analysis.runs import RunSpec, batch_fn, build_model, task_of  # noqa: E402
from machines.training import RECIPES, TrainConfig, sequence_loss, train  # noqa: E402


class Converged(Exception):
    pass


def bit_error(model, task, rng_seed: int = 777, samples: int = 100) -> float:
    rng = np.random.default_rng(rng_seed)
    total = 0.0
    with torch.no_grad():
        for n in range(1, 21):
            batch = task.encode([task.sample(n, rng) for _ in range(samples // 20)])
            total += float(sequence_loss(model(batch.inputs)[0], batch)[1]) * (samples // 20)
    return total / samples


def run_seed(seed: int, max_seconds: float, every: int, threads: int) -> dict:
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    spec = RunSpec(task="copy", bits=8, machine="ntm", compile=True)
    task = task_of(spec)
    model = build_model(spec, task)
    config = TrainConfig(**{**RECIPES["collier-beel"], "steps": None, "time_budget": max_seconds,
                            "seed": seed, "threads": threads, "log_every": 100,
                            "checkpoint_every": 10**9})
    found: dict = {}
    evaluation = [0.0]

    def progress(state, result):
        if state.step % every == 0 and result.bits < 1.0:
            t0 = time.perf_counter()
            err = bit_error(model, task)
            evaluation[0] += time.perf_counter() - t0
            if err < 0.1:
                found.update(seconds=state.seconds - evaluation[0], sequences=state.sequences,
                             steps=state.step, bit_error=err)
                raise KeyboardInterrupt   # stop this run: the loop saves and returns
    with tempfile.TemporaryDirectory() as d:
        state = train(model, batch_fn(spec, task, seed, config.batch_size, None), config, d,
                      progress=progress)
    if not found:
        found = dict(seconds=None, sequences=state.sequences, steps=state.step,
                     bit_error=bit_error(model, task))
    return {"seed": seed, **found}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--every", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    rows = []
    print(f"{'seed':>4} {'converged':>9} {'seconds':>8} {'sequences':>10} {'steps':>6} "
          f"{'bit err':>8}", flush=True)
    for seed in range(args.seeds):
        r = run_seed(seed, args.max_seconds, args.every, args.threads)
        rows.append(r)
        secs = "-" if r["seconds"] is None else f"{r['seconds']:.0f}"
        print(f"{seed:>4} {str(r['seconds'] is not None):>9} {secs:>8} {r['sequences']:>10,} "
              f"{r['steps']:>6} {r['bit_error']:>8.3f}", flush=True)
    done = [r["seconds"] for r in rows if r["seconds"] is not None]
    median = statistics.median([s if s is not None else float("inf")
                                for s in (r["seconds"] for r in rows)])
    print(f"converged {len(done)}/{len(rows)} within {args.max_seconds:.0f} s; median "
          f"{median:.0f} s" if done else "no seed converged")


if __name__ == "__main__":
    main()
