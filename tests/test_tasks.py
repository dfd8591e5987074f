"""The task suite: reference machines against the oracles, generators, encodings, scoring."""
import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from cli import cli
from conftest import ROOT
from machines.formats import loads
from tasks.base import LEVELS, Example
from tasks.suite import NAMES, UnknownTask, all_tasks, get_task
from tasks.verify import verify

VARIANTS = [(n, 0) for n in NAMES] + [("copy", 8), ("repeat_copy", 8)]


def test_the_suite_has_the_ntm_terpret_and_deletang_tasks():
    assert len(NAMES) >= 16 and {t.level for t in all_tasks()} == set(LEVELS)
    assert {"copy", "repeat_copy", "invert", "prepend_zero", "binary_decrement", "parity",
            "even_pairs", "modular_arithmetic", "cycle_navigation", "reverse", "dyck",
            "palindrome", "duplicate", "odds_first", "binary_addition", "bucket_sort",
            "binary_increment"} <= set(NAMES)


@pytest.mark.parametrize("name, bits", VARIANTS)
def test_reference_program_solves_500_random_examples_of_length_1_to_100(name, bits):
    task = get_task(name, bits=bits)
    report = verify(task, samples=500, max_length=100, seed=1234)
    assert report.failed == 0, report.failures[:3]
    assert report.passed == 500 and set(report.steps_by_length) == set(
        range(task.min_length, 101))


@pytest.mark.parametrize("name", NAMES)
def test_generators_are_seeded_and_sized(name):
    task = get_task(name)
    a = [task.sample(n, np.random.default_rng(7)) for n in (3, 9, 30)]
    b = [task.sample(n, np.random.default_rng(7)) for n in (3, 9, 30)]
    assert a == b
    assert a != [task.sample(n, np.random.default_rng(8)) for n in (3, 9, 30)]
    for e in a:
        assert set(e.input) <= set(task.alphabet) and set(e.output) <= set(task.output_alphabet)
    if task.length_unit == "symbols":
        assert [len(e.input) for e in a] == [3, 9, 30]
    with pytest.raises(ValueError, match="needs length"):
        task.sample(task.min_length - 1, np.random.default_rng(0))


def test_evens_first_is_odds_first_in_the_order_of_deletangs_code():
    """Their tasks/cs/odds_first.py answers s_2 s_4 ... then s_1 s_3 ... (counting from 1):
    the suite's evens_first; tapelab's odds_first answers s_1 s_3 ... first."""
    odds, evens = get_task("odds_first"), get_task("evens_first")
    assert (odds.solve("011010"), evens.solve("011010")) == ("011100", "100011")
    assert (odds.solve("10110"), evens.solve("10110")) == ("11001", "01110")
    assert (odds.level, odds.alphabet, odds.output) == (evens.level, evens.alphabet, evens.output)


def test_classifiers_see_both_answers():
    rng = np.random.default_rng(0)
    for name in ("parity", "even_pairs", "dyck", "palindrome"):
        task = get_task(name)
        outputs = {task.sample(int(rng.integers(2, 12)) * 2, rng).output for _ in range(60)}
        assert outputs == {"0", "1"}, name


def test_unknown_names_and_options():
    with pytest.raises(UnknownTask, match="the tasks are: copy"):
        get_task("sorting")
    with pytest.raises(ValueError, match="--bits"):
        get_task("parity", bits=8)


def test_score():
    task = get_task("copy")
    s = task.score("0110", Example("0110", "0110"))
    assert s.exact and s.symbol_accuracy == 1.0
    s = task.score("0100", Example("0110", "0110"))
    assert not s.exact and s.symbol_accuracy == 0.75
    assert task.score("01", Example("0110", "0110")).symbol_accuracy == 0.5
    assert task.score("011000", Example("0110", "0110")).symbol_accuracy == 4 / 6


@pytest.mark.parametrize("name, bits", [("copy", 0), ("copy", 8), ("repeat_copy", 8),
                                        ("parity", 0), ("binary_addition", 0)])
