"""Does torch.compile pay for the NTM within the demo's budget, and is the compile cached?

    python benchmarks/ntm_compile_cost.py [--steps 40]

8-bit copy, batch 32, one thread. Per row: the seconds of the first ``--warmup`` steps (the
compile, for compiled models), then sequences per second over ``--steps`` more. Rows: eager;
compiled, first model in this process; compiled, a second model in the same process (the
in-memory cache); and compiled in a fresh process (only torch's on-disk cache carries over).
Last, the training seconds after which the compiled model has seen more sequences.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def measure(compiled: bool, warmup: int, steps: int, seed: int) -> dict:
    import torch

    from analysis.runs import RunSpec, batch_fn, build_model, task_of
    from machines.training import sequence_loss

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    spec = RunSpec(task="copy", bits=8, machine="ntm", compile=compiled)
    task = task_of(spec)
    model = build_model(spec, task)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    make = batch_fn(spec, task, seed, 32)

    def step(i: int) -> None:
        batch = make(i)
        loss, _ = sequence_loss(model(batch.inputs)[0], batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    t0 = time.perf_counter()
    for i in range(warmup):
        step(i)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(warmup, warmup + steps):
        step(i)
    return {"first": first, "rate": 32 * steps / (time.perf_counter() - t0)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(True, args.warmup, args.steps, 1)))
        return
    rows = [("eager", measure(False, args.warmup, args.steps, 0)),
            ("compiled, first in process", measure(True, args.warmup, args.steps, 0)),
            ("compiled, second in process", measure(True, args.warmup, args.steps, 1))]
    out = subprocess.run([sys.executable, __file__, "--child", "--warmup", str(args.warmup),
                          "--steps", str(args.steps)], capture_output=True, text=True).stdout
    rows.append(("compiled, fresh process", json.loads(out.strip().splitlines()[-1])))
    print(f"{'model':<30} {'first ' + str(args.warmup) + ' steps s':>18} {'seq/s after':>12}")
    for name, r in rows:
        print(f"{name:<30} {r['first']:>18.1f} {r['rate']:>12.0f}")
    eager, fresh = rows[0][1], rows[3][1]
    if fresh["rate"] > eager["rate"]:
        # seconds t where rate_c * (t - first_c) = rate_e * t
        t = fresh["rate"] * fresh["first"] / (fresh["rate"] - eager["rate"])
        print(f"a compiled run (fresh process) overtakes an eager one after about {t:.0f} s")
    else:
        print("compiled is not faster than eager here")


if __name__ == "__main__":
    main()
