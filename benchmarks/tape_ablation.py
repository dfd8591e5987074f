"""Does a trained Tape-RNN use its tape, or only its controller's state?

    python benchmarks/tape_ablation.py RUN_DIR [RUN_DIR ...] [--lengths 5,10,20]
                                      [--samples 100] [--seed 0]

For each Tape-RNN run (a run directory of ``tapelab train`` or a compare's ``runs/NAME``), the
table scores the trained weights twice on the same examples: as trained, and on a tape of one
cell (:func:`machines.tape_rnn.one_cell_tape`), where each step reads back only what it has
just written, so that nothing but the controller's state carries the input forward. A machine
that runs a tape program falls to chance on the one-cell tape. One that fits its training
lengths in its controller's state keeps its score there, and it fails beyond them either way.
The lengths default to half, all and twice the run's longest training length.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.evaluate import evaluate_sequence_model  # noqa: E402
from analysis.runs import load_run, parse_lengths, run_name  # noqa: E402
from machines.tape_rnn import TapeRNN, one_cell_tape  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--lengths", help="comma-separated input lengths [default: half, all "
                        "and twice each run's longest training length]")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    try:
        fixed = parse_lengths(args.lengths) if args.lengths else None
    except ValueError as err:
        parser.error(f"--lengths: {err}")
    if args.samples < 1:
        parser.error(f"--samples {args.samples}: give at least 1")

    print(f"per-token accuracy and exact match, {args.samples} examples per length, "
          f"as trained and on a one-cell tape\n")
    print("| run | train lengths | length | per-token | one-cell tape | exact | one-cell tape |")
    print("|---|---|---|---|---|---|---|")
    for run in args.runs:
        try:
            spec, task, model = load_run(run)
        except (OSError, ValueError) as err:      # not a run, or a damaged one
            sys.exit(str(err))
        if not isinstance(model, TapeRNN):
            sys.exit(f"{run}: a {spec.machine} run; this benchmark reads Tape-RNN runs")
        lo, hi = spec.lengths(task)
        lengths = fixed or sorted({max(1, hi // 2), hi, 2 * hi})
        scored = [evaluate_sequence_model(m, task, lengths, samples=args.samples,
                                          seed=args.seed) for m in (model, one_cell_tape(model))]
        for full, ablated in zip(*scored):
            print(f"| {run_name(run)} | {lo}-{hi} | {full.length} | {full.symbol_accuracy:.3f} | "
                  f"{ablated.symbol_accuracy:.3f} | {full.exact_match:.2f} | "
                  f"{ablated.exact_match:.2f} |")


if __name__ == "__main__":
    main()
