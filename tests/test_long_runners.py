"""Long busy-beaver runners to their halt with exact counts (issue 18, part 3), the rules that
take them there, block-run tapes and the infinite-rule verdict."""
from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cli import cli
from machines.classical import run
from machines.formats import load
from machines.rules import Lin, Rule, apply
from machines.tape import RunTape, TapeTooLarge

BIG = 10**5000

# Exact counts as published: Marxen's 6x2 list (in Ligocki's busy-beaver repository,
# Machines/Tools/Marxen1-6x2) and Machines/bb/2x4.txt. The BB(3,3) champion's string here is
# the tree-normal form that starts by writing 0; it takes one step more than the form in
# Machines/bb/3x3 (119,112,334,170,342,540), as Ligocki's Quick_Sim also counts for it.
EXACT = [
    ("1RB2LA1RA1RA_1LB1LA3RB1RZ", 3_932_964, 2_050),
    ("1LB1LA_1RC1RB_0RF1RD_1LA0RE_0LA1RC_1LE1LZ", 13_122_572_797, 136_612),
    ("0RB2LA1RA_1LA2RB1RC_1RZ1LB1LC", 119_112_334_170_342_541, 374_676_383),
    ("1RB1RA_1LC1LB_0RF1LD_1RA0LE_1RZ1LF_0LA0LC", 8_690_333_381_690_951, 95_524_079),
    ("1RB0RC_0LA0RD_1RD1RZ_1LE0LD_1RF1LB_1RA1RE",
     5_366_598_383_321_904_238_506_234_609_927_865_294_538_105,
     2_537_699_363_594_175_843_063),
]
# Too long to publish whole: log10 of steps and of non-blank cells, to 5 decimals, as Ligocki's
# Quick_Sim prints them (and as the bbchallenge wiki lists them).
ORDERS = [
    ("1RB2LA1RA2LB2LA_0LA2RB3RB4RA1RZ", "704.27940", "352.25062"),
    ("1RB0LC1RZ_2LC1RD0LB_2LA1LC1LA_1RB2LD2RA", "1426.18935", "713.05508"),
    ("1RB0LE_1LC0RA_1LD0RC_1LE0LF_1LA1LC_1LE1RZ", "2879.41240", "1439.66661"),
]


def log10(n: int) -> str:
    digits = int(math.log10(n))
    while n >= 10 ** (digits + 1):
        digits += 1
    while n < 10 ** digits:
        digits -= 1
    lead = n // 10 ** max(digits - 15, 0)
    return f"{digits - min(digits, 15) + math.log10(lead):.5f}"


@pytest.mark.parametrize("machine, steps, ones", EXACT, ids=[m[:16] for m, *_ in EXACT])
def test_long_runners_halt_with_exact_counts(machine, steps, ones):
    r = run(load(machine), max_steps=BIG)
    assert (r.reason, r.steps, r.tape.nonblank()) == ("halt-state", steps, ones)


@pytest.mark.parametrize("machine, steps, ones", ORDERS, ids=[m[:16] for m, *_ in ORDERS])
def test_runs_of_ten_to_the_thousands_halt_with_the_published_orders(machine, steps, ones):
    r = run(load(machine), max_steps=BIG)
    assert (r.reason, log10(r.steps), log10(r.tape.nonblank())) == ("halt-state", steps, ones)
    assert len(r.tape.runs) < 100                 # the tape stays runs, never cells


