"""The committed results hold what their reports say. results/deletang9 (the full suite):
every shared task, every sequence machine with its seeds, Delétang et al.'s score beside
theirs. Every folder: a report.md that prints the same numbers as report.json, and the
command that made it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

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


SWEEP_RATES = ("0.0001", "0.0003", "0.0005")     # Delétang et al.'s learning rates
TAPE = {("duplicate", "tapernn"), ("odds_first", "tapernn"), ("reverse", "tapernn")}
TAPE_TASKS = {task for task, _ in TAPE}
FOLLOW_UPS = {      # folder: (its task-machine pairs, seeds, the runs it names unfinished)
    "deletang_len40": ({("cycle_navigation", "lstm"), ("reverse", "stackrnn")} | TAPE, 3,
                       ["odds_first-tapernn-s1", "odds_first-tapernn-s2"]),
    "deletang_len40_r2": ({("cycle_navigation", "lstm")} | TAPE, 3, []),
    "tapernn_sharpen": ({("reverse", "tapernn")}, 3, []),
    "tapernn_sharpen_duplicate": ({("duplicate", "tapernn")}, 2, []),
    "deletang_len40_long": ({("duplicate", "tapernn"), ("cycle_navigation", "lstm")}, 3, []),
    "lstm_cycle_long": ({("cycle_navigation", "lstm")}, 2, []),
    "lstm_cycle_xl": ({("cycle_navigation", "lstm")}, 2, []),
    "lstm_cycle_h64_lr0.001": ({("cycle_navigation", "lstm")}, 7, []),
    "lstm_cycle_h64_lr0.0005": ({("cycle_navigation", "lstm")}, 5, []),
    "lstm_cycle_h64_len120": ({("cycle_navigation", "lstm")}, 2, []),
    "tapernn_len10_ablation": (TAPE, 3, []),
    "tapernn_reverse_seeds": ({("reverse", "tapernn")}, 6, []),
    "tapernn_deletang_variant": (TAPE, 3, []),
    "tapernn_deletang_len40": ({("odds_first", "tapernn")}, 3, []),
    "tapernn_deletang_reverse": ({("reverse", "tapernn")}, 3, []),
    "tapernn_deletang_ring40": ({("odds_first", "tapernn")}, 3, []),
    "tapernn_reverse_clip": ({("reverse", "tapernn")}, 3, []),
    "tapernn_deletang_reverse_defaults": ({("reverse", "tapernn")}, 3, []),
    "tapernn_deletang_duplicate": ({("duplicate", "tapernn")}, 3, []),
    "tapernn_deletang_theirs": ({("odds_first", "tapernn")}, 3, []),
    "tapernn_odds_long": ({("odds_first", "tapernn")}, 2, ["odds_first-tapernn-s1"]),
    "tapernn_odds_curriculum": ({("odds_first", "tapernn")}, 3, []),
    "tapernn_deletang_reverse_ring40": ({("reverse", "tapernn")}, 3, []),
    "tapernn_deletang_reverse_ring20": ({("reverse", "tapernn")}, 3, []),
    "tapernn_sharpen_odds": ({("odds_first", "tapernn")}, 3, []),
    "tapernn_deletang_odds_long": ({("odds_first", "tapernn")}, 1, []),
    "tapernn_deletang_odds_4h": ({("odds_first", "tapernn")}, 1, []),
    **{f"tapernn_deletang_sweep/lr{lr}": ({("odds_first", "tapernn")}, 10, [])
       for lr in SWEEP_RATES},
    "tapernn_deletang_sweep/len20": ({("odds_first", "tapernn")}, 10, []),
    "tapernn_deletang_all": ({("odds_first", "tapernn")}, 6, []),
    "tapernn_deletang_all_evens": ({("evens_first", "tapernn")}, 16, []),
    "tapernn_deletang_token_evens": ({("evens_first", "tapernn")}, 6, []),
    "tapernn_deletang_token_long": ({("odds_first", "tapernn")}, 2, []),
}


@pytest.mark.parametrize("name", sorted(FOLLOW_UPS))
def test_each_follow_up_report_prints_what_its_json_holds(name):
    folder = ROOT / "results" / name
    pairs, seeds, unfinished = FOLLOW_UPS[name]
    report = json.loads((folder / "report.json").read_text())
    rows = report["protocol"]["rows"]
    assert {(r["task"], r["machine"]) for r in rows} == pairs
    for r in rows:      # every seed, but for the runs the report names unfinished
        missing = [u for u in unfinished if u.startswith(f"{r['task']}-{r['machine']}-")]
        assert r["seeds"] == seeds - len(missing), r
    markdown = (folder / "report.md").read_text()
    for r in rows:
        line = f"| {r['task']} | {r['machine']} | {r['max']:.1f} | {r['median']:.1f} |"
        assert line in markdown, line
    assert report["unfinished"] == unfinished
    assert (f"Not finished: {len(unfinished)} run(s)" in markdown) == bool(unfinished)
    assert (folder / "COMMAND.md").is_file()


def _pattern_rows() -> list[list[str]]:
    """The table of results/PATTERN.md: one row per cell of issue 14's target pattern."""
    lines = (ROOT / "results" / "PATTERN.md").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| task | machine |"))
    rows = []                       # the first table's rows, below its header and rule
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    assert rows, "results/PATTERN.md has no table"
    return rows


# issue 14's target pattern: (task, machine) -> what it should do
PATTERN = {**{(t, "lstm"): "solves" for t in ("parity", "even_pairs", "modular_arithmetic",
                                              "cycle_navigation")},
           **{(t, "lstm"): "fails" for t in ("duplicate", "odds_first", "binary_addition")},
           ("reverse", "stackrnn"): "solves", ("parity", "transformer"): "fails",
           **{(t, "tapernn"): "solves" for t in ("duplicate", "odds_first", "reverse")}}


