"""What evaluation costs: one scoring pass of each sequence machine, and the estimate for a
whole protocol's test lengths.

    python benchmarks/eval_cost.py [--task reverse] [--machines lstm,stackrnn,tapernn,...]
                                   [--lengths 41-500:51] [--samples 50]
                                   [--full 41-500] [--threads 1]

Each machine is built untrained, with its registry settings: the cost of a pass does not
depend on the weights. The table gives the seconds of one soft pass
(:func:`analysis.evaluate.evaluate_sequence_model`) over ``--lengths`` x ``--samples``
(compare's 50 by default: the examples of a length go in one batch, so fewer would not
scale), and scales it to one pass over ``--full`` (Delétang et al.'s test lengths 41-500 by
default). The default ``--lengths``, every 51st from 41 to 500, has the mean length of
41-500, so the scaling is by the number of lengths; a cost that grows faster than the length
makes it an estimate, not a measurement. The last column
multiplies by the passes a compare run makes: soft, argmax where the machine has a hard
mode, and one per test-time temperature of compare's default other than 1 and 0 (each
counted at the cost of a soft pass).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.compare import TEMPERATURES  # noqa: E402
from analysis.evaluate import evaluate_sequence_model  # noqa: E402
from analysis.runs import RunSpec, build_model, parse_lengths  # noqa: E402
from machines import registry  # noqa: E402
from tasks.suite import get_task  # noqa: E402


def passes(machine: str) -> int:
    """The scoring passes a compare run of ``machine`` makes with the default temperatures."""
    entry = registry.get(machine)
    tempered = [t for t in TEMPERATURES if t not in (0, 1)] if entry.heads else []
    return 1 + bool(entry.hard) + len(tempered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", default="reverse")
    parser.add_argument("--machines", default=",".join(registry.names("sequence")))
    parser.add_argument("--lengths", default="41-500:51", help="lengths timed [default: "
                        "%(default)s, every 51st: the mean length of 41-500]")
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--full", default="41-500", help="the protocol's test lengths")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    try:
        task = get_task(args.task)
        lengths, full = parse_lengths(args.lengths), parse_lengths(args.full)
        machines = args.machines.split(",")
        for m in machines:
            if registry.get(m).family != "sequence":
                raise ValueError(f"{m} is not a sequence machine")
    except ValueError as err:
        parser.error(str(err))
    scale = len(full) / len(lengths)
    print(f"{args.task}: one soft pass over {len(lengths)} lengths ({lengths[0]}-{lengths[-1]})"
          f" x {args.samples} examples, on {args.threads} thread(s); estimates for "
          f"{len(full)} lengths ({full[0]}-{full[-1]})\n")
    print("| machine | measured pass, s | one pass, est. min | passes per compare run "
          "| evaluation per run, est. min |")
    print("|---|---|---|---|---|")
    for machine in machines:
        torch.manual_seed(args.seed)
        model = build_model(RunSpec(task=args.task, machine=machine), task)
        model.eval()
        started = time.perf_counter()
        evaluate_sequence_model(model, task, lengths, samples=args.samples, seed=args.seed)
        seconds = time.perf_counter() - started
        one = seconds * scale / 60
        print(f"| {machine} | {seconds:.1f} | {one:.1f} | {passes(machine)} | "
              f"{one * passes(machine):.1f} |", flush=True)


if __name__ == "__main__":
    main()
