"""Addressing traces for every machine; the classical machine's is one-hot.

:class:`AddressingTrace` itself lives in ``machines/trace.py`` (machines produce it and may not
import ``analysis/``); this module re-exports it and builds the classical machine's trace.
"""
from __future__ import annotations

from typing import NamedTuple

from machines.classical import trace as classical_trace
from machines.program import Program
from machines.trace import AddressingTrace

__all__ = ["AddressingTrace", "classical_addressing"]


class ClassicalAddressing(NamedTuple):
    trace: AddressingTrace
    first_cell: int         # the tape cell of the trace's column 0


def classical_addressing(program: Program, tape_input: str, *, max_steps: int = 100_000,
                         cells: tuple[int, int] | None = None) -> ClassicalAddressing:
    """The classical head as a one-hot ``[steps + 1, N]`` trace over the cells it visited
    (or over ``cells = (first, last + 1)``), and the cell of its column 0."""
    positions = [c.head for c in classical_trace(program, tape_input, max_steps=max_steps)]
    lo, hi = cells if cells else (min(positions), max(positions) + 1)
    return ClassicalAddressing(AddressingTrace.from_positions(positions, hi - lo, offset=-lo),
                               lo)