def test_the_pattern_summary_quotes_its_reports():
    """Every figure results/PATTERN.md quotes is the one its folder's report.json holds, and its
    verdict follows from it: a cell whose target is "solves" is met at 90 or more, one whose
    target is "fails" below 90 (the line of analysis.protocol.SOLVED)."""
    from analysis.protocol import SOLVED

    rows_here = _pattern_rows()
    assert {(r[0], r[1]): r[2] for r in rows_here} == PATTERN and len(rows_here) == len(PATTERN)
    for task, machine, target, folder, best, middle, met, *_ in rows_here:
        report = json.loads((ROOT / "results" / folder.strip("`") / "report.json").read_text())
        rows = {(r["task"], r["machine"]): r for r in report["protocol"]["rows"]}
        assert (task, machine) in rows, f"{folder} has no row for {task} · {machine}"
        row = rows[task, machine]
        assert (best, middle) == (f"{row['max']:.1f}", f"{row['median']:.1f}"), (task, machine)
        assert met == ("yes" if (row["max"] >= SOLVED) == (target == "solves") else "no"), \
            (task, machine, folder)


def test_the_pattern_summary_lists_every_odds_first_tapernn_folder():
    """PATTERN.md's table of every folder with the Tape-RNN on odds_first: one row for each
    committed report that holds the cell, best first, with the max and median its report.json
    gives, and its seed count."""
    rows = _table_rows(ROOT / "results" / "PATTERN.md",
                       lambda line: line.strip().startswith("| `")
                       and line.split("|")[2].strip() in ("theirs", "tapelab's"))
    held = {}
    for path in (ROOT / "results").glob("**/report.json"):
        for r in json.loads(path.read_text()).get("protocol", {}).get("rows", []):
            if (r["task"], r["machine"]) == ("odds_first", "tapernn"):
                held[path.parent.relative_to(ROOT / "results").as_posix()] = r
    assert sorted(r[0].strip("`") for r in rows) == sorted(held)
    assert [float(r[5]) for r in rows] == sorted((float(r[5]) for r in rows), reverse=True)
    for folder, _, lengths, seeds, _, best, middle in rows:
        row, name = held[folder.strip("`")], folder.strip("`")
        assert (best, middle) == (f"{row['max']:.1f}", f"{row['median']:.1f}"), name
        assert int(seeds) == row["seeds"], name
        assert min(row["lengths"]) > int(lengths.split("-")[1]), name   # scored beyond them


def test_the_pattern_summary_quotes_each_cells_best_run():
    """results/PATTERN.md says that where a cell appears in several folders, its row quotes the
    folder with the best run: no committed report may hold a higher maximum for that cell."""
    best: dict[tuple[str, str], float] = {}
    for path in (ROOT / "results").glob("*/report.json"):
        for r in json.loads(path.read_text()).get("protocol", {}).get("rows", []):
            key = (r["task"], r["machine"])
            best[key] = max(best.get(key, r["max"]), r["max"])
    for task, machine, _, folder, quoted, *_ in _pattern_rows():
        assert quoted == f"{best[task, machine]:.1f}", (task, machine, folder)


def test_the_excursion_table_in_the_pattern_summary_is_the_benchmarks_output():
    """PATTERN.md's table of LSTM accuracy by excursion copies the rows of
    benchmarks/cycle_excursion.py's output, kept in lstm_cycle_h64_lr0.001/excursion.md."""
    import re

    output = (ROOT / "results" / "lstm_cycle_h64_lr0.001" / "excursion.md").read_text()
    lines = (ROOT / "results" / "PATTERN.md").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| run | score |"))
    folder, checked = None, 0
    for line in lines[start + 2:]:
        if not line.startswith("| ") or "training inputs" in line:
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        named = re.search(r"`([^`]+)`", cells[0])
        folder = named.group(1) if named else folder
        seed = int(re.search(r"seed (\d+)", cells[0]).group(1))
        mine = [c.split()[0] for c in cells[2:]]
        row = next(o for o in output.splitlines()
                   if o.startswith(f"| {folder}/cycle_navigation-lstm-s{seed} | all |"))
        theirs = [c.strip().split()[0] for c in row.strip().strip("|").split("|")[3:]]
        assert mine == theirs, (folder, seed)
        checked += 1
    assert checked >= 7


def test_the_tape_ablation_figures_in_the_pattern_summary_are_the_benchmarks_output():
    """PATTERN.md's ranges for the Tape-RNN with and without its tape come from the rows of
    benchmarks/tape_ablation.py's output, kept in tapernn_len10_ablation/ablation.md."""
    rows = [line.strip("|").split("|") for line in
            (ROOT / "results" / "tapernn_len10_ablation" / "ablation.md").read_text().splitlines()
            if line.startswith("| tapernn_len10_ablation/")]
    assert len(rows) == 27

    def span(tasks: tuple[str, ...], length: int, column: int) -> str:
        values = [float(r[column]) for r in rows
                  if r[0].strip().split("/")[1].split("-")[0] in tasks and int(r[2]) == length]
        return f"{min(values):.2f}-{max(values):.2f}"

    pattern = (ROOT / "results" / "PATTERN.md").read_text()
    pattern = " ".join(pattern.split())          # the text is wrapped
    for tasks, length, column, quoted in (
            (("odds_first",), 10, 4, "({} per token)"), (("duplicate", "reverse"), 10, 4, "({})"),
            (("odds_first",), 20, 3, "({} per token at length 20"),
            (("duplicate", "reverse"), 20, 3, "keep {})")):
        assert quoted.format(span(tasks, length, column)) in pattern, (tasks, length, column)
    report = json.loads((ROOT / "results" / "tapernn_len10_ablation" / "report.json").read_text())
    hard = [r["symbol_accuracy"] for r in report["results"] if r["task"] == "odds_first"
            and r["addressing"] == "hard" and r["length"] == 10]
    assert len(hard) == 3 and f"length 10 ({min(hard):.2f}-{max(hard):.2f} per token)" in pattern


