"""The interpreter: step counting, the unbounded tape, the fast loop against the traced one."""
import pytest

from conftest import corpus_params
from machines.classical import initial_tape, result_of, run, trace
from machines.formats import load, loads
from machines.program import Program, Rule


def last(program, tape_input=None, max_steps=100_000):
    *_, final = trace(program, tape_input, max_steps=max_steps)
    return result_of(final)


@pytest.mark.parametrize("path", corpus_params("turingmachine-io") + corpus_params("morphett"))
def test_fast_run_agrees_with_trace_on_the_corpus(path):
    program = load(path)
    for limit in (0, 1, 7, 3000):
        assert run(program, max_steps=limit, engine="plain") == last(program, max_steps=limit)


def test_step_counting():
    no_rule = loads("0 1 1 r 0\n", "morphett")           # halts for want of a rule on the blank
    r = run(no_rule, "111")
    assert (r.reason, r.steps, r.state, r.halted) == ("no-rule", 3, "0", True)
    into_halt = loads("0 1 1 r 0\n0 _ _ * halt\n", "morphett")
    r = run(into_halt, "111")
    assert (r.reason, r.steps, r.state) == ("halt-state", 4, "halt")
    r = run(into_halt, "111", max_steps=2)
    assert (r.reason, r.steps, r.halted, r.head) == ("step-limit", 2, False, 2)


# Each 1 of the input is turned into a y, and one x is written to the left per y: the head
# zigzags over ever longer spans, as far to the left of the start as to the right.
ZIGZAG = ("blank: '0'\nstart state: a\ntable:\n"
          "  a:\n    '1': {write: y, L: b}\n    '0': {R: h}\n    y: R\n"
          "  b:\n    [y, x]: L\n    '0': {write: x, R: c}\n"
          "  c:\n    [x, y]: R\n    '1': {write: y, L: b}\n    '0': {L: h}\n"
          "  h:\n")


@pytest.mark.parametrize("engine", ["plain", "chain"])
def test_tape_grows_both_ways_far_from_the_start(engine):
    counter = loads(ZIGZAG, "yaml")
    r = run(counter, "1" * 1000, engine=engine)
    assert r.reason == "halt-state" and r.tape.text == "x" * 1000 + "y" * 1000
    assert r.tape.offset == -1000 and r.head == 999
    left = run(load("1LA1LA"), max_steps=50_000, engine="plain")   # past the array's edge
    assert (left.head, left.tape.offset, left.tape.text) == (-50_000, -49_999, "1" * 50_000)
    right = run(load("1RA1RA"), "0" * 10, max_steps=50_000, engine="plain")
    assert (right.head, right.tape.offset, right.tape.nonblank()) == (50_000, 0, 50_000)


def test_fast_and_traced_runs_agree_after_the_tape_grows():
    counter = loads(ZIGZAG, "yaml")
    for engine in ("plain", "chain"):
        assert run(counter, "1" * 60, engine=engine) == last(counter, "1" * 60)


def test_more_than_256_symbols_use_a_list_tape():
    symbols = [chr(0x100 + i) for i in range(300)]
    rules = {("a", s): Rule(symbols[(i + 1) % 300], "R", "a") for i, s in enumerate(symbols)}
    p = Program.build(name="big", start="a", blank=symbols[0], rules={
        **rules, ("a", symbols[0]): Rule(symbols[299], "L", "h")}, halting=["h"])
    text = "".join(symbols[1:])
    r = run(p, text)
    assert r == last(p, text) and r.tape.text[-1] == symbols[299] and r.steps == 300


def test_initial_tape_conventions():
    p = loads("0 * * * halt\n", "morphett")
    assert initial_tape(p, "1 0") == (["1", "_", "0"], 0)
    assert initial_tape(p, "10*1") == (["1", "0", "1"], 2)
    y = loads("blank: '0'\nstart state: a\ntable:\n  a:\n    '*': R\n", "yaml")
    assert initial_tape(y, "1*") == (["1", "*"], 0)      # * is a symbol outside Morphett


def test_start_in_a_halting_state_takes_no_step():
    p = Program.build(name="h", start="h", blank="0", rules={}, halting=["h"])
    assert run(p, "1").steps == 0 and run(p, "1").reason == "halt-state"


def test_unknown_engine():
    with pytest.raises(ValueError, match="unknown engine"):
        run(load("1RB1LB_1LA1RZ"), engine="warp")
