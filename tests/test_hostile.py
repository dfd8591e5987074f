"""Careless and hostile input to every command: one line and the documented exit code, never a
traceback; nothing the user made is deleted or overwritten; no input runs the machine out of
memory or time. The exit codes are those of ``tapelab --help`` and the README."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli import cli
from conftest import ROOT, cli_process

OK, INVALID, USAGE, STEP_LIMIT, NEVER, INTERRUPTED, INTERNAL = 0, 1, 2, 3, 4, 130, 70
EXAMPLE = str(ROOT / "machines/examples/binary_increment.yaml")
BB2 = "1RB1LB_1LA1RZ"


def invoke(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def no_traceback(r) -> None:
    """The command ended by exiting (no exception escaped) and printed no traceback."""
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output
    assert "failed unexpectedly" not in r.output, r.output


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """A folder of bad inputs of every kind."""
    d = tmp_path_factory.mktemp("hostile")
    (d / "empty.yaml").write_text("")
    (d / "empty.txt").write_text("")
    (d / "binary.yaml").write_bytes(b"\x00\xff\xfe" * 10)
    (d / "adir.yaml").mkdir()
    (d / "list.yaml").write_text("- 1\n- 2\n")
    (d / "marks.txt").write_text("0 1 1 r 0\n0 _ _ * halt\n; $INITIAL_TAPE: **1\n")
    (d / "simple.txt").write_text("0 1 1 r 0\n0 _ _ * halt\n")
    (d / "escape.yaml").write_text("blank: ' '\nstart state: \"\\e[31mred\"\ntable:\n"
                                   "  \"\\e[31mred\":\n    \"\\e\": R\n")
    (d / "ünïcode.yaml").write_text(Path(EXAMPLE).read_text())
    (d / "laughs-input.yaml").write_text(_laughs() + "blank: '0'\nstart state: A\n"
                                         "input: *i\ntable:\n  A:\n")
    (d / "laughs-target.yaml").write_text("blank: '0'\nstart state: A\nsynonyms:\n"
                                          + _laughs("  ") + "table:\n  A:\n    '0': {R: *i}\n")
    (d / "mine").mkdir()
    (d / "mine" / "notes.txt").write_text("keep me")
    (d / "exists.yaml").write_text("keep me")
    return d


def _laughs(indent: str = "") -> str:
    """Nine levels of ten aliases ("billion laughs"): 10^9 nodes from under a kilobyte."""
    lines = [f'{indent}a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{indent}{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the table
CASES = [
    # run: programs and inputs
    (["run", "{d}/empty.yaml"], INVALID),
    (["run", "{d}/empty.txt"], INVALID),
    (["run", "{d}/binary.yaml"], INVALID),
    (["run", "{d}/adir.yaml"], INVALID),
    (["run", "{d}/list.yaml"], INVALID),
    (["run", "{d}/marks.txt"], INVALID),
    (["run", "{d}/simple.txt", "--input", "1*1*1"], INVALID),
    (["run", "{d}/simple.txt", "--input", "1x1"], INVALID),
    (["run", "{d}/laughs-input.yaml"], INVALID),
    (["run", "{d}/laughs-target.yaml"], INVALID),
    (["run", "{d}/ünïcode.yaml", "--input", "101"], OK),
    (["run", "{d}/nothing-here.yaml"], USAGE),
    (["run", ""], USAGE),
    (["run", "/dev/null"], INVALID),                  # not a regular file: it is refused
    (["run", "-"], INVALID),                          # standard input, empty here
    (["run", "1RB1LB_1LA1Rz"], INVALID),
    (["run", "1RB1L!_1LA1RZ"], INVALID),
    (["run", "1RB1LB_1LA1R"], INVALID),
    (["run", "1RB1LB__1LA1RZ"], INVALID),
    (["run", BB2, "--max-steps", "10**-1"], USAGE),
    (["run", BB2, "--max-steps", "10**999999999"], USAGE),
    (["run", BB2, "--max-steps", "1e999999999"], USAGE),
    (["run", BB2, "--max-steps", "nan"], USAGE),
    (["run", BB2, "--max-steps", "9" * 5000], OK),         # exact, however long
    (["run", BB2, "--max-steps", "9" * 10_002], USAGE),
    (["run", BB2, "--trace", "--engine", "macro"], USAGE),
    (["run", BB2, "--trace", "--no-rules"], USAGE),
    (["run", BB2, "--block", "3"], USAGE),
    # convert and diagram: output paths
    (["convert", BB2, "--to", "yaml", "-o", "{d}/exists.yaml"], USAGE),
    (["convert", BB2, "--to", "yaml", "-o", "{d}/adir.yaml"], USAGE),
    (["convert", BB2, "--to", "yaml", "-o", "/dev/full", "--force"], USAGE),
    (["convert", BB2, "--to", "yaml", "-o", "/proc/version", "--force"], INVALID),
    (["convert", BB2, "--to", "yaml", "-o", "{d}/new/dir/x.yaml"], OK),
    (["convert", "{d}/empty.yaml", "--to", "bb"], INVALID),
    (["diagram", BB2, "-o", "{d}/exists.yaml.png"], OK),
    (["diagram", BB2, "-o", "{d}/exists.yaml.png"], USAGE),
    (["diagram", BB2, "-o", "{d}/x.gif"], USAGE),
    (["diagram", BB2, "-o", "{d}/missing/deeper/x.dot"], OK),
    # tasks
    (["task", "sample", "copy", "--length", "0"], USAGE),
    (["task", "sample", "copy", "--length", "100000"], USAGE),
    (["task", "sample", "copy", "--length", "3", "--seed", "-1"], USAGE),
    (["task", "sample", "copy", "--length", "3", "--count", "10**9"], USAGE),
    (["task", "sample", "nope", "--length", "3"], USAGE),
    (["task", "verify", "copy", "--samples", "0"], USAGE),
    (["task", "show", "📼"], USAGE),
    # train
    (["train", "copy", "--out", "{d}/mine", "--force", "--steps", "1"], USAGE),
    (["train", "copy", "--out", ".", "--force", "--steps", "1"], USAGE),
    (["train", "copy", "--threads", "1000"], USAGE),
    (["train", "copy", "--lr", "nan"], USAGE),
    (["train", "copy", "--time-budget", "inf"], USAGE),
    (["train", "copy", "--seed", "-5"], USAGE),
    (["train", "copy", "--min-length", "5", "--max-length", "3", "--out", "{d}/r0"], USAGE),
    (["train", "--resume", "{d}/mine"], USAGE),
    (["train", "--resume", "{d}/adir.yaml"], USAGE),
    # eval
    (["eval", "{d}/mine"], USAGE),
    (["eval", "{d}/nothing"], USAGE),
    (["eval", "{d}/mine", "--lengths", "100000"], USAGE),
    (["eval", "{d}/mine", "--lengths", "a,b"], USAGE),
    # induce
    (["induce", "invert", "--restarts", "1000000"], USAGE),
    (["induce", "invert", "--tape-length", "100000"], USAGE),
    (["induce", "invert", "--restarts", "100000", "--tape-length", "1000", "--steps", "10000"],
     USAGE),
    (["induce", "invert", "--lr", "nan"], USAGE),
    (["induce", "invert", "--out", "{d}/mine", "--restarts", "1", "--iterations", "1"], USAGE),
    (["induce", "invert", "--out", "{d}/mine", "--force", "--restarts", "1", "--iterations",
      "1"], USAGE),
    (["induce", "parity", "--states", "2", "--out", "{d}/never"], USAGE),
    # compare and report
    (["compare", "invert", "--budget", "nan"], USAGE),
    (["compare", "invert", "--budget", "inf"], USAGE),
    (["compare", "invert", "--lengths", "100000"], USAGE),
    (["compare", "invert", "invert", "--dry-run"], USAGE),
    (["compare", "invert", "--machines", "lstm,lstm", "--dry-run"], USAGE),
    (["compare", "invert", "--lengths", "20,20", "--dry-run"], USAGE),
    (["compare", "invert", "--machines", "classical", "--out", "{d}/mine"], USAGE),
    (["compare", "invert", "--machines", "classical", "--out", "{d}/mine", "--force"], USAGE),
    (["compare", "invert", "--machines", "classical", "--out", ".", "--force"], USAGE),
    (["report", "{d}/mine"], USAGE),
    (["report", "{d}/exists.yaml"], USAGE),
    (["demo", "--budget", "nan"], USAGE),
    (["run", BB2, "--full-tape"], USAGE),
    (["no-such-command"], USAGE),
]


@pytest.mark.parametrize("args, code", CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_is_one_line_with_its_exit_code(files, args, code, monkeypatch):
    monkeypatch.chdir(files)
    r = invoke(*[a.format(d=files) for a in args])
    no_traceback(r)
    assert r.exit_code == code, r.output
    if code not in (OK,):
        message = [line for line in r.stderr.splitlines() if line.strip()]
        assert message and message[-1].startswith(("error:", "Error:")), r.output


def test_a_name_or_length_given_twice_is_named_not_run_twice():
    """`compare reverse reverse` planned every job twice, and two workers would have trained
    the same run directory at once."""
    for args, message in ((["reverse", "reverse"], "task 'reverse' is named twice"),
                          (["reverse", "--machines", "lstm,classical,lstm"],
                           "machine 'lstm' is named twice"),
                          (["reverse", "--lengths", "10,20,10"], "length 10 is given twice"),
                          (["reverse", "--pairs", "reverse:lstm,reverse:lstm"],
                           "pair 'reverse:lstm' is named twice"),
                          (["reverse", "--set", "lstm.lr=0.1", "--set", "lstm.lr=0.2"],
                           "lstm.lr is given twice")):
        r = invoke("compare", *args, "--dry-run")
        assert r.exit_code == USAGE and message in r.stderr, r.output
    assert invoke("compare", "reverse", "--machines", "lstm", "--dry-run").stdout.count(
        "reverse-lstm-s0") == 1
    from analysis.compare import CompareConfig

    with pytest.raises(ValueError, match="length 3 is named twice"):     # from Python too
        CompareConfig(tasks=["reverse"], machines=["lstm"], lengths=[3, 6, 3]).check()


def test_an_option_of_the_other_backend_is_refused_not_ignored():
    for args, message in ((["--address", "auto"], "'--address' is the Ray backend's"),
                          (["--gpus-per-job", "1"], "'--gpus-per-job' is the Ray backend's"),
                          (["--backend", "ray", "--jobs", "2"], "'--jobs' is the local backend's")):
        r = invoke("compare", "reverse", "--machines", "lstm", *args, "--dry-run")
        assert r.exit_code == USAGE and message in r.stderr, r.output
    r = invoke("compare", "reverse", "--machines", "lstm", "--backend", "ray",
               "--cpus-per-job", "2", "--dry-run")
    assert r.exit_code == OK, r.output


def test_a_setting_that_would_do_nothing_is_refused():
    r = invoke("compare", "reverse", "--machines", "lstm", "--bits", "8", "--dry-run")
    assert r.exit_code == USAGE and "--bits 8: none of these tasks has it" in r.stderr, r.output
    r = invoke("compare", "invert", "--machines", "classical", "--curriculum", "--steps", "5",
               "--dry-run")
    assert r.exit_code == USAGE and "no sequence machine is compared here" in r.stderr, r.output
    for args, message in ((["--steps", "10", "--budget", "30"], "--steps or --budget, not both"),
                          (["--restarts", "5"], "'--restarts' is the soft TM's"),
                          (["--no-compile"], "'--compile' is the NTM's")):
        r = invoke("compare", "reverse", "--machines", "lstm", *args, "--dry-run")
        assert r.exit_code == USAGE and message in r.stderr, r.output
    r = invoke("train", "reverse", "--sharpen-schedule", "late", "--steps", "1", "--out", "x")
    assert r.exit_code == USAGE and "give its weight, --sharpen W" in r.stderr, r.output
    sharpen = "lstm has no addressing for the prior to sharpen; these machines have: ntm, "
    r = invoke("train", "reverse", "--machine", "lstm", "--sharpen", "1", "--steps", "1",
               "--out", "x")
    assert r.exit_code == USAGE and f"--sharpen: {sharpen}" in r.stderr, r.output
    for setting in ("lstm.sharpen=1", "all.sharpen=0.5"):
        r = invoke("compare", "reverse", "--machines", "lstm", "--set", setting, "--dry-run")
        assert r.exit_code == USAGE and sharpen in r.stderr, r.output
    r = invoke("compare", "reverse", "--machines", "lstm,tapernn", "--set", "all.sharpen=0.5",
               "--dry-run")                 # the Tape-RNN's runs are sharpened
    assert r.exit_code == OK, r.output


def test_an_lstm_has_no_addressing_to_make_hard_or_temper(tmp_path):
    """--hard on an LSTM run printed the soft rows alone, as if it had been asked nothing."""
    run = tmp_path / "lstm"
    assert invoke("train", "reverse", "--machine", "lstm", "--steps", "1", "--out",
                  str(run)).exit_code == OK
    for option, message in ((["--hard"], "has no argmax mode (--hard)"),
                            (["--temperatures", "0.5"], "has no addressing to temper")):
        r = invoke("eval", str(run), "--lengths", "3", "--samples", "2", *option)
        assert r.exit_code == INVALID and message in r.stderr, r.output


def test_an_induce_option_no_chosen_method_uses_is_refused(tmp_path):
    """--budget with a gradient method, or --lr with a search, was silently ignored."""
    r = invoke("induce", "invert", "--budget", "5", "--out", str(tmp_path / "a"))
    assert r.exit_code == USAGE and "--budget is the seconds of a search" in r.stderr, r.output
    r = invoke("induce", "invert", "--method", "smt", "--lr", "0.5", "--out", str(tmp_path / "b"))
    assert r.exit_code == USAGE and "'--lr' sets the soft TM's training" in r.stderr, r.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_a_grid_of_skipped_pairs_is_refused_before_anything_is_written(tmp_path):
    """It wrote compare.json and skipped.json, then stopped with an internal error (exit 70)
    for want of finished runs."""
    out = tmp_path / "none"
    r = invoke("compare", "--pairs", "reverse:softtm", "--out", str(out))
    assert r.exit_code == USAGE and "nothing to run: softtm on reverse is skipped" in r.stderr, \
        r.output
    assert not out.exists()


def test_lengths_take_ranges():
    from analysis.runs import parse_lengths

    assert parse_lengths("40,80-480:80") == [40, 80, 160, 240, 320, 400, 480]
    assert parse_lengths("41-500") == list(range(41, 501)) and parse_lengths("3-3") == [3]
    for bad, message in (("5-3", "from a shorter length to a longer one"),
                         ("4-8:0", "by a step of at least 1"), ("5:2", "ranges like 41-500"),
                         ("40,41-50,45", "length 45 is given twice"),
                         ("0-3", "whole numbers from 1")):
        with pytest.raises(ValueError, match=message):
            parse_lengths(bad, 1000)
    r = invoke("compare", "reverse", "--machines", "lstm", "--lengths", "10-40:10", "--dry-run")
    assert r.exit_code == OK, r.output
    r = invoke("compare", "reverse", "--lengths", "1-1001", "--dry-run")
    assert r.exit_code == USAGE and "from 1 to 1000" in r.stderr, r.output


def test_a_temperature_or_method_given_twice_is_named(tmp_path):
    r = invoke("compare", "reverse", "--temperatures", "0,1,0.0", "--dry-run")
    assert r.exit_code == USAGE and "temperature 0 is given twice" in r.stderr, r.output
    r = invoke("induce", "invert", "--method", "fmgd,fmgd", "--restarts", "2",
               "--iterations", "2", "--out", str(tmp_path / "ind"))
    assert r.exit_code == USAGE and "fmgd is given twice" in r.stderr, r.output
    assert not (tmp_path / "ind").exists()          # it used to train the first, then fail


def test_a_whole_number_given_for_a_real_valued_setting_trains(tmp_path):
    """--set memory_init=2 started the NTM's memory as a tensor of integers, and the first
    step failed ('expected m1 and m2 to have the same dtype')."""
    run = tmp_path / "ntm"
    r = invoke("train", "parity", "--machine", "ntm", "--set", "memory_init=2", "--steps", "1",
               "--out", str(run))
    assert r.exit_code == OK, r.output
    config = json.loads((run / "config.json").read_text())
    assert config["model"]["memory_init"] == 2.0 and isinstance(config["model"]["memory_init"],
                                                                float)


def test_a_setting_set_twice_or_unknown_is_named():
    """The later of two values for one key used to win silently; an unknown key named the
    config's section ('model') rather than the machine and the keys it has."""
    r = invoke("train", "reverse", "--machine", "lstm", "--set", "hidden_size=8",
               "--set", "hidden_size=16", "--steps", "1", "--out", "unused")
    assert r.exit_code == USAGE and "hidden_size is given twice" in r.stderr, r.output
    r = invoke("compare", "reverse", "--set", "tapernn.hidden=3", "--dry-run")
    assert r.exit_code == USAGE and "tapernn has no model setting 'hidden' (they are: " \
        "hidden_size, init, tape_cells, tape_width, variant)" in r.stderr, r.output