def test_the_position_figures_in_the_pattern_summary_are_the_benchmarks_output():
    """PATTERN.md's ranges for where along the answer the Tape-RNN runs go wrong come from
    the rows of benchmarks/output_positions.py's output, kept in
    tapernn_len10_ablation/positions.md (columns: first, eight parts, last)."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in
            (ROOT / "results" / "tapernn_len10_ablation" / "positions.md").read_text()
            .splitlines() if line.startswith("| tapernn_len10_ablation/")]
    assert len(rows) == 18

    def span(tasks: tuple[str, ...], columns: list[int]) -> str:
        values = [float(r[c]) for r in rows for c in columns
                  if r[0].split("/")[1].split("-")[0] in tasks and r[2] == "40"]
        return f"{min(values):.2f}-{max(values):.2f}"

    first, part = 4, lambda i: 4 + i                    # part i counts from 1
    pattern = " ".join((ROOT / "results" / "PATTERN.md").read_text().split())
    odds, others = ("odds_first",), ("duplicate", "reverse")
    for quoted in (f"right in {span(odds, [first])} of the examples",
                   f"after it) averages {span(odds, [part(1)])}",
                   f"at chance: {span(odds, [part(2), part(3), part(4)])} per eighth",
                   f"little better: {span(odds, [part(5), part(6), part(7)])} in its first",
                   f"and {span(odds, [part(8)])} in the last",
                   f"start right ({span(others, [part(1)])} over the first eighth)",
                   f"to {span(others, [part(8)])} over the last eighth"):
        assert quoted in pattern, quoted


def _report(name: str) -> dict:
    """results/NAME/report.json."""
    return json.loads((ROOT / "results" / name / "report.json").read_text())


def _table_rows(path: Path, keep: Callable[[str], bool]) -> list[list[str]]:
    """The cells of the table lines of the markdown file ``path`` that ``keep`` selects."""
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in
            path.read_text().splitlines() if keep(line)]


def _command_rows(name: str, keep: Callable[[str], bool]) -> list[list[str]]:
    """The cells of the table lines of results/NAME/COMMAND.md that ``keep`` selects."""
    return _table_rows(ROOT / "results" / name / "COMMAND.md", keep)


def test_the_reverse_seeds_table_is_its_reports_numbers():
    """tapernn_reverse_seeds/COMMAND.md's per-seed table: the score as trained and at the
    held-out temperature come from report.json's temperature section, argmax from its
    results."""
    report = _report("tapernn_reverse_seeds")
    best = {b["seed"]: b for b in report["temperatures"]["best"]}
    starts = {f"| {seed} " for seed in best}
    rows = _command_rows("tapernn_reverse_seeds", lambda line: line[:4] in starts)
    assert len(rows) == len(best) == 6
    for seed, trained, argmax, chosen, held in rows:
        b = best[int(seed)]
        hard = [r["symbol_accuracy"] for r in report["results"] if r["seed"] == int(seed)
                and r["addressing"] == "hard" and r["length"] > 40]
        assert trained.strip("*") == f"{100 * b['score_t1']:.1f}"
        assert argmax == f"{100 * sum(hard) / len(hard):.1f}"
        assert (chosen, held) == (b["chosen"], f"{100 * b['held_out']:.1f}")


def test_the_variant_table_is_its_reports_numbers():
    """tapernn_deletang_variant/COMMAND.md's table: their Tape-RNN's score and argmax score
    (max / median), exact match at length 10 per seed, and tapelab's own Tape-RNN's score from
    tapernn_len10_ablation, each from its folder's report.json."""
    theirs, ours = _report("tapernn_deletang_variant"), _report("tapernn_len10_ablation")
    rows = _command_rows("tapernn_deletang_variant", lambda line: line.split("|")[1:2] != []
                         and line.split("|")[1].strip() in TAPE_TASKS)
    assert len(rows) == 3

    def pair(row: dict, key: str = "") -> str:
        return f"{row[key + 'max']:.1f} / {row[key + 'median']:.1f}"
    for task, score, exact, argmax, own in rows:
        mine = next(r for r in theirs["protocol"]["rows"] if r["task"] == task)
        assert (score, argmax) == (pair(mine), pair(mine, "argmax_"))
        assert own == pair(next(r for r in ours["protocol"]["rows"] if r["task"] == task))
        at10 = sorted((r["seed"], r["exact_match"]) for r in theirs["results"]
                      if r["task"] == task and r["addressing"] == "soft" and r["length"] == 10)
        assert exact == ", ".join(f"{e:.2f}" for _, e in at10)


def test_the_len40_variant_table_is_its_reports_numbers():
    """tapernn_deletang_len40/COMMAND.md sets their Tape-RNN's odds_first score, argmax score
    and per-token accuracy at length 40 beside tapelab's in deletang_len40_r2."""
    def figures(name: str) -> list[str]:
        report = _report(name)
        row = next(r for r in report["protocol"]["rows"] if r["task"] == "odds_first")
        at40 = sorted(r["symbol_accuracy"] for r in report["results"] if r["task"] ==
                      "odds_first" and r["addressing"] == "soft" and r["length"] == 40)
        return [f"{row['max']:.1f} / {row['median']:.1f}",
                f"{row['argmax_max']:.1f} / {row['argmax_median']:.1f}",
                f"{at40[0]:.3f}-{at40[-1]:.3f}"]
    rows = _command_rows("tapernn_deletang_len40",
                         lambda line: line.startswith(("| score", "| argmax", "| per token")))
    assert [r[1] for r in rows] == figures("tapernn_deletang_len40")
    assert [r[2] for r in rows] == figures("deletang_len40_r2")


