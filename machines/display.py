"""Text renderings of tapes and runs, for people at a terminal (the CLI prints these)."""
from __future__ import annotations

from machines.classical import Configuration, RunResult
from machines.program import Program
from machines.tape import RunTape, Tape

WINDOW = 30  # cells shown on each side of the head
JSON_TAPE_CELLS = 1_000_000     # --json writes "tape" as a string up to this many cells ...
FULL_TAPE_CELLS = 10**9         # ... and with --full-tape up to this many
JSON_TAPE_RUNS = 1_000_000      # --json writes "tape_runs" up to this many runs


def printable(text: str) -> str:
    """``text`` with every character a terminal would act on (ESC, other controls, bidi
    overrides) escaped as ``\\x1b`` / ``\\u202e``: names and symbols come from files."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else
                   (f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}") for c in text)


EXACT_DIGITS = 30   # counts up to this many digits are printed in full; beyond, abbreviated


def count_text(n: int) -> str:
    """``1,234,567`` for counts up to ``EXACT_DIGITS`` digits, ``~2.584 x 10^2879`` beyond
    (the exact count is in ``--json``): no string of thousands of digits on a terminal."""
    import math

    if abs(n) < 10 ** EXACT_DIGITS:
        return f"{n:,}"
    e = int(math.log10(abs(n)))
    while abs(n) >= 10 ** (e + 1):
        e += 1
    while abs(n) < 10 ** e:
        e -= 1
    lead = abs(n) // 10 ** (e - 3)
    sign = "-" if n < 0 else ""
    return f"~{sign}{lead // 1000}.{lead % 1000:03d} x 10^{e}"


def counted(n: int, noun: str) -> str:
    """``1 step``, ``2 steps``: a count and its noun, in the singular for one."""
    return f"{count_text(n)} {noun}" + ("" if n == 1 else "s")


def _cell(symbol: str) -> str:
    return "·" if symbol.isspace() else printable(symbol)


def tape_window(tape: Tape | RunTape, head: int, radius: int = WINDOW) -> str:
    """The tape around the head, the head's cell in brackets: ``10[1]1``.

    Shows the non-blank span plus one blank on each side, clipped to ``radius`` cells around the
    head (``…`` marks a clipped side).
    """
    lo = min(tape.offset, head) - 1
    hi = max(tape.end, head + 1) + 1
    left_clip, right_clip = lo < head - radius, hi > head + radius + 1
    lo, hi = max(lo, head - radius), min(hi, head + radius + 1)
    cells = [_cell(c) for c in tape.window(lo, hi)]
    cells[head - lo] = f"[{cells[head - lo]}]"
    return ("…" if left_clip else "") + "".join(cells) + ("…" if right_clip else "")


def trace_line(config: Configuration, state_width: int = 10) -> str:
    """One line of ``tapelab run --trace``: step, state and the tape with the head marked."""
    line = (f"{config.step:>8}  {printable(config.state):<{state_width}}  "
            f"{tape_window(config.tape, config.head)}")
    if config.rule is not None and config.rule.breakpoint:
        line += "   <- breakpoint" + (f" (line {config.rule.line})" if config.rule.line else "")
    return line


def result_json(program: Program, result: RunResult, *, full_tape: bool = False) -> dict:
    """The JSON object of ``tapelab run --json``.

    ``tape``: the non-blank span as one string when it spans at most ``JSON_TAPE_CELLS``
    cells (``FULL_TAPE_CELLS`` with ``full_tape``), else null; ``tape_runs``: the same span as
    ``[block, count]`` pairs (``count`` copies of ``block``, one symbol or a macro machine's
    block of several: counts exact, any size) when there are at most
    ``JSON_TAPE_RUNS`` runs, else null; ``tape_offset``: the cell of its first symbol (cell 0
    is where the head started); ``tape_cells``: the span's length; ``nonblank``: non-blank
    cells. Every count is an exact integer."""
    tape = result.tape
    limit = FULL_TAPE_CELLS if full_tape else JSON_TAPE_CELLS
    out = {"program": program.name, "halted": result.halted, "reason": result.reason,
           "state": result.state, "steps": result.steps, "head": result.head,
           "tape": tape.text if tape.size <= limit else None,
           "tape_runs": [[s, n] for s, n in tape.runs] if len(tape.runs) <= JSON_TAPE_RUNS
           else None,
           "tape_offset": tape.offset, "tape_cells": tape.size, "nonblank": tape.nonblank()}
    if result.reason in ("cycle", "translated-cycle"):
        out.update(cycle_since=result.since, cycle_period=result.period)
    if result.rules is not None:
        out.update(rules_proven=result.rules.proven, rules_applied=result.rules.applied)
    return out


REASONS = {
    "halt-state": "halted: entered a halting state",
    "no-rule": "halted: no rule for this state and symbol",
    "step-limit": "stopped at the step limit without halting",
    "breakpoint": "stopped at a breakpoint",
    "cycle": "never halts: the whole configuration repeats",
    "translated-cycle": "never halts: the configuration repeats, shifted along the tape",
    "runs-off": "never halts: the head runs off into blank tape forever",
    "infinite-rule": "never halts: a proven rule applies again after every pass, forever",
    "interrupted": "stopped by Ctrl-C; the configuration it reached",
    "tape-limit": "stopped: the tape outgrew --max-tape",
}


def result_text(program: Program, result: RunResult) -> str:
    """A short report of a run for people."""
    verdict = ""
    if result.halted and program.accept:
        verdict = " — ACCEPTED" if result.state in program.accept else " — REJECTED"
    if result.reason in ("cycle", "translated-cycle"):
        verdict = (f" (the configuration of step {count_text(result.since)} recurs every "
                   f"{counted(result.period, 'step')})")
    return "\n".join([
        f"{printable(program.name)}: {REASONS.get(result.reason, result.reason)}{verdict}",
        f"  state {result.state!r} after {counted(result.steps, 'step')}, head at cell "
        f"{count_text(result.head)}",
        f"  tape  {tape_window(result.tape, result.head)}",
        f"  {counted(result.tape.nonblank(), 'non-blank cell')} from cell "
        f"{count_text(result.tape.offset)}, {counted(len(result.tape.runs), 'run')}",
    ] + ([f"  macro engine: {counted(result.rules.proven, 'rule')} proven, applied "
          f"{counted(result.rules.applied, 'time')}"] if result.rules is not None else []))
