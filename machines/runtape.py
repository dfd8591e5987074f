"""The run-length tape that the chain and macro engines share, and the record of a run on it.

The tape is two stacks of runs ``[symbol, count]`` (``left[-1]`` and ``right[-1]`` touch the
head) and the symbol under the head. No blank run is kept at the open ends: the stacks end where
the written tape does. Counts are integers, or symbolic counts (:class:`machines.rules.Lin`)
while a rule is being proven; :func:`push` and :func:`pop` take both.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

from machines.tape import RunTape

Runs = list  # list[list[symbol, count]], the head's neighbour last


class EngineResult(NamedTuple):
    """Where a run on the run-length tape ended: the state (an index), steps taken, the head's
    cell (relative to its start cell), the tape (``left``, ``cur``, ``right``), why it stopped
    (``halt-state``, ``no-rule``, ``step-limit``, ``cycle``, ``translated-cycle``, ``runs-off``;
    ``None`` for a macro loop that hands the run back to the base machine) and, for a cycle,
    the step of a configuration that recurs (``since``) every ``period`` steps; ``moves``: the
    engine's own steps (a chain step crosses a whole run)."""

    state: int
    steps: int
    head: int
    left: Runs
    cur: int
    right: Runs
    reason: str | None
    since: int | None = None
    period: int | None = None
    moves: int = 0               # chain (or macro) steps the engine made
    rules: "RuleCount | None" = None   # the macro engine's rules (None: no macro run)


class RuleCount(NamedTuple):
    """What the macro engine's prover did: rules proven, and applications of them (each one
    pass or many)."""

    proven: int
    applied: int


class RunProgress(NamedTuple):
    """Where a long run stands, as engines report it to a :data:`Watch` every few
    milliseconds of work: the engine, steps so far, the tape's size in runs (the plain
    engine: cells) and the rules proven and applied so far (the macro engine)."""

    engine: str
    steps: int
    runs: int
    rules: int = 0


# Called with a RunProgress every few milliseconds of work; returning true stops the run there
# (reason ``interrupted``): Ctrl-C, and the progress line of ``tapelab run``.
Watch = Callable[[RunProgress], bool]


def push(stack: Runs, symbol: int, n: Any) -> None:
    """Put ``n`` cells of ``symbol`` on top of ``stack`` (merged with an equal top run)."""
    if stack and stack[-1][0] == symbol:
        stack[-1][1] = stack[-1][1] + n
    elif stack or symbol:                 # no blank runs at the open ends
        stack.append([symbol, n])


def pop(stack: Runs, is_zero: Callable[[Any], bool] | None = None) -> int:
    """Take one cell off ``stack`` and return its symbol (blank past the end). ``is_zero``
    decides whether a symbolic count has run out (a prover's question); integers need none."""
    if not stack:
        return 0
    top = stack[-1]
    top[1] = top[1] + -1                  # (symbolic counts define + only)
    if (top[1] == 0) if is_zero is None else is_zero(top[1]):
        stack.pop()
    return top[0]


def runs_of(cells: list[int]) -> Runs:
    """Runs of ``cells`` listed from the far end to the head (the head's neighbour last)."""
    out: Runs = []
    for c in cells:
        if out and out[-1][0] == c:
            out[-1][1] += 1
        else:
            out.append([c, 1])
    while out and out[0][0] == 0:       # drop blanks at the far end
        out.pop(0)
    return out


class SplitTape(NamedTuple):
    """A tape as the run engines hold it: runs each side of the head, nearest the head last."""

    left: Runs
    cur: int                # the symbol under the head
    right: Runs


def split(cells: list[int], head0: int) -> SplitTape:
    """``cells`` with the head on ``cells[head0]``, as runs each side of it."""
    return SplitTape(runs_of(cells[:head0]), cells[head0] if head0 < len(cells) else 0,
                     runs_of(cells[head0 + 1:][::-1]))


def to_tape(symbols: tuple[str, ...], left: Runs, cur: int, right: Runs, head: int) -> RunTape:
    """The :class:`RunTape` of a run-length tape: runs stay runs, counts stay exact integers
    (a tape of 10^21 cells costs as much as its number of runs). A run's symbol may be a
    tuple of symbols, a macro machine's block (cells in the stack's order: a right-side block
    reads backwards), which becomes a block run."""
    def block(s, mirror: bool) -> str:
        if isinstance(s, int):
            return symbols[s]
        return "".join(symbols[c] for c in (reversed(s) if mirror else s))
    behind = sum(n * (1 if isinstance(s, int) else len(s)) for s, n in left)
    runs = [(block(s, False), n) for s, n in left] + [(symbols[cur], 1)] \
        + [(block(s, True), n) for s, n in reversed(right)]
    return RunTape.from_runs(symbols[0], head - behind, runs)


class CellList(NamedTuple):
    cells: list[int]        # from the left
    origin: int             # the index of cell 0 in them


def to_cells(left: Runs, cur: int, right: Runs, head: int) -> CellList:
    """The cells of a run-length tape, from the left, and where cell 0 is among them."""
    cells = [s for s, n in left for _ in range(n)]
    origin = len(cells) - head
    cells.append(cur)
    cells.extend(s for s, n in reversed(right) for _ in range(n))
    return CellList(cells, origin)
