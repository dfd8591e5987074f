"""Program induction with the soft Turing machine on TerpreT's three Turing machine benchmarks.

    python benchmarks/softtm_induction.py [--restarts 100] [--methods fmgd,gumbel]

For each task and method (with the task's default sizes and settings): how many of the restarts
give a hardened program exact on the training set, exact on held-out inputs of length 20 and
100, the wall-clock seconds, and the median head entropy of successful and failed restarts.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from analysis.induce import TERPRET, InduceConfig, induce  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--restarts", type=int, default=100)
    ap.add_argument("--methods", default="fmgd,gumbel")
    ap.add_argument("--tasks", default=",".join(TERPRET))
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{'task':<17} {'method':<7} {'iters':>5} {'soft':>5} {'hard':>5} {'len20':>5} "
          f"{'len100':>6} {'seconds':>8} {'H success':>10} {'H failure':>10}")
    for task in args.tasks.split(","):
        for method in args.methods.split(","):
            config = InduceConfig.for_task(task, method=method, restarts=args.restarts)
            r = induce(config)

            def fmt(x):
                return "-" if x is None else f"{x:.4f}"
            print(f"{task:<17} {method:<7} {config.iterations:>5} {r.soft_train_exact:>5} "
                  f"{r.hard_train_exact:>5} {r.hard_exact_len20:>5} {r.hard_exact_len100:>6} "
                  f"{r.seconds:>8.1f} {fmt(r.head_entropy_success):>10} "
                  f"{fmt(r.head_entropy_failure):>10}", flush=True)


if __name__ == "__main__":
    main()