PER_SEED = ("tapernn_deletang_reverse", "tapernn_deletang_ring40", "tapernn_reverse_clip",
            "tapernn_deletang_theirs", "tapernn_deletang_reverse_defaults",
            "tapernn_deletang_duplicate", "tapernn_odds_curriculum",
            "tapernn_deletang_reverse_ring40", "tapernn_deletang_reverse_ring20",
            "tapernn_sharpen_odds", "tapernn_deletang_odds_long", "tapernn_deletang_odds_4h",
            "tapernn_deletang_all", "tapernn_deletang_all_evens", "tapernn_deletang_token_evens",
            "tapernn_deletang_token_long")


@pytest.mark.parametrize("name", PER_SEED)
def test_the_per_seed_tables_are_their_reports_numbers(name):
    """The per-seed table of each of these folders' COMMAND.md (lengths 1-40, a row for each
    finished seed): per-token accuracy by length, as trained and under argmax, and the mean
    over the lengths beyond training, from report.json."""
    report = _report(name)
    _, seeds, unfinished = FOLLOW_UPS[name]
    rows = _command_rows(name, lambda line: line.startswith("| ")
                         and line.split("|")[1].strip() in {str(s) for s in range(seeds)})
    assert len(rows) == seeds - len(unfinished)
    for seed, soft, score, hard, hard_score in rows:
        for cells, mean, addressing in ((soft, score, "soft"), (hard, hard_score, "hard")):
            by_length = sorted((r["length"], r["symbol_accuracy"]) for r in report["results"]
                               if r["seed"] == int(seed) and r["addressing"] == addressing)
            assert cells == " / ".join(f"{a:.3f}" for _, a in by_length)
            beyond = [a for n, a in by_length if n > 40]
            assert mean == f"{100 * sum(beyond) / len(beyond):.1f}"


def test_the_reverse_model_and_optimiser_table_is_its_reports_numbers():
    """PATTERN.md's table crossing the two Tape-RNNs with the two optimiser settings on reverse:
    each "max, median (folder)" cell, and tapelab's best plain seed over its nine runs, are the
    reverse rows of those folders' report.json."""
    import re

    lines = (ROOT / "results" / "PATTERN.md").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("| model |"))
    table = "\n".join(lines[start:start + 4])

    def reverse_row(name: str) -> dict:
        return next(r for r in _report(name)["protocol"]["rows"] if r["task"] == "reverse")
    cells = re.findall(r"\**(\d+\.\d) max, (\d+\.\d) median\** \(`(\w+)`\)", table)
    assert len(cells) == 3
    for best, middle, name in cells:
        row = reverse_row(name)
        assert (best, middle) == (f"{row['max']:.1f}", f"{row['median']:.1f}"), name
    nine = max(reverse_row(name)["max"] for name in ("deletang_len40_r2", "tapernn_reverse_seeds"))
    assert f"{nine:.1f} at best over nine seeds" in table


def test_the_schedule_figures_in_the_pattern_summary_are_the_benchmarks_output():
    """PATTERN.md's lengths at which a discrete tape has one program for a task, or none, come
    from benchmarks/tape_schedules.py's tables, kept in results/tape_schedules/README.md."""
    text = (ROOT / "results" / "tape_schedules" / "README.md").read_text()
    first, later = text.split("\n## Later: ")
    found, replayed, more = {}, {}, {}
    for section, table in ((first, found), (later, more)):
        for line in section.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not line.startswith("| ") or cells[0] not in ("duplicate", "reverse",
                                                            "odds_first"):
                continue
            key = (cells[0], cells[1], int(cells[2]), int(cells[3]))
            if len(cells) == 5:
                replayed[key] = cells[4]
            else:
                table[key] = (cells[4], cells[5])
                assert cells[7] == "yes", line
    assert set(replayed.values()) == {"yes"}
    assert set(replayed) == {("reverse", "deletang", 1, 1), ("reverse", "tapelab", 0, 1),
                             ("duplicate", "tapelab", 0, 1)}
    assert len(found) == 27          # three tasks, three timings, three sizes
    pattern = " ".join((ROOT / "results" / "PATTERN.md").read_text().split())
    theirs = {k[0:1] + k[2:]: v for k, v in found.items() if k[1] == "deletang"}
    assert theirs[("odds_first", 1, 1)][1] == theirs[("duplicate", 1, 1)][1] == "5"
    assert "no program does odds_first at every length 1-5" in pattern
    assert "b = 1 (from 5 too)" in pattern
    assert theirs[("duplicate", 2, 1)] == ("10", "- (asked up to 10)")
    assert theirs[("odds_first", 2, 1)] == ("8", "9")
    assert ("duplicate has programs at every length up to 10, the most Z3 was asked, and "
            "odds_first has none for lengths 1-9") in pattern
    assert "replayed at every length 1-100" in pattern
    ours = {k[0:1] + k[2:]: v for k, v in found.items() if k[1] == "tapelab"}
    assert ours[("odds_first", 0, 1)] == ("3", "4")
    assert "no program does odds_first at every length 1-4" in pattern
    assert ours[("odds_first", 1, 1)] == ("9", "unknown at 10")      # settled later:
    assert more[("odds_first", "tapelab", 1, 1)] == ("9", "10")
    assert ours[("odds_first", 2, 1)] == ("10", "- (asked up to 10)")
    assert ("Z3 finds odds_first programs at every length up to 9 and none for 1-10 (given "
            "6,000 s; the question took 1,695 s); holding two, at every length up to 10") \
        in pattern
    assert "the question for 1..10 took 1,695 s" in " ".join(text.split())
    more = {k: v for k, v in more.items() if k[0] == "odds_first"}
    assert more[("odds_first", "tapelab", 0, 2)] == ("8", "9")
    assert all(more[("odds_first", "tapelab", b, 2)] == ("12", "- (asked up to 12)")
               for b in (1, 2))
    assert more[("odds_first", "tapelab", 0, 3)] == ("19", "unknown at 20")   # the last run
    assert more[("odds_first", "deletang", 2, 2)] == ("12", "- (asked up to 12)")
    assert more[("odds_first", "deletang", 1, 2)] == ("11", "unknown at 12")
    assert ("With two symbols a cell and nothing held, tapelab's timing gives odds_first "
            "programs at every length up to 8 (none for 1-9); with three, up to 19, with 20 "
            "undecided in 5,400 s (19 took 5,277 s); with two and one or two "
            "held, at every length up to 12") \
        in pattern
    assert ("two a cell and two held give programs up to 12; one held, up to 11, with 12 "
            "undecided in 600 s") in pattern
    variant = {k[0:1] + k[2:]: v for k, v in found.items() if k[1] == "tapelab-deletang"}
    assert variant[("reverse", 0, 1)][0] == variant[("duplicate", 1, 1)][0] == "10"
    assert variant[("duplicate", 0, 1)][1] == variant[("odds_first", 0, 1)][1] == "3"
    assert variant[("odds_first", 1, 1)] == ("6", "7")
    assert ("Holding one symbol, duplicate has programs at every length up to 10, and "
            "odds_first has none for lengths 1-7") in pattern
    assert "odds_first has none from 4, 7 or 9" in pattern


