"""Accuracy per output position (analysis/positions.py, benchmarks/output_positions.py)."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from analysis.evaluate import evaluate_sequence_model, examples_at
from analysis.positions import PositionAccuracy, position_accuracy
from analysis.runs import RunSpec, build_model, task_of, train_run
from conftest import ROOT

SMALL = {"tapernn": dict(hidden_size=16, tape_width=4), "lstm": dict(hidden_size=8),
         "transformer": dict(model_size=16, heads=2, layers=2)}


@pytest.mark.parametrize("name,task_name,hard", [("tapernn", "odds_first", False),
                                                 ("tapernn", "odds_first", True),
                                                 ("lstm", "duplicate", False),
                                                 ("transformer", "reverse", True)])
def test_the_positions_average_to_evaluations_per_symbol_accuracy(name, task_name, hard):
    """Same examples, same machine: the count-weighted mean over positions is what
    evaluation reports (these tasks' answers have one length per input length)."""
    spec = RunSpec(task=task_name, machine=name, model=SMALL[name])
    task = task_of(spec)
    torch.manual_seed(3)
    model = build_model(spec, task)
    for length in (3, 7):
        scored = position_accuracy(model, task, length, samples=12, seed=5, hard=hard,
                                   batch_size=5)
        expected = evaluate_sequence_model(model, task, [length], samples=12, seed=5,
                                           hard=hard)[0]
        assert scored.addressing == ("hard" if hard else "soft")
        assert len(scored.accuracy) == len(examples_at(task, length, 1, 5)[0].output)
        assert set(scored.counts) == {12}
        assert np.average(scored.accuracy, weights=scored.counts) == \
            pytest.approx(expected.symbol_accuracy)
        assert ((scored.accuracy >= 0) & (scored.accuracy <= 1)).all()


def test_bins_weigh_each_position_by_its_examples():
    scored = PositionAccuracy("t", 4, "soft", np.array([1.0, 1.0, 0.0, 0.5]),
                              np.array([2, 2, 2, 1]))
    assert scored.bins(2) == [1.0, pytest.approx(0.5 / 3)]
    assert scored.bins(1) == [pytest.approx((2 + 2 + 0.5) / 7)]
    assert scored.bins(10) == [1.0, 1.0, 0.0, 0.5]          # no more parts than positions
    assert scored.prefix() == 2 and scored.prefix(0.0) == 4 and scored.prefix(1.01) == 0


def test_the_benchmark_prints_a_row_per_run_and_length_and_refuses_bad_options(tmp_path):
    spec = RunSpec(task="odds_first", machine="tapernn", max_length=4, model=SMALL["tapernn"],
                   train={"steps": 3, "batch_size": 4, "threads": 1, "probe_every": 0})
    run = tmp_path / "positions-run"
    train_run(spec, run)
    script = [sys.executable, str(ROOT / "benchmarks" / "output_positions.py")]
    plot = tmp_path / "positions.png"
    r = subprocess.run([*script, str(run), "--samples", "6", "--parts", "3", "--plot",
                        str(plot)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rows = [line.strip("| ").split(" | ") for line in r.stdout.splitlines()
            if line.startswith("| positions-run |")]
    assert [row[2] for row in rows] == ["4", "8", "16"]       # L, 2L, 4L
    assert all(len(row) == 4 + 2 + 3 + 1 for row in rows)     # run..per-token, prefix, first, 3, last
    assert all(0 <= int(row[4]) <= int(row[2]) for row in rows)    # prefix: positions of L
    assert all(0 <= float(v) <= 1 for row in rows for v in row[3:4] + row[5:])
    assert plot.stat().st_size > 0
    for args, message in (([str(tmp_path)], "not a tapelab run directory"),
                          ([str(run), "--lengths", "4,x"], "--lengths"),
                          ([str(run), "--lengths", "0"], "--lengths"),
                          ([str(run), "--parts", "0"], "--parts")):
        r = subprocess.run([*script, *args], capture_output=True, text=True)
        assert r.returncode != 0 and message in r.stderr and "Traceback" not in r.stderr
