"""The one program model of tapelab: a single-tape Turing machine as data.

Every format parser produces a :class:`Program`; every engine consumes one, usually through its
dense :class:`ProgramTable`. Validation happens when a ``Program`` is built (as in automata-lib),
and every failure is a :class:`~machines.errors.ProgramError`.

Conventions
-----------
* A missing rule for ``(state, symbol)`` means the machine halts there (reason ``no-rule``).
* Moves are ``L``, ``R`` and ``S`` (stay).
* ``wildcard`` (Morphett's ``*``; ``None`` in the other formats, where ``*`` is an ordinary
  symbol) is the wildcard of a program. In a rule key it matches any state or symbol; as a
  rule's ``write`` it means "write back what was read", as its ``next`` "stay in this state".
  Wildcards stay wildcards here; :meth:`Program.lookup` and :meth:`Program.table` resolve them
  with Morphett's precedence (state, symbol) > (state, *) > (*, symbol) > (*, *).
* Halting states have no rules; entering one is a step.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable, Iterable, Literal, Mapping, TypeVar

from machines.errors import ProgramError

if TYPE_CHECKING:  # numpy is imported lazily: the classical command path stays light
    import numpy as np

Move = Literal["L", "R", "S"]
MOVES: Mapping[str, int] = MappingProxyType({"L": -1, "R": 1, "S": 0})
WILDCARD = "*"  # Morphett's wildcard
T = TypeVar("T")


@dataclass(frozen=True)
class Rule:
    """What the machine does on one (state, symbol): write, move, go to ``next``.

    ``line`` is where the rule was written (for messages), ``breakpoint`` is Morphett's ``!``.
    """

    write: str
    move: Move
    next: str
    breakpoint: bool = False
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ProgramTable:
    """Dense integer arrays for array-based engines: state 0 is the start, symbol 0 the blank.

    ``next[q, s]``, ``write[q, s]`` (symbol index), ``move[q, s]`` (-1, 0, +1) and
    ``defined[q, s]`` (False where the machine halts for want of a rule); ``halting[q]`` marks
    halting states; ``breakpoint[q, s]`` Morphett's ``!``. Wildcards are expanded.
    """

    states: tuple[str, ...]
    symbols: tuple[str, ...]
    next: "np.ndarray"
    write: "np.ndarray"
    move: "np.ndarray"
    defined: "np.ndarray"
    halting: "np.ndarray"
    breakpoint: "np.ndarray"


@dataclass(frozen=True)
class Transitions:
    """:class:`ProgramTable`'s content as nested lists (``next[q][s]`` ...), for pure-Python
    engines that should not pay for importing numpy."""

    states: tuple[str, ...]
    symbols: tuple[str, ...]
    next: list[list[int]]
    write: list[list[int]]
    move: list[list[int]]
    defined: list[list[bool]]
    breakpoint: list[list[bool]]
    halting: list[bool]


@dataclass(frozen=True, eq=True)
class Program:
    """A single-tape Turing machine.

    ``states`` lists the start state first, ``symbols`` the blank first; ``rules`` maps
    ``(state, symbol)`` to a :class:`Rule`. ``accept`` names the halting states that mean
    "accept" for accept/reject machines. ``input`` is the program's own example input (YAML's
    ``input``, Morphett's ``$INITIAL_TAPE``); ``head_marker`` is a character that, in an input
    string, marks the cell the head starts on (Morphett's ``*``).
    """

    name: str
    states: tuple[str, ...]
    symbols: tuple[str, ...]
    blank: str
    start: str
    halting: frozenset[str]
    rules: Mapping[tuple[str, str], Rule]
    accept: frozenset[str] = frozenset()
    input: str | None = None
    head_marker: str | None = None
    wildcard: str | None = None
    source: str | None = field(default=None, compare=False)
    _memo: dict = field(init=False, default_factory=dict, compare=False, repr=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(cls, *, name: str, start: str, blank: str, rules: Mapping[tuple[str, str], Rule],
              halting: Iterable[str] = (), states: Iterable[str] = (),
              symbols: Iterable[str] = (), **kw) -> "Program":
        """Derive ``states`` (start first) and ``symbols`` (blank first) from the rules.

        ``states`` and ``symbols`` given here come first, in order, before any the rules name.
        """
        halting = frozenset(halting)
        wild = kw.get("wildcard")
        st: dict[str, None] = {start: None}
        st.update(dict.fromkeys(states))
        sy: dict[str, None] = {blank: None}
        sy.update(dict.fromkeys(symbols))
        for (q, s), r in rules.items():
            for x in (q, r.next):
                if x != wild:
                    st.setdefault(x)
            for x in (s, r.write):
                if x != wild:
                    sy.setdefault(x)
        for h in sorted(halting):
            st.setdefault(h)
        return cls(name=name, states=tuple(st), symbols=tuple(sy), blank=blank, start=start,
                   halting=halting, rules=dict(rules), **kw)

    def __post_init__(self) -> None:
        src = self.source
        if not self.states:
            raise ProgramError("empty program: no states", file=src)
        if not isinstance(self.blank, str) or len(self.blank) != 1:
            raise ProgramError(f"the blank must be exactly one character, got {self.blank!r}",
                               file=src)
        if not self.start:
            raise ProgramError("no start state", file=src)
        if self.start not in self.states:
            raise ProgramError("the start state is not a state of the program", file=src,
                               state=self.start)
        if self.states[0] != self.start:
            raise ProgramError("the start state must come first in `states`", file=src,
                               state=self.start)
        if len(set(self.states)) != len(self.states):
            raise ProgramError("a state is listed twice", file=src)
        if not self.symbols or self.symbols[0] != self.blank:
            raise ProgramError("the blank must come first in `symbols`", file=src,
                               symbol=self.blank)
        if len(set(self.symbols)) != len(self.symbols):
            raise ProgramError("a symbol is listed twice", file=src)
        wild = self.wildcard
        for s in self.symbols:
            if not isinstance(s, str) or len(s) != 1 or s == wild:
                raise ProgramError("a tape symbol must be exactly one character (and not the "
                                   "wildcard)", file=src, symbol=s)
        states, symbols = set(self.states), set(self.symbols)
        for h in self.halting | self.accept:
            if h not in states:
                raise ProgramError("a halting state is not a state of the program", file=src,
                                   state=h)
        if not self.accept <= self.halting:
            raise ProgramError("an accept state must be a halting state", file=src,
                               state=min(self.accept - self.halting))
        for (q, s), r in self.rules.items():
            where = dict(file=src, line=r.line, state=q, symbol=s)
            if q != wild and q not in states:
                raise ProgramError("rule for an undeclared state", **where)
            if q in self.halting:
                raise ProgramError("a halting state cannot have rules", **where)
            if s != wild and s not in symbols:
                raise ProgramError("rule for an undeclared symbol", **where)
            if r.move not in MOVES:
                raise ProgramError(f"unknown direction {r.move!r} (use L, R or S)", **where)
            if r.next != wild and r.next not in states:
                raise ProgramError(f"undeclared target state {r.next!r}", **where)
            if r.write != wild and r.write not in symbols:
                raise ProgramError(f"written symbol {r.write!r} is not a symbol of the program",
                                   **where)
        object.__setattr__(self, "rules", MappingProxyType(dict(self.rules)))
        object.__setattr__(self, "_memo", {})

    def memo(self, key: tuple, compute: Callable[[], T]) -> T:
        """``compute()``, remembered under ``key`` for the life of this (immutable) program.

        Engines keep their derived tables here, so running one program many times (a task's
        reference machine over many examples) builds them once.
        """
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    # ------------------------------------------------------------------ queries
    @property
    def has_wildcards(self) -> bool:
        w = self.wildcard
        return w is not None and any(w in k or w in (r.write, r.next)
                                     for k, r in self.rules.items())

    def lookup(self, state: str, symbol: str) -> Rule | None:
        """The rule the machine applies in ``state`` reading ``symbol``, wildcards resolved.

        Morphett's precedence: (state, symbol) > (state, *) > (*, symbol) > (*, *). The result's
        ``write`` and ``next`` are concrete (``*`` replaced by the read symbol / current state).
        Returns ``None`` where the machine halts: a halting state, or no rule.
        """
        if state in self.halting:
            return None
        rules, w = self.rules, self.wildcard
        if w is None:
            return rules.get((state, symbol))
        for key in ((state, symbol), (state, w), (w, symbol), (w, w)):
            r = rules.get(key)
            if r is not None:
                if r.write == w or r.next == w:
                    r = replace(r, write=symbol if r.write == w else r.write,
                                next=state if r.next == w else r.next)
                return r
        return None

    def alphabet(self, extra: Iterable[str] = ()) -> tuple[str, ...]:
        """The program's symbols followed by any new ones in ``extra`` (e.g. an input's)."""
        seen = dict.fromkeys(self.symbols)
        seen.update(dict.fromkeys(extra))
        if self.wildcard is not None:
            seen.pop(self.wildcard, None)
        return tuple(seen)

    def transitions(self, symbols: Iterable[str] = ()) -> "Transitions":
        """The dense table as plain Python lists, without numpy (the classical engines' input).

        Over ``self.alphabet(symbols)``, wildcards expanded by :meth:`lookup`; undefined entries
        have ``next = state``, ``write = symbol``, ``move = 0``.
        """
        alphabet = self.alphabet(symbols)
        return self.memo(("transitions", alphabet), lambda: self._transitions(alphabet))

    def _transitions(self, alphabet: tuple[str, ...]) -> "Transitions":
        sidx = {s: i for i, s in enumerate(alphabet)}
        qidx = {q: i for i, q in enumerate(self.states)}
        t = Transitions(tuple(self.states), alphabet, [], [], [], [], [],
                        [q in self.halting for q in self.states])
        for q, qi in qidx.items():
            rows = [[] for _ in range(5)]
            for s, si in sidx.items():
                r = self.lookup(q, s)
                entry = (qi, si, 0, False, False) if r is None else \
                    (qidx[r.next], sidx[r.write], MOVES[r.move], True, r.breakpoint)
                for row, x in zip(rows, entry):
                    row.append(x)
            for column, row in zip((t.next, t.write, t.move, t.defined, t.breakpoint), rows):
                column.append(row)
        return t

    def table(self, symbols: Iterable[str] = ()) -> ProgramTable:
        """Dense numpy arrays over ``self.alphabet(symbols)`` (see :meth:`transitions`)."""
        import numpy as np

        t = self.transitions(symbols)
        shape = (len(t.states), len(t.symbols))
        ints = [np.array(x, dtype=np.int64).reshape(shape) for x in (t.next, t.write, t.move)]
        flags = [np.array(x, dtype=bool).reshape(shape) for x in (t.defined, t.breakpoint)]
        return ProgramTable(t.states, t.symbols, *ints, flags[0],
                            np.array(t.halting, dtype=bool), flags[1])

    def expand_wildcards(self, symbols: Iterable[str] = ()) -> "Program":
        """The same machine without wildcards, over the program's symbols plus ``symbols``.

        Inputs with symbols outside that alphabet then halt (no rule) where the wildcard
        program would have gone on: pass every symbol an input may contain.
        """
        alphabet = self.alphabet(symbols)
        rules = {}
        for q in self.states:
            for s in alphabet:
                r = self.lookup(q, s)
                if r is not None:
                    rules[(q, s)] = r
        return replace(self, symbols=alphabet, rules=rules, wildcard=None)

    def rename_states(self, mapping: Mapping[str, str]) -> "Program":
        """The same machine with states renamed (names not in ``mapping`` stay)."""
        def n(q: str) -> str:
            return mapping.get(q, q)
        rules = {(n(q), s): replace(r, next=n(r.next)) for (q, s), r in self.rules.items()}
        return replace(self, states=tuple(map(n, self.states)), start=n(self.start),
                       halting=frozenset(map(n, self.halting)),
                       accept=frozenset(map(n, self.accept)), rules=rules)


def accept_states(halting: Iterable[str]) -> frozenset[str]:
    """Halting states whose name says "accept" (``accept``, ``halt-accept``...): the verdict
    states of accept/reject machines in the turingmachine.io and Morphett corpora."""
    return frozenset(h for h in halting if "accept" in h.lower())