def test_the_machine_that_overflowed_gives_exact_valid_json():
    machine, steps, ones = EXACT[-1]
    r = CliRunner().invoke(cli, ["run", machine, "--max-steps", "10**50", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert (out["steps"], out["nonblank"], out["tape"]) == (steps, ones, None)
    assert out["tape_runs"][0] == ["1", ones - 1] and out["tape_cells"] == ones + 1


def test_a_huge_count_prints_abbreviated_and_exact_in_json():
    machine, steps, _ = ORDERS[0]
    text = CliRunner().invoke(cli, ["run", machine, "--max-steps", "10**800"])
    assert text.exit_code == 0 and "~1.902 x 10^704 steps" in text.stdout
    assert len(max(text.stdout.splitlines(), key=len)) < 200
    js = CliRunner().invoke(cli, ["run", machine, "--max-steps", "10**800", "--json"])
    assert log10(json.loads(js.stdout)["steps"]) == ORDERS[0][1]          # exact in JSON


def test_a_macro_machines_tape_stays_runs_of_blocks():
    r = run(load("1RB1RA_1LC1LB_0RF1LD_1RA0LE_1RZ1LF_0LA0LC"), max_steps=BIG)
    tape = r.tape
    assert tape.runs == (("10", 95_524_077), ("1", 2)) and tape.size == 191_048_156
    assert [tape[tape.offset + i] for i in (0, 1, 2, 191_048_153, 191_048_154)] == \
        ["1", "0", "1", "0", "1"]
    assert tape.window(tape.end - 4, tape.end + 2) == "1011" + "00"
    with pytest.raises(TapeTooLarge):
        tape.text


blocks = st.tuples(st.text("012", min_size=1, max_size=4), st.integers(1, 5))


@settings(max_examples=300, deadline=None)
@given(st.lists(blocks, max_size=8), st.integers(-5, 5))
def test_block_runs_are_the_cells_they_spell(runs, offset):
    tape = RunTape.from_runs("0", offset, runs)
    text = "".join(b * n for b, n in runs)
    cells = RunTape.from_text("0", offset, text)
    assert tape == cells and hash(tape) == hash(cells)
    assert (tape.text, tape.nonblank(), tape.size) == (cells.text, cells.nonblank(), cells.size)
    assert tape.window(offset - 2, offset + len(text) + 2) == \
        cells.window(offset - 2, offset + len(text) + 2)
    assert all(a[0] != b[0] for a, b in zip(tape.runs, tape.runs[1:]))
    if cells.text:                                    # one cell changed is another tape
        flipped = cells.text[:-1] + ("1" if cells.text[-1] != "1" else "2")
        assert RunTape.from_text("0", cells.offset, flipped) != tape


def test_runs_of_blocks_compare_without_spelling_them_out():
    n = 10**100
    a = RunTape.from_runs("0", 0, [("1", 1), ("10", n), ("1", 1)])
    b = RunTape.from_runs("0", 0, [("11", 1), ("01", n - 1), ("0", 1), ("1", 1)])
    c = RunTape.from_runs("0", 0, [("1", 1), ("10", n - 1), ("11", 1), ("1", 1)])
    assert a == b and a != c


def test_a_general_rule_goes_pass_by_pass_and_a_diff_rule_at_once():
    # x0 -> 2 x0 + 1 while x1 -> x1 - 1: a counter that doubles one run per pass
    rule = Rule({0: Lin(1, {0: 2}), 1: Lin(-1, {1: 1})}, {0: 1, 1: 2}, Lin(3, {0: 1}), Lin(0))
    assert rule.general and not rule.forever
    left, right = [[1, 5]], [[2, 4]]
    done = apply(rule, left, right, 10**9)
    # passes at x1 = 4, 3, 2: x0 = 5 -> 11 -> 23 -> 47; steps (3 + 5) + (3 + 11) + (3 + 23)
    assert (done.passes, done.steps, left, right) == (3, 48, [[1, 47]], [[2, 1]])
    diff = Rule({0: Lin(2, {0: 1}), 1: Lin(-1, {1: 1})}, {0: 1, 1: 2}, Lin(1, {0: 1}), Lin(1))
    n = 10**30
    left, right = [[1, 3]], [[2, n]]
    done = apply(diff, left, right, BIG)                # n - 1 passes in one closed form
    assert (done.passes, left, right) == (n - 1, [[1, 3 + 2 * (n - 1)]], [[2, 1]])
    assert done.steps == 4 * (n - 1) + (n - 1) * (n - 2) and done.head == n - 1


def test_a_rule_under_which_nothing_shrinks_is_a_verdict():
    rule = Rule({0: Lin(1, {0: 1}), 1: Lin(0, {1: 1})}, {0: 1, 1: 1}, Lin(2), Lin(0))
    assert rule.forever and apply(rule, [[1, 2]], [[1, 3]], 10**9).forever


def test_a_bouncer_gets_the_infinite_rule_verdict_at_the_default_limit():
    r = CliRunner().invoke(cli, ["run", "1RB1LA_0LA1RB"])
    assert r.exit_code == 4 and "a proven rule applies again after every pass" in r.stdout
    out = run(load("1RB1LA_0LA1RB"), max_steps=10**30)
    assert out.reason == "infinite-rule" and not out.halted
    assert run(load("1RB1LA_0LA1RB"), max_steps=10**6, engine="chain").reason == "step-limit"


def test_a_run_cut_short_says_what_it_proved():
    machine = ORDERS[0][0]
    r = CliRunner().invoke(cli, ["run", machine, "--max-steps", "1e300"])
    assert r.exit_code == 3 and "rules proven, applied" in r.stdout
    js = json.loads(CliRunner().invoke(cli, ["run", machine, "--max-steps", "1e300",
                                             "--json"]).stdout)
    assert js["steps"] == 10**300 and js["rules_proven"] >= 1 and js["rules_applied"] >= 100


def test_no_rules_means_no_rule_verdict_either():
    r = run(load("1RB1LA_0LA1RB"), max_steps=10**6, rules=False)
    assert r.reason == "step-limit"
