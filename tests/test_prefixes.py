"""Prefix answers: a machine's answer after every prefix of a long input, grouped by a
statistic of the prefix (analysis/prefixes.py), checked on two exact hand-built counters."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from analysis.prefixes import accuracy_by, cycle_excursion, prefix_answers, prefix_examples
from tasks.suite import get_task


class DisplacementCounter(nn.Module):
    """cycle_navigation by counting the net displacement (+ minus -, channels 0 and 1) and
    answering it modulo 5 at every step; with ``bound``, the count saturates at ±bound, as a
    counter whose range ends where its training inputs did."""

    def __init__(self, bound: int | None = None) -> None:
        super().__init__()
        self.bound = bound

    def forward(self, inputs: torch.Tensor, **_):
        moves = (inputs[..., 0] - inputs[..., 1]).long()
        count, counts = torch.zeros(inputs.shape[0], dtype=torch.long), []
        for t in range(inputs.shape[1]):
            count = count + moves[:, t]
            if self.bound is not None:
                count = count.clamp(-self.bound, self.bound)
            counts.append(count)
        return 10.0 * nn.functional.one_hot(torch.stack(counts, 1) % 5, 5).float(), None


def test_prefix_examples_carry_the_tasks_answers_and_refuse_a_prefix_without_one():
    task = get_task("cycle_navigation")
    assert [(e.input, e.output) for e in prefix_examples(task, "++-=")] == [
        ("+", "1"), ("++", "2"), ("++-", "1"), ("++-=", "1")]
    with pytest.raises(ValueError, match="binary_addition: the prefix '101' has no answer"):
        prefix_examples(get_task("binary_addition"), "101+1")


def test_an_exact_counter_is_right_after_every_prefix():
    task = get_task("cycle_navigation")
    answers = prefix_answers(DisplacementCounter(), task, 60, samples=6, seed=1)
    assert answers.correct.shape == (6, 60) and answers.correct.all()
    assert [len(t) for t in answers.inputs] == [60] * 6


def test_a_bounded_counter_fails_exactly_beyond_the_excursion_it_can_hold():
    task = get_task("cycle_navigation")
    answers = prefix_answers(DisplacementCounter(bound=4), task, 80, samples=12, seed=2)
    excursion = cycle_excursion(answers.inputs)
    assert excursion.shape == (12, 80) and (np.diff(excursion, axis=1) >= 0).all()
    inside, beyond = accuracy_by(excursion, answers.correct, [0, 5, 10**6])
    assert inside.accuracy == 1.0 and inside.count == int((excursion < 5).sum()) > 0
    assert beyond.count > 0 and beyond.accuracy < 0.6        # saturated: wrong, mostly
    late = accuracy_by(excursion, answers.correct, [0, 5, 10**6], steps=slice(70, None))
    assert sum(b.count for b in late) == 12 * 10


def test_the_excursion_benchmark_prints_its_table_for_a_run_and_refuses_another_task(tmp_path):
    import subprocess
    import sys

    from analysis.runs import RunSpec, train_run
    from conftest import ROOT

    def trained(task: str):
        spec = RunSpec(task=task, machine="lstm", max_length=6, model={"hidden_size": 8,
                                                                       "layers": 1},
                       train={"steps": 3, "batch_size": 4, "threads": 1, "probe_every": 0})
        train_run(spec, tmp_path / task)
        return str(tmp_path / task)

    script = [sys.executable, str(ROOT / "benchmarks" / "cycle_excursion.py")]
    r = subprocess.run([*script, trained("cycle_navigation"), "--length", "20", "--samples",
                        "3", "--plot", str(tmp_path / "e.png")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "| cycle_navigation | all | 1-6 |" in r.stdout
    assert "| cycle_navigation | beyond 18 | 1-6 |" in r.stdout
    assert "| training inputs reaching it | | 1-6 | 1.0000 |" in r.stdout
    assert (tmp_path / "e.png").stat().st_size > 1000
    r = subprocess.run([*script, trained("parity")], capture_output=True, text=True)
    assert r.returncode == 1 and "a run on parity" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([*script, str(tmp_path / "cycle_navigation"), "--samples", "0"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--samples 0" in r.stderr and "Traceback" not in r.stderr