def test_train_takes_compares_machine_prefix_for_its_own_machine_only(tmp_path):
    """`train --set tapernn.tape_cells=0`, compare's form, used to answer "tapernn has no model
    setting 'tapernn.tape_cells' (they are: ..., tape_cells, ...)"."""
    run = tmp_path / "own"
    r = invoke("train", "reverse", "--machine", "lstm", "--set", "lstm.hidden_size=8",
               "--steps", "1", "--out", str(run))
    assert r.exit_code == OK, r.output
    assert json.loads((run / "config.json").read_text())["model"]["hidden_size"] == 8
    r = invoke("train", "reverse", "--machine", "tapernn", "--set", "tapernn.tape_cells=0",
               "--steps", "1", "--out", str(tmp_path / "zero"))
    assert r.exit_code == USAGE and "model.tape_cells is 0: outside 1..65536" in r.stderr, \
        r.output
    for setting, message in (("ntm.memory_size=3", "this run trains tapernn, not ntm; write "
                                                   "KEY=VALUE, a setting of tapernn's model"),
                             (".x=1", "'.x=1': write KEY=VALUE, a setting of tapernn's model")):
        r = invoke("train", "reverse", "--machine", "tapernn", "--set", setting, "--steps", "1",
                   "--out", str(tmp_path / "other"))
        no_traceback(r)
        assert r.exit_code == USAGE and message in r.stderr, (setting, r.output)
    assert not (tmp_path / "zero").exists() and not (tmp_path / "other").exists()


