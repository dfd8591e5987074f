"""Verdicts during the run (deciders on a doubling schedule), tapes as runs of any length, a
bounded tape, and the progress a long run reports."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from cli import cli
from conftest import CORPUS
from machines.classical import run
from machines.formats import load
from machines.runtape import RunProgress
from machines.tape import TEXT_LIMIT, RunTape, TapeTooLarge

NEVER = {   # machine: (verdict, since, period)
    str(CORPUS / "turingmachine-io" / "repeat01.yaml"): ("translated-cycle", 1, 4),
    "1LB0RA_1RA0LB": ("translated-cycle", 3, 3),
    "1RB---_0RA---": ("translated-cycle", 1, 2),
    "1RB0RA_0LA0RB": ("translated-cycle", 1, 3),
    "1RB1RB_0LA0LB": ("cycle", 2, 2),
    "1RB0RB_1LA0LA": ("cycle", 4, 4),
}


@pytest.mark.parametrize("machine", list(NEVER), ids=lambda m: m.rsplit("/", 1)[-1])
@pytest.mark.parametrize("limit", [10**8, 10**30])
def test_small_cyclers_get_their_verdict_whatever_the_step_limit(machine, limit):
    """At 10^30 steps the old schedule (search after the limit) would never answer."""
    r = run(load(machine), max_steps=limit)
    assert (r.reason, r.since, r.period) == NEVER[machine]


def test_the_deciders_change_no_halting_result():
    for machine in ("1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA", "1RB2LA1RA1RA_1LB1LA3RB1RZ"):
        program = load(machine)
        assert run(program, max_steps=10**9) == run(program, max_steps=10**9, deciders=False)


def test_a_42_digit_run_returns_exact_counts_as_runs():
    r = run(load("1RB0RC_0LA0RD_1RD1RZ_1LE0LD_1RF1LB_1RA1RE"), max_steps=10**100)
    assert r.halted and r.steps == 5366598383321904238506234609927865294538105
    assert r.tape.nonblank() == 2537699363594175843063 and r.tape.size == r.tape.nonblank() + 1
    with pytest.raises(TapeTooLarge):
        r.tape.text
    assert r.tape[r.tape.offset] == "1" and r.tape[r.tape.end] == "0"
    out = CliRunner().invoke(cli, ["run", "1RB0RC_0LA0RD_1RD1RZ_1LE0LD_1RF1LB_1RA1RE",
                                   "--max-steps", "10**100", "--json"])
    assert out.exit_code == 0, out.output
    obj = json.loads(out.stdout)
    assert obj["steps"] == r.steps and obj["tape"] is None
    assert obj["tape_runs"] == [["1", 2537699363594175843062], ["0", 1], ["1", 1]]
    assert (obj["tape_offset"], obj["tape_cells"]) == (r.tape.offset, r.tape.size)
    text = CliRunner().invoke(cli, ["run", "1RB0RC_0LA0RD_1RD1RZ_1LE0LD_1RF1LB_1RA1RE",
                                    "--max-steps", "10**100"])
    assert text.exit_code == 0 and "2,537,699,363,594,175,843,063 non-blank" in text.stdout


def test_run_tapes_round_trip_to_the_plain_engines_tape():
    from test_engines import random_machine

    rng = np.random.default_rng(11)
    for _ in range(60):
        program = load(random_machine(rng, int(rng.integers(2, 5)), int(rng.integers(2, 4))))
        plain = run(program, max_steps=20_000, engine="plain")
        for engine in ("chain", "macro"):
            other = run(program, max_steps=20_000, engine=engine, deciders=False)
            if other.reason == plain.reason:
                assert other.tape == plain.tape
                assert "".join(s * n for s, n in other.tape.runs) == plain.tape.text
                assert all(other.tape[c] == plain.tape[c]
                           for c in range(plain.tape.offset - 2, plain.tape.end + 2))


def test_run_tape_records():
    t = RunTape.from_text("0", -3, "0011101000")
    assert (t.offset, t.runs, t.size, t.end) == (-1, (("1", 3), ("0", 1), ("1", 1)), 5, 4)
    assert t.text == "11101" and t.nonblank() == 4 and t.window(-2, 5) == "0111010"
    assert RunTape.from_runs("0", 5, [("0", 10**30), ("1", 0)]) == RunTape("0", 0, ())
    big = RunTape.from_runs("0", 0, [("1", TEXT_LIMIT + 1)])
    with pytest.raises(TapeTooLarge):
        str(big)


def test_a_tape_that_outgrows_max_tape_stops_with_its_own_code():
    # a bouncer: never halts, never cycles; its tape grows, alternating, one run per cell
    for engine in ("chain", "plain"):
        r = run(load("1RB0LB_1LA0RA"), max_steps=10**9, engine=engine, max_tape=1000)
        assert r.reason == "tape-limit" and not r.halted and r.steps < 10**9
    out = CliRunner().invoke(cli, ["run", "1RB0LB_1LA0RA", "--max-steps", "10**9",
                                   "--max-tape", "1000", "--json"])
    assert out.exit_code == 7 and json.loads(out.stdout)["reason"] == "tape-limit"


def test_engines_report_progress_to_the_watch():
    seen: list[RunProgress] = []

    def watch(progress: RunProgress) -> bool:
        seen.append(progress)
        return len(seen) >= 3          # then stop
    r = run(load("1RB1LA_0LA0RB"), max_steps=10**12, watch=watch)
    assert r.reason == "interrupted" and len(seen) == 3
    assert all(p.engine in ("chain", "macro") and p.steps > 0 and p.runs > 0 for p in seen)
    assert [p.steps for p in seen] == sorted(p.steps for p in seen)


def test_the_progress_line_names_steps_engine_tape_and_rules(capsys):
    from cli import _RunWatch

    watch = _RunWatch(lambda: False, show=True)
    watch.PROGRESS_AFTER = watch.EVERY = 0.0
    assert watch(RunProgress("macro", 123_456_789, 42, 7)) is False
    watch.clear()
    err = capsys.readouterr().err
    assert "123,456,789 steps (macro engine), tape 42 runs, 7 rules applied" in err
    quiet = _RunWatch(lambda: True, show=False)            # not a terminal: no line
    assert quiet(RunProgress("plain", 1, 1)) is True and capsys.readouterr().err == ""


@pytest.mark.parametrize("machine, steps", [
    ("1RB2LA1RA1RA_1LB1LA3RB1RZ", 3_932_964),                       # BB(2,4) champion
    ("1LB1LA_1RC1RB_0RF1RD_1LA0RE_0LA1RC_1LE1LZ", 13_122_572_797),   # a 6x2 long runner
])
def test_published_long_runners_halt_with_their_exact_step_counts(machine, steps):
    r = run(load(machine), max_steps=10**5000)
    assert r.halted and r.steps == steps
