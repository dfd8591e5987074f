"""The program model: validation when a Program is built, wildcard lookup, the dense table."""
import pytest

from machines.errors import ProgramError
from machines.program import Program, Rule


def build(**kw):
    base = dict(name="t", start="a", blank="0", halting={"h"},
                rules={("a", "0"): Rule("1", "R", "h")})
    base.update(kw)
    return Program.build(**base)


def test_build_orders_start_and_blank_first():
    p = build(rules={("a", "1"): Rule("0", "L", "b"), ("b", "0"): Rule("1", "R", "h")})
    assert p.states[0] == "a" and p.symbols[0] == "0"
    assert set(p.states) == {"a", "b", "h"} and set(p.symbols) == {"0", "1"}


@pytest.mark.parametrize("kw, needle", [
    (dict(blank="00"), "blank must be exactly one character"),
    (dict(blank=""), "blank must be exactly one character"),
    (dict(rules={("a", "0"): Rule("1", "X", "h")}), "unknown direction"),
    (dict(rules={("a", "0"): Rule("10", "R", "h")}), "exactly one character"),
])
def test_invalid_programs_raise_program_error(kw, needle):
    with pytest.raises(ProgramError, match=needle):
        build(**kw)


def test_direct_construction_checks_references():
    rules = {("a", "0"): Rule("1", "R", "nowhere", line=7)}
    with pytest.raises(ProgramError) as err:
        Program("t", ("a", "h"), ("0", "1"), "0", "a", frozenset({"h"}), rules, source="f.yaml")
    assert str(err.value) == ("f.yaml:7, state 'a', symbol '0': undeclared target state "
                              "'nowhere'")
    with pytest.raises(ProgramError, match="start state"):
        Program("t", ("a",), ("0",), "0", "b", frozenset(), {})
    with pytest.raises(ProgramError, match="empty program"):
        Program("t", (), ("0",), "0", "a", frozenset(), {})
    with pytest.raises(ProgramError, match="halting state cannot have rules"):
        Program("t", ("a",), ("0",), "0", "a", frozenset({"a"}), {("a", "0"): Rule("0", "R", "a")})


def test_wildcard_precedence_is_morphetts():
    r = {("a", "x"): Rule("1", "R", "a"), ("a", "*"): Rule("2", "R", "a"),
         ("*", "x"): Rule("3", "R", "a"), ("*", "*"): Rule("*", "L", "*")}
    p = Program.build(name="w", start="a", blank="_", rules=r, states=["a", "b"],
                      symbols=["x", "y", "1", "2", "3"], wildcard="*")
    assert p.lookup("a", "x").write == "1"          # (state, symbol)
    assert p.lookup("a", "y").write == "2"          # (state, *)
    assert p.lookup("b", "x").write == "3"          # (*, symbol)
    fallback = p.lookup("b", "y")                   # (*, *), with "no change" resolved
    assert (fallback.write, fallback.move, fallback.next) == ("y", "L", "b")


def test_star_is_an_ordinary_symbol_without_a_wildcard():
    p = build(rules={("a", "*"): Rule("1", "R", "h")})
    assert "*" in p.symbols and p.lookup("a", "*").write == "1" and p.lookup("a", "0") is None


def test_table_is_dense_and_expands_wildcards():
    p = Program.build(name="w", start="a", blank="_", rules={("a", "*"): Rule("*", "R", "h")},
                      halting=["h"], wildcard="*")
    t = p.table(["q"])                              # an input symbol the program never names
    assert t.symbols == ("_", "q") and t.states == ("a", "h")
    assert t.defined.tolist() == [[True, True], [False, False]]
    assert t.write.tolist()[0] == [0, 1] and t.move.tolist()[0] == [1, 1]
    assert t.halting.tolist() == [False, True]
    expanded = p.expand_wildcards(["q"])
    assert not expanded.has_wildcards and expanded.lookup("a", "q") == p.lookup("a", "q")