def test_a_training_setting_that_would_fail_every_job_is_refused_before_the_sweep():
    """batch_size=0, checkpoint_every=0, log_every=0 and an unknown optimizer used to pass the
    dry run and then fail every job (a ZeroDivisionError, 'no examples to encode')."""
    for setting, message in (("batch_size=0", "train.batch_size is 0: not a finite number >= 1"),
                             ("checkpoint_every=0", "train.checkpoint_every is 0: not a finite "
                                                    "number >= 1"),
                             ("log_every=-2", "train.log_every is -2: not a finite number >= 1"),
                             ("optimizer=sgd", "optimizer 'sgd': choose one of adam, rmsprop"),
                             ("hidden_size=-1", "model.hidden_size is -1: outside 1..65536")):
        r = invoke("compare", "--pairs", "parity:lstm", "--set", f"lstm.{setting}", "--dry-run")
        no_traceback(r)
        assert r.exit_code == USAGE and message in r.stderr, (setting, r.output)
    from machines.training import TrainConfig
    with pytest.raises(ValueError, match="batch_size is 0: give a whole number >= 1"):
        TrainConfig(batch_size=0)


def test_a_program_can_be_piped_to_dash(files):
    r = invoke("run", "-", input=BB2 + "\n")
    assert r.exit_code == OK and "after 6 steps" in r.stdout, r.output
    r = invoke("convert", "-", "--to", "yaml", input=(files / "ünïcode.yaml").read_text())
    assert r.exit_code == OK and "table:" in r.stdout, r.output
    r = invoke("run", "-", input=b"\xff\xfe")
    no_traceback(r)
    assert r.exit_code == INVALID and "<stdin>: not a text file" in r.stderr, r.output