def test_odds_first_in_their_order_stops_where_it_stops_in_ours():
    """results/tape_schedules/README.md's last section asks Z3 for odds_first's answer in
    Delétang et al.'s order (evens first): every row matches tapelab's order's row above it
    (tapelab's timing with one held symbol from the later, longer run), as PATTERN.md says."""
    rows = {}
    for cells in _table_rows(ROOT / "results" / "tape_schedules" / "README.md",
                             lambda line: line.startswith("| odds_first")):
        if len(cells) == 8:                        # not the write-once table's rows
            key = (cells[0], cells[1], int(cells[2]), int(cells[3]))
            rows[key] = (cells[4], cells[5])       # a later, longer run's row replaces one
            assert cells[7] == "yes", cells
    theirs = {k[1:]: v for k, v in rows.items() if k[0] == "odds_first@deletang"}
    assert len(theirs) == 9          # three timings, three sizes
    for key, value in theirs.items():
        assert rows[("odds_first", *key)] == value, key
    pattern = " ".join((ROOT / "results" / "PATTERN.md").read_text().split())
    assert ("In the order of their code, Z3 stops at the same lengths in every timing and "
            "size asked") in pattern


def test_the_sweeps_table_is_its_reports_numbers():
    """results/tapernn_deletang_sweep/README.md: a row for each of the 30 runs (10 seeds at
    each of their three learning rates), whose score as trained and under argmax is the one
    report.json's results give that seed; and the max and median over all 30."""
    from statistics import median

    from analysis.protocol import score

    folder = ROOT / "results" / "tapernn_deletang_sweep"
    rows = _table_rows(folder / "README.md", lambda line: line.startswith("| 0.000"))
    assert [(r[0], int(r[1])) for r in rows] == [(lr, s) for lr in SWEEP_RATES
                                                 for s in range(10)]
    scores = []
    for lr, seed, soft, hard, *_ in rows:
        results = [r for r in _report(f"tapernn_deletang_sweep/lr{lr}")["results"]
                   if r["seed"] == int(seed)]
        scores.append(score(results, 10))
        assert soft == f"{scores[-1]:.1f}", (lr, seed)
        assert hard == f"{score(results, 10, 'hard', fallback=False):.1f}", (lr, seed)
    text = " ".join((folder / "README.md").read_text().split())
    assert f"Max {max(scores):.1f}, median {median(scores):.1f} over the 30 runs" in text
    at_20 = _table_rows(folder / "positions_lr0.0005.md",
                        lambda line: line.startswith("| tapernn_deletang_sweep")
                        and line.split("|")[3].strip() == "20")
    assert len(at_20) == 10 and {r[4] for r in at_20} == {"0"}      # prefix: none right
    first = sorted(float(r[5]) for r in at_20)
    assert f"s_1, is right in only {first[0]:.2f}-{first[-1]:.2f} of the examples" in text
    per_rate = [_report(f"tapernn_deletang_sweep/lr{lr}")["protocol"]["rows"][0]
                for lr in SWEEP_RATES]
    assert ("Per learning rate, the max is {:.1f}, {:.1f} and {:.1f} and the median {:.1f}, "
            "{:.1f} and {:.1f}.".format(*[r["max"] for r in per_rate],
                                        *[r["median"] for r in per_rate]) in text)
    pattern = " ".join((ROOT / "results" / "PATTERN.md").read_text().split())
    assert (f"the 30 runs score {max(scores):.1f} at best and {median(scores):.1f} at the "
            "median (`tapernn_deletang_sweep`") in pattern
    assert f"{max(scores):.1f} max and {median(scores):.1f} median over the 30" in pattern


def test_the_sweeps_lengths_1_to_20_table_is_its_reports_numbers():
    """results/tapernn_deletang_sweep/len20/COMMAND.md: each seed's score as trained and under
    argmax, and its accuracy at lengths 20 and 40, from report.json; the README's max and
    median, and its ranges at 20 and 40."""
    from statistics import median

    from analysis.protocol import score

    name = "tapernn_deletang_sweep/len20"
    report = _report(name)
    rows = _command_rows(name, lambda line: line[:4] in {f"| {s} " for s in range(10)})
    assert [int(r[0]) for r in rows] == list(range(10))
    scores, at_20, at_40 = [], [], []
    for seed, soft, hard, _, _, per_20, exact_20, per_40 in rows:
        results = [r for r in report["results"] if r["seed"] == int(seed)]
        by_length = {r["length"]: r for r in results if r["addressing"] == "soft"}
        scores.append(score(results, 20))
        assert soft == f"{scores[-1]:.1f}" and \
            hard == f"{score(results, 20, 'hard', fallback=False):.1f}", seed
        assert per_20 == f"{by_length[20]['symbol_accuracy']:.3f}", seed
        assert exact_20 == f"{by_length[20]['exact_match']:.2f}", seed
        assert per_40 == f"{by_length[40]['symbol_accuracy']:.3f}", seed
        at_20.append(by_length[20]["symbol_accuracy"])
        at_40.append(by_length[40]["symbol_accuracy"])
    text = " ".join((ROOT / "results" / "tapernn_deletang_sweep" / "README.md").read_text()
                    .split())
    assert f"**Max {max(scores):.1f}, median {median(scores):.1f}** (argmax" in text
    assert f"{min(at_20):.3f}-{max(at_20):.3f} per token there" in text
    assert f"at length 40 they are at {min(at_40):.3f}-{max(at_40):.3f}" in text


