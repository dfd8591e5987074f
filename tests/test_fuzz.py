"""Random text fed to every parser finds nothing but ProgramError."""
import os
import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from machines.errors import ProgramError
from machines.formats import loads

YAML_PIECES = ["blank: ' '", "blank: 0", "start state: a", "start state: [a]", "table:",
               "  a:", "  b:", "    0: R", "    [0, 1]: L", "    ' ': {write: 1, L: b}",
               "    1: {write: x, R}", "    x: {R: c}", "synonyms:", "  s: {L: a}", "    y: s",
               "input: 0101", "  a: [1, 2]", "    {a: 1}: R", "- 1", "&a x", "*a", "? [1]",
               "    0: {write: !!int 1, S: a}", "    1: !!binary aGk=", "table: !!set {a}",
               "  a: !!omap [{0: R}]", "    0: {write: '', R: a}", "'"]
MORPHETT_PIECES = ["0 1 1 r 0", "0 _ _ * halt", "0 * * l 1", "* * * r halt-accept",
                   "1 1 x r halt !", "; $INITIAL_TAPE: 1*01", "0 11 1 r 0", "0 1 1 q 0",
                   "halt 1 1 r 0", "0 1", "; comment", "0 1 1 r 0 ! !", "\t0\t1\t1\tR\t2"]
BB_PIECES = ["1RB", "0LA", "---", "1RZ", "2LB", "_", "1-B", "9RA", "1RA1LB_"]


def _lines(pieces, sep="\n"):
    return st.lists(st.sampled_from(pieces) | st.text(max_size=12), max_size=12).map(sep.join)


def _parse_or_program_error(text, fmt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            loads(text, fmt)
        except ProgramError:
            pass


settings_ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 300)), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings_
@given(st.text(max_size=200) | _lines(YAML_PIECES))
def test_yaml_parser(text):
    _parse_or_program_error(text, "yaml")


@settings_
@given(st.text(max_size=200) | _lines(MORPHETT_PIECES))
def test_morphett_parser(text):
    _parse_or_program_error(text, "morphett")


@settings_
@given(st.text(max_size=60) | _lines(BB_PIECES, sep=""))
def test_bbchallenge_parser(text):
    _parse_or_program_error(text, "bb")


@settings_
@given(st.text(max_size=200) | _lines(YAML_PIECES) | _lines(MORPHETT_PIECES))
def test_autodetection(text):
    _parse_or_program_error(text, "auto")
