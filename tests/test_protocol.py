"""Delétang et al.'s protocol: their score per run, max and median over seeds, published
values beside ours; and `compare --all`."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from analysis.protocol import PUBLISHED, protocol_table, score
from cli import cli
from tasks.suite import NAMES


def _rows(accuracy: dict[int, float], addressing: str = "soft") -> list[dict]:
    return [{"length": n, "addressing": addressing, "symbol_accuracy": a, "exact_match": 0.0}
            for n, a in accuracy.items()]


def test_the_score_averages_accuracy_over_lengths_beyond_training():
    rows = _rows({10: 1.0, 20: 0.5, 40: 0.7}) + _rows({20: 0.0, 40: 0.0}, "hard")
    assert score(rows, 10) == pytest.approx(60.0)        # (0.5 + 0.7) / 2, soft rows only
    assert score(rows, 40) is None                       # nothing beyond the training range
    assert score(_rows({20: 0.25}, "hard"), 10) == pytest.approx(25.0)   # classical: hard only


def test_max_and_median_over_seeds_with_the_published_value():
    evaluations = [{"task": "parity", "machine": "lstm", "seed": s, "train_length": 10,
                    "results": _rows({10: 1.0, 20: a})} for s, a in enumerate((0.5, 0.9, 0.6))]
    evaluations.append({"task": "parity", "machine": "lstm", "seed": 9, "results": []})
    [row] = protocol_table(evaluations)
    assert (row["max"], row["median"], row["seeds"]) == pytest.approx((90.0, 60.0, 3))
    assert row["published"] == PUBLISHED["parity"]["lstm"] and row["lengths"] == [20]


def test_argmax_columns_score_the_hard_rows_of_machines_that_have_them():
    def run(machine, seed, soft, hard=None):
        rows = _rows({10: 1.0, 20: soft}) + (_rows({10: 1.0, 20: hard}, "hard") if hard else [])
        return {"task": "reverse", "machine": machine, "seed": seed, "train_length": 10,
                "results": rows}

    table = protocol_table([run("stackrnn", 0, 0.6, 1.0), run("stackrnn", 1, 0.8, 0.7),
                            run("stackrnn", 2, 0.7, 0.9), run("lstm", 0, 0.6),
                            {**run("classical", 0, 0.0), "results": _rows({20: 1.0}, "hard")}])
    rows = {r["machine"]: r for r in table}
    stack = rows["stackrnn"]
    assert (stack["max"], stack["argmax_max"], stack["argmax_median"]) == pytest.approx(
        (80.0, 100.0, 90.0))
    assert rows["lstm"]["argmax_max"] is None and rows["lstm"]["argmax_median"] is None
    assert rows["classical"]["max"] == rows["classical"]["argmax_max"] == pytest.approx(100.0)
    assert (stack["agrees"], rows["lstm"]["agrees"], rows["classical"]["agrees"]) == (
        False, True, None)            # published: Stack-RNN 100 (solved), LSTM 60.9 (not)
    assert score(_rows({20: 0.5}), 10, "hard", fallback=False) is None


def test_the_published_table_names_only_suite_tasks_and_registered_machines():
    from machines import registry

    assert set(PUBLISHED) <= set(NAMES) and len(PUBLISHED) == 9
    assert {m for row in PUBLISHED.values() for m in row} - set(registry.names()) == {"rnn"}


def test_compare_all_runs_every_task(tmp_path):
    out = tmp_path / "all"
    r = CliRunner().invoke(cli, ["compare", "--all", "--machines", "classical", "--samples", "2",
                                 "--lengths", "3", "--out", str(out)])
    assert r.exit_code == 0, r.output
    report = json.loads((out / "report.json").read_text())
    assert report["tasks"] == list(NAMES) and report["training_cost"]["runs"] == len(NAMES)
    assert f"Training cost: {len(NAMES)} runs, " in (out / "report.md").read_text()
    one = tmp_path / "one"
    assert CliRunner().invoke(cli, ["compare", "parity", "--machines", "classical", "--samples",
                                    "2", "--lengths", "3", "--out", str(one)]).exit_code == 0
    assert "Training cost: 1 run, " in (one / "report.md").read_text()   # was "1 runs"
    assert CliRunner().invoke(cli, ["compare", "--all", "parity"]).exit_code == 2
    assert CliRunner().invoke(cli, ["compare"]).exit_code == 2


def test_the_protocol_figure_draws_the_trained_machines(tmp_path):
    from analysis.figures import fig_protocol

    rows = [{"task": t, "machine": m, "max": 80.0, "argmax_max": a, "published": p}
            for t, m, a, p in (("reverse", "stackrnn", 100.0, 100.0),
                               ("parity", "lstm", None, 100.0), ("parity", "ntm", 90.0, None))]
    path = fig_protocol(rows + [{"task": "parity", "machine": "classical", "max": 100.0}],
                        tmp_path / "p.png", ["parity", "reverse"])
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert fig_protocol(rows[:0], tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()
