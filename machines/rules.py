"""Proven rules over symbolic run lengths (Marxen and Buntrock's acceleration, as in Ligocki's
simulator), for macro machines.

When the macro machine comes back to the same *shape* of configuration (same state, symbol
under the head and sequence of run symbols on the tape) with some run lengths changed, it may be
repeating a loop whose effect is linear: each pass adds a constant to some run lengths. The
guess is proven by running the macro machine once more with those run lengths as unknowns x_i
(symbolic counts, linear expressions ``c + sum a_i x_i``): if the symbolic run returns to the
same shape with every unknown changed by a constant d_i and every other run unchanged, for all
x_i at least the minimum the run needed (any test that a run is empty is a requirement on the
x_i), then n passes take ``sum_k S(x + k d)`` steps, a closed form, and are applied at once.
Counters that grow a run by a constant each sweep are then crossed sweep-block by sweep-block.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from machines.runtape import pop, push

MAX_RUNS = 40          # shapes with more runs are not tracked
MAX_PROOF_MOVES = 2_000   # longest pass tried
MAX_FAILURES = 4          # failed proofs before a shape is no longer tried


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

    def scale(self, k: int) -> "Lin":
        return Lin(self.c * k, {i: a * k for i, a in self.v.items()} if k else {})

    def at(self, x: dict[int, int]) -> int:
        return self.c + sum(a * x[i] for i, a in self.v.items())


class ProofFailed(Exception):
    pass


@dataclass
class Rule:
    """n passes: x_i -> x_i + n d_i; steps and head grow by sum_k S(x + k d), H(x + k d)."""

    index: list[int]          # run positions (left runs then right runs) that are unknowns
    delta: dict[int, int]     # d_i
    mins: dict[int, int]      # each pass needs x_i >= mins[i]
    steps: Lin
    head: Lin

    def passes(self, x: dict[int, int], room: int) -> int:
        """How many passes apply to run lengths ``x`` within ``room`` steps."""
        n = None
        for i, d in self.delta.items():
            if d < 0:
                k = (x[i] - self.mins[i]) // -d + 1
                n = k if n is None else min(n, k)
        if n is None:
            n = room            # nothing shrinks: only the step limit stops it
        lo, hi = 0, max(n, 0)
        while lo < hi:          # the most passes whose steps fit in ``room``
            mid = (lo + hi + 1) // 2
            if self.total(self.steps, x, mid) <= room:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def total(self, e: Lin, x: dict[int, int], n: int) -> int:
        """sum_{k < n} e(x + k d)."""
        slope = sum(a * self.delta.get(i, 0) for i, a in e.v.items())
        return n * e.at(x) + slope * n * (n - 1) // 2


class _Prover:
    def __init__(self, mins: dict[int, int], x: dict[int, int]) -> None:
        self.mins, self.x = mins, x

    def require(self, e: Lin, k: int) -> None:
        """Make ``e >= k`` hold for every admissible x, raising one minimum if need be."""
        if any(a < 0 for a in e.v.values()):
            raise ProofFailed
        lowest = e.c + sum(a * self.mins[i] for i, a in e.v.items())
        if lowest >= k:
            return
        if not e.v:
            raise ProofFailed
        i, a = next(iter(e.v.items()))
        need = self.mins[i] + -(-(k - lowest) // a)
        if need > self.x[i]:
            raise ProofFailed
        self.mins[i] = need

    def is_zero(self, e: Lin) -> bool:
        if not e.v:
            return e.c == 0
        self.require(e, 1)
        return False


def shape(state: int, cur: int, left: list, right: list) -> tuple:
    return state, cur, tuple(s for s, _ in left), tuple(s for s, _ in right)


def prove(transition, state: int, cur: int, left: list[list[int]], right: list[list[int]],
          changed: set[int], budget: int) -> Rule | None:
    """Try to prove the rule that runs ``changed`` (positions: left runs, then right runs)
    grow by constants per pass, from the configuration given; None if it does not hold."""
    nl = len(left)
    x = {i: n for i, (_, n) in enumerate(left + right) if i in changed}
    prover = _Prover({i: 1 for i in x}, x)

    def lin(i: int, n: int) -> Lin:
        return Lin(0, {i: 1}) if i in x else Lin(n)
    L = [[s, lin(i, n)] for i, (s, n) in enumerate(left)]
    R = [[s, lin(nl + i, n)] for i, (s, n) in enumerate(right)]
    start = shape(state, cur, left, right)
    steps, head = Lin(), Lin()
    try:
        for _ in range(min(budget, MAX_PROOF_MOVES)):
            t = transition(state, cur)
            if t is None:
                return None
            w, d, nxt, cost, shift = t
            ahead, behind = (R, L) if d == 1 else (L, R)
            n = Lin(1)
            if nxt == state:
                if ahead and ahead[-1][0] == cur:
                    n = ahead.pop()[1] + 1
                elif not ahead and cur == 0:
                    return None
            push(behind, w, n)
            cur = pop(ahead, prover.is_zero)
            steps = steps + n.scale(cost)
            head = head + n.scale(shift)
            state = nxt
            if shape(state, cur, L, R) == start:
                return _rule(L + R, left + right, x, prover.mins, steps, head)
    except ProofFailed:
        return None
    return None


def _rule(runs: list, before: list, x: dict[int, int], mins: dict[int, int], steps: Lin,
          head: Lin) -> Rule | None:
    """The rule, if every unknown run ends as x_i + d_i and every other run as it began."""
    delta = {}
    for i, ((_, e), (_, n)) in enumerate(zip(runs, before)):
        if i in x:
            if e.v != {i: 1}:
                return None
            delta[i] = e.c
        elif e.v or e.c != n:
            return None
    if not any(delta.values()) or any(a < 0 for a in steps.v.values()):
        return None
    return Rule(sorted(x), delta, dict(mins), steps, head)


def apply(rule: Rule, left: list[list[int]], right: list[list[int]], room: int
          ) -> tuple[int, int, int]:
    """Apply as many passes of ``rule`` as fit to the (concrete) tape in place; returns
    (passes, steps, head shift)."""
    nl = len(left)
    x = {i: (left[i][1] if i < nl else right[i - nl][1]) for i in rule.index}
    if any(x[i] < rule.mins[i] for i in x):
        return 0, 0, 0
    n = rule.passes(x, room)
    if n <= 0:
        return 0, 0, 0
    for i, d in rule.delta.items():
        run = left[i] if i < nl else right[i - nl]
        run[1] += n * d
    return n, rule.total(rule.steps, x, n), rule.total(rule.head, x, n)
