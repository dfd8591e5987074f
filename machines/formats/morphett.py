"""Morphett's text format (morphett.info/turing; ``.txt`` / ``.tm``).

One rule a line: ``<state> <symbol> <new symbol> <direction> <new state> [!]``.

* ``;`` starts a comment; ``_`` is the blank; symbols are one character.
* ``*`` is the wildcard: in the first two fields it matches any state / symbol, in the new symbol
  and new state fields it means "no change", as a direction "do not move". Precedence:
  (state, symbol) > (state, *) > (*, symbol) > (*, *).
* Directions ``l``, ``r``, ``*`` (either case).
* Any state whose name starts with ``halt`` halts (``halt``, ``halt-accept``, ``halt-reject``).
* The start state is ``0`` unless told otherwise; ``$INITIAL_TAPE:`` in a comment gives the default
  input, in which a ``*`` marks the head's start cell and spaces are blanks. ``*`` is never a
  tape symbol here (it is the wildcard in rules), so in an input it always marks the head's
  start; at most one may appear (tapelab refuses two).
* A trailing ``!`` sets a breakpoint on the rule (``tapelab run --trace --break`` stops there).
* A second rule for the same (state, symbol) replaces the first, with a warning, as in Morphett's
  simulator.
"""
from __future__ import annotations

import re
import warnings

from machines.errors import ProgramError, ProgramWarning
from machines.program import WILDCARD, Program, Rule, accept_states

BLANK = "_"
DEFAULT_START = "0"
_DIRECTIONS = {"l": "L", "r": "R", "*": "S"}
_INITIAL = re.compile(r"\$INITIAL_TAPE:(.*)$")


def is_halting(state: str) -> bool:
    return state.startswith("halt")


def parse(text: str, *, name: str = "program", source: str | None = None,
          start: str = DEFAULT_START) -> Program:
    """Parse Morphett's format into a :class:`Program`; errors are ``ProgramError``."""
    rules: dict[tuple[str, str], Rule] = {}
    states: dict[str, None] = {}
    initial: str | None = None
    halting_rules: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        body, sep, comment = raw.partition(";")
        if sep:
            m = _INITIAL.search(comment)
            if m:
                initial = m.group(1).strip()
                if initial.count(WILDCARD) > 1:
                    raise ProgramError("two head-start markers ('*') in $INITIAL_TAPE: mark "
                                       "one cell only", file=source, line=number)
        fields = body.split()
        if not fields:
            continue
        where = dict(file=source, line=number)
        breakpoint = False
        if len(fields) == 6 and fields[5] == "!":
            breakpoint, fields = True, fields[:5]
        if len(fields) != 5:
            raise ProgramError(f"malformed line: expected `<state> <symbol> <new symbol> "
                               f"<direction> <new state> [!]`, got {len(fields)} fields",
                               **where)
        state, symbol, write, direction, nxt = fields
        for what, s in (("symbol", symbol), ("new symbol", write)):
            if len(s) != 1:
                raise ProgramError(f"the {what} must be one character, got {s!r}", state=state,
                                   symbol=s, **where)
        move = _DIRECTIONS.get(direction.lower())
        if move is None:
            raise ProgramError(f"unknown direction {direction!r} (use l, r or *)", state=state,
                               symbol=symbol, **where)
        key = (state, symbol)
        if key in rules:
            warnings.warn(ProgramWarning(
                f"{source or '<text>'}:{number}: state {state!r}, symbol {symbol!r}: this rule "
                f"replaces the one on line {rules[key].line}"), stacklevel=2)
        if is_halting(state):
            halting_rules.append(number)
            continue
        rules[key] = Rule(write, move, nxt, breakpoint, line=number)  # type: ignore[arg-type]
        for q in (state, nxt):
            if q != WILDCARD:
                states.setdefault(q)
    if halting_rules:
        warnings.warn(ProgramWarning(f"{source or '<text>'}: rules for halting states are never "
                                     f"used (lines {', '.join(map(str, halting_rules))})"),
                      stacklevel=2)
    if not rules:
        raise ProgramError("empty program: no rules", file=source)
    if start not in states:
        raise ProgramError("the start state does not appear in the program (Morphett starts "
                           "in state 0; give another with --start)", file=source, state=start)
    halting = [q for q in states if is_halting(q)]
    return Program.build(name=name, start=start, blank=BLANK, rules=rules, halting=halting,
                         states=states, accept=accept_states(halting), input=initial,
                         head_marker=WILDCARD, wildcard=WILDCARD, source=source)


def dump(program: Program) -> str:
    """Write ``program`` in Morphett's format, ready for Morphett's simulator.

    The blank becomes ``_``. Where the program's names do not follow Morphett's conventions,
    states are renamed (with a warning): the start state becomes ``0`` and halting states get
    names that start with ``halt``.
    """
    sym = _symbol_map(program)
    program = _morphett_names(program)
    for q in program.states:
        if not q or any(c.isspace() or c == ";" for c in q) or q == WILDCARD:
            raise ProgramError("a Morphett state name cannot be empty or hold spaces or ';'",
                               file=program.source, state=q)
    inv = {"L": "l", "R": "r", "S": "*"}
    lines = [f"; {program.name}"]
    for (q, s), r in program.rules.items():
        mark = " !" if r.breakpoint else ""
        lines.append(f"{q} {sym(s)} {sym(r.write)} {inv[r.move]} {r.next}{mark}")
    if program.input is not None:
        text = "".join(BLANK if c == program.blank != " " else c for c in program.input)
        lines.append(f"\n; $INITIAL_TAPE: {text}")
    return "\n".join(lines) + "\n"


def _morphett_names(program: Program) -> Program:
    """Rename states so that Morphett's simulator runs the program as it is."""
    taken = set(program.states)
    mapping: dict[str, str] = {}
    if program.start != DEFAULT_START:
        mapping[program.start] = DEFAULT_START
        if DEFAULT_START in taken:
            mapping[DEFAULT_START] = program.start
    for q in sorted(program.halting):
        if not is_halting(mapping.get(q, q)):
            name = "halt" if len(program.halting) == 1 and "halt" not in taken else f"halt-{q}"
            mapping[q] = name
            taken.add(name)
    for q in program.states:
        if is_halting(mapping.get(q, q)) and q not in program.halting:
            raise ProgramError("this state's name starts with 'halt', so Morphett's simulator "
                               "would halt in it", file=program.source, state=q)
    if mapping:
        warnings.warn(ProgramWarning("states renamed for Morphett's simulator: " + ", ".join(
            f"{a}->{b}" for a, b in mapping.items())), stacklevel=3)
    return program.rename_states(mapping)


def _symbol_map(program: Program):
    bad = [s for s in program.symbols[1:] if s in (BLANK, WILDCARD, ";") or s.isspace()]
    if bad:
        raise ProgramError("this symbol cannot be written in Morphett's format (it is the blank, "
                           "the wildcard, the comment mark or a space there)",
                           file=program.source, symbol=bad[0])

    def sym(s: str) -> str:
        return BLANK if s == program.blank else s
    return sym
