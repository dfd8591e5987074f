"""The classical Turing machine interpreter: a discrete head that reads ``mem[x]``.

``run`` is the fast path (an integer-indexed step loop over a ``bytearray`` tape, never copied
per step); ``trace`` is the readable path that yields every configuration. Both agree exactly.

Step counting: ``steps`` counts executed transitions. A transition into a halting state is a
step. A halt because no rule matches is *not* a step (Morphett's simulator shows one more step in
that case, since it counts the failed lookup). The bbchallenge format follows the busy-beaver
convention by turning an undefined ``---`` into an explicit ``1RZ`` rule when it is parsed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, NamedTuple

from machines.errors import InputError
from machines.program import MOVES, Program, Rule, Transitions
from machines.runtape import EngineResult, RuleCount, RunProgress, Watch
from machines.tape import RunTape, Tape

DEFAULT_MAX_STEPS = 10_000_000
ENGINES = ("auto", "plain", "chain", "macro")
NEVER_HALTS = ("cycle", "translated-cycle", "runs-off", "infinite-rule")
AUTO_MACRO_STEPS = 10**9   # ``auto`` runs the chain engine up to this limit, macro beyond
MACRO_SEARCH_STEPS = 10**8  # translated cycles after a macro run: searched this far
MACRO_PRESEARCH = 1 << 16   # ... and before it (a cycler's verdict in a fraction of a second)
SEARCH_START = 1 << 14      # chain runs pause for a translated-cycle search after this many
SEARCH_SHARE = 64           # chain steps, searching 1/SEARCH_SHARE of them; then it doubles
RULE_SHARE = 32             # ... and proving rules for 1/RULE_SHARE of that, in macro moves
DEFAULT_MAX_TAPE = 20_000_000   # runs (the plain engine: cells) a run's tape may hold
FALLBACK_RUNS = 100_000     # auto: a tape of this many runs ...
FALLBACK_CELLS = 2          # ... averaging fewer cells (or chain steps) each: the plain loop
STOP_CHUNK = 1 << 22        # plain loop: steps between two calls of ``watch`` (about 0.5 s)
HALTED = ("halt-state", "no-rule")
STOPPED = ("step-limit", "tape-limit", "interrupted")   # the run ended without a verdict
_PAD = 1024  # blank cells added on each side when the tape array grows


@dataclass(frozen=True)
class RunResult:
    """How a run ended. ``head`` and ``tape`` are in cells relative to the head's start cell."""

    halted: bool
    state: str
    steps: int
    head: int
    tape: RunTape
    reason: str  # "halt-state" | "no-rule" | "step-limit" | "tape-limit" | "cycle" |
                 # "translated-cycle" | "runs-off" | "infinite-rule" | "interrupted" |
                 # "breakpoint" (a trace stopped there)
    since: int | None = None    # cycle: the step of a configuration that recurs ...
    period: int | None = None   # ... every ``period`` steps
    # the macro engine's rules, proven and applied (None: no macro run); not part of equality,
    # since engines that reach the same configuration are the same result
    rules: RuleCount | None = field(default=None, compare=False)

    def accepted(self, program: Program) -> bool:
        return self.halted and self.state in program.accept


@dataclass(frozen=True)
class Configuration:
    """One instant of a run: after ``step`` steps, in ``state`` with the head on ``head``.

    ``rule`` is the rule about to be applied (``None`` when the machine halts here); ``reason``
    is set on the last configuration of a trace and says why it is the last.
    """

    step: int
    state: str
    head: int
    tape: Tape
    rule: Rule | None
    reason: str | None = None


class InitialTape(NamedTuple):
    cells: list[str]        # the input's cell symbols
    head: int               # the index of the head's start cell in them


def initial_tape(program: Program, text: str | None) -> InitialTape:
    """The input as a list of cell symbols and the index of the head's start cell in it.

    ``None`` means the program's own default input. A space stands for the blank; the program's
    ``head_marker`` (Morphett's ``*``), if present, is removed and the head starts on the
    character that followed it.
    """
    if text is None:
        text = program.input or ""
    head = 0
    marker = program.head_marker
    if marker and marker in text:
        head = text.index(marker)
        if text.count(marker) > 1:
            raise InputError(f"two head-start markers ({marker!r}) in the input, at positions "
                             f"{head + 1} and {text.index(marker, head + 1) + 1}: mark one "
                             "cell only")
        text = text[:head] + text[head + 1:]
    cells = [program.blank if c == " " else c for c in text]
    return InitialTape(cells, head)


