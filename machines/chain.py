"""The chain engine: a run-length tape and chain steps.

The tape is two stacks of runs ``[symbol, count]`` (``left[-1]`` and ``right[-1]`` touch the
head) and the symbol under the head. When a rule keeps its state and moves over its own read
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

from machines.program import Transitions
from machines.tape import Tape


def _push(stack: list[list[int]], symbol: int, n: int) -> None:
    if stack and stack[-1][0] == symbol:
        stack[-1][1] += n
    elif stack or symbol:                 # no blank runs at the open ends
        stack.append([symbol, n])


def _pop(stack: list[list[int]]) -> int:
    if not stack:
        return 0
    top = stack[-1]
    top[1] -= 1
    if top[1] == 0:
        stack.pop()
    return top[0]


def _runs(cells: list[int]) -> list[list[int]]:
    """Runs of ``cells`` listed from the far end to the head (the head's neighbour last)."""
    out: list[list[int]] = []
    for c in cells:
        if out and out[-1][0] == c:
            out[-1][1] += 1
        else:
            out.append([c, 1])
    while out and out[0][0] == 0:       # drop blanks at the far end
        out.pop(0)
    return out


MACRO_SEARCH_STEPS = 10**8   # translated cycles after a macro run: searched this far
_RECORD_RUNS = 16    # runs behind the head kept at a record, for translated-cycle proofs
_RECORD_CELLS = 256  # ... and the most cells behind the head such a proof compares


def _top(stack: list[list[int]]) -> tuple[list[tuple[int, int]], bool]:
    """The last ``_RECORD_RUNS`` runs of ``stack`` (copied), and whether that is all of it."""
    return [(sym, n) for sym, n in stack[-_RECORD_RUNS:]], len(stack) <= _RECORD_RUNS


def _cells(runs: list, complete: bool, k: int) -> list[int] | None:
    """The ``k`` cells nearest the head (blank beyond a complete stack; None if unknown)."""
    cells: list[int] = []
    for sym, n in reversed(runs):
        cells.extend([sym] * min(n, k - len(cells)))
        if len(cells) >= k:
            return cells
    return cells + [0] * (k - len(cells)) if complete else None


def _translated(old: list, head: int, behind: list[list[int]]) -> bool:
    """Whether the configuration now repeats the one at record ``old`` shifted along the tape.

    ``old`` = [position p1, step t1, farthest position m reached back since, runs behind the
    head at t1, side]. Both times the head stands on fresh blank tape in the same state; the
    run from t1 only read cells between m and the blank side, so if the cells between the head
    and m's counterpart match, the run from now repeats it, shifted, forever.
    """
    p1, _, m, (runs, complete), side = old
    k = abs(p1 - m)
    if (head - p1) * side <= 0 or k > _RECORD_CELLS:
        return False
    then = _cells(runs, complete, k)
    return then is not None and then == _cells(*_top(behind), k)


def run_chain(table: Transitions, cells: list[int], head0: int, max_steps: int, *,
              track: bool = False):
    """Run from the start state on integer ``cells`` with the head on ``cells[head0]``
    (cell 0); see :func:`run_runs` for the result."""
    return run_runs(table, _runs(cells[:head0]), cells[head0] if head0 < len(cells) else 0,
                    _runs(cells[head0 + 1:][::-1]), max_steps, track=track)


def run_runs(table: Transitions, left: list[list[int]], cur: int, right: list[list[int]],
             max_steps: int, *, track: bool = False, state: int = 0, steps: int = 0,
             head: int = 0):
    """Run on a run-length tape (``left`` and ``right`` stacks of runs, the head's
    neighbours last; changed in place) with the head on cell ``head`` reading ``cur``.
    Returns (state, steps, head, left, cur, right, reason, since, period). ``track`` also
    looks for translated cycles (slower; see :func:`run_decided`)."""
    nxt, wr, mv, defined, halting = table.next, table.write, table.move, table.defined, \
        table.halting
    reason, since, period = "step-limit", None, None
    saved, saved_steps, power, chain_steps = None, 0, 1, 0
    # translated cycles: the last record-breaking visit to fresh blank tape, per (state, side)
    records: dict[tuple[int, int], list] = {}
    hi = lo = back_r = back_l = head
    if halting[state]:
        reason = "halt-state"
    while reason == "step-limit" and steps < max_steps:
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
            _push(behind, w, n)
            if n > 1:                          # n - 1 cells crossed from the run ahead
                ahead[-1][1] -= n - 1
                if ahead[-1][1] == 0:
                    ahead.pop()
            cur = _pop(ahead)                  # the cell the head lands on
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
                _push(behind, w, 1)
                cur = _pop(ahead)
                head += d
            state = q
            steps += 1
            if halting[q]:
                reason = "halt-state"
                break
        chain_steps += 1
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
                    rec[2] = min(rec[2], back_r) if side == 1 else max(rec[2], back_l)
            old = records.get((state, side))
            if old is not None and _translated(old, head, behind):
                reason, since, period = "translated-cycle", old[1], steps - old[1]
                break
            records[(state, side)] = [head, steps, head, _top(behind), side]
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
    return state, steps, head, left, cur, right, reason, since, period


def chain_tape(symbols: tuple[str, ...], left: list[list[int]], cur: int,
               right: list[list[int]], head: int) -> Tape:
    """The :class:`Tape` of a run-length tape (built run by run: a run of 10^8 equal cells
    costs one string repetition)."""
    text = "".join([symbols[s] * n for s, n in left] + [symbols[cur]]
                   + [symbols[s] * n for s, n in reversed(right)])
    return Tape.from_cells(symbols[0], text, sum(n for _, n in left) - head)


def tape_cells(left: list[list[int]], cur: int, right: list[list[int]], head: int
               ) -> tuple[list[int], int]:
    """(cells from the left, index of cell 0 in them) of a run-length tape."""
    cells = [s for s, n in left for _ in range(n)]
    origin = len(cells) - head
    cells.append(cur)
    cells.extend(s for s, n in reversed(right) for _ in range(n))
    return cells, origin


def run_decided(table: Transitions, cells: list[int], head0: int, max_steps: int, *,
                macro: bool = False, block: int | None = None, back: bool | None = None,
                rules: bool = True):
    """:func:`run_chain` (or with ``macro``, :func:`machines.macro.run_macro`), and when that
    reaches the step limit, the chain engine again looking for a translated cycle: halting
    machines pay nothing for the search. ``block`` and ``back`` fix the macro machine;
    ``rules`` lets it prove and apply rules over symbolic run lengths. After a macro run the
    search covers the first ``MACRO_SEARCH_STEPS`` steps only (a replay of 10^13 steps on the
    chain engine would take hours)."""
    search = max_steps
    if macro:
        from machines.macro import run_macro
        result = run_macro(table, cells, head0, max_steps, k=block, back=back, rules=rules)
        search = min(max_steps, MACRO_SEARCH_STEPS)
    else:
        result = run_chain(table, cells, head0, max_steps)
    if result[6] == "step-limit":
        tracked = run_chain(table, cells, head0, search, track=True)
        if tracked[6] == "translated-cycle":
            return tracked
    return result
