"""Program induction with the soft Turing machine on TerpreT's three Turing machine benchmarks.

    python benchmarks/softtm_induction.py [--restarts 100] [--methods default|fmgd,gumbel]
        [--economy default|0,1] [--examples default|teach,random]
        [--edges default|circular,clamp,open] [--seeds 1]

For each task, method, state-economy weight, example choice, tape edge and seed (the task's default sizes
and settings otherwise): how many of the restarts give a hardened program exact on the training
set, exact on held-out inputs of length 20 and 100 (and which share of the training successes
that is), the wall-clock seconds, and the median entropies of successful and failed restarts:
of the head distribution on the training inputs, and of the table itself.
"""
from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from analysis.induce import TERPRET, InduceConfig, induce  # noqa: E402


def _values(text: str, cast=str) -> list:
    return [None] if text == "default" else [cast(x) for x in text.split(",")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--restarts", type=int, default=100)
    ap.add_argument("--methods", default="default")
    ap.add_argument("--economy", default="default", help="state-economy weights")
    ap.add_argument("--examples", default="default",
                    help="teach, random (default: the task's, a fixed set where it has one)")
    ap.add_argument("--edges", default="default", help="circular, clamp, open")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--tasks", default=",".join(TERPRET))
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{'task':<17} {'method':<7} {'iters':>5} {'econ':>4} {'examples':<8} {'edge':<8} {'seed':>4} "
          f"{'soft':>4} {'hard':>4} {'len20':>5} {'len100':>6} {'general':>7} {'seconds':>7} "
          f"{'head H ok/fail':>15} {'table H ok/fail':>15}")

    def fmt(x):
        return "-" if x is None else f"{x:.4f}"
    for task in args.tasks.split(","):
        for method, economy, examples, edge, seed in itertools.product(
                _values(args.methods), _values(args.economy, float), _values(args.examples),
                _values(args.edges), range(args.seeds)):
            config = InduceConfig.for_task(task, method=method, restarts=args.restarts,
                                           state_economy=economy, examples_from=examples,
                                           edge=edge, seed=seed)
            r = induce(config)
            share = f"{r.hard_exact_len100 / r.hard_train_exact:.0%}" if r.hard_train_exact \
                else "-"
            print(f"{task:<17} {config.method:<7} {config.iterations:>5} "
                  f"{config.state_economy:>4g} "
                  f"{'given' if config.inputs else config.examples_from:<8} {config.edge:<8} "
                  f"{seed:>4} "
                  f"{r.soft_train_exact:>4} {r.hard_train_exact:>4} {r.hard_exact_len20:>5} "
                  f"{r.hard_exact_len100:>6} {share:>7} {r.seconds:>7.1f} "
                  f"{fmt(r.head_entropy_success):>7}/{fmt(r.head_entropy_failure):<7} "
                  f"{fmt(r.table_entropy_success):>7}/{fmt(r.table_entropy_failure):<7}",
                  flush=True)


if __name__ == "__main__":
    main()
