"""What the in-run never-halts deciders cost halting machines, and what they buy cyclers.

    python benchmarks/decider_overhead.py [--repeat 3]

Halting machines (BB(5), BB(2,4), two 3-state 3-symbol machines) run to their halt on the
default engine with the deciders on their doubling schedule (the default) and off (the search
only after a step limit, as before), side by side in one process, best of ``--repeat``
alternating timings. Then cyclers and translated cyclers at the default ``--max-steps``
(10^8) and at 10^12: seconds to their verdict. Last, the default engine (``auto``) against the
plain loop on inputs that do not compress (random bits) and that do (all ones), to a binary
increment machine: ``auto`` falls back to the plain loop where run-length steps would lose.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machines.classical import run  # noqa: E402
from machines.formats import load  # noqa: E402

HALTING = {     # name: (machine, --max-steps: the chain engine up to 10^9, macro beyond)
    "BB(5)": ("1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA", 10**9),
    "BB(2,4)": ("1RB2LA1RA1RA_1LB1LA3RB1RZ", 10**9),
    "3x3 (3.1e8 steps)": ("1RB2RA2RC_1LC---1LA_1RA2LB1LC", 10**9),
    "BB(5) (macro)": ("1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA", 10**10),
    "3x3 (4.9e9, macro)": ("1RB---2RB_1LC0LB1RA_1RA2LC1RC", 10**10),
}
ROOT = Path(__file__).resolve().parents[1]
NEVER = {
    "repeat01 (Turing 1936)": str(ROOT / "tests/data/corpus/turingmachine-io/repeat01.yaml"),
    "1LB0RA_1RA0LB": "1LB0RA_1RA0LB",
    "1RB---_0RA---": "1RB---_0RA---",
    "1RB0RA_0LA0RB": "1RB0RA_0LA0RB",
    "1RB1LB_1LA0RA": "1RB1LB_1LA0RA",
    "1RB1RB_0LA0LB (cycler)": "1RB1RB_0LA0LB",
    "1RB0RB_1LA0LA (cycler)": "1RB0RB_1LA0LA",
}


class Timed(NamedTuple):
    seconds: float
    value: object           # what the timed call returned


def timed(fn) -> Timed:
    t0 = time.perf_counter()
    out = fn()
    return Timed(time.perf_counter() - t0, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"{'halting machine':<20} {'steps':>15} {'deciders off s':>15} {'on s':>8} "
          f"{'overhead':>9}")
    for name, (text, limit) in HALTING.items():
        program = load(text)
        off, on = [], []
        for _ in range(args.repeat):
            t, r_off = timed(lambda: run(program, max_steps=limit, deciders=False))
            off.append(t)
            t, r_on = timed(lambda: run(program, max_steps=limit))
            on.append(t)
            assert r_on == r_off, name
        print(f"{name:<20} {r_on.steps:>15,} {min(off):>15.3f} {min(on):>8.3f} "
              f"{min(on) / min(off) - 1:>+8.1%}", flush=True)
    print()
    print(f"{'never halts':<24} {'max steps':>10} {'verdict':>17} {'since':>6} {'period':>7} "
          f"{'seconds':>8}")
    for name, text in NEVER.items():
        program = load(text)
        for limit in (10**8, 10**12):
            t, r = timed(lambda: run(program, max_steps=limit))
            print(f"{name:<24} {limit:>10.0e} {r.reason:>17} {str(r.since):>6} "
                  f"{str(r.period):>7} {t:>8.3f}", flush=True)
    incompressible(1)


def incompressible(repeat: int) -> None:
    import random

    program = load(str(ROOT / "machines/examples/binary_increment.yaml"))
    rng = random.Random(1)
    print()
    print(f"{'binary increment input':<28} {'engine':<6} {'steps':>12} {'seconds':>8}")
    for name, text in (("10^7 random bits", "".join(rng.choice("01") for _ in range(10**7))),
                       ("10^7 ones", "1" * 10**7)):
        for engine in ("plain", "auto"):
            t = min(timed(lambda: run(program, text, engine=engine, max_steps=10**9)).seconds
                    for _ in range(repeat))
            r = run(program, text, engine=engine, max_steps=10**9)
            print(f"{name:<28} {engine:<6} {r.steps:>12,} {t:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