def test_nothing_the_user_made_is_touched(files):
    assert (files / "mine" / "notes.txt").read_text() == "keep me"
    assert (files / "exists.yaml").read_text() == "keep me"
    assert not (files / "never").exists() and not (files / "r0").exists()


def test_escape_characters_never_reach_the_terminal(files):
    r = invoke("run", files / "escape.yaml", "--input", "\x1b\x1b")
    no_traceback(r)
    assert "\x1b" not in r.output and "\\x1b" in r.output


# --------------------------------------------------------------------------- run directories
def _tiny_run(path: Path) -> Path:
    from analysis.runs import RunSpec, train_run

    spec = RunSpec(task="copy", machine="ntm", min_length=1, max_length=3,
                   model=dict(memory_size=8, memory_width=4, controller_size=8),
                   train=dict(steps=4, batch_size=2, log_every=2, checkpoint_every=2,
                              threads=1))
    train_run(spec, path)
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return _tiny_run(tmp_path_factory.mktemp("run") / "r")


def _copy_run(src: Path, dst: Path) -> Path:
    import shutil

    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize("name, damage", [
    ("config-list", lambda d: (d / "config.json").write_text("[1, 2]")),
    ("config-not-json", lambda d: (d / "config.json").write_text("{not json")),
    ("config-unknown-task", lambda d: _edit_config(d, task="sorting")),
    ("config-unknown-key", lambda d: _edit_config(d, colour="blue")),
    ("config-missing-task", lambda d: _edit_config(d, task=None)),
    ("config-wrong-size", lambda d: _edit_config(d, model=dict(
        memory_size=8, memory_width=4, controller_size=9))),
    ("config-huge-size", lambda d: _edit_config(d, model=dict(controller_size=10**12))),
    ("checkpoint-empty", lambda d: (d / "checkpoint.pt").write_bytes(b"")),
    ("checkpoint-truncated", lambda d: (d / "checkpoint.pt").write_bytes(
        (d / "checkpoint.pt").read_bytes()[:300])),
    ("checkpoint-not-zip", lambda d: (d / "checkpoint.pt").write_text("hello")),
    ("checkpoint-pickle", lambda d: _pickled(d / "checkpoint.pt")),
])
def test_damaged_run_directories_get_one_line(tmp_path, run_dir, name, damage):
    d = _copy_run(run_dir, tmp_path / name)
    damage(d)
    for args in (["eval", d, "--lengths", "2", "--samples", "2"],
                 ["train", "--resume", d, "--steps", "6"]):
        r = invoke(*args)
        no_traceback(r)
        assert r.exit_code == INVALID, r.output
        assert r.stderr.strip().splitlines()[-1].startswith("error:")