def test_sequence_encoding_shapes_masks_and_round_trip(name, bits):
    task = get_task(name, bits=bits)
    rng = np.random.default_rng(3)
    examples = [task.sample(n, rng) for n in (task.min_length, 4, 7)]
    batch = task.encode(examples, "sequence")
    T = max(len(e.input) + 1 + len(e.output) for e in examples)
    assert batch.inputs.shape[:2] == batch.targets.shape[:2] == batch.mask.shape == (3, T)
    for b, e in enumerate(examples):
        start = len(e.input) + 1
        assert batch.mask[b].nonzero().flatten().tolist() == list(range(start, start + len(e.output)))
        assert batch.inputs[b, start - 1, -1] == 1                 # delimiter
        assert batch.inputs[b, start:].abs().sum() == 0            # answer phase and padding
        assert batch.targets[b, ~batch.mask[b]].abs().sum() == 0
        assert batch.inputs[b, :start - 1].sum(-1).min() >= 1       # every input step has a symbol
        if not bits:                                                # and it is the example's
            read = batch.inputs[b, :start - 1].argmax(-1).tolist()
            assert "".join(task.alphabet[i] for i in read) == e.input
    assert batch.decode(batch.targets, from_logits=False) == [e.output for e in examples]
    assert batch.decode(batch.targets * 20 - 10) == [e.output for e in examples]
    width = 8 if bits else len(task.output_alphabet)
    assert batch.targets.shape[-1] == width and batch.kind == ("bits" if bits else "onehot")


@pytest.mark.parametrize("name", ["invert", "binary_increment", "parity", "reverse"])
def test_tape_encoding(name):
    task = get_task(name)
    rng = np.random.default_rng(5)
    examples = [task.sample(n, rng) for n in (1, 3, 6)]
    batch = task.encode(examples, "tape")
    B, L, S = batch.tape.shape
    assert (B, S) == (3, len(batch.alphabet)) and batch.alphabet[0] == " "
    assert batch.tape.sum(-1).eq(1).all() and batch.inside.all()
    for b, e in enumerate(examples):
        initial = batch.tape_strings(batch.tape)[b]
        assert initial[batch.origin:batch.origin + len(e.input)] == e.input
        out, result = task.run_reference(e.input)
        assert out == e.output and int(batch.steps[b]) == result.steps
        assert batch.states[int(batch.target_state[b])] == result.state
        assert int(batch.target_head[b]) == result.head + batch.origin
        assert batch.tape_strings(batch.target_tape)[b].strip() == result.tape.text.strip()
        if task.output.kind == "state":
            assert task.output_alphabet[int(batch.verdict[b])] == e.output
        else:
            assert int(batch.verdict[b]) == -1
    small = task.encode(examples, "tape", tape_length=2, origin=0)
    assert small.tape.shape[1] == 2 and not small.inside.all()


def test_importing_tasks_does_not_import_torch():
    code = "import sys, tasks.suite, tasks.base; assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_cli_tasks_json():
    rows = json.loads(invoke("tasks", "--json").stdout)
    assert [r["name"] for r in rows] == list(NAMES)
    assert all({"name", "level", "alphabet", "states", "rules"} <= set(r) for r in rows)


def test_cli_task_show_prints_the_reference_program():
    r = invoke("task", "show", "dyck")
    assert r.exit_code == 0
    assert loads(r.stdout, "yaml", name="dyck") == get_task("dyck").reference


def test_cli_task_sample_and_verify():
    r = invoke("task", "sample", "reverse", "--length", "5", "--count", "3", "--json")
    rows = json.loads(r.stdout)
    assert len(rows) == 3 and all(row["output"] == row["input"][::-1] for row in rows)
    r = invoke("task", "verify", "dyck", "--samples", "40", "--max-length", "20", "--json")
    obj = json.loads(r.stdout)
    assert r.exit_code == 0 and (obj["passed"], obj["failed"], obj["samples"]) == (40, 0, 40)
    assert set(obj["steps_by_length"]) == {str(n) for n in range(1, 21)}
    r = invoke("task", "verify", "dyck", "--samples", "40")
    assert "40/40 passed" in r.stdout and "steps grow like length^" in r.stdout
    assert invoke("task", "sample", "sorting", "-n", "3").exit_code == 2
    assert invoke("task", "sample", "binary_addition", "-n", "2").exit_code == 2


def test_a_wrong_machine_fails_verification(monkeypatch):
    import dataclasses

    import tasks.suite

    broken = dataclasses.replace(get_task("invert"), solve=lambda s: s)   # the oracle disagrees
    monkeypatch.setitem(tasks.suite.SUITE, "invert", lambda bits=0: broken)
    report = verify(broken, samples=10, max_length=5)
    assert report.failed == 10 and report.failures[0].got != report.failures[0].example.output
    r = invoke("task", "verify", "invert", "--samples", "10", "--max-length", "5")
    assert r.exit_code == 1 and "FAIL" in r.stdout
