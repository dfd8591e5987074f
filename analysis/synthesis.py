"""Symbolic induction beside the soft TM: a constraint solver (Z3) and an enumerator.

Both solve the problem the soft TM trains on (:class:`Problem`): a transition table over Q
states (the working ones first, then the halting ones) and the task's symbols that takes every
training tape of L cells, head on cell ``origin`` (where the input starts) in state 0, to its target tape within T steps, in a
halting state (for verdict tasks, the verdict's), on the same tape edge: ``circular`` (the head
wraps), ``clamp`` (it stops at the ends) or ``open`` (a run that steps off is lost). One step of
a working state q reading s writes W[q, s], moves by M[q, s] in {-1, 0, +1} and goes to
N[q, s]; a halting state stays as it is. These are the soft TM's equations (machines/soft_tm.py)
with one-hot tables, so a table found here, loaded into :class:`~machines.soft_tm.SoftTM`,
reproduces the training outputs with probability 1.

* :func:`smt` (Gaunt et al. 2016's TerpreT SMT back end, in spirit): N, W and M are
  uninterpreted functions; the state, head and every cell at every step are integer terms
  defined by the step equations; the targets are constraints. Each solution is blocked on the
  entries its runs used, and the solver asked again, so every *distinct program* (a table
  restricted to what the examples reach) is found once.
* :func:`enumerate_tables` (the busy-beaver community's tree search, as bbchallenge's
  enumeration): run the empty table on the training tapes; where a run needs an entry that is
  not defined yet, branch over every (write, move, next) for it, the next state being a
  halting state, a working state already used, or the lowest unused one (state renaming is the
  only symmetry, so this visits each program once up to it); a branch dies as soon as a
  finished run is wrong.

A solution is a :class:`Solution` (the entries its runs used); :func:`hardened` makes it a
:class:`~machines.program.Program` the way the soft TM's tables are hardened.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import NamedTuple

MOVES = (-1, 0, 1)         # index 0, 1, 2: the soft TM's left, stay, right (MOVE_ORDER)


@dataclass(frozen=True)
class Problem:
    """The soft TM's training problem, discrete: see the module docstring."""

    states: tuple[str, ...]
    halting: tuple[bool, ...]
    symbols: tuple[str, ...]
    tapes: tuple[tuple[int, ...], ...]        # initial tapes, L cells each (symbol indices)
    targets: tuple[tuple[int, ...], ...]      # target tapes
    verdicts: tuple[int | None, ...]          # the halting state each run must end in (None: any)
    steps: int
    edge: str
    origin: int = 0                           # the cell each run starts on

    @property
    def working(self) -> int:
        return sum(not h for h in self.halting)

    @property
    def length(self) -> int:
        return len(self.tapes[0])


def problem_of(batch, states: tuple[str, ...], halting: tuple[bool, ...], steps: int,
               edge: str) -> Problem:
    """The :class:`Problem` of a :class:`~tasks.encoding.TapeBatch` (as induce builds it)."""
    verdicts = tuple(int(batch.target_state[b]) if int(batch.verdict[b]) >= 0 else None
                     for b in range(len(batch.examples)))
    return Problem(tuple(states), tuple(halting), tuple(batch.alphabet),
                   tuple(tuple(int(x) for x in row) for row in batch.tape.argmax(-1)),
                   tuple(tuple(int(x) for x in row) for row in batch.target_tape),
                   verdicts, steps, edge, batch.origin)


Entry = tuple[int, int, int]      # (write, move index, next state)


@dataclass
class Solution:
    """A table restricted to the entries the training runs used: (q, s) -> Entry."""

    entries: dict[tuple[int, int], Entry]


@dataclass
class SynthesisResult:
    method: str
    solutions: list[Solution]
    first_seconds: float | None     # time to the first solution
    seconds: float
    tried: int                      # tables tried (enumerate) or solver calls (smt)
    complete: bool                  # the search ended: every solution is in ``solutions``
    extra: dict = field(default_factory=dict)


# ------------------------------------------------------------------------------ running
def _move(problem: Problem, head: int, move: int) -> int | None:
    """The head after a move (None: it stepped off an open edge)."""
    h, n = head + MOVES[move], problem.length
    if 0 <= h < n:
        return h
    if problem.edge == "circular":
        return h % n
    if problem.edge == "clamp":
        return min(max(h, 0), n - 1)
    return None


