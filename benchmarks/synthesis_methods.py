"""Symbolic against differentiable induction: the soft TM's two gradient methods, Z3 and the
enumerator on the same training tapes, TerpreT's three tasks and two more of ours.

    python benchmarks/synthesis_methods.py [--budget 30] [--restarts 50]
        [--tasks invert,prepend_zero,binary_decrement,binary_increment,parity]
        [--choices default,random,teach]

For each task and each choice of training examples (``default``: the task's own, TerpreT's
sizes and the chosen set where it has one; ``random`` and ``teach``: drawn), one table: per
method the programs exact on the training inputs (of restarts, for the gradient methods), the
share of them exact at lengths 20 and 100, seconds to the first and in all, and for the
searches the distinct programs consistent with the examples up to state renaming, with how
many are general (">=" where the search did not end within ``--budget``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.induce import InduceConfig, comparison_lines, induce  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=30)
    ap.add_argument("--restarts", type=int, default=50)
    ap.add_argument("--tasks", default="invert,prepend_zero,binary_decrement,binary_increment,"
                    "parity")
    ap.add_argument("--choices", default="default,random,teach")
    ap.add_argument("--methods", default="fmgd,gumbel,smt,enumerate")
    args = ap.parse_args()
    for task in args.tasks.split(","):
        for choice in args.choices.split(","):
            reports = []
            for method in args.methods.split(","):
                config = InduceConfig.for_task(
                    task, method=method, restarts=args.restarts, budget=args.budget,
                    examples_from=None if choice == "default" else choice)
                try:
                    reports.append(induce(config))
                except ValueError as err:
                    print(f"{task} ({choice}) {method}: {err}")
            if not reports:
                continue
            c = reports[0].config
            print(f"\n{task}, examples: {choice} ({c['states']} states, tape "
                  f"{c['tape_length']}, {c['steps']} steps, {c['examples']} examples, "
                  f"{c['edge']} edge)")
            print("\n".join(comparison_lines(reports)), flush=True)


if __name__ == "__main__":
    main()
