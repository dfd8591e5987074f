"""benchmarks/deletang_reference.py, which runs Delétang et al.'s own code beside tapelab's port
of their Tape-RNN: its records, its table and its refusals. Their code needs jax, which
tapelab does not, so the runs themselves are not made here: the script is given records."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = [sys.executable, str(ROOT / "benchmarks" / "deletang_reference.py")]


def _record(folder: Path, lr: float, seed: int, score: float, steps: int = 10_000) -> None:
    """A run's record as benchmarks/deletang_driver.py writes it, under the name the script
    looks for."""
    accuracy = {"5": 1.0, "10": 0.9, "20": 0.55, "40": 0.5, "80": 0.5, "125": 0.5}
    record = {"task": "odds_first", "arch": "tape_rnn", "steps": steps, "lr": lr, "seed": seed,
              "train_length": 10, "batch": 128, "test_batch": 128,
              "test_lengths": "20,40,80,125", "memory_size": 40, "test_memory_size": 512,
              "train_seconds": 150.0, "score": score, "accuracy": accuracy,
              "exact": {k: 0.0 for k in accuracy}, "long_tape_score": score + 1,
              "final_train": {"step": steps, "train_loss": 0.01}}
    name = f"odds_first-tape_rnn-len10-lr{lr:g}-s{seed}.json"
    (folder / name).write_text(json.dumps(record))


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*SCRIPT, *args], capture_output=True, text=True)


def test_the_table_has_a_row_per_run_then_the_maximum_and_median_per_rate(tmp_path):
    for seed, score in enumerate((50.0, 60.0, 55.0)):
        _record(tmp_path, 5e-4, seed, score)
    _record(tmp_path, 1e-4, 0, 52.0)
    r = _run("--out", str(tmp_path), "--lrs", "1e-4,5e-4", "--seeds", "0-2")
    assert r.returncode == 2 and "2 of 6 runs are not in" in r.stderr       # lr 1e-4, seeds 1, 2
    r = _run("--out", str(tmp_path), "--lrs", "5e-4", "--seeds", "0-2")
    assert r.returncode == 0, r.stderr
    rows = [line.strip("| ").split(" | ") for line in r.stdout.splitlines()
            if line.startswith("| 0.0005 |")]
    assert [row[:3] for row in rows[:3]] == [["0.0005", "0", "50.0"], ["0.0005", "1", "60.0"],
                                             ["0.0005", "2", "55.0"]]
    assert rows[0][3:] == ["51.0", "1.000", "0.900", "0.00", "0.550", "150"]
    assert rows[3] == ["0.0005", "3", "60.0", "55.0", "61.0", "56.0"]     # max, median twice
    assert "| all | 3 | 60.0 | 55.0 | 61.0 | 56.0 |" in r.stdout
    r = _run("--out", str(tmp_path), "--lrs", "5e-4", "--seeds", "0-2", "--test-memory-size",
             "0")
    assert r.returncode == 2 and "made with test_memory_size=512, not 0" in r.stderr


def test_a_record_made_with_other_settings_is_refused_by_name(tmp_path):
    _record(tmp_path, 5e-4, 0, 50.0, steps=5_000)
    r = _run("--out", str(tmp_path), "--lrs", "5e-4", "--seeds", "0")
    assert r.returncode == 2 and "made with steps=5000, not 10000" in r.stderr
    assert "Traceback" not in r.stderr
    (tmp_path / "odds_first-tape_rnn-len10-lr0.0005-s0.json").write_text("{}")
    r = _run("--out", str(tmp_path), "--lrs", "5e-4", "--seeds", "0")
    assert r.returncode == 2 and "the record has no 'task'" in r.stderr
    (tmp_path / "odds_first-tape_rnn-len10-lr0.0005-s0.json").write_text('{"task": ')
    r = _run("--out", str(tmp_path), "--lrs", "5e-4", "--seeds", "0")
    assert r.returncode == 2 and "s0.json: not a record (not JSON" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_options_and_a_missing_checkout_are_one_line_errors(tmp_path):
    code = tmp_path / "checkout"
    (code / "experiments").mkdir(parents=True)
    (code / "experiments" / "training.py").write_text("")
    (tmp_path / "a-file").write_text("")
    for args, message in ((["--seeds", "0-x"], "--seeds"),
                          (["--seeds", "5-3"], "--seeds"),
                          (["--out", str(tmp_path / "a-file")], "is a file, not a folder"),
                          (["--lrs", "fast"], "--lrs"),
                          ([], "is not a checkout of google-deepmind/"),
                          (["--code", str(tmp_path)], "is not a checkout of google-deepmind/"),
                          (["--code", str(code), "--python", str(tmp_path / "nothing")],
                           "no such program")):
        r = _run("--out", str(tmp_path / "runs"), *args)
        assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, args
        assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()             # nothing made for a refused command


def test_a_run_their_code_cannot_make_leaves_no_record(tmp_path):
    """A folder shaped like their checkout but without their code: the driver cannot import
    it, the script says so in one line, and the folder of records stays empty."""
    code = tmp_path / "checkout"
    (code / "experiments").mkdir(parents=True)
    (code / "experiments" / "training.py").write_text("")
    runs = tmp_path / "runs"
    r = _run("--code", str(code), "--out", str(runs), "--lrs", "5e-4", "--seeds", "0")
    assert r.returncode == 1 and "lr=0.0005 seed=0: their code stopped:" in r.stderr
    assert "Error" in r.stderr.splitlines()[-1] and list(runs.iterdir()) == []