class Simulation(NamedTuple):
    """How a training tape's run under a partial table ended: ``outcome`` "missing" (it
    needs the entry ``detail``, a (state, symbol) pair, that the table lacks), "lost" (it
    ran off an open edge; ``detail`` None) or "done" (``detail``: whether it ends right);
    ``used``, the set of entries it used."""
    outcome: str
    detail: tuple[int, int] | bool | None
    used: set


def simulate(problem: Problem, entries: dict, b: int) -> Simulation:
    """Run training tape ``b`` under ``entries`` for ``problem.steps`` steps."""
    tape = list(problem.tapes[b])
    state, head, used = 0, problem.origin, set()
    for _ in range(problem.steps):
        if problem.halting[state]:
            break
        key = (state, tape[head])
        if key not in entries:
            return Simulation("missing", key, used)
        used.add(key)
        write, move, nxt = entries[key]
        tape[head] = write
        head = _move(problem, head, move)
        if head is None:
            return Simulation("lost", None, used)
        state = nxt
    want = problem.verdicts[b]
    ok = problem.halting[state] and (want is None or state == want) \
        and tuple(tape) == problem.targets[b]
    return Simulation("done", ok, used)


def _used(problem: Problem, entries: dict) -> dict:
    """``entries`` restricted to what the training runs use."""
    used: set = set()
    for b in range(len(problem.tapes)):
        used |= simulate(problem, entries, b).used
    return {k: entries[k] for k in sorted(used)}


# ------------------------------------------------------------------------------ SMT
def smt(problem: Problem, *, budget: float = 60.0, max_solutions: int = 1000) -> SynthesisResult:
    """Every distinct program consistent with the examples, up to ``max_solutions`` and
    ``budget`` seconds, from Z3 (see the module docstring)."""
    try:
        import z3
    except ImportError:
        raise ValueError("--method smt needs the Z3 solver: pip install -e '.[smt]'") from None

    started = time.perf_counter()
    Q, S, L, W = len(problem.states), len(problem.symbols), problem.length, problem.working
    I = z3.IntSort()
    N, Wr, M = (z3.Function(name, I, I, I) for name in ("N", "W", "M"))
    solver = z3.Solver()
    for q in range(W):
        for s in range(S):
            solver.add(0 <= N(q, s), N(q, s) < Q, 0 <= Wr(q, s), Wr(q, s) < S,
                       0 <= M(q, s), M(q, s) < 3)
    for b, (tape0, target) in enumerate(zip(problem.tapes, problem.targets)):
        state, head = z3.IntVal(0), z3.IntVal(problem.origin)
        tape = [z3.IntVal(x) for x in tape0]
        for _ in range(problem.steps):
            halted = state >= W
            read = tape[L - 1]
            for i in range(L - 2, -1, -1):
                read = z3.If(head == i, tape[i], read)
            q = z3.FreshInt("q")
            r = z3.FreshInt("r")
            solver.add(q == state, r == read)
            raw = head + M(q, r) - 1
            if problem.edge == "circular":
                moved = z3.If(raw < 0, L - 1, z3.If(raw >= L, 0, raw))
            elif problem.edge == "clamp":
                moved = z3.If(raw < 0, 0, z3.If(raw >= L, L - 1, raw))
            else:
                solver.add(z3.Or(halted, z3.And(raw >= 0, raw < L)))
                moved = raw
            tape = [z3.If(z3.And(z3.Not(halted), head == i), Wr(q, r), tape[i])
                    for i in range(L)]
            new_state, new_head = z3.FreshInt("state"), z3.FreshInt("head")
            solver.add(new_state == z3.If(halted, state, N(q, r)),
                       new_head == z3.If(halted, head, moved))
            state, head = new_state, new_head
        want = problem.verdicts[b]
        solver.add(state >= W if want is None else state == want)
        solver.add(*[tape[i] == target[i] for i in range(L)])
    solutions, first, calls, complete = [], None, 0, False
    while len(solutions) < max_solutions:
        left = budget - (time.perf_counter() - started)
        if left <= 0:
            break
        solver.set("timeout", max(1, int(left * 1000)))
        calls += 1
        verdict = solver.check()
        if verdict == z3.unsat:
            complete = True
            break
        if verdict != z3.sat:                 # unknown: the budget ran out inside the solver
            break
        model = solver.model()
        table = {(q, s): tuple(model.eval(f(q, s), model_completion=True).as_long()
                               for f in (Wr, M, N))
                 for q in range(W) for s in range(S)}
        entries = _used(problem, table)
        solutions.append(Solution(entries))
        first = first if first is not None else time.perf_counter() - started
        solver.add(z3.Or([z3.Or(Wr(q, s) != w, M(q, s) != m, N(q, s) != n)
                          for (q, s), (w, m, n) in entries.items()]))
    return SynthesisResult("smt", solutions, first, time.perf_counter() - started, calls,
                           complete)


