"""The bbchallenge one-line format and the busy-beaver step convention."""
import pytest

from machines.classical import run
from machines.errors import ProgramError, ProgramWarning
from machines.formats import dumps, load, loads
from machines.formats.bbchallenge import parse

CHAMPIONS = {  # machine: (steps, non-zero symbols left), busy-beaver convention
    "1RB1LB_1LA1RZ": (6, 4),                       # BB(2)
    "1RB1RZ_1LB0RC_1LC1LA": (21, 5),               # BB(3)
    "1RB1LB_1LA0LC_1RZ1LD_1RD0RA": (107, 13),      # BB(4)
    "1RB2LB1RZ_2LA2RB1LB": (38, 9),                # BB(2,3)
}


@pytest.mark.parametrize("machine", CHAMPIONS)
def test_busy_beaver_counts(machine):
    r = run(load(machine))
    assert (r.steps, r.tape.nonblank(), r.reason) == (*CHAMPIONS[machine], "halt-state")


def test_undefined_transition_counts_as_1RZ():
    a, b = run(parse("1RB---_1LA1RZ")), run(parse("1RB1RZ_1LA1RZ"))
    assert (a.steps, a.tape, a.state) == (b.steps, b.tape, b.state)
    assert (a.steps, a.tape.text, a.state) == (3, "11", "Z")


def test_round_trip_and_conversion():
    for machine in CHAMPIONS:
        p = parse(machine)
        assert dumps(p, "bb") == machine and parse(dumps(p, "bb")) == p
        assert run(loads(dumps(p, "yaml"), "yaml")).steps == CHAMPIONS[machine][0]
        with pytest.warns(ProgramWarning, match="A->0, Z->halt"):
            morphett = dumps(p, "morphett")
        assert run(loads(morphett, "morphett")).steps == CHAMPIONS[machine][0]


@pytest.mark.parametrize("text, needle", [
    ("1RB1LB_1LA", "row 2"),
    ("1RB2LB_1LA1RZ", "writes 2, but rows of 6 characters give the machine only symbols 0-1$"),
    ("1RA", "writes 1, but rows of 3 characters give the machine only symbol 0$"),
    ("1RB1-B_1LA1RZ", "not of the form 1RB"),
    ("000000000000000000:00", r"character 19 \(':'\) cannot stand"),
    ("1RB1LB_1LA1Rz", r"character 13 \('z'\)"),
    ("1RB1L!_1LA1RZ", r"character 6 \('!'\)"),
    ("1RB1LB__1LA1RZ", "character 8: an empty row"),
    ("1RB1-B_1LA1RZ", "characters 4-6"),
    ("_".join(["1RA"] * 27), "at most 26"),
])
def test_bad_strings(text, needle):
    with pytest.raises(ProgramError, match=needle):
        parse(text)


def test_what_bb_cannot_express():
    with pytest.raises(ProgramError, match="wildcard"):
        dumps(loads("0 * 1 r halt\n", "morphett"), "bb")
    with pytest.raises(ProgramError, match="S \\(stay\\)"):
        dumps(loads("0 1 1 * halt\n", "morphett"), "bb")
    many = "".join(f"s{i} _ 1 r s{i + 1}\n" for i in range(30))
    with pytest.raises(ProgramError, match="at most 26"):
        dumps(loads(many.replace("s0 ", "0 ", 1), "morphett"), "bb")
