"""Speed of the classical interpreter, in simulated steps per second.

    python benchmarks/classical_speed.py [--repeat 3]

Machines: BB(4) run to its halt many times over (per-run overhead included) and the first 10^7
steps of BB(5). Each figure is the best of ``--repeat`` timings.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machines.classical import run  # noqa: E402
from machines.formats import load  # noqa: E402

BB4 = "1RB1LB_1LA0LC_1RZ1LD_1RD0RA"
BB5 = "1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA"


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bb4-runs", type=int, default=2000)
    ap.add_argument("--bb5-steps", type=int, default=10_000_000)
    args = ap.parse_args()
    bb4, bb5 = load(BB4), load(BB5)
    rows = []
    steps4 = run(bb4).steps
    t = best_of(args.repeat, lambda: [run(bb4) for _ in range(args.bb4_runs)])
    rows.append((f"BB(4) x {args.bb4_runs} runs", "plain", steps4 * args.bb4_runs, t))
    r5 = run(bb5, max_steps=args.bb5_steps)
    t = best_of(args.repeat, lambda: run(bb5, max_steps=args.bb5_steps))
    rows.append((f"BB(5), first {args.bb5_steps:.0e} steps", "plain", r5.steps, t))
    print(f"{'machine':<28} {'engine':<7} {'steps':>12} {'seconds':>9} {'steps/s':>14}")
    for name, engine, steps, secs in rows:
        print(f"{name:<28} {engine:<7} {steps:>12,} {secs:>9.3f} {steps / secs:>14,.0f}")


if __name__ == "__main__":
    main()