def _edit_config(d: Path, **changes) -> None:
    data = json.loads((d / "config.json").read_text())
    for k, v in changes.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    (d / "config.json").write_text(json.dumps(data))


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/tapelab-pwned",))


def _pickled(path: Path) -> None:
    import torch

    torch.save({"model": _Evil(), "state": {}}, path)


def test_a_torn_metrics_line_does_not_stop_a_resume(tmp_path, run_dir):
    from machines.training import read_metrics

    d = _copy_run(run_dir, tmp_path / "torn")
    with open(d / "metrics.jsonl", "a") as f:
        f.write('{"step": 9, "lo')
    r = invoke("train", "--resume", d, "--steps", "6")
    assert r.exit_code == OK, r.output
    rows = read_metrics(d)
    assert [row["step"] for row in rows] == [2, 4, 6]


def test_a_resumed_time_budget_run_honours_new_limits(tmp_path):
    from analysis.runs import read_spec

    d = tmp_path / "budget"
    r = invoke("train", "copy", "--time-budget", "1", "--max-length", "2", "--out", d,
               "--threads", "1")
    assert r.exit_code == OK, r.output
    from machines.training import read_state

    step = read_state(d / "checkpoint.pt").step
    r = invoke("train", "--resume", d, "--steps", step + 3)
    assert r.exit_code == OK, r.output
    assert read_state(d / "checkpoint.pt").step == step + 3
    assert read_spec(d).train["time_budget"] is None and read_spec(d).train["steps"] == step + 3
    r = invoke("train", "--resume", d, "--steps", step)
    assert r.exit_code == USAGE and f"already at step {step + 3}" in r.stderr


def test_checkpoints_are_written_by_time_as_well(tmp_path):
    from analysis.runs import RunSpec, build_model, batch_fn, task_of
    from machines.training import TrainConfig, read_state, train

    spec = RunSpec(task="copy", machine="lstm", max_length=2,
                   model=dict(hidden_size=8, layers=1))
    task = task_of(spec)
    config = TrainConfig(steps=6, batch_size=2, checkpoint_every=10**9, checkpoint_seconds=0.0,
                         log_every=1)
    seen = []

    def progress(state, result):
        seen.append(read_state(tmp_path / "checkpoint.pt").step)
    train(build_model(spec, task), batch_fn(spec, task, 0, 2), config, tmp_path,
          progress=progress)
    assert seen == [1, 2, 3, 4, 5, 6]