def check_input(program: Program, text: str | None) -> None:
    """Raise :class:`InputError` for an input the program cannot read as intended: two
    head-start markers, or (in a program without wildcards) a symbol that no rule names,
    on which the machine would stop at once for want of a rule."""
    cells, _ = initial_tape(program, text)
    if program.has_wildcards:
        return
    known = set(program.symbols)
    for i, c in enumerate(cells):
        if c not in known:
            shown = ", ".join(repr(s) for s in program.symbols)
            raise InputError(f"the input's symbol {c!r} (position {i + 1}) is not one of the "
                             f"program's symbols ({shown})")


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


def run(program: Program, tape_input: str | None = None, *, max_steps: int = DEFAULT_MAX_STEPS,
        engine: str = "auto", block: int | None = None, back: bool | None = None,
        rules: bool = True, watch: Watch | None = None, deciders: bool = True,
        max_tape: int | None = DEFAULT_MAX_TAPE) -> RunResult:
    """Run ``program`` on ``tape_input`` (``None``: its own default input) for at most
    ``max_steps`` steps and say how it ended.

    Engines (all give the same result): ``plain`` steps one cell at a time, ``chain`` crosses
    runs of equal symbols in one step (:mod:`machines.chain`), ``macro`` runs a block macro
    machine (:mod:`machines.macro`; ``block`` cells a block and ``back`` the back symbol fix
    it, searched for by default; ``rules`` proves and applies rules over symbolic run lengths,
    :mod:`machines.rules`), ``auto`` is ``chain`` for limits up to ``AUTO_MACRO_STEPS`` and
    ``macro`` beyond (where only proven rules get through in reasonable time).

    ``watch`` is called now and then (every few milliseconds of work) with a
    :class:`~machines.runtape.RunProgress`; once it returns true the run ends where it stands,
    with reason ``interrupted`` (Ctrl-C in ``tapelab run``, which also shows the progress).
    ``max_tape`` bounds the tape: more runs than that (the plain engine: cells) end the run
    with reason ``tape-limit``, before memory runs out. ``deciders`` runs the never-halts
    deciders during the run on a doubling schedule (see :func:`_run_decided`).

    The result's tape is a :class:`RunTape`: runs with exact counts, whatever its length.
    """
    _check_engine(engine)
    if max_steps < 0:
        raise ValueError("max_steps must be >= 0")
    cells, head0 = initial_tape(program, tape_input)
    table = program.transitions(cells)
    symbols = table.symbols
    sidx = {s: i for i, s in enumerate(symbols)}
    if engine in ("auto", "chain", "macro"):
        from machines.runtape import to_tape

        out = _run_decided(
            table, [sidx[c] for c in cells], head0, max_steps,
            macro=engine == "macro" or (engine == "auto" and max_steps > AUTO_MACRO_STEPS),
            block=block, back=back, rules=rules, watch=watch, deciders=deciders,
            max_tape=max_tape, fallback=engine == "auto")
        if isinstance(out, PlainResult):        # auto fell back to the plain loop
            return RunResult(out.reason in HALTED, table.states[out.state], out.steps,
                             out.head, out.tape, out.reason)
        return RunResult(out.reason in HALTED, table.states[out.state],
                         out.steps, out.head,
                         to_tape(symbols, out.left, out.cur, out.right, out.head),
                         out.reason, out.since, out.period, out.rules)
    trans = program.memo(("plain", symbols), lambda: _flat_table(table))
    out = _run_plain(table, trans, [sidx[c] for c in cells], head0, max_steps, watch=watch,
                     max_tape=max_tape)
    return RunResult(out.reason in HALTED, table.states[out.state], out.steps, out.head,
                     out.tape, out.reason)


class PlainResult(NamedTuple):
    """Where the plain loop ended: state (an index), steps, the head's cell, the tape, why."""

    state: int
    steps: int
    head: int
    tape: RunTape
    reason: str


