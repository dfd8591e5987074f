"""The macro engine: block macro machines with chain steps over blocks, and the symbol behind
the head folded into the state.

A **block macro machine** (Marxen and Buntrock 1990) reads the tape k cells at a time. Its
symbols are blocks of k base symbols and its states are (base state, side): the base head
stands on the block's left end (side 0, it came from the left) or right end (side 1). One macro
step runs the base machine inside the block until it leaves it; the step is remembered, so a
block seen again in the same state costs one dictionary lookup, and the run-length tape of the
chain engine lets the head cross a whole run of equal blocks in one step whenever the macro
state survives it. A counter whose digits are k-cell patterns is then crossed digit by digit.

The **back-symbol machine** wraps another macro machine and keeps the (macro) symbol just
behind the head in the state. A machine that steps back one cell for every two forward, which
defeats chain steps, becomes one that keeps its state while it sweeps.

The block size is found as in the literature (Marxen's and Ligocki's simulators): a pilot run of
the chain engine, then the k that compresses its tape into the fewest runs of equal blocks; the
short trials (with proven rules) of the best two sizes and k = 1, with and without the back
symbol, pick the one that gets furthest.

Results are exactly those of the plain step loop: whenever a macro step cannot be taken whole
(it would pass the step limit, or the base machine halts, lacks a rule or loops inside it), the
configuration near the head is written back as base cells and the chain engine finishes the
run there; runs of blocks further away stay runs of blocks (the result's tape holds them as
block runs, so a tape of 10^1440 blocks costs as much as its runs). Verdicts found on the macro
machine are proofs for the base machine: ``runs-off`` (a chain step over the infinite blank
side), ``cycle`` (the macro configuration repeats; ``since`` and ``period`` in base steps) and
``infinite-rule``. With ``rules``, the loop also proves and applies rules over symbolic run
lengths (:mod:`machines.rules`), which takes the BB(3,3) champion's 1.2e17 steps in a tenth
of a second and the 6-state machine of about 10^2879 steps in seconds.
"""
from __future__ import annotations

from typing import NamedTuple, Protocol

from machines.chain import run_chain, run_runs
from machines.program import Transitions
from machines.runtape import (EngineResult, RuleCount, RunProgress, Runs, SplitTape, Watch, pop,
                              push, runs_of, to_cells)
from machines.rules import (FOREVER, MAX_FAILURES, MAX_PROOF_MOVES, MAX_RUNS, Applied, Rule,
                            apply, prove, shape)

MAX_BLOCK = 12          # the largest block size the search tries
PILOT_MOVES = 20_000  # chain steps of the chain engine's pilot run: short runs end there
TRIAL_MOVES = 500     # macro moves per trial of a candidate machine (rules on)
BLOCK_STEP_CAP = 20_000  # base steps inside one block before the macro step gives up
STOP_MOVES = 0xFFF       # macro moves between two calls of ``watch``
LOCAL_CELLS = (256, 4 * BLOCK_STEP_CAP)  # cells lowered each side to finish a run on the base
                                        # machine: the first window, then a wider one
MAX_SEEN = 100_000       # shapes remembered for proofs (then forgotten, as in Ligocki's)

# A macro transition: (symbol written, direction, next state, base steps, head shift), or None
# when the base machine stops inside (halts, lacks a rule, loops or passes the cap). A plain
# tuple, not a record: the loop makes and unpacks one per macro step, its hottest path.
Move = tuple[int, int, int, int, int]


class Start(NamedTuple):
    """Where a macro run starts: its macro state, and the macro symbol under its head."""

    state: int
    cur: int


class BaseConfiguration(NamedTuple):
    """A macro configuration lowered to the base machine's."""

    left: list[list[int]]       # runs, the head's neighbour last
    cur: int                    # the base symbol under the head
    right: list[list[int]]
    head: int                   # the head's cell
    state: int                  # the base state


class Layer(Protocol):
    """What the macro loop needs from a macro machine."""

    def start(self, left: list[list[int]], cur: int, right: list[list[int]]) -> Start: ...
    def transition(self, state: int, symbol: int) -> Move | None: ...
    def lower(self, state: int, left: list[list[int]], cur: int, right: list[list[int]],
              head: int, near: int | None = None) -> BaseConfiguration: ...