# --------------------------------------------------------------------------- mutated runs
@settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_eval_survives_any_mutation_of_a_run(tmp_path_factory, run_dir, data):
    d = _copy_run(run_dir, tmp_path_factory.mktemp("mutated") / "r")
    config = json.loads((d / "config.json").read_text())
    values = st.one_of(st.none(), st.booleans(), st.integers(-10**15, 10**15),
                       st.floats(allow_nan=True), st.text(max_size=5),
                       st.lists(st.integers(), max_size=3),
                       st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))
    key = data.draw(st.sampled_from(sorted(config) + ["model.memory_size", "train.lr",
                                                      "bits", "extra"]))
    value = data.draw(values)
    if "." in key:
        outer, inner = key.split(".")
        if isinstance(config.get(outer), dict):
            config[outer][inner] = value
    else:
        config[key] = value
    (d / "config.json").write_text(json.dumps(config))
    blob = bytearray((d / "checkpoint.pt").read_bytes())
    for _ in range(data.draw(st.integers(0, 3))):
        i = data.draw(st.integers(0, len(blob) - 1))
        blob[i] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        blob = blob[: data.draw(st.integers(0, len(blob)))]
    (d / "checkpoint.pt").write_bytes(bytes(blob))
    r = invoke("eval", d, "--lengths", "2", "--samples", "2")
    no_traceback(r)
    assert r.exit_code in (OK, INVALID, USAGE), r.output
    assert not Path("/tmp/tapelab-pwned").exists()


# --------------------------------------------------------------------------- report folders
def test_damaged_compare_directories_get_one_line(tmp_path):
    import numpy as np

    from analysis.figures import fig_heatmap

    out = tmp_path / "cmp"
    r = invoke("compare", "invert", "--machines", "classical", "--samples", "2", "--lengths",
               "3", "--out", out)
    assert r.exit_code == OK, r.output
    r = invoke("eval", out)                          # a compare directory is not a run
    assert r.exit_code == USAGE and f"whose runs are in {out / 'runs'}" in r.stderr, r.output
    evaluation = out / "runs" / "invert-classical" / "evaluation.json"
    good = evaluation.read_text()
    for text in ("{not json", "[]", json.dumps({k: v for k, v in json.loads(good).items()
                                                if k != "task"}),
                 json.dumps(dict(json.loads(good), results=[{"length": "x"}]))):
        evaluation.write_text(text)
        r = invoke("report", out)
        no_traceback(r)
        assert r.exit_code == INVALID and str(evaluation) in r.stderr, r.output
    evaluation.write_text(good)
    run = out / "runs" / "invert-classical"
    np.savez(run / "heatmap.npz", head=np.array([object()], dtype=object), classical=np.zeros(3))
    with pytest.warns(UserWarning, match="heatmap.npz: left out"):     # pickles stay unread
        assert fig_heatmap(run, json.loads(good), tmp_path / "h.png") is None
    (out / "compare.json").write_text("[1, 2]")
    for args in (["report", out], ["compare", "invert", "--machines", "classical", "--out",
                                   out, "--force"]):
        r = invoke(*args)
        no_traceback(r)
        assert r.exit_code in (INVALID, USAGE) and evaluation.read_text() == good, r.output


# --------------------------------------------------------------------------- signals, memory
_cli = cli_process


