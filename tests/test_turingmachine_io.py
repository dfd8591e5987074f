"""turingmachine.io YAML: the corpus, the site's parser rules, YAML 1.1 traps, and writing back."""
import warnings

import pytest

from conftest import corpus_params
from machines.classical import run
from machines.errors import ProgramError
from machines.formats import dumps, load, loads
from machines.formats.turingmachine_io import parse

TINY = """
blank: ' '
start state: a
table:
  a:
    [0, 1]: R
    ' ': {write: 1, L: done}
  done:
"""


@pytest.mark.parametrize("path", corpus_params("turingmachine-io"))
def test_every_corpus_file_loads_and_round_trips(path):
    program = load(path)
    assert program.states and program.rules
    again = loads(dumps(program, "yaml"), "yaml", name=program.name)
    assert again == program
    assert run(again, max_steps=5000) == run(program, max_steps=5000)


def test_corpus_results_their_comments_state(corpus):
    inc = load(corpus / "turingmachine-io/binaryIncrement.yaml")
    assert inc.input == "1011" and run(inc, "1011").tape.text == "1100"
    bb4 = run(load(corpus / "turingmachine-io/busyBeaver4.yaml"))
    assert (bb4.reason, bb4.steps, bb4.tape.nonblank()) == ("halt-state", 107, 13)
    bb3 = run(load(corpus / "turingmachine-io/busyBeaver3.yaml"))
    assert (bb3.steps, bb3.tape.nonblank()) == (13, 6)
    pal = load(corpus / "turingmachine-io/palindrome.yaml")
    assert run(pal, "abba").state == "accept" and run(pal, "abb").state == "reject"
    assert pal.accept == {"accept"}


def test_yaml11_traps_do_not_change_programs():
    p = parse("input: 0101\nblank: 0\nstart state: yes\ntable:\n  yes:\n    0: {write: '1', R: no}"
              "\n    '1': {R: no}\n  no:\n")
    assert p.input == "0101"            # not the octal number 65
    assert p.start == "yes" and "no" in p.halting
    assert p.rules[("yes", "0")].write == "1" and p.lookup("yes", "1").next == "no"
    assert ("yes", "o") not in p.rules and len(parse(TINY).rules) == 3
    with pytest.raises(ProgramError, match="one character"):   # `off` is a string, not False
        parse("blank: 0\nstart state: a\ntable:\n  a:\n    off: L\n")


def test_instruction_forms():
    p = parse(TINY.replace("done:", "done:\n    1: {write: 0, L}\n    0: {S: done}"))
    assert p.rules[("a", "0")].move == "R" and p.rules[("a", "0")].write == "0"
    assert p.rules[("a", " ")].next == "done" and p.rules[("a", " ")].write == "1"
    assert p.rules[("done", "1")].next == "done"                # L with null: stay
    assert p.rules[("done", "0")].move == "S"                    # the S extension
    assert "done" not in p.halting                              # it has a body now


def test_synonyms():
    p = parse("blank: ' '\nstart state: a\nsynonyms:\n  acc: {R: accept}\ntable:\n"
              "  a:\n    x: acc\n    y: R\n  accept:\n")
    assert p.rules[("a", "x")].next == "accept" and p.accept == {"accept"}


@pytest.mark.parametrize("text, needle, line", [
    ("", "empty program", None),
    ("blank: ' '\nstart state: a\ntable:\n", "empty program", 3),
    ("start state: a\ntable:\n  a:\n", "missing key `blank`", 1),
    ("blank: ' '\ntable:\n  a:\n", "missing key `start state`", 1),
    ("blank: ' '\nstart state: b\ntable:\n  a:\n", "start state is not declared", 2),
    ("blank: '  '\nstart state: a\ntable:\n  a:\n", "blank must be exactly one character", 1),
    ("blank: ' '\nstart state: a\ntable:\n  a:\n    xy: R\n", "exactly one character", 5),
    ("blank: ' '\nstart state: a\ntable:\n  a:\n    x: {write: y, R: b}\n",
     "undeclared target state 'b'", 5),
    ("blank: ' '\nstart state: a\ntable:\n  a:\n    x: {write: y, U: a}\n", "unknown key", 5),
    ("blank: ' '\nstart state: a\ntable:\n  a:\n    x: {write: y}\n", "missing direction", 5),
    ("blank: ' '\nstart state: a\ntable:\n  a:\n    x: {L, R}\n", "conflicting directions", 5),
    ("blank: ' '\nstart state: a\ntable:\n  a:\n    x: U\n", "unrecognised instruction", 5),
    ("blank: ' '\nstart state: a\ntable:\n  a:\n    x: R\n    [y, x]: L\n", "conflicting rules", 6),
    ("blank: ' '\nstart state: a\ntable:\n  a:\n    x: R\n    x: L\n", "duplicate key", 6),
    ("blank: ' '\nstart: a\ntable:\n  a:\n", "unknown key 'start'", 2),
    ("blank: ' '\nstart state: a\ntable:\n  a: R\n", "body of a state must be a mapping", 4),
    ("blank: ' '\nstart state: a\ntable: [a]\n", "`table` must be a mapping", 3),
    ("blank: ' '\nstart state: a\ntable:\n  a:\n    x: {R: a\n", "not valid YAML", 6),
])
def test_bad_programs_get_one_located_error(text, needle, line):
    with pytest.raises(ProgramError) as err:
        parse(text, source="bad.yaml")
    message = str(err.value)
    assert needle in message and "\n" not in message and message.startswith("bad.yaml")
    assert err.value.line == line


def test_writer_quotes_what_yaml_would_misread():
    p = parse("input: '0101'\nblank: ' '\nstart state: 'yes'\ntable:\n  'yes':\n"
              "    '#': {write: \"'\", R: 'null'}\n    ':': {S: 'null'}\n  'null':\n")
    text = dumps(p, "yaml")
    assert parse(text, name=p.name) == p


def test_wildcard_programs_need_expanding_for_yaml():
    p = loads("0 * * r halt\n", "morphett")
    with pytest.raises(ProgramError, match="wildcard"):
        dumps(p, "yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = parse(dumps(p.expand_wildcards(["1"]), "yaml"))
    assert run(back, "1").tape.text == "1"