# results/deletang_code: each table -> the arguments with which benchmarks/deletang_reference.py
# prints it from the records beside it
DELETANG_CODE = {
    "len10/odds_first.md": ["--lrs", "1e-4,3e-4,5e-4", "--seeds", "0-2"],
    "len10/reverse.md": ["--task", "reverse_string", "--lrs", "5e-4", "--seeds", "0-2"],
    "len40/odds_first.md": ["--train-length", "40", "--batch", "32", "--steps", "8000",
                            "--lrs", "5e-4", "--memory-size", "161", "--test-memory-size", "641",
                            "--test-lengths", "80,160", "--seeds", "0-13"],
    "len40/odds_first_as_documented.md": [
        "--task", "odds_first_as_documented", "--train-length", "40", "--batch", "32",
        "--steps", "8000", "--lrs", "5e-4", "--memory-size", "161", "--test-memory-size", "641",
        "--test-lengths", "80,160", "--seeds", "0-2"],
}


def _deletang_code(table: str) -> str:
    """What the benchmark prints for results/deletang_code/TABLE from the records beside it
    (all made, so nothing is run and their code is not needed)."""
    import subprocess
    import sys

    records = ROOT / "results" / "deletang_code" / table.split("/")[0] / "records"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "deletang_reference.py"),
                           "--out", str(records), *DELETANG_CODE[table]],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("table", sorted(DELETANG_CODE))
def test_the_deletang_code_tables_are_the_benchmarks_output(table):
    assert (ROOT / "results" / "deletang_code" / table).read_text() == _deletang_code(table)


def _all_row(table: str) -> list[str]:
    """The 'all' row of a committed deletang_code table (the benchmark's output, as the test
    above checks): runs, then max and median on each ring."""
    return _table_rows(ROOT / "results" / "deletang_code" / table,
                       lambda line: line.startswith("| all |"))[0][1:]


def test_the_deletang_code_readme_quotes_its_tables():
    """results/deletang_code/README.md: the max and median of each table, the ranges it gives
    from the records, and the port's figures on the same seeds from tapernn_deletang_sweep."""
    from statistics import median

    folder = ROOT / "results" / "deletang_code"
    text = " ".join((folder / "README.md").read_text().split())
    runs, best, middle, long_best, long_middle = _all_row("len10/odds_first.md")
    assert (f"Max {best}, median {middle} over the {runs} runs** (scored on the ring of 512: "
            f"{long_best} and {long_middle})") in text
    _, best, middle, *_ = _all_row("len10/reverse.md")
    assert f"max {best}, median {middle}**" in text
    records = {p.name: json.loads(p.read_text()) for p in (folder / "len10" / "records").iterdir()}
    odds = [r for name, r in records.items() if name.startswith("odds_first-")]
    reverse = [r for name, r in records.items() if name.startswith("reverse_string-")]
    at_20 = [r["accuracy"]["20"] for r in odds]
    assert f"length 20 every run is at {min(at_20):.3f}-{max(at_20):.3f} per token" in text
    at_20 = [r["accuracy"]["20"] for r in reverse]
    assert f"and {min(at_20):.3f}-{max(at_20):.3f} per token at 20" in text
    exact = [100 * r["exact"]["10"] for r in odds if r["lr"] == 1e-4]
    assert f"exact in {min(exact):.0f}-{max(exact):.0f}%" in text
    port = [r for r in _table_rows(ROOT / "results" / "tapernn_deletang_sweep" / "README.md",
                                   lambda line: line.startswith("| 0.000")) if int(r[1]) < 3]
    scores = [float(r[2]) for r in port]
    assert (f"scores {max(scores):.1f} max and {median(scores):.1f} median "
            "(`tapernn_deletang_sweep`") in text


def scored(names: tuple[str, ...], task: str = "odds_first") -> tuple[list, list]:
    """The Tape-RNN runs of these folders on ``task``, lengths 1-40: each seed's score as
    benchmarks/deletang_reference.py scores their code (the mean per-token accuracy at 80 and
    160, %) and its fit (per-token accuracy at 40), from report.json."""
    scores, fits = [], []
    for name in names:
        results = [r for r in _report(name)["results"] if r["addressing"] == "soft"
                   and (r["task"], r["machine"]) == (task, "tapernn")]
        for seed in sorted({r["seed"] for r in results}):
            at = {r["length"]: r["symbol_accuracy"] for r in results if r["seed"] == seed}
            scores.append(100 * (at[80] + at[160]) / 2)
            fits.append(at[40])
    return scores, fits


def test_the_token_objective_runs_are_set_beside_the_runs_without_it():
    """tapernn_deletang_token_evens/COMMAND.md: its runs' fit and scores beside those of
    tapernn_deletang_all_evens (the same settings with tapelab's objective), from report.json."""
    token, token_fits = scored(("tapernn_deletang_token_evens",), "evens_first")
    summed, summed_fits = scored(("tapernn_deletang_all_evens",), "evens_first")
    text = " ".join((ROOT / "results" / "tapernn_deletang_token_evens" / "COMMAND.md")
                    .read_text().split())
    assert (f"({min(token_fits):.3f}-{max(token_fits):.3f} per token at 40, against "
            f"{min(summed_fits):.3f}-{max(summed_fits):.3f})") in text
    best = next(r["max"] for r in _report("tapernn_deletang_token_evens")["protocol"]["rows"])
    assert (f"({best:.1f} max; {min(token):.1f}-{max(token):.1f} at 80 and 160, their code's "
            f"way, against {min(summed):.1f}-{max(summed):.1f})") in text
    assert max(token) < 60