@pytest.mark.parametrize("engine", ["plain", "chain"])
def test_ctrl_c_stops_a_run_with_the_configuration_it_reached(engine):
    # a counter: it never halts and no decider ends it
    p = _cli("run", "1LB0RB_1RA0LA", "--engine", engine, "--max-steps", "10**30", "--json")
    time.sleep(2.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == INTERRUPTED and "Traceback" not in err, err
    result = json.loads(out)
    assert result["reason"] == "interrupted" and result["steps"] > 0 and not result["halted"]


def test_ctrl_c_exits_130_with_one_line():
    p = _cli("task", "verify", "reverse", "--samples", "100000", "--max-length", "1000")
    time.sleep(2.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert p.returncode == INTERRUPTED and "interrupted" in err and "Traceback" not in err


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(c) for c in f.read().split()]


def _state(pid: int) -> str:
    """``PID COMMAND state=S wchan=...`` of a process that is still there (for a failure)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")[-60:]
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
        wchans = sorted({p.read_text() for p in Path(f"/proc/{pid}/task").glob("*/wchan")})
    except OSError:
        return f"{pid} gone"
    return f"{pid} {command} state={state} wchan={','.join(wchans)}"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"      # a zombie has stopped
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_a_killed_sweep_stops_its_workers_and_they_save_their_runs(tmp_path):
    """`kill -9` of a compare with --jobs 2: its pool workers do not train on unseen; each
    saves its checkpoint and stops, as on Ctrl-C."""
    out = tmp_path / "sweep"
    args = ("compare", "invert", "--machines", "lstm", "--seeds", "2", "--steps", "10000000",
            "--lengths", "3", "--samples", "2", "--jobs", "2", "--set", "lstm.hidden_size=8",
            "--set", "lstm.threads=1", "--out", out)
    p = _cli(*args, start_new_session=True)
    metrics = [out / "runs" / f"invert-lstm-s{s}" / "metrics.jsonl" for s in (0, 1)]
    deadline = time.time() + 120
    while not all(m.is_file() and m.stat().st_size for m in metrics):
        assert p.poll() is None and time.time() < deadline, p.communicate()
        time.sleep(0.5)
    workers = _children(p.pid)
    assert len(workers) >= 2
    p.kill()
    p.wait(timeout=30)
    deadline = time.time() + 60
    while any(_alive(w) for w in workers) and time.time() < deadline:
        time.sleep(0.5)
    stayed = [_state(w) for w in workers if _alive(w)]
    for w in workers:
        if _alive(w):
            os.kill(w, signal.SIGKILL)
    sizes = [m.stat().st_size for m in metrics]
    time.sleep(1.0)
    grew = [m.stat().st_size for m in metrics] != sizes
    import torch

    try:                        # what the workers said on their way out, if anything
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        err = "(their stderr did not end within 30 s)"
    states = [torch.load(m.parent / "checkpoint.pt", weights_only=False)["state"]
              for m in metrics]
    seen = f"checkpoints: {[(s['status'], s['step']) for s in states]}; stderr: {err[-3000:]}"
    assert not stayed, "the workers did not stop after the kill: " + "; ".join(stayed) + seen
    assert not grew, "a worker still writes its metrics; " + seen
    # saved on the way out, as Ctrl-C saves
    assert all(s["status"] == "interrupted" and s["step"] > 0 for s in states), seen


def test_running_out_of_memory_is_one_line():
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (300 * 2**20, 300 * 2**20))
    # the plain engine does not look for verdicts: it writes 1010... to the right forever
    p = _cli("run", "1RB---_0RA---", "--engine", "plain", "--max-steps", "10**10",
             "--max-tape", "10**12", preexec_fn=limit)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 6 and "out of memory" in err and "--max-steps" in err, err
    assert "Traceback" not in err


def test_unexpected_errors_are_one_line_and_debug_shows_them(monkeypatch):
    import machines.classical

    def broken(*a, **k):
        raise RuntimeError("boom")
    monkeypatch.setattr(machines.classical, "run", broken)
    r = invoke("run", BB2)
    assert r.exit_code == INTERNAL and "failed unexpectedly (RuntimeError: boom)" in r.stderr
    assert "run 1RB1LB_1LA1RZ" in r.stderr and "Traceback" not in r.output
    r = invoke("--debug", "run", BB2)
    assert isinstance(r.exception, RuntimeError)


def test_a_large_diagram_needs_no_scipy(tmp_path, monkeypatch):
    import analysis.diagrams as diagrams

    monkeypatch.setattr(diagrams, "_has_scipy", lambda: False)
    lines = [f"{i} {s} {s} r {(i * 7 + 1) % 1000}" for i in range(1000) for s in "01"]
    (tmp_path / "big.txt").write_text("\n".join(lines + ["999 _ _ * halt"]))
    r = invoke("diagram", tmp_path / "big.txt", "-o", tmp_path / "big.png")
    assert r.exit_code == OK, r.output
    assert (tmp_path / "big.png").stat().st_size > 10_000


@pytest.mark.parametrize("args", [("run", "1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA", "--trace"),
                                  ("task", "sample", "reverse", "-n", "1000", "-k", "100000")])
def test_a_reader_that_stops_early_ends_the_command_quietly(args):
    """`tapelab run P --trace | head`: once the reader closes the pipe, the command stops
    (BB(5)'s trace would run for minutes; the examples would fill far more than a pipe
    holds) with exit 1 and not a word: no internal error,
    no traceback, no complaint from Python's last flush."""
    p = cli_process(*args)
    assert p.stdout.readline()
    p.stdout.close()                          # what `head -1` does after its line
    try:
        code = p.wait(timeout=60)
    finally:
        p.kill()
    assert code == INVALID
    assert p.stderr.read() == ""


def test_a_task_name_where_the_task_subcommand_belongs_names_the_subcommands():
    r = invoke("task", "odds_first")
    no_traceback(r)
    assert r.exit_code == USAGE
    assert "odds_first is a task" in r.output and "tapelab task show odds_first" in r.output
    r = invoke("task", "shw", "odds_first")                  # a typo still gets click's hint
    assert r.exit_code == USAGE and "Did you mean 'show'?" in r.output


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [("tasks",), ("run", BB2), ("task", "show", "copy")])
def test_output_to_a_full_disk_is_a_failed_write_in_one_line(args):
    """README: exit 1 for a write that failed. Standard output on a full disk is one."""
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=60)
    assert r.returncode == INVALID, r.stderr
    assert r.stderr == "error: could not write the output: No space left on device\n"


def test_a_report_without_its_runs_says_so_to_report_and_eval(tmp_path):
    """A committed results/ folder keeps report.json and COMMAND.md, not the runs: report and
    eval say so, and where the command that made them is."""
    (tmp_path / "report.json").write_text("{}")
    for command in ("report", "eval"):
        r = invoke(command, tmp_path)
        no_traceback(r)
        assert r.exit_code == USAGE and "it holds a report without its runs" in r.output
        assert "COMMAND.md" not in r.output
    (tmp_path / "COMMAND.md").write_text("tapelab compare copy\n")
    r = invoke("report", tmp_path)
    assert r.exit_code == USAGE and "COMMAND.md gives the command that made them" in r.output