# ------------------------------------------------------------------------------ enumeration
def enumerate_tables(problem: Problem, *, budget: float = 60.0,
                     max_solutions: int = 1000) -> SynthesisResult:
    """Every program consistent with the examples up to state renaming, by tree search over
    partial tables (see the module docstring), up to ``max_solutions`` and ``budget`` s."""
    started = time.perf_counter()
    S, W = len(problem.symbols), problem.working
    halts = [q for q, h in enumerate(problem.halting) if h]
    solutions: list[Solution] = []
    first: list[float] = []
    tried = [0]

    class OutOfBudget(Exception):
        pass

    def search(entries: dict, used_states: int) -> None:
        if len(solutions) >= max_solutions or time.perf_counter() - started > budget:
            raise OutOfBudget
        tried[0] += 1
        for b in range(len(problem.tapes)):
            sim = simulate(problem, entries, b)
            if sim.outcome == "lost" or (sim.outcome == "done" and not sim.detail):
                return                                  # a finished run is wrong: prune
            if sim.outcome == "missing":
                q, s = sim.detail
                targets = list(range(min(used_states + 1, W))) + halts
                for nxt in targets:
                    for write in range(S):
                        for move in range(3):
                            entries[(q, s)] = (write, move, nxt)
                            search(entries, max(used_states, nxt + 1) if nxt < W
                                   else used_states)
                    del entries[(q, s)]
                return
        solutions.append(Solution(dict(sorted(entries.items()))))
        if not first:
            first.append(time.perf_counter() - started)

    complete = True
    try:
        search({}, 1)
    except OutOfBudget:
        complete = False
    return SynthesisResult("enumerate", solutions, first[0] if first else None,
                           time.perf_counter() - started, tried[0], complete)


# ------------------------------------------------------------------------------ programs
def table_model(problem: Problem, solution: Solution):
    """A one-restart :class:`SoftTM` whose tables are ``solution`` one-hot (entries it does not
    use: stay, write back, keep the state, as :meth:`SoftTM.from_program` does)."""
    import torch

    from machines.soft_tm import _ONE_HOT_LOGIT, SoftTM

    Q, S = len(problem.states), len(problem.symbols)
    model = SoftTM(problem.states, problem.symbols, problem.halting, restarts=1,
                   edge=problem.edge)
    nxt = torch.full((1, Q, S, Q), -_ONE_HOT_LOGIT)
    wr = torch.full((1, Q, S, S), -_ONE_HOT_LOGIT)
    mv = torch.full((1, Q, S, 3), -_ONE_HOT_LOGIT)
    for q in range(Q):
        for s in range(S):
            write, move, n = solution.entries.get((q, s), (s, 1, q))
            nxt[0, q, s, n], wr[0, q, s, write], mv[0, q, s, move] = 0.0, 0.0, 0.0
    with torch.no_grad():
        model.next_logits.copy_(nxt)
        model.write_logits.copy_(wr)
        model.move_logits.copy_(mv)
    return model.eval()


def hardened(problem: Problem, solution: Solution, batch, name: str):
    """``solution`` as a :class:`Program`, hardened as the soft TM's tables are (entries the
    training runs do not visit are left out)."""
    model = table_model(problem, solution)
    visits = model.visits(batch.tape, problem.steps, problem.origin)
    return model.harden(0, visits=visits, name=name)


def canonical(solution: Solution, working: int) -> tuple:
    """``solution`` with its working states renamed in order of first use from state 0
    (symbols in order): equal for programs that differ only in the names of their states."""
    order = {0: 0}
    queue = [0]
    while queue:
        q = queue.pop(0)
        for (p, s), (_, _, n) in sorted(solution.entries.items()):
            if p == q and n < working and n not in order:
                order[n] = len(order)
                queue.append(n)
    rename = lambda q: order.get(q, q) if q < working else q          # noqa: E731
    return tuple(sorted(((rename(q), s), (w, m, rename(n)))
                        for (q, s), (w, m, n) in solution.entries.items()))
