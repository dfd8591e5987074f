"""Where along its answer does a trained machine go wrong beyond its training lengths?

    python benchmarks/output_positions.py RUN_DIR [RUN_DIR ...] [--lengths 20,40]
                                          [--samples 200] [--parts 8] [--hard]
                                          [--plot positions.png]

For each run (a run directory of ``tapelab train`` or a compare's ``runs/NAME``) and length,
the table gives the per-token accuracy, then the accuracy at the answer's first position, over
``--parts`` consecutive stretches of the answer, and at its last position
(:func:`analysis.positions.position_accuracy`, on fresh examples drawn as evaluation draws
them, from ``--seed``), and the *prefix*: how many of the answer's first positions in a row it
gets right in at least 90% of the examples. Chance is one over the output alphabet (0.5 for
binary answers). A machine that recalls a bounded part of its input is right at a few
positions and at chance elsewhere; one whose program drifts loses accuracy along the answer.
``--plot`` draws each run and length as a line against the position as a fraction of the
answer's length, so that answers of different lengths line up.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.positions import PositionAccuracy, position_accuracy  # noqa: E402
from analysis.runs import load_run, parse_lengths, run_name  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--lengths", help="comma-separated input lengths [default: each "
                        "run's longest training length, and twice and four times it]")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--parts", type=int, default=8,
                        help="stretches of the answer in the table [default: %(default)s]")
    parser.add_argument("--hard", action="store_true", help="argmax addressing")
    parser.add_argument("--plot", type=Path, help="also draw accuracy against position")
    args = parser.parse_args()
    try:
        fixed = parse_lengths(args.lengths) if args.lengths else None
    except ValueError as err:
        parser.error(f"--lengths: {err}")
    for name in ("samples", "parts"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} {getattr(args, name)}: give at least 1")

    print(f"accuracy by output position, {args.samples} examples per length, "
          f"{'argmax' if args.hard else 'soft'} addressing\n")
    heads = " | ".join(f"part {i + 1}" for i in range(args.parts))
    print(f"| run | train lengths | length | per-token | prefix | first | {heads} | last |")
    print("|---|---|---|---|---|---|" + "---|" * args.parts + "---|")
    curves: dict[str, PositionAccuracy] = {}
    for run in args.runs:
        try:
            spec, task, model = load_run(run)
        except (OSError, ValueError) as err:      # not a run, or a damaged one
            sys.exit(str(err))
        lo, hi = spec.lengths(task)
        for length in fixed or [hi, 2 * hi, 4 * hi]:
            scored = position_accuracy(model, task, length, samples=args.samples,
                                       seed=args.seed, hard=args.hard)
            mean = (scored.accuracy * scored.counts).sum() / scored.counts.sum()
            parts = scored.bins(args.parts)
            cells = " | ".join(f"{b:.2f}" for b in parts) + " | –" * (args.parts - len(parts))
            print(f"| {run_name(run)} | {lo}-{hi} | {length} | {mean:.3f} | {scored.prefix()} | "
                  f"{scored.accuracy[0]:.2f} | {cells} | {scored.accuracy[-1]:.2f} |")
            curves[f"{run_name(run)}, length {length}"] = scored
    if args.plot:
        plot(curves, args.plot)
        print(f"\nplot: {args.plot}")


def plot(curves: dict[str, PositionAccuracy], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9.6, 4.2))
    colours: dict[str, str] = {}            # one colour per task, a line style per run of it
    drawn: dict[str, int] = {}
    for name, scored in curves.items():
        size = len(scored.accuracy)
        colour = colours.setdefault(scored.task, f"C{len(colours) % 10}")
        style = ("-", "--", ":", "-.")[drawn.get(scored.task, 0) % 4]
        drawn[scored.task] = drawn.get(scored.task, 0) + 1
        ax.plot(np.arange(1, size + 1) / size, scored.accuracy, label=name, lw=1,
                color=colour, linestyle=style)
    ax.set_xlabel("output position, as a fraction of the answer's length")
    ax.set_ylabel("share of examples right there")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