# every folder with the Tape-RNN (tapelab's or the port of theirs) on odds_first, lengths 1-40
PORT_LEN40 = ("deletang_len40", "deletang_len40_r2", "tapernn_deletang_len40",
              "tapernn_deletang_theirs", "tapernn_deletang_ring40", "tapernn_odds_long",
              "tapernn_deletang_odds_long", "tapernn_deletang_odds_4h", "tapernn_sharpen_odds",
              "tapernn_odds_curriculum", "tapernn_deletang_all", "tapernn_deletang_token_long")


def test_the_deletang_code_readme_sets_their_code_beside_every_port_run_on_lengths_1_to_40():
    """results/deletang_code/README.md: the range of the port's runs on lengths 1-40, scored as
    the benchmark scores their code (the mean per-token accuracy at 80 and 160), and their fit
    at 40, from each folder's report.json; the figures of their code's good runs (the three
    above 60 on the ring of 641); and Fisher's exact test of their three good runs in fourteen
    against none in the port's sixteen on the same task (none of which reaches 60)."""
    from math import comb

    scores, fits = scored(PORT_LEN40)
    text = " ".join((ROOT / "results" / "deletang_code" / "README.md").read_text().split())
    assert (f"the port's {len(scores)} runs on lengths 1-40 in {len(PORT_LEN40)} folders score "
            f"{min(scores):.1f}-{max(scores):.1f}") in text
    assert f"fit {min(fits):.3f}-{max(fits):.3f} per token at length 40" in text
    every, _ = scored(("tapernn_deletang_all",))
    assert (f"Six of those runs (`tapernn_deletang_all`) take every setting of this folder at "
            f"once on tapelab's tape: {min(every):.1f}-{max(every):.1f}") in text
    evens, evens_fits = scored(("tapernn_deletang_all_evens",), "evens_first")
    assert (f"the port's sixteen runs score {min(evens):.1f}-{max(evens):.1f} and fit "
            f"{min(evens_fits):.3f}-{max(evens_fits):.3f}") in text and len(evens) == 16
    _, best, middle, long_best, long_middle = _all_row("len40/odds_first.md")
    assert f"scores {best} ({long_best} on the ring of 641)" in text
    assert (f"Over the fourteen: max {best}, median {middle} ({long_best} and {long_middle} on the "
            "ring of 641)") in text
    _, doc_best, doc_middle, *_ = _all_row("len40/odds_first_as_documented.md")
    assert f"three runs score {doc_best} at best** ({doc_middle} median)" in text
    records = [json.loads(p.read_text()) for p in
               (ROOT / "results" / "deletang_code" / "len40" / "records").iterdir()]
    odds = sorted((r for r in records if r["task"] == "odds_first"),
                  key=lambda r: r["long_tape_score"])
    good, best_run = odds[-3:], max(odds, key=lambda r: r["score"])
    assert best_run in good and min(r["long_tape_score"] for r in good) > 60 > max(
        r["long_tape_score"] for r in odds[:-3])
    for task, quoted in (("odds_first", "The other eleven score {}-{} and fit {}-{}"),
                         ("odds_first_as_documented", "and fit {2}-{3} at length 40")):
        rest = [r for r in records if r["task"] == task and r not in good]
        assert quoted.format(f"{min(r['score'] for r in rest):.1f}",
                             f"{max(r['score'] for r in rest):.1f}",
                             f"{min(r['accuracy']['40'] for r in rest):.3f}",
                             f"{max(r['accuracy']['40'] for r in rest):.3f}") in text, task

    def half(ring: str, length: str, which: int, run: dict | None = None) -> str:
        right = (run or best_run)[ring][length]
        part = right[len(right) // 2:] if which else right[:len(right) // 2]
        return f"{sum(part) / len(part):.3f}"

    for length, quoted in (("80", "at length 80 the second half of its answer is right in {} of "
                                  "the examples on average on the ring of 641 ({} on its ring of "
                                  "161), the first half in {} ({})"),
                           ("160", "at 160, {} ({}) and {} ({})")):
        assert quoted.format(half("long_tape_positions", length, 1),
                             half("positions", length, 1),
                             half("long_tape_positions", length, 0),
                             half("positions", length, 0)) in text, length
    assert all(best_run[ring][length][0] == 1.0 for ring in ("positions", "long_tape_positions")
               for length in ("80", "160"))
    others = sorted((r for r in good if r is not best_run), key=lambda r: r["seed"])
    halves = [(half("long_tape_positions", "80", 1, r), half("long_tape_positions", "80", 0, r))
              for r in others]
    assert (f"Seeds {others[0]['seed']} and {others[1]['seed']} do the same: at length 80 the "
            f"second half of their answers is right in {halves[0][0]} and {halves[1][0]} of the "
            f"examples on the ring of 641, the first half in {halves[0][1]} and "
            f"{halves[1][1]}") in text
    assert max(evens) < 60
    fisher = comb(len(odds), len(good)) / comb(len(odds) + len(evens), len(good))
    assert (f"C({len(odds)},{len(good)})/C({len(odds) + len(evens)},{len(good)}) = "
            f"{fisher:.3f}") in text
    pattern = " ".join((ROOT / "results" / "PATTERN.md").read_text().split())
    rest = [r for r in odds if r not in good]
    assert (f"eleven runs of fourteen score {min(r['score'] for r in rest):.1f}-"
            f"{max(r['score'] for r in rest):.1f}") in pattern and len(rest) == 11
    a, b, c = sorted((f"{r['long_tape_score']:.1f}" for r in good), key=float, reverse=True)
    assert f"The three ({a}, {b} and {c} on a ring no test run wraps)" in pattern
    assert f"about {round(100 * fisher)}% of the time" in pattern
    assert (f"the port's {len(scores)} runs on lengths 1-40 score "
            f"{min(scores):.1f}-{max(scores):.1f} the same way; the best of the other three "
            f"scores {best}") in pattern
    ours, theirs = (next(r["max"] for r in _report(name)["protocol"]["rows"])
                    for name in ("tapernn_deletang_all", "tapernn_deletang_all_evens"))
    assert (f"{ours:.1f} at best in tapelab's order (`tapernn_deletang_all`, 6 seeds) and "
            f"{theirs:.1f} in their code's (`tapernn_deletang_all_evens`, 16 seeds") in pattern


# results/tape_rnn_port_check: their code's runs replayed in the port, and the port's own runs
PORT_CHECK = ROOT / "results" / "tape_rnn_port_check"


def test_the_port_check_fresh_table_is_the_benchmarks_output():
    """fresh.md is what benchmarks/tape_rnn_fresh.py prints from the committed records (all
    made, so nothing is trained)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "tape_rnn_fresh.py"),
                           "--out", str(PORT_CHECK / "fresh"), "--seeds", "0-11"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (PORT_CHECK / "fresh.md").read_text()


def _check_tables(seed: int) -> dict[str, list[str]]:
    """seedN.md (benchmarks/tape_rnn_port_check.py's output): each table row by its first cell."""
    return {r[0]: r[1:] for r in _table_rows(PORT_CHECK / f"seed{seed}.md",
                                             lambda line: line.startswith("| "))}


def test_the_port_check_readme_quotes_its_tables():
    """Every figure README.md gives is in seed1.md, seed11.md or the fresh runs' records."""
    import re
    from math import comb
    from statistics import mean

    text = " ".join((PORT_CHECK / "README.md").read_text().split())
    one, eleven, thirteen = _check_tables(1), _check_tables(11), _check_tables(13)
    checks = (one, eleven, thirteen)
    logits = "logits: max abs difference (their largest logit)"
    grads = "gradient, worst relative difference: per token / per sequence"
    worst = max((t[logits][0].split()[0] for t in checks), key=float)
    assert f"their logits on their first training batch to within {worst}" in text
    worst = max((t[grads][0].split(" / ")[0] for t in checks), key=float)
    assert f"their gradient to within {worst} (relative)" in text
    agree = sorted(int(t["token"][1]) for t in checks)
    assert f"by more than 1e-3 after {agree[0]}-{agree[-1]} steps" in text

    def cells(table: dict, row: str) -> list[tuple[str, str, str]]:
        """A row of the accuracy table: (per token, first half, second half) per column."""
        out = []
        for cell in table[row]:
            accuracy, halves = cell.split(" (")
            first, second = halves.rstrip(")").split(" / ")
            out.append((accuracy, first, second))
        return out

    theirs, token, summed = (cells(one, row) for row in (
        "their code's final weights", "replay, loss per token", "replay, loss per sequence"))
    own = dict(((int(n), int(ring)), score) for n, ring, score in re.findall(
        r"(\d+), ring (\d+): (\d\.\d+)", (PORT_CHECK / "seed1.md").read_text()))
    assert (f"(seed 1: {theirs[0][0]} and {theirs[1][0]} per token at 80 and 160 on their ring "
            f"of 161, against their code's {own[80, 161]} and {own[160, 161]} on its own "
            "examples)") in text
    assert (f"({token[0][0]} per token at 80 on the ring of 161, the second half right in "
            f"{token[0][2]} of the examples)") in text
    assert f"stays at chance with tapelab's ({summed[0][0]})" in text
    assert f"Their code got {theirs[0][0]} ({theirs[0][2]} on the second half)" in text
    assert (f"from {eleven['5001-6000'][0]} over steps 5,001-6,000 to "
            f"{eleven['7001-8000'][0]} over 7,001-8,000") in text
    assert all(abs(float(eleven[w][0]) - float(eleven[w][1])) <= 0.01
               for w in ("1-1000", "1001-2000", "2001-3000", "3001-4000", "4001-5000",
                         "5001-6000", "6001-7000"))
    long_token = cells(eleven, "replay, loss per token")[2]
    assert (f"({eleven['7001-8000'][1]} over the last 1,000 steps; {long_token[0]} per token at 80 "
            "on the ring of 641, chance)") in text
    assert f"({eleven['5001-6000'][2]} over steps 5,001-6,000)" in text
    windows = ("1-1000", "1001-2000", "2001-3000", "3001-4000", "4001-5000", "5001-6000")
    assert max(abs(float(thirteen[w][0]) - float(thirteen[w][1])) for w in windows) <= 0.012
    theirs13, token13 = (cells(thirteen, row)[2] for row in ("their code's final weights",
                                                              "replay, loss per token"))
    assert (f"then their run learned ({thirteen['7001-8000'][0]} over the last 1,000 steps, "
            f"{theirs13[0]} per token at 80 on the ring of 641) and the replay did not "
            f"({thirteen['7001-8000'][1]}; {token13[0]})") in text

    records = [json.loads(p.read_text()) for p in (PORT_CHECK / "fresh").iterdir()]
    long = [100 * mean(s["accuracy"] for s in r["scores"]["641"].values()) for r in records]
    fisher = comb(14, 3) / comb(14 + len(records), 3)
    assert max(long) < 60 and len(records) == 12
    assert f"**learns in none of 12 runs** ({max(long):.1f} at best on the ring of 641" in text
    assert (f"happens {round(100 * fisher)}% of the time if the two learn equally often "
            f"(Fisher's exact test, one-sided: C(14,3)/C(26,3) = {fisher:.3f})") in text
    fits = [r["fit"] for r in records]
    assert f"The runs fit {min(fits):.3f}-{max(fits):.3f} per token at length 40" in text
    best = next(r["max"] for r in _report("tapernn_deletang_token_evens")["protocol"]["rows"])
    assert f"learns in none either ({best:.1f} at best)" in text
