"""Which copying tasks a discrete tape with Delétang et al.'s five moves can do at every length:
an exact check with Z3, for machines that move symbols about but do not compute with them.

results/PATTERN.md argues that the Tape-RNN's moves (0, -1, +1, -n, +n, where n is the input's
length) admit a one-pass program for duplicate and reverse but none for odds_first. This
module checks a stronger statement exactly, for bounded lengths, over a wider class of
programs: those that may also read what they wrote and write it elsewhere.

**The model (a routing abstraction of a discrete Tape-RNN).** The input s_1 .. s_n is n
distinct symbols. The machine may copy, hold or drop symbols but not combine them. At step t
(t = 1 .. T; the input at steps 1 .. n, then ``pause`` delimiter steps, then the answer):

    R_t = C_{t-1}(p_t)                      the cell under the head, before this step's write
    A_t = B_{t-1} ∪ R_t ∪ {x_t}             what the controller has (x_t: the input symbol)
    W_t ⊆ A_t, |W_t| <= c                   written under the head: C_t(p_t) = W_t
    B_t ⊆ A_t, |B_t| <= b                   held in the controller
    p_{t+1} - p_t ∈ {0, -1, +1, -n, +n}     the move; p_1 = 0, every cell starts empty

and the k-th answer symbol must be in A_t at its step t (where the output is read from h_t,
which saw the cell before the move: Delétang et al.'s code, and tapelab's
``variant="deletang"``) or in A_t ∪ C_t(p_{t+1}) (tapelab's Tape-RNN, whose output also sees
the cell the step moves to). ``b`` bounds what the controller carries from
step to step and ``c`` what a cell holds: a controller of finitely many states and cells of a
few numbers hold a bounded number of symbols.

**One program for every length** (``knows_length=False``). A machine cannot know where its
input ends before it ends: at each input step its choices (move, write, hold) may depend on
the step's number and on everything it has read, not on n. Runs at lengths n and n' must
therefore choose alike at step t <= min(n, n') for as long as they have read alike. What a
read shows is taken to be which step last wrote the cell (or that none did), which tells
apart at least as much as the cell's content: a relaxation, so that "no schedule" is a proof
within the model, for that set of lengths and so for any longer one. With
``knows_length=True`` each length stands alone: the machine is told n.

**What it covers and what it does not.** Any discrete program whose symbols can be followed
as whole tokens, including programs that move what they wrote. It does not cover a soft head
(it reads mixtures of cells), a controller or cell that packs an unbounded number of symbols
into real numbers, or coding (writing a function of several symbols, such as an exclusive or).

A schedule Z3 finds is replayed by :func:`replay`, which checks every rule above in plain
Python, so that an error in the encoding cannot pass as a schedule.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import NamedTuple

MOVES = ("stay", "left", "right", "jump-left", "jump-right")   # machines.tape_rnn.ACTIONS' order


@dataclass(frozen=True)
class Timing:
    """When the answer starts and what an answer step may use."""

    name: str
    pause: int                # delimiter steps between the input and the answer
    sees_next_read: bool      # the output also sees the cell the step moves to


# Delétang et al.'s code (no step between input and answer: ``computation_steps_mult = 0``;
# the output is read from h_t), tapelab's Tape-RNN (one delimiter step; its output also sees
# the cell the step moves to), and tapelab's ``variant="deletang"`` (the delimiter step, and
# the output from h_t).
TIMINGS = {"deletang": Timing("deletang", pause=0, sees_next_read=False),
           "tapelab": Timing("tapelab", pause=1, sees_next_read=True),
           "tapelab-deletang": Timing("tapelab-deletang", pause=1, sees_next_read=False)}


@dataclass(frozen=True)
class Question:
    """Is there a schedule for ``task`` at every length in ``lengths``, with a controller that
    holds ``buffer`` symbols and cells that hold ``cell``?"""

    task: str
    lengths: tuple[int, ...]
    buffer: int
    cell: int
    timing: Timing
    knows_length: bool = False


@dataclass(frozen=True)
class Step:
    """One step of a run: where the head is, what is written and held, how it moves, and
    which input symbol (1-based) the answer needs at this step (0: none)."""

    position: int
    write: frozenset[int]
    hold: frozenset[int]
    move: int
    due: int = 0


@dataclass(frozen=True)
class Run:
    length: int
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Answer:
    question: Question
    verdict: str                          # "found", "none" or "unknown"
    seconds: float
    runs: tuple[Run, ...] = field(default=(), repr=False)    # the schedule, when found


@dataclass(frozen=True)
class Scan:
    """Questions for lengths 1..N, N = 1, 2, ... until one has no schedule (or no answer)."""

    task: str
    buffer: int
    cell: int
    timing: Timing
    knows_length: bool
    answers: tuple[Answer, ...]

    @property
    def longest(self) -> int:
        """The largest N with a schedule for every length 1..N (0: none)."""
        found = [max(a.question.lengths) for a in self.answers if a.verdict == "found"]
        return max(found, default=0)

    @property
    def first_without(self) -> int | None:
        """The N at which the scan found that no schedule exists (None: it never did)."""
        none = [max(a.question.lengths) for a in self.answers if a.verdict == "none"]
        return min(none, default=None)

    @property
    def seconds(self) -> float:
        return sum(a.seconds for a in self.answers)


# ------------------------------------------------------------------------------ the task
# Delétang et al.'s code orders one shared task's answer otherwise than tapelab's suite (and
# its own docstring): odds_first's target is ``s[1::2]`` then ``s[0::2]``, that is
# s_2 s_4 ... then s_1 s_3 ... counting from 1 (their tasks/cs/odds_first.py), the suite's
# evens_first. ``TASK@deletang`` asks for their order; duplicate and reverse are the same in both.
THEIR_ORDER = {"odds_first": "evens_first"}


def sources(task: str, n: int) -> tuple[int, ...]:
    """For each answer position, the input position (1-based) whose symbol it is, from the
    suite's own ``solve`` applied to n distinct symbols (``TASK@deletang``: from that of the
    suite task in Delétang et al.'s order, :data:`THEIR_ORDER`). ValueError for tasks whose
    answer is not a rearrangement of input symbols, or that have no order of theirs that
    differs."""
    from tasks.suite import get_task

    name, _, order = task.partition("@")
    if order and (order != "deletang" or name not in THEIR_ORDER):
        theirs = ", ".join(f"{t}@deletang" for t in THEIR_ORDER)
        raise ValueError(f"task {task!r}: only {theirs} has an order of Delétang et al.'s code "
                         "that differs from the suite's")
    solve = get_task(THEIR_ORDER[name] if order else name).solve
    atoms = "".join(chr(0x4E00 + i) for i in range(n))
    try:
        answer = solve(atoms)
    except Exception:           # the oracle rejects symbols outside its alphabet
        answer = None
    if not isinstance(answer, str) or any(ch not in atoms for ch in answer):
        raise ValueError(f"task {task!r}: its answer is not made of its input's symbols; "
                         "schedules cover copying tasks such as duplicate, odds_first, reverse")
    return tuple(atoms.index(ch) + 1 for ch in answer)


class AnswerSteps(NamedTuple):
    """The last step T of a run and the step that gives the first answer symbol."""
    last: int
    first: int


def _steps(n: int, m: int, timing: Timing) -> AnswerSteps:
    """The steps of an input of n symbols and an answer of m."""
    first = n + timing.pause + 1
    return AnswerSteps(first + m - 1, first)


def _check(question: Question) -> None:
    if question.buffer < 0 or question.cell < 0:
        raise ValueError("buffer and cell must be 0 or more")
    if not question.lengths or min(question.lengths) < 1:
        raise ValueError("lengths must be 1 or more")


# ------------------------------------------------------------------------------ the solver
@dataclass
class _Encoding:
    """One length's run in Z3's terms: positions ``p[t]``, moves ``act[t]`` (indices into
    :data:`MOVES`), writes ``w[t, i]`` and holds ``h[t, i]`` (symbol i), and ``last[t][u]``:
    step u was the last to write the cell under the head at step t."""

    n: int
    steps: int
    first: int
    due: tuple[int, ...]
    p: dict
    act: dict
    w: dict
    h: dict
    last: dict


def _encode(z3, solver, question: Question, n: int) -> _Encoding:
    """Add the rules of the module docstring for the run at length n."""
    b, c, timing = question.buffer, question.cell, question.timing
    due = sources(question.task, n)
    T, first = _steps(n, len(due), timing)
    last_step = T + 1 if timing.sees_next_read else T          # one more position to read
    p = {t: z3.Int(f"p_n{n}_t{t}") for t in range(1, last_step + 1)}
    act = {t: z3.Int(f"a_n{n}_t{t}") for t in range(1, last_step)}
    solver.add(p[1] == 0)
    for t in range(1, last_step):
        solver.add(act[t] >= 0, act[t] < len(MOVES))
        shift = z3.If(act[t] == 0, 0, z3.If(act[t] == 1, -1, z3.If(act[t] == 2, 1,
                                                                     z3.If(act[t] == 3, -n, n))))
        solver.add(p[t + 1] == p[t] + shift)
    symbols = range(1, n + 1)
    w = {(t, i): z3.Bool(f"w_n{n}_t{t}_s{i}") for t in range(1, T + 1) for i in symbols}
    h = {(t, i): z3.Bool(f"h_n{n}_t{t}_s{i}") for t in range(1, T + 1) for i in symbols}
    last: dict[int, dict[int, object]] = {}
    for t in range(2, last_step + 1):
        same = {u: p[u] == p[t] for u in range(1, min(t, T + 1))}
        last[t] = {u: z3.And(same[u], *[z3.Not(same[v]) for v in range(u + 1, min(t, T + 1))])
                   for u in same}

    def read(t: int, i: int):
        return z3.Or(*[z3.And(last[t][u], w[u, i]) for u in last[t]]) if t > 1 else False

    for t in range(1, T + 1):
        solver.add(z3.PbLe([(w[t, i], 1) for i in symbols], c) if c < n else True)
        solver.add(z3.PbLe([(h[t, i], 1) for i in symbols], b) if b < n else True)
        for i in symbols:
            have = z3.Or(h[t - 1, i] if t > 1 else False, read(t, i), t == i)
            solver.add(z3.Implies(w[t, i], have), z3.Implies(h[t, i], have))
            if i > t:                                           # not read in yet
                solver.add(z3.Not(w[t, i]), z3.Not(h[t, i]))
            if t >= first and due[t - first] == i:
                solver.add(z3.Or(have, read(t + 1, i)) if timing.sees_next_read else have)
    return _Encoding(n, T, first, due, p, act, w, h, last)


def _tie(z3, solver, one: _Encoding, two: _Encoding) -> None:
    """Runs at two lengths choose alike at each input step of the shorter for as long as
    they have read alike (each read shows which step last wrote the cell)."""
    alike = True
    for t in range(1, one.n + 1):
        if t > 1:
            alike = z3.And(alike, *[one.last[t][u] == two.last[t][u] for u in range(1, t)])
        solver.add(z3.Implies(alike, one.act[t] == two.act[t]))
        for i in range(1, t + 1):
            solver.add(z3.Implies(alike, z3.And(one.w[t, i] == two.w[t, i],
                                                one.h[t, i] == two.h[t, i])))


def _schedule(z3, model, run: _Encoding) -> Run:
    def on(x) -> bool:
        return z3.is_true(model.eval(x, model_completion=True))

    steps = []
    for t in range(1, run.steps + 1):
        steps.append(Step(
            position=model.eval(run.p[t]).as_long(),
            write=frozenset(i for i in range(1, run.n + 1) if on(run.w[t, i])),
            hold=frozenset(i for i in range(1, run.n + 1) if on(run.h[t, i])),
            move=model.eval(run.act[t], model_completion=True).as_long() if t in run.act else 0,
            due=run.due[t - run.first] if t >= run.first else 0))
    return Run(run.n, tuple(steps))


def solve(question: Question, *, timeout_s: float = 600.0) -> Answer:
    """Ask Z3 for a schedule (see the module docstring); ``unknown`` when it runs out of
    ``timeout_s``. A found schedule comes back in ``runs``, one per length."""
    _check(question)
    try:
        import z3
    except ImportError:
        raise ValueError("schedules need the Z3 solver: pip install -e '.[smt]'") from None
    started = time.perf_counter()
    solver = z3.Solver()
    solver.set("timeout", max(1, int(timeout_s * 1000)))
    runs = [_encode(z3, solver, question, n) for n in sorted(set(question.lengths))]
    if not question.knows_length:
        for x, one in enumerate(runs):
            for two in runs[x + 1:]:
                _tie(z3, solver, one, two)
    verdict = solver.check()
    seconds = time.perf_counter() - started
    if verdict == z3.unsat:
        return Answer(question, "none", seconds)
    if verdict != z3.sat:
        return Answer(question, "unknown", seconds)
    model = solver.model()
    return Answer(question, "found", seconds, tuple(_schedule(z3, model, r) for r in runs))


# ------------------------------------------------------------------------------ the check
def _shift(move: int, n: int) -> int:
    return (0, -1, 1, -n, n)[move]


@dataclass(frozen=True)
class Read:
    """What the head finds in its cell: the step that last wrote it (0: none) and the symbols."""

    writer: int
    symbols: frozenset[int]


def reads(run: Run) -> list[Read]:
    """The read at each step of ``run`` (the cell before the step's write), and one more: the
    cell the last step moves to."""
    tape: dict[int, Read] = {}
    out = []
    for t, step in enumerate(run.steps, start=1):
        out.append(tape.get(step.position, Read(0, frozenset())))
        tape[step.position] = Read(t, step.write)
    last = run.steps[-1]
    out.append(tape.get(last.position + _shift(last.move, run.length), Read(0, frozenset())))
    return out


def replay(question: Question, runs: tuple[Run, ...]) -> list[str]:
    """Every rule of the module docstring that ``runs`` break, in plain Python (empty: a valid
    schedule). Independent of the Z3 encoding."""
    faults: list[str] = []
    b, c, timing = question.buffer, question.cell, question.timing
    seen: dict[int, list[int]] = {}            # what each run's reads showed (the last writer)
    if sorted(r.length for r in runs) != sorted(set(question.lengths)):
        faults.append("the runs are not one per length asked")
    for run in runs:
        n, steps = run.length, run.steps
        due = sources(question.task, n)
        T, first = _steps(n, len(due), timing)
        if len(steps) != T:
            faults.append(f"n={n}: {len(steps)} steps, not {T}")
            continue
        found = reads(run)
        held: frozenset[int] = frozenset()
        for t, step in enumerate(steps, start=1):
            if t == 1 and step.position != 0:
                faults.append(f"n={n}: the head starts at {step.position}, not 0")
            have = held | found[t - 1].symbols | ({t} if t <= n else frozenset())
            if not step.write <= have or len(step.write) > c:
                faults.append(f"n={n} t={t}: writes {sorted(step.write)} from {sorted(have)}")
            if not step.hold <= have or len(step.hold) > b:
                faults.append(f"n={n} t={t}: holds {sorted(step.hold)} from {sorted(have)}")
            nxt = step.position + _shift(step.move, n)
            if t < T and steps[t].position != nxt:
                faults.append(f"n={n} t={t}: moves to {steps[t].position}, not {nxt}")
            if t >= first:
                want = due[t - first]
                if step.due != want:
                    faults.append(f"n={n} t={t}: due s{step.due}, the task needs s{want}")
                after = found[t].symbols if timing.sees_next_read else frozenset()
                if want not in have and want not in after:
                    faults.append(f"n={n} t={t}: s{want} is due and not at hand")
            held = step.hold
        seen[n] = [r.writer for r in found[:T]]
    if not question.knows_length:
        by_length = {r.length: r for r in runs}
        for n in sorted(seen):
            for n2 in sorted(seen):
                if n2 <= n:
                    continue
                for t in range(1, n + 1):
                    if seen[n][t - 1] != seen[n2][t - 1]:
                        break                              # they can tell each other apart
                    one, two = by_length[n].steps[t - 1], by_length[n2].steps[t - 1]
                    if (one.move, one.write, one.hold) != (two.move, two.write, two.hold):
                        faults.append(f"t={t}: lengths {n} and {n2} have read alike and "
                                      "choose differently")
                        break
    return faults


# ------------------------------------------------------------------------------ known programs
def write_once(task: str, n: int, timing: Timing) -> Run:
    """The write-once program of results/PATTERN.md at length n, where it fits ``timing``:
    write s_t in cell t-1 while moving right, then read the cells back.

    * ``reverse``, tapelab's timing (b = 0, c = 1): the delimiter step moves left onto s_n,
      and each answer step reads its cell and moves left.
    * ``reverse``, Delétang et al.'s (b = 1, c = 1): with no step between the input and the
      answer, each input step holds its symbol and writes the one before; the answer starts
      from the held s_n.
    * ``duplicate``, tapelab's (b = 0, c = 1): the delimiter step jumps back n cells onto
      s_1; the first copy reads rightwards, rewriting what it reads; the last step of that
      copy jumps back n cells again, one cell short of s_1, and the second copy reads each
      symbol from the cell the step moves to (tapelab's output sees it).

    Every input step chooses alike at every length, so these are one program for all
    lengths. ValueError where no such program is given (duplicate in Delétang et al.'s timing:
    see the module docstring of the benchmark, benchmarks/tape_schedules.py)."""
    due = sources(task, n)
    T, first = _steps(n, len(due), timing)
    ours = timing.pause == 1 and timing.sees_next_read
    theirs = timing.pause == 0 and not timing.sees_next_read
    right, left, back = MOVES.index("right"), MOVES.index("left"), MOVES.index("jump-left")
    steps: list[Step] = []
    if task == "reverse" and (ours or theirs):
        for t in range(1, n + 1):                               # input: cell t-1
            write = frozenset({t}) if ours else frozenset({t - 1}) - {0}
            steps.append(Step(t - 1, write, frozenset() if ours else frozenset({t}), right))
        cells = {s.position: s.write for s in steps}
        for t in range(n + 1, T + 1):                           # read leftwards, rewriting
            position = n - (t - n - 1)
            steps.append(Step(position, cells.get(position, frozenset()), frozenset(), left,
                              due[t - first] if t >= first else 0))
        return Run(n, tuple(steps))
    if task == "duplicate" and ours:
        for t in range(1, n + 1):
            steps.append(Step(t - 1, frozenset({t}), frozenset(), right))
        steps.append(Step(n, frozenset(), frozenset(), back))      # the delimiter step
        for k in range(1, n + 1):                                 # first copy: cells 0..n-1
            steps.append(Step(k - 1, frozenset({k}), frozenset(), back if k == n else right,
                              due[k - 1]))
        for k in range(1, n + 1):                                 # second copy, one cell behind
            content = frozenset({k - 1}) if k > 1 else frozenset()
            steps.append(Step(k - 2, content, frozenset(), right, due[n + k - 1]))
        return Run(n, tuple(steps))
    raise ValueError(f"no write-once program is given for {task!r} in {timing.name}'s timing")


def scan(task: str, *, buffer: int, cell: int, timing: Timing, max_length: int,
         knows_length: bool = False, timeout_s: float = 600.0, progress=None) -> Scan:
    """Solve for lengths 1..N, N = 1 .. ``max_length``, until a question has no schedule or
    no answer. Without ``knows_length``, "none" at N means none for any longer set. With it,
    each length is asked on its own and the scan goes on to ``max_length``. ``progress`` is
    called with each answer."""
    answers: list[Answer] = []
    for N in range(1, max_length + 1):
        lengths = (N,) if knows_length else tuple(range(1, N + 1))
        answer = solve(Question(task, lengths, buffer, cell, timing, knows_length),
                       timeout_s=timeout_s)
        answers.append(answer)
        if progress is not None:
            progress(answer)
        if answer.verdict == "unknown" or (answer.verdict == "none" and not knows_length):
            break
    return Scan(task, buffer, cell, timing, knows_length, tuple(answers))
