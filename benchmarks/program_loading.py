"""Time to load and validate a program against its size: it should grow linearly.

Random machines of Q states over 10 symbols, written as turingmachine.io YAML and in Morphett's
format, loaded with ``machines.formats.load`` (parse, build, validate) and then given the first
step of a run (the dense transition table). Prints one row per size: file size, seconds, and
microseconds per rule, which stays flat when the cost is linear.

    python benchmarks/program_loading.py [--states 50,500,5000]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machines.classical import run  # noqa: E402
from machines.formats import load  # noqa: E402

SYMBOLS = "0123456789"


def yaml_program(states: int, rng: random.Random) -> str:
    lines = ["blank: '0'", "start state: q0", "table:"]
    for q in range(states):
        lines.append(f"  q{q}:")
        for s in SYMBOLS:
            lines.append(f"    '{s}': {{write: '{rng.choice(SYMBOLS)}', "
                         f"{rng.choice('LR')}: q{rng.randrange(states)}}}")
    return "\n".join(lines) + "\n"


def morphett_program(states: int, rng: random.Random) -> str:
    return "".join(f"{q} {s} {rng.choice(SYMBOLS)} {rng.choice('lr')} {rng.randrange(states)}\n"
                   for q in range(states) for s in SYMBOLS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--states", default="50,500,5000")
    args = parser.parse_args()
    rng = random.Random(0)
    print(f"{'format':<9} {'states':>6} {'rules':>7} {'KB':>7} {'load s':>8} {'run s':>7} "
          f"{'us/rule':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for states in map(int, args.states.split(",")):
            for fmt, make, ext in (("yaml", yaml_program, ".yaml"),
                                   ("morphett", morphett_program, ".txt")):
                path = Path(tmp) / f"p{states}{ext}"
                path.write_text(make(states, rng))
                t0 = time.perf_counter()
                program = load(path)
                t1 = time.perf_counter()
                run(program, max_steps=100)
                t2 = time.perf_counter()
                rules = len(program.rules)
                print(f"{fmt:<9} {states:>6} {rules:>7} {path.stat().st_size / 1024:>7.0f} "
                      f"{t1 - t0:>8.3f} {t2 - t1:>7.3f} {1e6 * (t1 - t0) / rules:>8.1f}")


if __name__ == "__main__":
    main()
