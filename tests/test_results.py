"""The committed full-suite results (results/deletang9) hold what their report says: every
shared task, every sequence machine with its seeds, Delétang et al.'s score beside theirs, and a
report.md that prints the same numbers as report.json."""
from __future__ import annotations

import json

from analysis.protocol import PUBLISHED
from conftest import ROOT

RESULTS = ROOT / "results" / "deletang9"
MACHINES = {"ntm", "lstm", "stackrnn", "tapernn", "transformer"}


def test_the_full_suite_report_covers_the_shared_tasks_and_machines():
    report = json.loads((RESULTS / "report.json").read_text())
    rows = report["protocol"]["rows"]
    assert {r["task"] for r in rows} == set(PUBLISHED)
    for task in PUBLISHED:
        machines = {r["machine"] for r in rows if r["task"] == task}
        assert MACHINES <= machines, task
    assert all(r["seeds"] == 3 for r in rows if r["machine"] in MACHINES)
    assert all(r["published"] == PUBLISHED[r["task"]].get(r["machine"]) for r in rows)
    markdown = (RESULTS / "report.md").read_text()
    for r in rows:
        line = f"| {r['task']} | {r['machine']} | {r['max']:.1f} | {r['median']:.1f} |"
        assert line in markdown, line
    assert (RESULTS / "COMMAND.md").is_file()


def test_the_training_length_40_report_prints_what_its_json_holds():
    folder = ROOT / "results" / "deletang_len40"
    report = json.loads((folder / "report.json").read_text())
    rows = report["protocol"]["rows"]
    assert {(r["task"], r["machine"]) for r in rows} == {
        ("cycle_navigation", "lstm"), ("reverse", "stackrnn"), ("reverse", "tapernn"),
        ("duplicate", "tapernn"), ("odds_first", "tapernn")}
    markdown = (folder / "report.md").read_text()
    for r in rows:
        line = f"| {r['task']} | {r['machine']} | {r['max']:.1f} | {r['median']:.1f} |"
        assert line in markdown, line
    assert report["unfinished"] == ["odds_first-tapernn-s1", "odds_first-tapernn-s2"]
    assert "Not finished: 2 run(s)" in markdown and (folder / "COMMAND.md").is_file()