def test_dash_as_the_output_is_standard_output_not_a_file_named_dash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke("convert", BB2, "--to", "yaml", "-o", "-")
    no_traceback(r)
    assert r.exit_code == OK and "start state: A" in r.output
    r = invoke("diagram", BB2, "-o", "-")
    no_traceback(r)
    assert r.exit_code == OK and "digraph" in r.output.splitlines()[0] and "A -> B" in r.output
    assert list(tmp_path.iterdir()) == []
    r = invoke("diagram", BB2, "-o", "x.txt")
    assert r.exit_code == USAGE and "- for the Graphviz text on standard output" in r.output


def test_a_sweep_in_which_every_job_failed_says_why_in_one_line(tmp_path, monkeypatch):
    """Every job failing (a device that is not there, say) ended in an internal error: the
    report found no finished run."""
    out = tmp_path / "cmp"
    args = ("compare", "reverse", "--machines", "lstm", "--steps", "2", "--lengths", "3",
            "--samples", "2", "--retries", "0", "--out", str(out))
    monkeypatch.setenv("TAPELAB_FAULT", "reverse-lstm-s0")
    r = invoke(*args)
    no_traceback(r)
    assert r.exit_code == INVALID, r.output
    assert "no run finished, so there is no report: 1 job failed; reverse-lstm-s0: " \
           "RuntimeError: injected fault" in r.stderr, r.output
    assert str(out / "runs" / "reverse-lstm-s0" / "failed.json") in r.stderr
    monkeypatch.delenv("TAPELAB_FAULT")
    assert invoke(*args).exit_code == OK                # the same command tries it again
    assert invoke(*args).exit_code == OK                # and then has it (done before)


def test_where_the_machines_train_is_checked_before_the_sweep():
    """--gpus-per-job reserved GPUs that the jobs never used (they trained on the CPU);
    device=cuda on Ray without GPUs, or on a machine without CUDA, failed in every job."""
    import torch

    from machines.training import TrainConfig, is_device

    assert [is_device(d) for d in ("cpu", "cuda", "cuda:1", "cuda:", "gpu", "CPU")] == \
        [True, True, True, False, False, False]
    with pytest.raises(ValueError, match="device 'tpu': write cpu, cuda or cuda:N"):
        TrainConfig(device="tpu")
    base = ("compare", "reverse", "--machines", "lstm,classical", "--steps", "2", "--dry-run")
    for extra, message in (
            (["--set", "lstm.device=tpu"], "device 'tpu': write cpu, cuda or cuda:N"),
            (["--set", "all.device=cuda", "--backend", "ray"],
             "on Ray a job gets a GPU only if it asks for one: give --gpus-per-job"),
            (["--set", "all.device=cuda:1", "--backend", "ray", "--gpus-per-job", "1"],
             "lstm trains on cuda:1: on Ray, write cuda"),
            (["--backend", "ray", "--gpus-per-job", "1"],
             "every machine here trains on the CPU; add --set all.device=cuda")):
        r = invoke(*base, *extra)
        no_traceback(r)
        assert r.exit_code == USAGE and message in r.stderr, (extra, r.output)
    r = invoke(*base, "--set", "all.device=cuda", "--backend", "ray", "--gpus-per-job", "0.5")
    assert r.exit_code == OK, r.output
    r = invoke("compare", "reverse", "--machines", "classical", "--backend", "ray",
               "--gpus-per-job", "1", "--dry-run")
    assert r.exit_code == USAGE and "no sequence machine is compared here" in r.stderr
    if not torch.cuda.is_available():
        r = invoke(*base, "--set", "lstm.device=cuda")
        assert r.exit_code == USAGE and "lstm trains on cuda: there is no CUDA device here" \
            in r.stderr, r.output


def test_eval_runs_the_model_where_it_is_told(tmp_path):
    import torch

    run = tmp_path / "lstm"
    assert invoke("train", "reverse", "--machine", "lstm", "--steps", "1", "--out",
                  str(run)).exit_code == OK
    r = invoke("eval", str(run), "--lengths", "3", "--samples", "2", "--device", "auto")
    assert r.exit_code == OK and "     3       soft" in r.stdout, r.output
    if not torch.cuda.is_available():
        r = invoke("eval", str(run), "--lengths", "3", "--samples", "2", "--device", "cuda")
        assert r.exit_code == USAGE and "--device cuda: no CUDA device here" in r.stderr


def test_a_second_sigterm_cannot_interrupt_the_save_the_first_one_started():
    """The kernel can send a pool worker two SIGTERMs when the sweep dies (one as the thread
    that started the worker dies, while getppid() still names the sweep, one as the whole
    process does): the second interrupted the checkpoint being saved, which kept 'running'
    at step 0, and the worker went back to wait on the dead pool's queue."""
    from analysis import sweep

    previous = signal.signal(signal.SIGTERM, sweep._stop_as_on_ctrl_c)
    try:
        assert not sweep._told_to_stop()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)                                   # the handler raises first
        assert sweep._told_to_stop()
        os.kill(os.getpid(), signal.SIGTERM)               # ignored: nothing raises
        time.sleep(0.2)
    finally:
        signal.signal(signal.SIGTERM, previous)
