"""The shape every task has (DESIGN.md's ``Task``), and the records it deals in.

A task is data plus four functions: ``generate`` (a seeded input of a given length), ``solve``
(the expected output, the oracle), ``program`` (a real single-tape Turing machine that solves
it for every length) and ``output`` (how the answer is read off the halted machine). The same
examples go to the classical machine and, through :mod:`tasks.encoding`, to the soft machines.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, NamedTuple, Sequence

from machines.classical import RunResult, run
from machines.program import Program

if TYPE_CHECKING:
    import numpy as np

PROGRAMS = Path(__file__).parent / "programs"
LEVELS = ("regular", "deterministic context-free", "context-sensitive")


@dataclass(frozen=True)
class Example:
    """One input and the output every machine should produce for it."""

    input: str
    output: str


class ReferenceRun(NamedTuple):
    output: str             # the run's output, decoded as the task reads it
    run: RunResult


@dataclass(frozen=True)
class Score:
    """``exact``: the whole output is right; ``symbol_accuracy``: the fraction of positions of
    the longer of (expected, predicted) that agree."""

    exact: bool
    symbol_accuracy: float


@dataclass(frozen=True)
class Output:
    """How an answer is read off a halted machine.

    ``kind`` is ``tape`` (the trimmed tape), ``after`` (the trimmed tape after the last
    ``marker``) or ``state`` (``verdicts[halting state]``, for accept/reject and other
    classification machines).
    """

    kind: str
    marker: str = ""
    verdicts: Mapping[str, str] = field(default_factory=dict)

    def read(self, result: RunResult) -> str:
        if self.kind == "state":
            return self.verdicts.get(result.state, "") if result.halted else ""
        text = result.tape.text
        if self.kind == "after":
            head, sep, tail = text.rpartition(self.marker)
            return tail if sep else ""
        return text

    def describe(self) -> str:
        if self.kind == "state":
            return "the halting state (" + ", ".join(f"{q} = {v}" for q, v in
                                                      self.verdicts.items()) + ")"
        if self.kind == "after":
            return f"the tape after the last {self.marker!r}"
        return "the trimmed tape"


TAPE = Output("tape")
ACCEPT_REJECT = Output("state", verdicts={"accept": "1", "reject": "0"})


@dataclass(frozen=True)
class Task:
    """One task of the suite; see the module docstring."""

    name: str
    level: str
    description: str
    alphabet: tuple[str, ...]            # symbols an input may contain
    output_alphabet: tuple[str, ...]     # symbols an output may contain
    generate: Callable[[int, "np.random.Generator"], str] = field(repr=False)
    solve: Callable[[str], str] = field(repr=False)
    program: str | Callable[[], Program] = field(repr=False)   # a file in programs/, or code
    output: Output = TAPE
    min_length: int = 1
    length_unit: str = "symbols"
    data_symbols: tuple[str, ...] = ()   # with ``bits``: the symbols that are 8-bit vectors
    bits: int = 0                        # > 0: data symbols are packed bit vectors

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"unknown level {self.level!r}")

    # ------------------------------------------------------------------ examples
    def sample(self, length: int, rng: "np.random.Generator") -> Example:
        """A random example of the given length (in ``length_unit``), from ``rng``."""
        if length < self.min_length:
            raise ValueError(f"task {self.name} needs length >= {self.min_length} "
                             f"({self.length_unit}), got {length}")
        text = self.generate(length, rng)
        return Example(text, self.solve(text))

    # ------------------------------------------------------------------ the classical side
    @cached_property
    def reference(self) -> Program:
        """The reference Turing machine (built once per task object)."""
        if callable(self.program):
            return self.program()
        from machines.formats import load

        return load(PROGRAMS / self.program)

    def reference_program(self) -> Program:
        return self.reference

    def run_reference(self, text: str, max_steps: int = 10_000_000) -> ReferenceRun:
        """Run the reference program on ``text``: the decoded output and the run."""
        result = run(self.reference, text, max_steps=max_steps)
        return ReferenceRun(self.output.read(result), result)

    # ------------------------------------------------------------------ scoring & tensors
    def score(self, predicted: str, example: Example) -> Score:
        expected = example.output
        n = max(len(expected), len(predicted))
        same = sum(a == b for a, b in zip(predicted, expected))
        return Score(predicted == expected, same / n if n else 1.0)

    def encode(self, examples: Sequence[Example], encoding: str = "sequence", **options):
        """Tensors for the soft machines: ``sequence`` (NTM, LSTM) or ``tape`` (soft TM).

        See :func:`tasks.encoding.sequence_batch` and :func:`tasks.encoding.tape_batch`;
        torch is imported only here.
        """
        from tasks import encoding as enc

        if encoding == "sequence":
            return enc.sequence_batch(self, examples, **options)
        if encoding == "tape":
            return enc.tape_batch(self, examples, **options)
        raise ValueError(f"unknown encoding {encoding!r}; use 'sequence' or 'tape'")
