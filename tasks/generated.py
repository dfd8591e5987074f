"""Reference Turing machines generated in code, for tasks with a parameter (the alphabet, the
modulus). Each builder returns a :class:`Program` over the blank ``' '``; the ``tapelab task
show NAME`` command prints any of them as turingmachine.io YAML.

Markers (``#``, ``=``, ``X``, ``Y`` ...) must not be data symbols; builders check that.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from machines.program import Program, Rule

BLANK = " "


class _Table:
    """A little rule writer: ``t.on(state, symbols, move, next=None, write=None)``."""

    def __init__(self) -> None:
        self.rules: dict[tuple[str, str], Rule] = {}

    def on(self, state: str, symbols: Iterable[str], move: str, next: str | None = None,
           write: str | None = None) -> None:
        for s in symbols:
            assert (state, s) not in self.rules, (state, s)
            self.rules[(state, s)] = Rule(s if write is None else write, move,  # type: ignore
                                          next or state)

    def program(self, name: str, start: str, halting: Sequence[str]) -> Program:
        return Program.build(name=name, start=start, blank=BLANK, rules=self.rules,
                             halting=halting)


def _check(alphabet: Sequence[str], markers: str) -> None:
    clash = set(alphabet) & set(markers + BLANK)
    if clash:
        raise ValueError(f"data symbols {sorted(clash)} clash with the markers {markers!r}")


def _mark_end(t: _Table, over: Sequence[str], mark: str, then: str) -> None:
    """start: walk right over ``over`` to the blank, write ``mark``, step left into ``then``."""
    t.on("start", over, "R")
    t.on("start", BLANK, "L", then, write=mark)


def _mark_end_and_rewind(t: _Table, alphabet: Sequence[str], mark: str, then: str,
                         extra: str = "") -> None:
    """start: walk right to the blank, write ``mark``, walk back to the first cell: ``then``."""
    _mark_end(t, [*alphabet, *extra], mark, "rewind")
    t.on("rewind", [*alphabet, *extra, mark], "L")
    t.on("rewind", BLANK, "R", then)


def _copy_each_to_the_end(t: _Table, alphabet: Sequence[str], over: Sequence[str]) -> None:
    """``pick``: mark the symbol under the head X, carry it (in the state) right over ``over``
    to the first blank, write it there, come back to the X, restore the symbol, and ``pick``
    the next cell."""
    for s in alphabet:
        t.on("pick", s, "R", f"carry{s}", write="X")
        t.on(f"carry{s}", over, "R")
        t.on(f"carry{s}", BLANK, "L", f"home{s}", write=s)
        t.on(f"home{s}", over, "L")
        t.on(f"home{s}", "X", "R", "pick", write=s)


def copy(alphabet: Sequence[str]) -> Program:
    """w -> w#w: each symbol is replaced by X, carried (in the state) to the end, written there,
    and put back on the way home. Output: the tape after '#'."""
    _check(alphabet, "#X")
    t = _Table()
    _mark_end_and_rewind(t, alphabet, "#", "pick")
    t.on("pick", "#", "S", "done")
    _copy_each_to_the_end(t, alphabet, [*alphabet, "#"])
    return t.program("copy", "start", ["done"])


def repeat_copy(alphabet: Sequence[str]) -> Program:
    """w#x..x (k marks) -> w#y..y=w..w (k copies): for each x, copy w to the end.
    Output: the tape after '='."""
    _check(alphabet, "#xy=X")
    t = _Table()
    _mark_end_and_rewind(t, alphabet, "=", "count", extra="#x")
    everything = [*alphabet, "#", "x", "y", "="]
    t.on("count", [*alphabet, "#", "y"], "R")
    t.on("count", "x", "L", "back", write="y")
    t.on("count", "=", "S", "done")
    t.on("back", everything, "L")
    t.on("back", BLANK, "R", "pick")
    t.on("pick", "#", "R", "count")
    _copy_each_to_the_end(t, alphabet, everything)
    return t.program("repeat_copy", "start", ["done"])


def reverse(alphabet: Sequence[str]) -> Program:
    """w -> X..X#reverse(w): take symbols from the right end of w, append each after '#'.
    Output: the tape after '#'."""
    _check(alphabet, "#X")
    t = _Table()
    _mark_end(t, alphabet, "#", "pick")
    t.on("pick", "X", "L")
    t.on("pick", BLANK, "R", "done")
    t.on("back", alphabet, "L")
    t.on("back", "#", "L", "pick")
    for s in alphabet:
        t.on("pick", s, "R", f"carry{s}", write="X")
        t.on(f"carry{s}", [*alphabet, "X", "#"], "R")
        t.on(f"carry{s}", BLANK, "L", "back", write=s)
    return t.program("reverse", "start", ["done"])


def _fresh(n: int, avoid: Iterable[str]) -> list[str]:
    """``n`` marker characters outside ``avoid`` (lower-case letters first)."""
    avoid = set(avoid) | {BLANK, "X", "Y", "#", "="}
    pool = [c for c in "abcdefghijklmnopqrstuvwz" if c not in avoid]
    pool += [chr(c) for c in range(0x100, 0x100 + n + len(avoid)) if chr(c) not in avoid]
    return pool[:n]


def duplicate(alphabet: Sequence[str]) -> Program:
    """w -> ww: copy each symbol to the end as a marked twin, then unmark the twins.
    Output: the trimmed tape."""
    _check(alphabet, "X")
    twin = dict(zip(alphabet, _fresh(len(alphabet), alphabet)))
    t = _Table()
    for s in alphabet:
        t.on("pick", s, "R", f"carry{s}", write="X")
        t.on(f"carry{s}", [*alphabet, *twin.values()], "R")
        t.on(f"carry{s}", BLANK, "L", f"home{s}", write=twin[s])
        t.on(f"home{s}", [*alphabet, *twin.values()], "L")
        t.on(f"home{s}", "X", "R", "pick", write=s)
        t.on("pick", twin[s], "R", "unmark", write=s)
        t.on("unmark", twin[s], "R", write=s)
    t.on("unmark", BLANK, "L", "done")
    return t.program("duplicate", "pick", ["done"])


def odds_first(alphabet: Sequence[str], *, evens: bool = False) -> Program:
    """w -> Y..#w[0::2]w[1::2] (the symbols at odd positions, counting from 1, then the
    others); with ``evens``, w -> Y..#w[1::2]w[0::2] (the program ``evens_first``). First pass:
    copy every other symbol, from the first (or, with ``evens``, the second), marking it Y;
    second pass: copy the rest. Output: the tape after '#'."""
    _check(alphabet, "#XY")
    t = _Table()
    _mark_end_and_rewind(t, alphabet, "#", "skip" if evens else "pickA")
    everything = [*alphabet, "X", "Y", "#"]
    t.on("pickA", "#", "L", "rewind2")
    t.on("skip", alphabet, "R", "pickA")
    t.on("skip", "#", "L", "rewind2")
    t.on("rewind2", [*alphabet, "Y"], "L")
    t.on("rewind2", BLANK, "R", "pickB")
    t.on("pickB", "Y", "R")
    t.on("pickB", "#", "S", "done")
    for phase, after in (("A", "skip"), ("B", "pickB")):
        t.on(f"home{phase}", [*alphabet, "Y", "#"], "L")
        t.on(f"home{phase}", "X", "R", after, write="Y")
        for s in alphabet:
            t.on(f"pick{phase}", s, "R", f"carry{phase}{s}", write="X")
            t.on(f"carry{phase}{s}", everything, "R")
            t.on(f"carry{phase}{s}", BLANK, "L", f"home{phase}", write=s)
    return t.program("evens_first" if evens else "odds_first", "start", ["done"])


def bucket_sort(alphabet: Sequence[str]) -> Program:
    """w -> X..#sorted(w): for each symbol in alphabet order, move every copy of it to the end.
    Output: the tape after '#'."""
    _check(alphabet, "#X")
    t = _Table()
    _mark_end(t, alphabet, "#", "rewind0")
    for i, v in enumerate(alphabet):
        nxt = f"rewind{i + 1}" if i + 1 < len(alphabet) else "done"
        t.on(f"rewind{i}", [*alphabet, "X", "#"], "L")
        t.on(f"rewind{i}", BLANK, "R", f"scan{i}")
        t.on(f"scan{i}", [*[s for s in alphabet if s != v], "X"], "R")
        t.on(f"scan{i}", v, "R", f"carry{i}", write="X")
        t.on(f"scan{i}", "#", "S" if nxt == "done" else "L", nxt)
        t.on(f"carry{i}", [*alphabet, "X", "#"], "R")
        t.on(f"carry{i}", BLANK, "L", f"rewind{i}", write=v)
    return t.program("bucket_sort", "start", ["done"])


def modular_arithmetic(modulus: int = 5) -> Program:
    """d (+|-) d ... evaluated left to right mod ``modulus``: the state holds the value.
    Output: the halting state ``res<r>`` -> r."""
    if not 2 <= modulus <= 10:
        raise ValueError("the modulus must be between 2 and 10 (one digit per value)")
    t = _Table()
    for r in range(modulus):
        for d in range(modulus):
            t.on(f"add{r}", str(d), "R", f"val{(r + d) % modulus}")
            t.on(f"sub{r}", str(d), "R", f"val{(r - d) % modulus}")
        t.on(f"val{r}", "+", "R", f"add{r}")
        t.on(f"val{r}", "-", "R", f"sub{r}")
        t.on(f"val{r}", BLANK, "L", f"res{r}")
    return t.program("modular_arithmetic", "add0", [f"res{r}" for r in range(modulus)])
