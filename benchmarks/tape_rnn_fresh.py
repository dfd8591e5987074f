"""tapelab's port of Delétang et al.'s Tape-RNN trained as their code trains it, from seeds and
batches of its own: does it learn odds_first as often as their code does?

    python benchmarks/tape_rnn_fresh.py --out DIR [--seeds 0-5] [--loss-per token] \\
        [--steps 8000] [--lr 5e-4] [--train-length 40] [--batch 32] \\
        [--memory-size 161] [--test-memory-size 641] [--test-lengths 80,160]

Each seed is one run: the port (``variant="deletang"``, 256 units, cells of 8, haiku's initial
weights drawn from torch's generator seeded with the seed), trained by tapelab's loop with their
optimiser (Adam, the gradient clipped to a norm of 1) for ``--steps`` + 1 steps as their loop
runs, on a ring of ``--memory-size`` cells, in their encoding and on their odds_first (answer
s_2 s_4 ... then s_1 s_3 ...; benchmarks/tape_rnn_port_check.py builds both), each batch
``--batch`` random strings of one length drawn uniformly from 1 to ``--train-length``, from a
NumPy generator seeded with (seed, step). ``--loss-per token`` is their objective, ``sequence``
tapelab's default. This is benchmarks/deletang_reference.py's run of their code with only the
framework changed (PyTorch, tapelab's loop, other random numbers), so the two tables can be
read side by side; results/deletang_code/len40 has theirs.

Each run's record is kept in ``DIR`` as JSON and not run again (run the same command to go
on). Prints one row per seed: per-token accuracy at the test lengths (and on each half of the
answer) on the ring of ``--test-memory-size`` cells, the mean over the test lengths on both
rings (their score), the fit at ``--train-length``, and the training time; then how many runs
score above 60 on the long ring, the line the three good runs of their code's fourteen cross.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deletang_reference import _numbers  # noqa: E402
from tape_rnn_port_check import (add_run_options, evens_first, port,  # noqa: E402
                                 score, their_batch, train_port, with_cells)

GOOD = 60.0         # % on the long ring: their code's three good runs are above, its others below


def batch_fn(seed: int, train_length: int, batch: int):
    """Their sampling: one length per batch, uniform on 1..train_length, random strings."""
    def make(step: int):
        rng = np.random.default_rng([seed, step])
        n = int(rng.integers(1, train_length + 1))
        strings = rng.integers(0, 2, size=(batch, n))
        return their_batch(strings, evens_first(strings))
    return make


def run(seed: int, a: argparse.Namespace, tests: list[int], work: Path) -> dict:
    """One seed's run and its figures, as a record."""
    torch.manual_seed(seed)
    model = port(a.memory_size)
    trained = train_port(model, batch_fn(seed, a.train_length, a.batch), a.steps + 1, a.lr,
                         a.loss_per, work / f"seed-{seed}")
    scored = {}
    for ring in (a.memory_size, a.test_memory_size):
        on_ring = with_cells(trained.model, ring)
        scored[str(ring)] = {str(n): score(on_ring, n, a.examples, seed=n)._asdict()
                             for n in tests}
    fit = score(trained.model, a.train_length, a.examples, seed=a.train_length)
    return {"seed": seed, "loss_per": a.loss_per, "steps": a.steps, "lr": a.lr,
            "train_length": a.train_length, "batch": a.batch, "scores": scored,
            "fit": fit.accuracy, "seconds": trained.seconds,
            "final_loss": float(np.mean(trained.losses[-500:]))}


def their_score(record: dict, ring: int) -> float:
    """Delétang et al.'s: the mean per-token accuracy over the test lengths, in %."""
    return 100 * statistics.mean(s["accuracy"] for s in record["scores"][str(ring)].values())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="folder of the runs' records")
    ap.add_argument("--seeds", default="0-5", help="'0-5' or '0,3,5'")
    ap.add_argument("--loss-per", default="token", choices=("token", "sequence"))
    add_run_options(ap)
    a = ap.parse_args(argv)
    try:
        seeds, tests = _numbers(a.seeds, int), _numbers(a.test_lengths, int)
    except ValueError:
        print(f"error: --seeds {a.seeds!r} / --test-lengths {a.test_lengths!r}: expected "
              "numbers separated by commas (seeds also as a range, 0-5)", file=sys.stderr)
        return 2
    if a.out.exists() and not a.out.is_dir():
        print(f"error: --out {a.out} is a file, not a folder of records", file=sys.stderr)
        return 2
    a.out.mkdir(parents=True, exist_ok=True)
    records = []
    for seed in seeds:
        path = a.out / f"{a.loss_per}-len{a.train_length}-s{seed}.json"
        if not path.exists():
            print(f"seed {seed} ...", file=sys.stderr, flush=True)
            with tempfile.TemporaryDirectory() as work:
                record = run(seed, a, tests, Path(work))
            part = path.with_name(path.name + ".part")
            part.write_text(json.dumps(record, indent=1))
            part.replace(path)                  # whole or not at all
        record = json.loads(path.read_text())
        if (record["steps"], record["lr"], record["batch"]) != (a.steps, a.lr, a.batch):
            print(f"error: {path} was made with other settings", file=sys.stderr)
            return 2
        records.append(record)
    long = a.test_memory_size
    print(f"tapelab's port trained as their code trains it (loss per {a.loss_per}), odds_first "
          f"in their order, lengths 1-{a.train_length}, {a.steps} steps at batch {a.batch}\n")
    cells = " | ".join(f"{n}, ring {long}" for n in tests)
    print(f"| seed | {cells} | score % (ring of {a.memory_size}) | score % (ring of {long}) | "
          f"per token at {a.train_length} | training s |\n|---" + "|---" * (len(tests) + 4) + "|")
    for r in records:
        at = r["scores"][str(long)]
        row = " | ".join(f"{at[str(n)]['accuracy']:.3f} ({at[str(n)]['first_half']:.2f} / "
                         f"{at[str(n)]['second_half']:.2f})" for n in tests)
        print(f"| {r['seed']} | {row} | {their_score(r, a.memory_size):.1f} | "
              f"{their_score(r, long):.1f} | {r['fit']:.3f} | {r['seconds']:.0f} |")
    short = [their_score(r, a.memory_size) for r in records]
    longs = [their_score(r, long) for r in records]
    print(f"\nmax {max(short):.1f} / median {statistics.median(short):.1f} on the ring of "
          f"{a.memory_size}; max {max(longs):.1f} / median {statistics.median(longs):.1f} on the "
          f"ring of {long}; {sum(x > GOOD for x in longs)} of {len(records)} above {GOOD:.0f} "
          f"on the ring of {long}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
