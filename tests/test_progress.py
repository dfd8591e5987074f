"""Progress while a compare trains: a status line per running job (seconds left, loss), from
the metrics the job logs, in the local pool and in-process alike; and while a job or `eval`
evaluates: the pass, the length and how many lengths are scored."""
from __future__ import annotations

import pytest

from analysis.compare import CompareConfig, compare
from analysis.sweep import SweepOptions


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_training_compare_reports_seconds_left_and_loss(tmp_path, jobs):
    lines: list[str] = []
    config = CompareConfig(tasks=["invert"], machines=["ntm", "lstm"], budget=6,
                           lengths=[3], samples=2, temperatures=[])
    outcomes = compare(config, tmp_path / "cmp", options=SweepOptions(jobs=jobs, heartbeat=0.5),
                       log=lines.append)
    assert [o.status for o in outcomes] == ["done", "done"]
    status = [line for line in lines if line.startswith("training: ")]
    assert status, lines
    assert any("invert-ntm-s0 " in line and " s left, loss " in line for line in status)
    if jobs == 2:       # both train at once: one line names both
        assert any("invert-ntm-s0" in line and "invert-lstm-s0" in line for line in status)


def test_a_step_budget_reports_its_step_and_the_seconds_left_at_its_pace(tmp_path):
    lines: list[str] = []
    config = CompareConfig(tasks=["invert"], machines=["lstm"], steps=200, lengths=[3],
                           samples=2, temperatures=[])
    outcomes = compare(config, tmp_path / "cmp", options=SweepOptions(jobs=1, heartbeat=0.3),
                       log=lines.append)
    assert [o.status for o in outcomes] == ["done"]
    status = [line for line in lines if line.startswith("training: invert-lstm-s0 step ")]
    assert status and all(" of 200, about " in line and " s left, loss " in line
                          for line in status), lines


def test_the_eta_guesses_a_job_only_from_jobs_of_its_kind():
    from analysis.sweep import Progress

    p = Progress(total=3, expected={"a": None, "b": None, "c": 30.0},
                 kinds={"a": "classical", "b": "ntm", "c": "lstm"}, left={"b", "c"})
    p.done, p.durations = 1, {"classical": [10.0]}
    assert "ETA" not in p.line(parallel=1)        # no ntm has finished: no guess for b
    p.durations["ntm"] = [100.0]
    assert p.line(parallel=2).endswith("ETA 1:05")   # (100 + 30) / 2


def test_a_curriculum_run_gives_its_seconds_left_as_a_lower_bound_while_lengths_grow(tmp_path):
    from analysis.runs import RunSpec, still_growing, write_config
    from analysis.sweep import _steps_left

    assert still_growing(50, 49) and not still_growing(50, 50) and not still_growing(0, 10)
    for curriculum, early in ((50, "step 10 of 100, at least 45 s left"),
                              (0, "step 10 of 100, about 45 s left")):
        run = tmp_path / str(curriculum)
        run.mkdir()
        write_config(run, RunSpec(task="reverse", machine="lstm", curriculum=curriculum,
                                  train={"steps": 100}))
        assert _steps_left(run, {"step": 10, "seconds": 5.0}) == early
        assert _steps_left(run, {"step": 60, "seconds": 6.0}) == "step 60 of 100, about 4 s left"


# ------------------------------------------------------------------ evaluation progress
def test_every_row_an_evaluation_returns_is_told_as_soon_as_it_is_scored():
    import torch

    from analysis.evaluate import EvaluationProgress, evaluate
    from analysis.runs import RunSpec, build_model
    from tasks.suite import get_task

    task = get_task("reverse")
    told: list = []
    rows = evaluate(task.reference, task, [2, 3], samples=2, on_length=told.append)
    assert told == rows and [r.length for r in rows] == [2, 3]
    torch.manual_seed(0)
    model = build_model(RunSpec(task="reverse", machine="tapernn"), task)
    told.clear()
    rows = evaluate(model, task, [2, 3], samples=2, kind="tapernn", on_length=told.append)
    assert told == rows and [r.addressing for r in rows] == ["soft", "soft", "hard", "hard"]
    told.clear()                  # T = 1 and T = 0 relabel known rows; they are told too
    tempered = evaluate(model, task, [2, 3], samples=2, kind="tapernn", temperatures=[1, 0.5, 0],
                        known=rows, on_length=told.append)
    assert told == tempered and len(told) == 6
    now = EvaluationProgress(lengths=2)
    assert now.line() == "starting"
    for r in tempered[:3]:
        now = now.after(r)
    assert now.line() == "T=0.5, length 2 (1 of 2 lengths)" and now.scored == {"T=1": 2,
                                                                               "T=0.5": 1}


def test_a_long_evaluation_reports_where_it_stands_and_leaves_no_file(tmp_path):
    """A job that has finished training, or a classical one, said nothing while it evaluated
    (minutes at Delétang et al.'s test lengths 41-500)."""
    from analysis.layout import EVALUATING

    lines: list[str] = []
    config = CompareConfig(tasks=["reverse"], machines=["classical"], lengths=list(range(41, 141)),
                           samples=3, temperatures=[])
    outcomes = compare(config, tmp_path / "cmp", options=SweepOptions(jobs=1, heartbeat=0.2),
                       log=lines.append)
    assert [o.status for o in outcomes] == ["done"]
    status = [line for line in lines if line.startswith("evaluating: reverse-classical hard, "
                                                        "length ")]
    assert status and all(line.endswith(" of 100 lengths)") for line in status), lines
    assert not (tmp_path / "cmp" / "runs" / "reverse-classical-s0" / EVALUATING).exists()


def test_eval_says_where_it_stands_on_stderr(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import cli

    run = tmp_path / "run"
    def invoke(*args):
        return CliRunner().invoke(cli.cli, list(args))
    assert invoke("train", "reverse", "--machine", "lstm", "--steps", "1", "--out",
                  str(run)).exit_code == 0
    monkeypatch.setattr(cli._EvalWatch, "PROGRESS_AFTER", 0.0)
    monkeypatch.setattr(cli._EvalWatch, "LOG_EVERY", 0.0)
    r = invoke("eval", str(run), "--lengths", "3,4", "--samples", "2")
    assert r.exit_code == 0, r.output
    assert "evaluating: soft, length 3 (1 of 2 lengths)" in r.stderr
    assert "evaluating: soft, length 4 (2 of 2 lengths)" in r.stderr
    assert "evaluating" not in r.stdout


def test_the_evaluation_cost_benchmark_prints_a_row_per_machine():
    import subprocess
    import sys

    from conftest import ROOT

    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "eval_cost.py"), "--machines",
                        "lstm,tapernn", "--lengths", "3,5", "--samples", "2", "--full", "1-10"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    rows = [line.split(" | ") for line in r.stdout.splitlines() if line.startswith("| ")][1:]
    assert [(row[0], row[3]) for row in rows] == [("| lstm", "1"), ("| tapernn", "6")]
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "eval_cost.py"), "--machines",
                        "classical"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "classical is not a sequence machine" in r.stderr