def _run_plain(table: Transitions, trans: list, cells: list[int], head0: int, max_steps: int,
               *, state: int = 0, steps: int = 0, head: int = 0, watch: Watch | None = None,
               max_tape: int | None = None) -> PlainResult:
    """The plain loop from ``state`` after ``steps`` steps, on integer ``cells`` with the head
    on ``cells[head0]``, which is cell ``head`` (cells are counted from the head's start)."""
    symbols, nsym = table.symbols, len(table.symbols)
    pad = _PAD + len(cells)
    tape: bytearray | list[int]
    tape = bytearray(pad) if nsym <= 256 else [0] * pad
    tape.extend(cells)
    tape.extend(bytes(pad) if nsym <= 256 else [0] * pad)
    origin = pad + head0 - head   # array index of cell 0
    pos = pad + head0
    base, reason = state * nsym, "step-limit"
    if table.halting[state]:
        reason = "halt-state"
    while reason == "step-limit":
        if watch is not None and watch(RunProgress("plain", steps, len(tape))):
            reason = "interrupted"
            break
        room = min(pos, len(tape) - 1 - pos)   # steps that cannot leave the array
        if room == 0:
            grow = len(tape)
            if max_tape is not None and 3 * grow > max_tape + 2 * pad:
                reason = "tape-limit"
                break
            blank = bytearray(grow) if isinstance(tape, bytearray) else [0] * grow
            tape = blank + tape + blank
            pos += grow
            origin += grow
            continue
        chunk = min(room, max_steps - steps, STOP_CHUNK if watch is not None else room)
        if chunk <= 0:
            break
        k = chunk
        for k in range(chunk):  # the hot loop: one table lookup per step, no bounds checks
            w, d, nb = trans[base + tape[pos]]
            if nb < 0:
                break
            tape[pos] = w
            pos += d
            base = nb
        else:
            steps += chunk
            continue
        steps += k
        if nb == -1:
            reason = "no-rule"
        else:  # the step into a halting state
            tape[pos] = w
            pos += d
            base = (-nb - 2) * nsym
            steps += 1
            reason = "halt-state"
    data = bytes(tape) if isinstance(tape, bytearray) else tape
    flat = Tape.from_cells(symbols[0], [symbols[c] for c in data], origin) \
        if nsym > 256 else _tape_from_bytes(data, symbols, origin)
    return PlainResult(base // nsym, steps, pos - origin,
                       RunTape.from_text(flat.blank, flat.offset, flat.text), reason)


