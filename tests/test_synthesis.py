"""Symbolic induction (analysis/synthesis.py): Z3 and the enumerator against the soft TM's
semantics and the classical engine."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from analysis import synthesis as Y
from analysis.induce import (InduceConfig, _state_names, _tape_batch, check_config, induce,
                             training_examples)
from cli import cli

z3 = pytest.importorskip("z3", reason="the SMT tests need the smt extra (pip install -e '.[dev]')")


def task_problem(task_name: str, **overrides):
    """The discrete problem and tape batch that induce builds for ``task_name``."""
    cfg = InduceConfig.for_task(task_name, **overrides)
    task = check_config(cfg)
    examples = training_examples(task, cfg, np.random.default_rng(cfg.seed))
    batch = _tape_batch(task, examples, cfg)
    names, halting = _state_names(task, cfg)
    return Y.problem_of(batch, names, halting, cfg.steps, cfg.edge), batch


@pytest.mark.parametrize("method", ["smt", "enumerate"])
def test_both_searches_find_invert_and_the_classical_engine_verifies_it(method):
    report = induce(InduceConfig.for_task("invert", method=method, budget=30))
    assert report.hard_train_exact >= 1 and report.hard_exact_len100 >= 1
    assert report.search["complete"] and report.first_seconds is not None
    assert all(d.hard_train_exact for d in report.details)      # every one checked classically


def test_a_z3_table_in_the_soft_tm_reproduces_the_training_outputs_with_probability_one():
    problem, batch = task_problem("invert")
    found = Y.smt(problem, budget=30)
    assert found.solutions and found.complete
    for solution in found.solutions:
        model = Y.table_model(problem, solution)
        with torch.no_grad():
            final, _ = model(batch.tape, problem.steps, 0)
            _, wrong = model.outcome_loss(final, batch)
        assert float(wrong[0]) == 0
        p_target = final.tape[0].gather(-1, batch.target_tape.unsqueeze(-1)).squeeze(-1)
        assert torch.allclose(p_target, torch.ones_like(p_target), atol=1e-6)
        assert all(Y.simulate(problem, solution.entries, b)[:2] == ("done", True)
                   for b in range(len(problem.tapes)))


def test_the_searches_agree_on_every_program_consistent_with_the_examples():
    problem, _ = task_problem("invert")
    by_smt = {Y.canonical(s, problem.working) for s in Y.smt(problem, budget=30).solutions}
    enum = Y.enumerate_tables(problem, budget=30)
    assert enum.complete
    assert by_smt == {Y.canonical(s, problem.working) for s in enum.solutions}


def test_a_wrong_table_is_refused_by_the_checker():
    problem, _ = task_problem("invert")
    keep = {(0, s): (s, 2, 0) for s in range(len(problem.symbols))}   # write back, move right
    assert any(Y.simulate(problem, keep, b)[:2] == ("done", False)
               for b in range(len(problem.tapes)))


def test_induce_compares_every_method_in_one_table(tmp_path):
    r = CliRunner().invoke(cli, ["induce", "invert", "--method", "fmgd,smt,enumerate",
                                 "--restarts", "4", "--iterations", "300", "--budget", "20",
                                 "--out", str(tmp_path / "i")])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("method"))
    rows = {line.split()[0]: line for line in lines[head + 1:head + 4]}
    assert set(rows) == {"fmgd", "smt", "enumerate"} and "of 4" in rows["fmgd"]
    assert rows["smt"].rstrip().endswith("3 (3)") and rows["enumerate"].rstrip().endswith("3 (3)")
    assert {p.name for p in (tmp_path / "i").iterdir()} == {"fmgd", "smt", "enumerate"}
    bad = CliRunner().invoke(cli, ["induce", "invert", "--method", "smt,oracle"])
    assert bad.exit_code == 2 and "oracle" in bad.stderr


def test_binary_increment_starts_its_input_right_of_the_tape_edge_and_the_reference_solves_it():
    problem, batch = task_problem("binary_increment", examples_from="random", examples=6)
    assert problem.origin == 2 and batch.origin == 2
    sym = {s: i for i, s in enumerate(problem.symbols)}
    blank, zero, one = sym[" "], sym["0"], sym["1"]
    halt = problem.halting.index(True)
    R, L = 2, 0                                       # move indices (MOVES)
    reference = {(0, zero): (zero, R, 0), (0, one): (one, R, 0), (0, blank): (blank, L, 1),
                 (1, one): (zero, L, 1), (1, zero): (one, L, halt), (1, blank): (one, L, halt)}
    assert all(Y.simulate(problem, reference, b)[:2] == ("done", True)
               for b in range(len(problem.tapes)))
    model = Y.table_model(problem, Y.Solution(reference))
    with torch.no_grad():
        final, _ = model(batch.tape, problem.steps, batch.origin)
        _, wrong = model.outcome_loss(final, batch)
    assert float(wrong[0]) == 0
    shifted = Y.Problem(**{**problem.__dict__, "origin": 0})      # the same tapes, head at 0
    assert not all(Y.simulate(shifted, reference, b)[:2] == ("done", True)
                   for b in range(len(problem.tapes)))


def test_the_enumerator_finds_a_general_binary_increment_from_cell_two():
    report = induce(InduceConfig.for_task("binary_increment", method="enumerate", budget=60,
                                          max_solutions=1))
    assert report.hard_train_exact == 1 and report.hard_exact_len100 == 1


def test_an_origin_off_the_tape_or_too_near_its_edge_is_one_line():
    for origin, words in (("9", "is not a cell"), ("0", "--origin")):
        r = CliRunner().invoke(cli, ["induce", "binary_increment", "--origin", origin,
                                     "--method", "enumerate", "--budget", "1"])
        assert r.exit_code == 2 and words in r.stderr and "Traceback" not in r.output
