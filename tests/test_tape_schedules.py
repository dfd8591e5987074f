"""analysis.tape_schedules: Z3's schedules for a discrete tape with the Tape-RNN's moves, and
their replay in plain Python."""
from __future__ import annotations

from dataclasses import replace

import pytest

from analysis.tape_schedules import (TIMINGS, Question, replay, scan, solve, sources,
                                     write_once)

pytest.importorskip("z3", reason="the schedule tests need the smt extra (pip install -e '.[dev]')")

DELETANG, TAPELAB = TIMINGS["deletang"], TIMINGS["tapelab"]


def ask(task, lengths, b, c, timing=DELETANG, knows_length=False, timeout_s=120):
    question = Question(task, tuple(lengths), b, c, timing, knows_length)
    return question, solve(question, timeout_s=timeout_s)


def test_sources_come_from_the_suites_own_answers():
    assert sources("odds_first", 5) == (1, 3, 5, 2, 4)
    assert sources("duplicate", 3) == (1, 2, 3, 1, 2, 3)
    assert sources("reverse", 4) == (4, 3, 2, 1)
    assert sources("copy", 2) == (1, 2)
    with pytest.raises(ValueError, match="'parity'.*not made of its input's symbols"):
        sources("parity", 4)


def test_their_order_of_odds_first_puts_the_even_positions_first():
    assert sources("odds_first@deletang", 5) == (2, 4, 1, 3, 5)
    with pytest.raises(ValueError, match="only odds_first@deletang"):
        sources("reverse@deletang", 3)
    with pytest.raises(ValueError, match="only odds_first@deletang"):
        sources("odds_first@theirs", 3)


def test_odds_first_in_their_order_has_no_one_symbol_program_for_lengths_1_to_5():
    """As in tapelab's order: in their timing, holding one symbol, one program does every
    length 1-4 and none does 1-5."""
    question, four = ask("odds_first@deletang", range(1, 5), 1, 1)
    assert four.verdict == "found" and replay(question, four.runs) == []
    _, five = ask("odds_first@deletang", range(1, 6), 1, 1)
    assert five.verdict == "none"


def test_bad_sizes_are_one_line_errors():
    with pytest.raises(ValueError, match="buffer and cell"):
        ask("reverse", [3], -1, 1)
    with pytest.raises(ValueError, match="lengths"):
        ask("reverse", [0], 1, 1)


@pytest.mark.parametrize("timing", [DELETANG, TAPELAB], ids=lambda t: t.name)
def test_reverse_has_one_program_for_lengths_1_to_6_and_it_replays(timing):
    question, answer = ask("reverse", range(1, 7), 1, 1, timing)
    assert answer.verdict == "found"
    assert [r.length for r in answer.runs] == [1, 2, 3, 4, 5, 6]
    assert replay(question, answer.runs) == []


def test_duplicate_needs_a_second_held_symbol_in_their_timing():
    """With one held symbol and one per cell, no program duplicates at every length 1-5 (the
    answer's second copy needs s_1 again while the first is read); with two, one does."""
    _, one = ask("duplicate", range(1, 6), 1, 1)
    assert one.verdict == "none" and one.runs == ()
    question, two = ask("duplicate", range(1, 6), 2, 1)
    assert two.verdict == "found" and replay(question, two.runs) == []


def test_told_its_length_a_one_symbol_machine_does_odds_first_up_to_8_and_not_at_9():
    question, eight = ask("odds_first", [8], 1, 1, knows_length=True)
    assert eight.verdict == "found" and replay(question, eight.runs) == []
    _, nine = ask("odds_first", [9], 1, 1, knows_length=True)
    assert nine.verdict == "none"


def test_replay_finds_a_broken_schedule():
    question, answer = ask("reverse", range(1, 5), 1, 1)
    run = answer.runs[-1]
    steps = list(run.steps)
    # a write of a symbol the machine does not have
    steps[0] = replace(steps[0], write=frozenset({run.length}))
    faults = replay(question, (*answer.runs[:-1], replace(run, steps=tuple(steps))))
    assert any("t=1: writes" in f for f in faults)
    # a move that is not one of the five
    steps = list(run.steps)
    steps[1] = replace(steps[1], position=steps[1].position + 2)
    assert any("moves to" in f for f in replay(question, (*answer.runs[:-1],
                                                           replace(run, steps=tuple(steps)))))
    # a run that is missing
    assert "not one per length" in replay(question, answer.runs[:-1])[0]


def test_replay_finds_two_lengths_that_read_alike_and_choose_differently():
    question, answer = ask("reverse", range(1, 4), 1, 1)
    two, three = answer.runs[1], answer.runs[2]
    assert two.length == 2 and three.length == 3
    first = three.steps[0]
    changed = replace(first, hold=frozenset() if first.hold else frozenset({1}))
    broken = replace(three, steps=(changed, *three.steps[1:]))
    faults = replay(question, (answer.runs[0], two, broken))
    assert any("read alike and choose differently" in f for f in faults)


def test_a_scan_stops_at_the_first_length_set_without_a_program():
    result = scan("duplicate", buffer=1, cell=1, timing=DELETANG, max_length=8, timeout_s=120)
    assert [a.verdict for a in result.answers] == ["found"] * 4 + ["none"]
    assert result.longest == 4 and result.first_without == 5
    told = scan("reverse", buffer=1, cell=1, timing=DELETANG, max_length=3, knows_length=True,
                timeout_s=120)
    assert [a.question.lengths for a in told.answers] == [(1,), (2,), (3,)]
    assert told.longest == 3 and told.first_without is None


@pytest.mark.parametrize("task, timing, held", [("reverse", TAPELAB, 0), ("reverse", DELETANG, 1),
                                                 ("duplicate", TAPELAB, 0)],
                         ids=["reverse-tapelab", "reverse-deletang", "duplicate-tapelab"])
def test_the_write_once_programs_are_one_program_for_every_length_1_to_40(task, timing, held):
    lengths = tuple(range(1, 41))
    runs = tuple(write_once(task, n, timing) for n in lengths)
    assert replay(Question(task, lengths, held, 1, timing), runs) == []
    if held:           # their timing leaves no step between input and answer: one is held
        assert replay(Question(task, lengths, held - 1, 1, timing), runs)


def test_no_write_once_program_is_given_for_duplicate_in_their_timing():
    with pytest.raises(ValueError, match="'duplicate' in deletang's timing"):
        write_once("duplicate", 4, DELETANG)


@pytest.mark.slow
def test_odds_first_has_no_program_for_lengths_1_to_9_in_their_timing():
    """results/PATTERN.md's claim: with two held symbols and one per cell, no program of the
    model (moving what it wrote included) does odds_first at every length 1-9 (about 3 min)."""
    _, answer = ask("odds_first", range(1, 10), 2, 1, timeout_s=1200)
    assert answer.verdict == "none"