def _run_decided(table: Transitions, cells: list[int], head0: int, max_steps: int, *,
                 macro: bool, block: int | None, back: bool | None, rules: bool,
                 watch: Watch | None, deciders: bool = True,
                 max_tape: int | None = None,
                 fallback: bool = False) -> "EngineResult | PlainResult":
    """The chain engine (or with ``macro``, the macro engine) with the never-halts deciders
    on a doubling schedule.

    The chain run pauses after ``SEARCH_START`` chain steps, twice that, four times that, ...;
    at a pause after c chain steps, a tracked run from the start looks for a translated cycle
    within its first c / ``SEARCH_SHARE`` chain steps (cycles and runs-off are found by the
    run itself), and the one-cell macro machine with proven rules runs from the start for
    c / (``SEARCH_SHARE`` x ``RULE_SHARE``) macro moves, looking for a rule that applies
    forever (``infinite-rule``: a bouncer whose sweeps grow by a constant). So a machine
    whose pre-period and period are small gets its verdict after a number of steps
    proportional to them, whatever ``max_steps`` is, and a halting machine pays about
    2 / ``SEARCH_SHARE`` of its chain steps (times the tracking's extra cost) for the
    searches. A run that reaches ``max_steps`` is searched once more up to there. A macro
    run (long runners) gets one search of
    ``MACRO_PRESEARCH`` steps before it starts, and after it, one of ``MACRO_SEARCH_STEPS``.
    ``deciders=False`` runs without the in-run searches (the old schedule; benchmarks).

    ``fallback`` (the ``auto`` engine): a tape that does not compress makes run-length steps
    slower than the plain loop, so the run moves to the plain loop, keeping every step it
    made, when the input holds more than ``FALLBACK_RUNS`` runs averaging under
    ``FALLBACK_CELLS`` cells, or at a pause where the tape holds that many runs and chain
    steps have averaged under ``FALLBACK_CELLS`` steps (the plain loop has no deciders)."""
    from machines.chain import run_runs
    from machines.macro import rule_verdict
    from machines.runtape import split, to_cells

    start: list = []            # the input as runs, split once (a search copies the runs)

    def search(budget: int, moves: int | None = None) -> EngineResult:
        if not start:
            start.extend(split(cells, head0))
        left0, cur0, right0 = start
        return run_runs(table, [r[:] for r in left0], cur0, [r[:] for r in right0], budget,
                        track=True, watch=watch, max_runs=max_tape, max_moves=moves)

    if macro:
        from machines.macro import run_macro

        if deciders:
            early = search(min(max_steps, MACRO_PRESEARCH))
            if early.reason in NEVER_HALTS or early.reason == "interrupted":
                return early
        result = run_macro(table, cells, head0, max_steps, k=block, back=back, rules=rules,
                           watch=watch, max_runs=max_tape)
        if result.reason == "step-limit":
            tracked = search(min(max_steps, MACRO_SEARCH_STEPS))
            if tracked.reason == "translated-cycle":
                return tracked
        return result
    if fallback and len(cells) > FALLBACK_RUNS \
            and _runs(cells) * FALLBACK_CELLS > max(len(cells), FALLBACK_CELLS * FALLBACK_RUNS):
        return _run_plain(table, _flat_table(table), cells, head0, max_steps, watch=watch,
                          max_tape=max_tape)
    left, cur, right = split(cells, head0)
    state = steps = head = moves = 0
    checkpoint, searched = SEARCH_START, 0
    while True:
        result = run_runs(table, left, cur, right, max_steps, state=state, steps=steps,
                          head=head, watch=watch, max_runs=max_tape,
                          max_moves=checkpoint - moves if deciders else None, moves=moves)
        moves += result.moves
        if result.reason != "step-limit" or result.steps >= max_steps:
            break
        state, steps, head, cur = result.state, result.steps, result.head, result.cur
        if fallback and len(left) + len(right) > FALLBACK_RUNS \
                and steps < FALLBACK_CELLS * moves:
            flat, at = to_cells(left, cur, right, head)
            return _run_plain(table, _flat_table(table), flat, at + head, max_steps,
                              state=state, steps=steps, head=head, watch=watch,
                              max_tape=max_tape)
        budget = moves // SEARCH_SHARE
        if budget > searched:
            tracked = search(max_steps, budget)
            searched = budget
            if tracked.reason == "translated-cycle":
                return tracked
            if tracked.reason == "interrupted":
                return result._replace(reason="interrupted")
            if rules:
                proven = rule_verdict(table, cells, head0, max_steps, budget // RULE_SHARE,
                                      watch=watch)
                if proven is not None:
                    return proven
        checkpoint *= 2
    if result.reason == "step-limit":
        tracked = search(max_steps)
        if tracked.reason in ("translated-cycle", "interrupted"):
            return tracked if tracked.reason == "translated-cycle" \
                else result._replace(reason="interrupted")
        if deciders and rules:
            proven = rule_verdict(table, cells, head0, max_steps,
                                  moves // SEARCH_SHARE // RULE_SHARE, watch=watch)
            if proven is not None:
                return proven
    return result


def _runs(cells: list[int]) -> int:
    """How many runs of equal symbols ``cells`` holds."""
    import numpy as np

    a = np.asarray(cells)
    return int(np.count_nonzero(a[1:] != a[:-1])) + (1 if len(a) else 0)


def _flat_table(table: Transitions) -> list[tuple[int, int, int]]:
    """Index ``q * nsym + s`` -> (write, delta, next base). ``next base`` is ``next_q * nsym``,
    -1 where no rule applies, and ``-(2 + next_q)`` when ``next_q`` halts."""
    nsym = len(table.symbols)
    trans = []
    for q in range(len(table.states)):
        for s in range(nsym):
            nq = table.next[q][s]
            nb = -1 if not table.defined[q][s] else -(2 + nq) if table.halting[nq] else nq * nsym
            trans.append((table.write[q][s], table.move[q][s], nb))
    return trans


def _tape_from_bytes(data: bytes, symbols: tuple[str, ...], origin: int) -> Tape:
    left = len(data) - len(data.lstrip(b"\x00"))
    span = data.strip(b"\x00")
    if not span:
        return Tape(symbols[0], 0, "")
    return Tape(symbols[0], left - origin, "".join(map(symbols.__getitem__, span)))


def trace(program: Program, tape_input: str | None = None, *,
          max_steps: int = DEFAULT_MAX_STEPS) -> Iterator[Configuration]:
    """Yield the configuration before each step and the last one (with its ``reason``).

    Each configuration carries a snapshot of the tape, so this is for reading, not for speed.
    """
    cells, head0 = initial_tape(program, tape_input)
    tape = {i - head0: c for i, c in enumerate(cells) if c != program.blank}
    head, state, step = 0, program.start, 0
    while True:
        rule = program.lookup(state, tape.get(head, program.blank))
        if state in program.halting:
            reason = "halt-state"
        elif rule is None:
            reason = "no-rule"
        elif step >= max_steps:
            reason = "step-limit"
        else:
            reason = None
        snap = _snapshot(tape, program.blank)
        yield Configuration(step, state, head, snap, None if reason else rule, reason)
        if reason:
            return
        assert rule is not None
        if rule.write == program.blank:
            tape.pop(head, None)
        else:
            tape[head] = rule.write
        head += MOVES[rule.move]
        state = rule.next
        step += 1


def _snapshot(tape: dict[int, str], blank: str) -> Tape:
    if not tape:
        return Tape(blank, 0, "")
    lo, hi = min(tape), max(tape)
    return Tape(blank, lo, "".join(tape.get(i, blank) for i in range(lo, hi + 1)))


def result_of(config: Configuration, reason: str | None = None) -> RunResult:
    """The :class:`RunResult` of a trace that ended at ``config``.

    ``reason`` names why a caller stopped early (e.g. ``"breakpoint"``); without it ``config``
    must be the last configuration of its trace.
    """
    reason = reason or config.reason
    if reason is None:
        raise ValueError("this configuration is not the last of its trace")
    tape = config.tape
    return RunResult(config.reason in HALTED, config.state, config.step, config.head,
                     RunTape.from_text(tape.blank, tape.offset, tape.text), reason)
