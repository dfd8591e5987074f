"""The bbchallenge standard text format: ``1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA``.

One row per state (A, B, C, ...), separated by ``_``; in each row one three-character transition
per symbol 0 .. m-1: the symbol written, ``L`` or ``R``, the next state. ``---`` is undefined. Any
letter beyond the last state is a halting state.

Step counting follows the busy-beaver convention: the halting transition is a step, and an
undefined ``---`` counts as ``1RZ``. To make every engine count that way, ``---`` is parsed as an
explicit rule ``1RZ`` into a halting state ``Z`` (so ``---`` and ``1RZ`` read the same, and are
written back as ``1RZ``).
"""
from __future__ import annotations

import re
import string
import warnings

from machines.errors import ProgramError, ProgramWarning
from machines.program import Program, Rule

LETTERS = string.ascii_uppercase
_TRANSITION = re.compile(r"^[0-9][LR][A-Z]$")
PATTERN = re.compile(r"^(?:[0-9-][LR-][A-Z-])+(?:_(?:[0-9-][LR-][A-Z-])+)*$")


_CHARACTERS = set(string.digits + "LR" + LETTERS + "-_")


def looks_like(text: str) -> bool:
    return bool(PATTERN.match(text.strip()))


def resembles(text: str) -> bool:
    """Whether ``text`` is probably meant as a bbchallenge string, mistyped or not: one word
    with no path separator or extension, mostly of the format's characters, with a move."""
    text = text.strip()
    if len(text) < 3 or any(c in text for c in "/\\.") or any(c.isspace() for c in text):
        return False
    share = sum(c in _CHARACTERS or c.lower() in "lr" for c in text) / len(text)
    return share >= 0.75 and any(c in "LRlr" for c in text) and any(c.isdigit() for c in text)


def parse(text: str, *, name: str | None = None, source: str | None = None) -> Program:
    """Parse a bbchallenge string into a :class:`Program`; errors are ``ProgramError`` that
    name the first wrong character and its position (counted from 1)."""
    text = text.strip()
    if not text:
        raise ProgramError("empty program", file=source)
    for i, c in enumerate(text, 1):
        if c not in _CHARACTERS:
            raise ProgramError(f"character {i} ({c!r}) cannot stand in a bbchallenge string: "
                               "it holds digits, L and R, states A-Z, - and _ (e.g. "
                               "1RB1LB_1LA1RZ)", file=source)
    rows = text.split("_")
    if len(rows) > len(LETTERS):
        raise ProgramError(f"{len(rows)} states: the format names at most 26 (A-Z)", file=source)
    width = len(rows[0])
    nsym = width // 3
    at = 1                                  # position of the row's first character
    for i, row in enumerate(rows):
        if not row:
            raise ProgramError(f"character {at}: an empty row (two '_' in a row, or '_' at an "
                               "end)", file=source)
        if len(row) != width or width % 3:
            raise ProgramError(f"row {i + 1} (characters {at}-{at + len(row) - 1}, {row!r}) "
                               f"has {len(row)} characters; each row holds transitions of three "
                               f"characters, {max(nsym, 1) * 3} like the first row",
                               file=source, state=LETTERS[i])
        at += len(row) + 1
    if nsym > 10:
        raise ProgramError(f"{nsym} symbols: the format's symbols are the digits 0-9", file=source)
    states = LETTERS[: len(rows)]
    halt_default = "Z" if len(rows) < 26 else "HALT"
    rules: dict[tuple[str, str], Rule] = {}
    halting: set[str] = set()
    for i, row in enumerate(rows):
        for s in range(nsym):
            t = row[3 * s: 3 * s + 3]
            where = dict(file=source, state=states[i], symbol=str(s))
            if t == "---":
                t = ("1" if nsym > 1 else "0") + "R" + halt_default
            if not _TRANSITION.match(t):
                first = i * (width + 1) + 3 * s + 1
                raise ProgramError(f"characters {first}-{first + 2} ({row[3 * s: 3 * s + 3]!r}) "
                                   "are not of the form 1RB (digit written, L or "
                                   "R, next state A-Z), nor '---' for an undefined one", **where)
            w, move, nxt = t
            if int(w) >= nsym:
                known = "symbol 0" if nsym == 1 else f"symbols 0-{nsym - 1}"
                raise ProgramError(f"transition {t!r} writes {w}, but rows of {width} "
                                   f"characters give the machine only {known}", **where)
            if nxt not in states:
                halting.add(nxt)
            rules[(states[i], str(s))] = Rule(w, move, nxt)  # type: ignore[arg-type]
    return Program.build(name=name or text, start="A", blank="0", rules=rules, halting=halting,
                         states=states, symbols=[str(s) for s in range(nsym)], source=source)


def dump(program: Program) -> str:
    """Write ``program`` as a bbchallenge string; ``ProgramError`` where it cannot be said."""
    src = program.source
    if program.has_wildcards:
        raise ProgramError("wildcard rules cannot be written in the bbchallenge format; "
                           "expand them first (tapelab convert --expand-wildcards)", file=src)
    for (q, s), r in program.rules.items():
        if r.move == "S":
            raise ProgramError("the bbchallenge format has no S (stay) moves", file=src,
                               state=q, symbol=s)
    working = [q for q in program.states if q not in program.halting]
    halts = [q for q in program.states if q in program.halting]
    if len(working) + len(halts) > 26:
        raise ProgramError(f"{len(working)} states and {len(halts)} halting states: the "
                           "bbchallenge format names at most 26 (A-Z)", file=src)
    if len(program.symbols) > 10:
        raise ProgramError(f"{len(program.symbols)} symbols: the bbchallenge format has at most "
                           "10 (0-9)", file=src)
    letter = {q: LETTERS[i] for i, q in enumerate(working)}
    letter.update({q: LETTERS[25 - i] for i, q in enumerate(halts)})
    digit = {s: str(i) for i, s in enumerate(program.symbols)}
    if any(s != d for s, d in digit.items()):
        warnings.warn(ProgramWarning("symbols renamed to digits: " + ", ".join(
            f"{s!r}->{d}" for s, d in digit.items())), stacklevel=2)
    if any(q != letter[q] for q in program.states):
        warnings.warn(ProgramWarning("states renamed to letters: " + ", ".join(
            f"{q}->{letter[q]}" for q in program.states if q != letter[q])), stacklevel=2)
    missing = False
    rows = []
    for q in working:
        row = ""
        for s in program.symbols:
            r = program.rules.get((q, s))
            if r is None:
                row += "---"
                missing = True
            else:
                row += digit[r.write] + r.move + letter[r.next]
        rows.append(row)
    if missing:
        warnings.warn(ProgramWarning("undefined transitions are written '---', which the "
                                     "busy-beaver convention runs as 1RZ (one more step)"),
                      stacklevel=2)
    if not rows:
        raise ProgramError("empty program: every state halts", file=src)
    return "_".join(rows)
