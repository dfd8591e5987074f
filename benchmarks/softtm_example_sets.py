"""Which training set makes the soft TM learn a general program? A sweep over every set.

    python benchmarks/softtm_example_sets.py [--task binary_decrement] [--restarts 40]
        [--edge open] [--iterations N] [--every 1] [--top 15] [--device auto]

Every training set of the shape ``tapelab induce`` draws for the task (TerpreT's sizes: for
binary_decrement one input each of length 3, 2 and 1 and two of length 4, 2,205 sets) trains
``--restarts`` restarts, all sets as one tensor program; each restart is hardened and checked
classically on its set and on held-out inputs of lengths 5-8 and 20. The table lists the best
sets by general programs (exact on every held-out input), the totals, and where the task's
default set (if it has one) stands. The full sweep is GPU work (about 90 s of training on an
H200 for 2,205 sets x 40 restarts); ``--every 20`` takes every 20th set, which a CPU manages.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from analysis.induce import InduceConfig, candidate_sets, sweep_example_sets  # noqa: E402
from tasks.suite import get_task  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="binary_decrement")
    ap.add_argument("--restarts", type=int, default=40, help="restarts per set")
    ap.add_argument("--edge", default=None, help="circular, clamp, open [task default]")
    ap.add_argument("--iterations", type=int, default=None)
    ap.add_argument("--every", type=int, default=1, help="take every N-th set")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" \
        else args.device
    config = InduceConfig.for_task(args.task, restarts=args.restarts, edge=args.edge,
                                   iterations=args.iterations, seed=args.seed)
    default, config = config.inputs, replace(config, inputs=())    # sets of the drawn shape
    sets = candidate_sets(get_task(args.task), config)[::args.every]
    if default and tuple(default) not in sets:
        sets.append(tuple(default))
    started = time.perf_counter()
    results = sweep_example_sets(config, sets, device=device)
    seconds = time.perf_counter() - started
    print(f"{args.task}: {len(sets)} sets x {args.restarts} restarts, {config.method} "
          f"{config.iterations} iterations, edge {config.edge}, on {device}, {seconds:.0f} s")
    ranked = sorted(results, key=lambda r: (-(r.general - (r.hard_train_exact - r.general)),
                                            -r.general))
    print(f"{'rank':>4}  {'inputs':<28} {'soft':>4} {'hard':>4} {'general':>7} {'share':>6}")
    for i, r in enumerate(ranked, 1):
        if i <= args.top or r.inputs == tuple(default):
            print(f"{i:>4}  {','.join(r.inputs):<28} {r.soft_train_exact:>4} "
                  f"{r.hard_train_exact:>4} {r.general:>7} {r.share:>6.0%}"
                  + ("  <- default" if r.inputs == tuple(default) else ""))
    hard = sum(r.hard_train_exact for r in results)
    general = sum(r.general for r in results)
    print(f"all sets: {sum(r.soft_train_exact for r in results)} soft fits, {hard} hardened "
          f"fits, {general} general ({general / max(hard, 1):.1%}); sets with a general "
          f"program: {sum(r.general > 0 for r in results)} of {len(results)}")


if __name__ == "__main__":
    main()