class BlockMachine:
    """The block macro machine of ``table`` with blocks of ``k`` cells."""

    def __init__(self, table: Transitions, k: int) -> None:
        self.table, self.k = table, k
        self.blocks: list[tuple[int, ...]] = [(0,) * k]
        self._ids = {self.blocks[0]: 0}

    def symbol(self, block: tuple[int, ...]) -> int:
        """The id of ``block`` (the blank block is 0)."""
        i = self._ids.get(block)
        if i is None:
            i = self._ids[block] = len(self.blocks)
            self.blocks.append(block)
        return i

    def facing(self, state: int) -> int:
        """+1 when the base head entered from the left (it faces right), else -1."""
        return 1 - 2 * (state & 1)

    def start(self, left, cur, right):
        return Start(0, cur)   # base state 0 on the left end of block 0

    def transition(self, state: int, symbol: int) -> Move | None:
        t, k = self.table, self.k
        q, pos = state >> 1, (state & 1) * (k - 1)
        cells = list(self.blocks[symbol])
        steps = 0
        while 0 <= pos < k:
            s = cells[pos]
            if not t.defined[q][s] or steps >= BLOCK_STEP_CAP:
                return None
            cells[pos] = t.write[q][s]
            pos += t.move[q][s]
            q = t.next[q][s]
            steps += 1
            if t.halting[q]:
                return None
        d = 1 if pos == k else -1
        return self.symbol(tuple(cells)), d, 2 * q + (d == -1), steps, d

    def lower(self, state, left, cur, right, head, near: int | None = None):
        """The base machine's configuration. A run of n equal one-symbol blocks stays one run; with
        ``near``, a run of other blocks more than ``near`` cells from the head stays a run of
        blocks (a tuple of base symbols, in the stack's order: the base engines must not reach
        it), so a tape of 10^1000 blocks costs as much as its runs."""
        offset = (state & 1) * (self.k - 1)
        cells = self.blocks[cur]
        base_left = self._side(left, False, near)
        self._expand(base_left, cells[:offset], 1)
        base_right = self._side(right, True, near)
        self._expand(base_right, cells[offset + 1:][::-1], 1)
        return BaseConfiguration(base_left, cells[offset], base_right, head * self.k + offset,
                                 state >> 1)

    def _side(self, runs: list[list[int]], mirror: bool, near: int | None) -> list[list[int]]:
        """One side's base runs (``mirror``: the right side, whose blocks read backwards)."""
        keep = len(runs)                 # runs[keep:] (nearest the head) are expanded
        split = 0                        # ... and ``split`` blocks of runs[keep - 1]
        if near is not None:
            cells = 0
            while keep and cells < near:
                keep -= 1
                cells += runs[keep][1] * self.k
            if cells >= near:
                split = -(-(near - cells + runs[keep][1] * self.k) // self.k)
                keep += 1
        out: list[list[int]] = []
        for i, (sym, n) in enumerate(runs):
            block = self.blocks[sym][::-1] if mirror else self.blocks[sym]
            if i < keep and len(set(block)) > 1:
                far = n - split if i == keep - 1 else n
                push(out, block, far)
                if far < n:
                    self._expand(out, block, n - far)
            else:
                self._expand(out, block, n)
        return out

    @staticmethod
    def _expand(stack: list[list[int]], cells: tuple[int, ...], n: int) -> None:
        if cells and all(c == cells[0] for c in cells):
            push(stack, cells[0], n * len(cells))
            return
        for _ in range(n):
            for c in cells:
                push(stack, c, 1)


class BackMachine:
    """``inner`` with the symbol behind the head kept in the state: states are (inner state,
    back symbol) pairs; ``facing`` is the inner state's."""

    def __init__(self, inner: BlockMachine) -> None:
        self.inner = inner
        self.pairs: list[tuple[int, int]] = []
        self._ids: dict[tuple[int, int], int] = {}

    def _state(self, inner: int, back: int) -> int:
        i = self._ids.get((inner, back))
        if i is None:
            i = self._ids[(inner, back)] = len(self.pairs)
            self.pairs.append((inner, back))
        return i

    def facing(self, state: int) -> int:
        return self.inner.facing(self.pairs[state][0])

    def start(self, left, cur, right):
        inner, cur = self.inner.start(left, cur, right)
        behind = left if self.inner.facing(inner) == 1 else right
        return Start(self._state(inner, pop(behind)), cur)

    def transition(self, state: int, symbol: int) -> Move | None:
        """Run the inner machine on the two cells (back, current) until it leaves them."""
        m, back = self.pairs[state]
        d = self.inner.facing(m)
        cells = [back, symbol]           # in the facing frame: back at 0, current at 1
        pos, cost, seen = 1, 0, set()
        while True:
            key = (m, pos, cells[0], cells[1])
            if key in seen:
                return None
            seen.add(key)
            t = self.inner.transition(m, cells[pos])
            if t is None:
                return None
            w, dd, m, c, _ = t
            cells[pos] = w
            cost += c
            pos += dd * d
            if pos == 2:                 # left forwards: the current cell is the new back
                return cells[0], d, self._state(m, cells[1]), cost, d
            if pos == -1:                # left backwards, two cells over from the current one
                return cells[1], -d, self._state(m, cells[0]), cost, -2 * d

    def lower(self, state, left, cur, right, head, near: int | None = None):
        m, back = self.pairs[state]
        left, right = [r[:] for r in left], [r[:] for r in right]
        d = self.inner.facing(m)
        push(left if d == 1 else right, back, 1)
        return self.inner.lower(m, left, cur, right, head, near)


def _blocks(cells: list[int], origin: int, k: int) -> list[tuple[int, ...]]:
    """``cells`` (cell 0 at index ``origin``) cut into blocks of ``k``, block 0 at cell 0."""
    lead = (-origin) % k
    padded = [0] * lead + cells + [0] * k
    return [tuple(padded[i:i + k]) for i in range(0, len(padded) - k, k)]


def block_sizes(cells: list[int], origin: int, *, top: int = MAX_BLOCK) -> list[int]:
    """Block sizes, best first: the fewer runs of equal blocks a tape compresses into, the
    fewer chain steps cross it (ties go to the smaller block)."""
    def runs(k: int) -> int:
        blocks = _blocks(cells, origin, k)
        return sum(1 for i, b in enumerate(blocks) if i == 0 or b != blocks[i - 1])
    return sorted(range(1, top + 1), key=lambda k: (runs(k), k))


def _split(cells: list[int], head0: int, k: int, layer: BlockMachine) -> SplitTape:
    """The run-length block tape of ``cells`` with the head on ``cells[head0]`` (block 0)."""
    blocks = [layer.symbol(b) for b in _blocks(cells, head0, k)]
    home = (head0 + (-head0) % k) // k        # index of block 0 in ``blocks``
    left = runs_of(blocks[:home])
    right = runs_of(blocks[home + 1:][::-1])
    return SplitTape(left, blocks[home] if home < len(blocks) else 0, right)


def run_layer(layer: Layer, left: Runs, cur: int, right: Runs, max_steps: int,
              max_moves: int | None = None, *, rules: bool = False,
              watch: Watch | None = None, max_runs: int | None = None) -> EngineResult:
    """The macro loop: chain steps over ``layer``'s symbols, in macro states and symbols;
    ``reason`` is ``None`` when the run must be finished on the base machine (or
    ``max_moves`` macro moves were made). ``rules`` also proves and applies rules over
    symbolic run lengths (:mod:`machines.rules`)."""
    state, cur = layer.start(left, cur, right)
    steps = head = moves = 0
    cache: dict[tuple[int, int], Move | None] = {}
    # shape -> (the move it was last seen at, moves since the sighting before)
    seen: dict[tuple, tuple[int, int | None]] = {}
    failed: dict[tuple, int] = {}       # failed proofs per shape: give up on it after a few
    proven: dict[tuple, list[Rule]] = {}

    def transition(s: int, c: int) -> Move | None:
        if (s, c) not in cache:
            cache[(s, c)] = layer.transition(s, c)
        return cache[(s, c)]
    reason = since = period = None
    saved, saved_steps, power = None, 0, 1
    applied = 0                         # rule applications
    while max_moves is None or moves < max_moves:
        t = transition(state, cur)
        if t is None:
            break
        w, d, nxt, cost, shift = t
        ahead, behind = (right, left) if d == 1 else (left, right)
        n = 1
        if nxt == state:
            if ahead and ahead[-1][0] == cur:
                n += ahead[-1][1]
            elif not ahead and cur == 0:
                reason = "runs-off"
                break
        if steps + cost * n > max_steps:       # (a division of huge counts only here)
            n = (max_steps - steps) // cost
            if n == 0:
                break
        push(behind, w, n)
        if n > 1:
            ahead[-1][1] -= n - 1
            if ahead[-1][1] == 0:
                ahead.pop()
        cur = pop(ahead)
        head += shift * n
        steps += cost * n
        state = nxt
        moves += 1
        if not moves & STOP_MOVES:
            if watch is not None and watch(
                    RunProgress("macro", steps, len(left) + len(right), applied)):
                reason = "interrupted"
                break
            if max_runs is not None and len(left) + len(right) > max_runs:
                reason = "tape-limit"
                break
        if saved is not None and saved[0] == state and saved[1] == head and saved[2] == cur \
                and saved[3] == left and saved[4] == right:
            reason, since, period = "cycle", saved_steps, steps - saved_steps
            break
        if moves == power:
            saved = (state, head, cur, [r[:] for r in left], [r[:] for r in right])
            saved_steps, power = steps, power * 2
        if rules and len(left) + len(right) <= MAX_RUNS:
            key = shape(state, cur, left, right)
            hit = _applied(proven.get(key, ()), left, right, max_steps - steps)
            then, gap = seen.get(key, (None, None))
            # a proof is tried when the shape comes back after the same number of moves twice
            # running (Ligocki's trigger): a loop, not a coincidence
            if hit is None and then is not None and moves - then == gap \
                    and gap <= MAX_PROOF_MOVES and failed.get(key, 0) < MAX_FAILURES:
                rule = prove(transition, state, cur, left, right, gap + 1)
                if rule is None:
                    failed[key] = failed.get(key, 0) + 1
                else:
                    proven.setdefault(key, []).append(rule)
                    hit = _applied([rule], left, right, max_steps - steps)
            if hit is not None:
                if hit.forever:
                    reason = FOREVER
                    break
                applied += 1
                steps, head = steps + hit.steps, head + hit.head
                seen.clear()          # the moves since a sighting no longer count a loop
            if len(seen) > MAX_SEEN:
                seen.clear()
            seen[key] = (moves, None if then is None else moves - then)
    return EngineResult(state, steps, head, left, cur, right, reason, since, period, moves,
                        RuleCount(sum(len(r) for r in proven.values()), applied))


def _applied(rules, left: Runs, right: Runs, room: int) -> Applied | None:
    """The first of ``rules`` that applies to the tape (changed in place), or None."""
    for rule in rules:
        done = apply(rule, left, right, room)
        if done.forever or done.passes:
            return done
    return None


class MacroChoice(NamedTuple):
    """A macro machine's block size ``k`` and whether it adds the back symbol."""
    k: int
    back: bool


class MacroTape(NamedTuple):
    """A macro machine and a tape in its blocks."""
    layer: Layer
    tape: SplitTape


def _make(table: Transitions, cells: list[int], head0: int, k: int, back: bool) -> MacroTape:
    """The macro machine (k, back) and the block tape of ``cells`` on it."""
    block = BlockMachine(table, k)
    layer: Layer = BackMachine(block) if back else block
    return MacroTape(layer, _split(cells, head0, k, block))


def _speed(table, cells, head0, k, back, max_steps) -> int:
    layer, (left, cur, right) = _make(table, cells, head0, k, back)
    return run_layer(layer, left, cur, right, max_steps, TRIAL_MOVES, rules=True).steps


def choose(table: Transitions, cells: list[int], head0: int, pilot,
           max_steps: int) -> MacroChoice:
    """The block size and back symbol of the macro machine: the two best block sizes for the
    pilot run's tape and k = 1, each with and without the back symbol, tried for
    ``TRIAL_MOVES`` macro moves with proven rules; the one that gets furthest wins (rules that
    apply early decide it: the 10^2879-step machine runs twice as fast on k = 4, which wins,
    as on k = 12, which compresses its pilot tape best)."""
    cells_, origin = to_cells(pilot.left, pilot.cur, pilot.right, pilot.head)
    sizes = block_sizes(cells_, origin)[:2]
    if 1 not in sizes:
        sizes.append(1)
    trials = [MacroChoice(k, back) for k in sizes for back in (False, True)]
    return max(trials, key=lambda c: (_speed(table, cells, head0, c.k, c.back, max_steps), -c.k))


def run_macro(table: Transitions, cells: list[int], head0: int, max_steps: int, *,
              k: int | None = None, back: bool | None = None, rules: bool = True,
              watch: Watch | None = None, max_runs: int | None = None) -> EngineResult:
    """Run like :func:`machines.chain.run_chain` (the same result), on a macro machine.
    ``k`` and ``back`` fix the block size and the back symbol; by default a pilot run of the
    chain engine chooses them (and runs that end within the pilot are its result)."""
    if k is None or back is None:
        pilot = run_chain(table, cells, head0, max_steps, watch=watch, max_moves=PILOT_MOVES)
        if pilot.reason != "step-limit" or pilot.steps >= max_steps:
            return pilot
        k0, b0 = choose(table, cells, head0, pilot, max_steps)
        k, back = k or k0, b0 if back is None else back
    layer, (left, cur, right) = _make(table, cells, head0, k, back)
    macro = run_layer(layer, left, cur, right, max_steps, rules=rules, watch=watch,
                      max_runs=max_runs)
    # The base machine finishes the run near the head: the macro step it could not take
    # whole stays within a block or two, so the tape beyond a window of cells each side stays
    # runs of blocks (the base machine cannot reach them in as many steps as the window has
    # cells). Should it go further, a wider window, then the whole tape, is lowered.
    if macro.reason is not None:           # a verdict: the configuration as is
        return _verdict(table, layer, macro)
    for window in LOCAL_CELLS + (None,):
        base_left, base_cur, base_right, position, q = layer.lower(
            macro.state, macro.left, macro.cur, macro.right, macro.head, window)
        limit = max_steps if window is None else min(max_steps, macro.steps + window)
        out = run_runs(table, base_left, base_cur, base_right, limit, state=q,
                       steps=macro.steps, head=position, watch=watch, max_runs=max_runs)
        if out.reason != "step-limit" or out.steps >= max_steps:
            break
    return out._replace(rules=macro.rules)


def _verdict(table: Transitions, layer: Layer, macro: EngineResult) -> EngineResult:
    """A macro run's verdict with its configuration on the base machine (far runs of blocks
    kept as block runs)."""
    base_left, base_cur, base_right, position, q = layer.lower(
        macro.state, macro.left, macro.cur, macro.right, macro.head, LOCAL_CELLS[0])
    out = run_runs(table, base_left, base_cur, base_right, macro.steps, state=q,
                   steps=macro.steps, head=position)
    return out._replace(reason=macro.reason, since=macro.since, period=macro.period,
                        rules=macro.rules)


def rule_verdict(table: Transitions, cells: list[int], head0: int, max_steps: int,
                 moves: int, *, watch: Watch | None = None) -> EngineResult | None:
    """The ``infinite-rule`` verdict, where proven rules on the one-cell block machine find a
    rule that applies forever within ``moves`` macro moves from the start (a never-halts
    decider beside the translated-cycle search: bouncers, whose sweeps grow by a constant);
    None where they do not."""
    layer, (left, cur, right) = _make(table, cells, head0, 1, False)
    macro = run_layer(layer, left, cur, right, max_steps, moves, rules=True, watch=watch)
    return _verdict(table, layer, macro) if macro.reason == FOREVER else None
