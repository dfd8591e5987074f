"""The chain engine: a run-length tape and chain steps.

The tape is the run-length tape of :mod:`machines.runtape`. When a rule keeps its state and moves over its own read
symbol, the head crosses the whole run of that symbol in one chain step, and the step count
grows by the run's length. Results are exactly those of the plain step loop.

Verdicts for machines that never halt, found within the step limit:

* ``runs-off``: a chain step over the infinite blank side (the head runs away forever);
* ``cycle``: the whole configuration (state, head position, tape) repeats, or a rule that
  stays in place without changing anything. Brent's algorithm compares the configuration with
  one saved at chain steps 1, 2, 4, 8, ...; ``since`` is the step of the saved configuration and
  ``period`` the steps between the repeats.
* ``translated-cycle``: the configuration repeats shifted along the tape into blank space (as
  bbchallenge's translated-cycler decider finds). At each record-breaking visit to fresh blank
  tape the state and the cells behind the head are kept; when the same state breaks a record on
  the same side again, and the cells behind the head, as far back as the head went since the
  earlier record, are the same, the machine repeats that stretch forever.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from machines.program import Transitions
from machines.runtape import EngineResult, RunProgress, Runs, Watch, pop, push, split


_RECORD_RUNS = 16    # runs behind the head kept at a record, for translated-cycle proofs
_RECORD_CELLS = 256  # ... and the most cells behind the head such a proof compares


class _Top(NamedTuple):
    """The runs nearest the head on one side, and whether they are all of that side."""
    runs: list[tuple[int, int]]
    complete: bool


def _top(stack: list[list[int]]) -> _Top:
    """The last ``_RECORD_RUNS`` runs of ``stack`` (copied), and whether that is all of it."""
    return _Top([(sym, n) for sym, n in stack[-_RECORD_RUNS:]], len(stack) <= _RECORD_RUNS)


def _cells(runs: list, complete: bool, k: int) -> list[int] | None:
    """The ``k`` cells nearest the head (blank beyond a complete stack; None if unknown)."""
    cells: list[int] = []
    for sym, n in reversed(runs):
        cells.extend([sym] * min(n, k - len(cells)))
        if len(cells) >= k:
            return cells
    return cells + [0] * (k - len(cells)) if complete else None


@dataclass
class _Record:
    """A record-breaking visit to fresh blank tape: the head's ``position`` at ``step``, the
    farthest position ``back`` it has reached back since, the ``runs`` behind the head then
    (and whether they are all of that side, ``complete``), and the ``side`` (+1 right)."""

    position: int
    step: int
    back: int
    runs: list[tuple[int, int]]
    complete: bool
    side: int


def _translated(old: _Record, head: int, behind: Runs) -> bool:
    """Whether the configuration now repeats the one at record ``old`` shifted along the tape.

    Both times the head stands on fresh blank tape in the same state; the run from the record
    only read cells between ``old.back`` and the blank side, so if the cells between the head
    and that point's counterpart match, the run from now repeats it, shifted, forever.
    """
    k = abs(old.position - old.back)
    if (head - old.position) * old.side <= 0 or k > _RECORD_CELLS:
        return False
    then = _cells(old.runs, old.complete, k)
    return then is not None and then == _cells(*_top(behind), k)


STOP_CHECK = 0xFFFF   # chain steps between two calls of ``watch`` (a few ms of work)


def run_chain(table: Transitions, cells: list[int], head0: int, max_steps: int, *,
              track: bool = False, watch: Watch | None = None,
              max_runs: int | None = None, max_moves: int | None = None) -> EngineResult:
    """Run from the start state on integer ``cells`` with the head on ``cells[head0]``
    (cell 0); see :func:`run_runs`."""
    return run_runs(table, *split(cells, head0), max_steps, track=track, watch=watch,
                    max_runs=max_runs, max_moves=max_moves)


def run_runs(table: Transitions, left: Runs, cur: int, right: Runs, max_steps: int, *,
             track: bool = False, state: int = 0, steps: int = 0, head: int = 0,
             watch: Watch | None = None, max_runs: int | None = None,
             max_moves: int | None = None, moves: int = 0) -> EngineResult:
    """Run on a run-length tape (``left`` and ``right`` stacks of runs, the head's
    neighbours last; changed in place) with the head on cell ``head`` reading ``cur``.
    ``track`` also looks for translated cycles (slower, so :func:`machines.classical.run`
    runs it apart, on a bounded budget). Every ``STOP_CHECK`` chain steps: ``watch`` sees the
    progress, and when it returns true the run ends there with reason ``interrupted``; when the tape holds more than
    ``max_runs`` runs, with reason ``tape-limit``. After ``max_moves`` chain steps the run
    pauses with reason ``step-limit`` (resume it with the state, steps and head it returns,
    and ``moves``, the chain steps made so far, so that the cycle check's schedule goes on
    where it was instead of copying the tape again from the first chain step)."""
    nxt, wr, mv, defined, halting = table.next, table.write, table.move, table.defined, \
        table.halting
    reason, since, period = "step-limit", None, None
    saved, saved_steps, power, chain_steps = None, 0, 1, moves
    while power <= moves:          # Brent's schedule: compare with chain steps 1, 2, 4, ...
        power *= 2
    # translated cycles: the last record-breaking visit to fresh blank tape, per (state, side)
    records: dict[tuple[int, int], _Record] = {}
    hi = lo = back_r = back_l = head
    if halting[state]:
        reason = "halt-state"
    moves_left = -1 if max_moves is None else moves + max_moves
    while reason == "step-limit" and steps < max_steps and chain_steps != moves_left:
        if not defined[state][cur]:
            reason = "no-rule"
            break
        w, d, q = wr[state][cur], mv[state][cur], nxt[state][cur]
        if q == state and d != 0 and not halting[q]:
            ahead, behind = (right, left) if d == 1 else (left, right)
            n = 1
            if ahead and ahead[-1][0] == cur:
                n += ahead[-1][1]
            elif not ahead and cur == 0:
                reason = "runs-off"            # blank forever ahead, and it keeps going
                break
            n = min(n, max_steps - steps)
            push(behind, w, n)
            if n > 1:                          # n - 1 cells crossed from the run ahead
                ahead[-1][1] -= n - 1
                if ahead[-1][1] == 0:
                    ahead.pop()
            cur = pop(ahead)                  # the cell the head lands on
            head += d * n
            steps += n
        else:
            if d == 0:
                if q == state and w == cur:
                    reason, since, period = "cycle", steps, 1
                    break
                cur = w
            else:
                ahead, behind = (right, left) if d == 1 else (left, right)
                push(behind, w, 1)
                cur = pop(ahead)
                head += d
            state = q
            steps += 1
            if halting[q]:
                reason = "halt-state"
                break
        chain_steps += 1
        if not chain_steps & STOP_CHECK:
            if watch is not None and watch(RunProgress("chain", steps, len(left) + len(right))):
                reason = "interrupted"
                break
            if max_runs is not None and len(left) + len(right) > max_runs:
                reason = "tape-limit"
                break
        if not track:
            pass
        elif head < back_r:        # the farthest the head has gone back since the last record
            back_r = head
        elif head > back_l:
            back_l = head
        if track and cur == 0 and ((head > hi and not right) or (head < lo and not left)):
            side = 1 if head > hi else -1
            hi, lo = max(hi, head), min(lo, head)
            behind = left if side == 1 else right
            for (_, s), rec in records.items():
                if s == side:
                    rec.back = min(rec.back, back_r) if side == 1 else max(rec.back, back_l)
            old = records.get((state, side))
            if old is not None and _translated(old, head, behind):
                reason, since, period = "translated-cycle", old.step, steps - old.step
                break
            records[(state, side)] = _Record(head, steps, head, *_top(behind), side)
            if side == 1:
                back_r = head
            else:
                back_l = head
        if saved is not None and saved[0] == state and saved[1] == head and saved[2] == cur \
                and saved[3] == left and saved[4] == right:
            reason, since, period = "cycle", saved_steps, steps - saved_steps
            break
        if chain_steps == power:
            saved = (state, head, cur, [r[:] for r in left], [r[:] for r in right])
            saved_steps, power = steps, power * 2
    return EngineResult(state, steps, head, left, cur, right, reason, since, period,
                        chain_steps - moves)
