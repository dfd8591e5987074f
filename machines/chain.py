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


def run_chain(table: Transitions, cells: list[int], head0: int, max_steps: int):
    """Run on integer ``cells`` with the head on ``cells[head0]``; returns
    (state, steps, head, tape cells from the left, index of cell 0 in them, reason, since,
    period)."""
    left = _runs(cells[:head0])
    right = _runs(cells[head0 + 1:][::-1])
    cur = cells[head0] if head0 < len(cells) else 0
    state, steps, head = 0, 0, 0
    nxt, wr, mv, defined, halting = table.next, table.write, table.move, table.defined, \
        table.halting
    reason, since, period = "step-limit", None, None
    saved, saved_steps, power, chain_steps = None, 0, 1, 0
    if halting[0]:
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
        if saved is not None and saved[0] == state and saved[1] == head and saved[2] == cur \
                and saved[3] == left and saved[4] == right:
            reason, since, period = "cycle", saved_steps, steps - saved_steps
            break
        if chain_steps == power:
            saved = (state, head, cur, [r[:] for r in left], [r[:] for r in right])
            saved_steps, power = steps, power * 2
    out: list[int] = []
    for sym, n in left:
        out.extend([sym] * n)
    origin = len(out) - head
    out.append(cur)
    for sym, n in reversed(right):
        out.extend([sym] * n)
    return state, steps, head, out, origin, reason, since, period


def chain_tape(symbols: tuple[str, ...], out: list[int], origin: int) -> Tape:
    return Tape.from_cells(symbols[0], [symbols[c] for c in out], origin)
