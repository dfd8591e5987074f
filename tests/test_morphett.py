"""Morphett's text format: the corpus, wildcards, halting names, breakpoints, errors."""
import warnings

import pytest

from conftest import corpus_params
from machines.classical import run
from machines.errors import ProgramError, ProgramWarning
from machines.formats import dumps, load, loads
from machines.formats.morphett import parse


@pytest.mark.parametrize("path", corpus_params("morphett"))
def test_every_corpus_file_loads_and_round_trips(path):
    program = load(path)
    again = loads(dumps(program, "morphett"), "morphett", name=program.name)
    assert again == program
    assert run(again, max_steps=20000) == run(program, max_steps=20000)


def test_corpus_results(corpus):
    pal = load(corpus / "morphett/palindrome.txt")
    assert pal.input == "1001001"
    yes = run(pal, "1001001")
    assert yes.state == "halt-accept" and yes.accepted(pal) and yes.tape.text == ":)"
    no = run(pal, "10011")
    assert no.state == "halt-reject" and not no.accepted(pal)
    add = run(load(corpus / "morphett/binaryadd.txt"))       # $INITIAL_TAPE: 110110 101011
    assert int(add.tape.text, 2) == 0b110110 + 0b101011
    beaver = run(load(corpus / "morphett/4statebeaver.txt"))
    assert beaver.tape.nonblank() == 13 and beaver.state == "halt"


def test_wildcards_halting_names_and_initial_tape():
    p = parse("; $INITIAL_TAPE: ab a\n0 a A r 0\n0 * * r 0 ; skip others\n0 _ _ * halt-done\n")
    assert p.input == "ab a" and p.halting == {"halt-done"} and p.has_wildcards
    r = run(p)
    assert r.tape.text == "Ab_a" and r.state == "halt-done" and r.reason == "halt-state"


def test_head_marker_in_the_input():
    p = parse("0 * X * halt\n")
    r = run(p, "ab*cd")                      # the head starts on c
    assert r.tape.text == "abXd" and r.tape.offset == -2 and r.head == 0


def test_start_state_option_and_default():
    text = "go 1 0 r halt\n"
    with pytest.raises(ProgramError, match="start state"):
        parse(text)
    assert run(parse(text, start="go"), "1").tape.text == "0"


def test_later_line_wins_with_a_warning():
    with pytest.warns(ProgramWarning, match="replaces the one on line 1"):
        p = parse("0 1 a r halt\n0 1 b r halt\n", source="dup.txt")
    assert run(p, "1").tape.text == "b"


def test_breakpoints_are_kept():
    p = parse("0 1 1 r 0 !\n0 _ _ * halt\n")
    assert p.rules[("0", "1")].breakpoint and not p.rules[("0", "_")].breakpoint
    assert dumps(p, "morphett").splitlines()[1] == "0 1 1 r 0 !"


def test_symbol_exclamation_is_not_a_breakpoint():
    p = parse("0 _ ! r 1\n1 _ _ * halt\n")
    assert p.rules[("0", "_")].write == "!" and not p.rules[("0", "_")].breakpoint


@pytest.mark.parametrize("text, needle, line", [
    ("", "empty program", None),
    ("; only a comment\n", "empty program", None),
    ("0 1 1 r\n", "malformed line", 1),
    ("0 1 1 r halt ! extra\n", "malformed line", 1),
    ("0 1 1 r halt\n0 11 1 r halt\n", "must be one character", 2),
    ("0 1 1 up halt\n", "unknown direction", 1),
])
def test_bad_programs_get_one_located_error(text, needle, line):
    with pytest.raises(ProgramError) as err:
        parse(text, source="bad.txt")
    assert needle in str(err.value) and err.value.line == line and "\n" not in str(err.value)


def test_writing_yaml_blank_as_underscore():
    yaml_program = loads("blank: ' '\nstart state: '0'\ntable:\n  '0':\n    ' ': {write: 1, R: halt}"
                         "\n  halt:\n", "yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = dumps(yaml_program, "morphett")
    assert "0 _ 1 r halt" in text
    assert run(parse(text)).tape.text == "1"
