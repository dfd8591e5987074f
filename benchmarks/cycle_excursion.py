"""What breaks a trained machine on cycle_navigation beyond its training lengths: the length,
or how far the walk strays?

    python benchmarks/cycle_excursion.py RUN_DIR [RUN_DIR ...] [--length 480] [--samples 64]
                                         [--edges 0,5,10,15] [--plot excursion.png]

For each run (a run directory of ``tapelab train`` or a compare's ``runs/NAME``), the machine
answers after every prefix of ``--samples`` walks of ``--length`` steps
(:func:`analysis.prefixes.prefix_answers`). The table gives its accuracy grouped by the walk's
excursion so far, the largest |net displacement| of the prefixes up to that step
(:func:`analysis.prefixes.cycle_excursion`): over every step, and over the steps beyond three
times the training length alone. The last row is how often the run's training inputs
(lengths drawn uniformly from its training range, from the task's own generator) reach each
excursion: a machine that counts the displacement is right where training went and wrong
beyond it, at any length; one that keeps the position modulo 5 does not care.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.prefixes import accuracy_by, cycle_excursion, prefix_answers  # noqa: E402
from analysis.runs import load_run, run_name  # noqa: E402

EDGES = (0, 5, 10, 15, 20, 25, 30, 10**6)


def training_reach(task, lengths: tuple[int, int], edges, *, draws: int = 20_000,
                   seed: int = 0) -> list[float]:
    """Share of training inputs whose excursion reaches each bin's lower edge."""
    rng = np.random.default_rng(seed)
    lo, hi = lengths
    reach = [int(cycle_excursion([task.sample(int(rng.integers(lo, hi + 1)), rng).input])
                 [0, -1]) for _ in range(draws)]
    return [float(np.mean(np.array(reach) >= e)) for e in edges[:-1]]


def label(lo: float, hi: float) -> str:
    return f"{lo:g}+" if hi >= 10**6 else f"{lo:g}-{hi - 1:g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--length", type=int, default=480)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--seed", type=int, default=7, help="the walks' seed (evaluation "
                        "uses 0: another seed keeps these walks apart from the scored ones)")
    parser.add_argument("--edges", default=",".join(map(str, EDGES[:-1])),
                        help="the excursion bins' lower edges [default: %(default)s]")
    parser.add_argument("--plot", type=Path, help="also draw accuracy against excursion")
    args = parser.parse_args()
    try:
        edges = sorted({int(e) for e in args.edges.split(",")}) + [10**6]
    except ValueError:
        parser.error(f"--edges {args.edges!r}: give whole numbers, comma-separated")
    for name in ("length", "samples"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} {getattr(args, name)}: give at least 1")

    heads = " | ".join(label(lo, hi) for lo, hi in zip(edges[:-1], edges[1:]))
    print(f"accuracy after each prefix by the walk's excursion so far (|net displacement|), "
          f"{args.samples} walks of {args.length} steps\n")
    print(f"| run | prefixes | train lengths | {heads} |")
    print("|---|---|---|" + "---|" * (len(edges) - 1))
    curves: dict = {}
    reach: dict = {}                # training range -> share reaching each bin
    for run in args.runs:
        try:
            spec, task, model = load_run(run)
        except (OSError, ValueError) as err:      # not a run, or a damaged one
            sys.exit(str(err))
        if task.name != "cycle_navigation":
            sys.exit(f"{run}: a run on {task.name}; this benchmark reads cycle_navigation runs")
        lengths = spec.lengths(task)
        answers = prefix_answers(model, task, args.length, samples=args.samples,
                                 seed=args.seed)
        excursion = cycle_excursion(answers.inputs)
        for steps, name in ((slice(None), "all"), (slice(3 * lengths[1], None),
                                                   f"beyond {3 * lengths[1]}")):
            bins = accuracy_by(excursion, answers.correct, edges, steps=steps)
            cells = " | ".join("–" if b.accuracy is None else f"{b.accuracy:.2f} ({b.count})"
                               for b in bins)
            print(f"| {run_name(run)} | {name} | {lengths[0]}-{lengths[1]} | {cells} |")
            if name == "all":
                curves[run_name(run)] = bins
        if lengths not in reach:
            reach[lengths] = training_reach(task, lengths, edges)
    for (lo, hi), shares in reach.items():
        print(f"| training inputs reaching it | | {lo}-{hi} | "
              + " | ".join(f"{r:.4f}" for r in shares) + " |")
    if args.plot:
        plot(curves, reach, args.plot)
        print(f"\nplot: {args.plot}")


def plot(curves: dict, reach: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for name, bins in curves.items():
        xs = [b.lo for b in bins if b.accuracy is not None]
        ax.plot(xs, [b.accuracy for b in bins if b.accuracy is not None], marker="o",
                label=name)
    lows = [b.lo for b in next(iter(curves.values()))]
    width = min(np.diff(lows)) * 0.8 if len(lows) > 1 else 1
    for (lo, hi), shares in reach.items():
        ax.bar(lows, shares, width=width, alpha=0.15, align="edge",
               label=f"training inputs ({lo}-{hi}) reaching it")
    ax.set_xlabel("the walk's excursion so far, |net displacement|")
    ax.set_ylabel("accuracy of the answer")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
