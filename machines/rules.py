"""Proven rules over symbolic run lengths (Marxen and Buntrock's acceleration, as in Ligocki's
simulator), for macro machines.

The *shape* of a configuration is its state, the symbol under the head, and per run on the
tape its symbol and whether it holds exactly one cell. When the macro machine comes back to a
shape it saw a few moves ago, it may be repeating a loop. The guess is proven by running the
macro machine once more from the configuration with every run of two or more cells given an
unknown length x_i (a symbolic count, a linear expression ``c + sum a_i x_i``; any test that a
run is empty becomes a requirement ``x_i >= m_i``). If the symbolic run comes back to the same
shape, each unknown run ending as a linear expression ``e_i(x)`` of the unknowns, the *rule*
``x -> e(x)`` holds for every x at least the minimum m, and takes ``S(x)`` steps (a linear
expression too) per pass. Proven once, a rule is kept under its shape and applied wherever the
shape comes back; a proof never runs again.

* A **diff rule** (every ``e_i(x) = x_i + d_i``): n passes take ``sum_k S(x + k d)`` steps, a
  closed form, so all the passes that fit are applied at once (Marxen and Buntrock's counters
  crossed sweep-block by sweep-block). A run that ends as a constant (``e_i = c``) is reset by
  the first pass and kept by the rest, so such a rule is a diff rule after one pass.
* A **general rule** (Ligocki's ``General_Rule``: ``x_i -> 2 x_i + 3``, ``x_i -> x_j + 1``) is
  applied pass by pass, each pass one evaluation of the e_i with exact integers: a run that
  doubles per pass reaches 10^700 cells in a few thousand passes.
* A rule under which no run ever shrinks (``e_i(x) >= x_i`` for every admissible x) applies
  again after every pass, forever: the machine never halts (:data:`FOREVER`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from machines.runtape import pop, push

MAX_RUNS = 40             # shapes with more runs are not tracked
MAX_PROOF_MOVES = 2_000   # longest pass tried
MAX_FAILURES = 4          # failed proofs before a shape is no longer tried
MAX_GENERAL_PASSES = 256  # passes of a general rule per application (then the loop goes on)
FOREVER = "infinite-rule"  # the verdict of a rule that applies forever


@dataclass
class Lin:
    """``c + sum v[i] x_i``: a run length, step count or head position over unknowns x_i."""

    c: int = 0
    v: dict[int, int] = field(default_factory=dict)

    def __add__(self, other: "Lin | int") -> "Lin":
        if isinstance(other, int):
            return Lin(self.c + other, dict(self.v))
        v = dict(self.v)
        for i, a in other.v.items():
            v[i] = v.get(i, 0) + a
            if v[i] == 0:
                del v[i]
        return Lin(self.c + other.c, v)

    __radd__ = __add__

    def __sub__(self, other: "Lin | int") -> "Lin":
        return self + (Lin(-other) if isinstance(other, int) else other.scale(-1))

    def scale(self, k: int) -> "Lin":
        return Lin(self.c * k, {i: a * k for i, a in self.v.items()} if k else {})

    def at(self, x: dict[int, int]) -> int:
        return self.c + sum(a * x[i] for i, a in self.v.items())

    def lowest(self, mins: dict[int, int]) -> int | None:
        """The least value over every x >= ``mins`` (None: unbounded below)."""
        if any(a < 0 for a in self.v.values()):
            return None
        return self.c + sum(a * mins[i] for i, a in self.v.items())


def _lin(e: "Lin | int") -> Lin:
    return e if isinstance(e, Lin) else Lin(e)


class ProofFailed(Exception):
    pass


class Applied(NamedTuple):
    """What one application of a rule did: passes made, steps and head shift they took, and
    whether the rule applies forever (then nothing was changed)."""

    passes: int
    steps: int
    head: int
    forever: bool = False


@dataclass
class Rule:
    """x_i -> ends[i](x) per pass, for x_i >= mins[i] (i: run positions, the left runs then the
    right runs, of the runs of two or more cells); ``steps`` and ``head``: per pass."""

    ends: dict[int, Lin]
    mins: dict[int, int]
    steps: Lin
    head: Lin
    delta: dict[int, int] = field(init=False)      # e_i = x_i + d_i
    resets: dict[int, int] = field(init=False)     # e_i = c
    general: bool = field(init=False)              # some e_i is neither
    forever: bool = field(init=False)

    def __post_init__(self) -> None:
        self.delta, self.resets, general = {}, {}, False
        for i, e in self.ends.items():
            if e.v == {i: 1}:
                self.delta[i] = e.c
            elif not e.v:
                self.resets[i] = e.c
            else:
                general = True
        self.general = general
        growth = [(e - Lin(0, {i: 1})).lowest(self.mins) for i, e in self.ends.items()]
        self.forever = all(g is not None and g >= 0 for g in growth)

    def fits(self, x: dict[int, int]) -> bool:
        return all(x[i] >= m for i, m in self.mins.items())

    def passes(self, x: dict[int, int], room: int) -> int:
        """How many passes of a diff rule apply to run lengths ``x`` within ``room`` steps
        (some run shrinks: a rule under which none does is :attr:`forever`)."""
        n = min((x[i] - self.mins[i]) // -d + 1 for i, d in self.delta.items() if d < 0)
        n = max(n, 0)
        if self.total(self.steps, x, n) <= room:
            return n
        lo, hi = 0, n           # the step limit comes first: the most passes that fit
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.total(self.steps, x, mid) <= room:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def total(self, e: Lin, x: dict[int, int], n: int) -> int:
        """sum_{k < n} e(x + k d) for a diff rule."""
        slope = sum(a * self.delta.get(i, 0) for i, a in e.v.items())
        return n * e.at(x) + slope * n * (n - 1) // 2


class _Prover:
    def __init__(self, mins: dict[int, int], x: dict[int, int]) -> None:
        self.mins, self.x = mins, x

    def require(self, e: Lin, k: int) -> None:
        """Make ``e >= k`` hold for every admissible x, raising one minimum if need be."""
        lowest = e.lowest(self.mins)
        if lowest is None:
            raise ProofFailed
        if lowest >= k:
            return
        if not e.v:
            raise ProofFailed
        i, a = next(iter(e.v.items()))
        need = self.mins[i] + -(-(k - lowest) // a)
        if need > self.x[i]:
            raise ProofFailed
        self.mins[i] = need

    def is_zero(self, e: "Lin | int") -> bool:
        if isinstance(e, int):
            return e == 0
        if not e.v:
            return e.c == 0
        self.require(e, 1)
        return False


def shape(state: int, cur: int, left: list, right: list) -> tuple:
    """The configuration up to the lengths of its runs of two or more cells."""
    return state, cur, tuple([(s, n == 1) for s, n in left]), \
        tuple([(s, n == 1) for s, n in right])


def _norm(stack: list) -> None:
    """Symbolic counts without unknowns back to integers (so that shapes compare)."""
    for run in stack:
        if isinstance(run[1], Lin) and not run[1].v:
            run[1] = run[1].c


def prove(transition, state: int, cur: int, left: list[list[int]], right: list[list[int]],
          budget: int) -> Rule | None:
    """Try to prove a rule from the configuration given: every run of two or more cells an
    unknown, the macro machine run symbolically until the shape comes back (at most
    ``budget`` moves); None if it does not come back, or a test cannot be decided."""
    nl = len(left)
    x = {i: n for i, (_, n) in enumerate(left + right) if n != 1}
    prover = _Prover({i: 1 for i in x}, x)
    L = [[s, Lin(0, {i: 1}) if i in x else n] for i, (s, n) in enumerate(left)]
    R = [[s, Lin(0, {nl + i: 1}) if nl + i in x else n] for i, (s, n) in enumerate(right)]
    start = shape(state, cur, left, right)
    steps, head = Lin(), Lin()
    try:
        for _ in range(min(budget, MAX_PROOF_MOVES)):
            t = transition(state, cur)
            if t is None:
                return None
            w, d, nxt, cost, shift = t
            ahead, behind = (R, L) if d == 1 else (L, R)
            n: Lin | int = 1
            if nxt == state:
                if ahead and ahead[-1][0] == cur:
                    n = ahead.pop()[1] + 1
                elif not ahead and cur == 0:
                    return None
            push(behind, w, n)
            cur = pop(ahead, prover.is_zero)
            _norm(behind)
            _norm(ahead)
            steps = steps + _lin(n).scale(cost)
            head = head + _lin(n).scale(shift)
            state = nxt
            if shape(state, cur, L, R) == start:
                return _rule(L + R, x, prover, steps, head)
    except ProofFailed:
        return None
    return None


def _rule(runs: list, x: dict[int, int], prover: _Prover, steps: Lin, head: Lin
          ) -> Rule | None:
    """The rule, if the runs of the end configuration are runs of the unknowns (each one at
    least a cell long for every admissible x) and the steps grow with them."""
    ends = {}
    for i, (_, e) in enumerate(runs):
        if i in x:
            e = _lin(e)
            prover.require(e, 1)
            ends[i] = e
    if any(a < 0 for a in steps.v.values()):
        return None
    return Rule(ends, dict(prover.mins), steps, head)


def _counts(rule: Rule, left: list, right: list) -> dict[int, int]:
    nl = len(left)
    return {i: (left[i][1] if i < nl else right[i - nl][1]) for i in rule.ends}


def _store(x: dict[int, int], left: list, right: list) -> None:
    nl = len(left)
    for i, n in x.items():
        (left[i] if i < nl else right[i - nl])[1] = n


def apply(rule: Rule, left: list[list[int]], right: list[list[int]], room: int) -> Applied:
    """Apply as many passes of ``rule`` as fit in ``room`` steps to the (concrete) tape, in
    place (a general rule: at most ``MAX_GENERAL_PASSES``)."""
    x = _counts(rule, left, right)
    if not rule.fits(x):
        return Applied(0, 0, 0)
    if rule.forever:
        return Applied(0, 0, 0, True)
    done = steps = head = 0
    if rule.general or any(x[i] != c for i, c in rule.resets.items()):
        limit = MAX_GENERAL_PASSES if rule.general else 1
        while done < limit and rule.fits(x):
            cost = rule.steps.at(x)
            if cost > room - steps:
                break
            steps, head = steps + cost, head + rule.head.at(x)
            x = {i: e.at(x) for i, e in rule.ends.items()}
            done += 1
        if rule.general or done == 0 or not rule.fits(x):
            _store(x, left, right)
            return Applied(done, steps, head)
    n = rule.passes(x, room - steps)
    if n > 0:
        more, moved = rule.total(rule.steps, x, n), rule.total(rule.head, x, n)
        x = {i: v + n * rule.delta.get(i, 0) for i, v in x.items()}
        done, steps, head = done + n, steps + more, head + moved
    _store(x, left, right)
    return Applied(done, steps, head)
