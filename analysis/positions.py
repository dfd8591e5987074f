"""Where along its answer a sequence machine goes wrong: accuracy at each output position.

Per-token accuracy averages over the answer; a machine that recalls the first symbol and
guesses the rest can score as much as one that is a little wrong everywhere. Asked per
position, the two look nothing alike, and the shape says which cells of its tape the machine
still reaches. :func:`position_accuracy` scores a trained machine on examples of one length
drawn as evaluation draws them (:func:`analysis.evaluate.examples_at`: with the same seed,
the examples ``tapelab eval`` scores) and keeps, for each output position, the share of
examples whose symbol there is right. ``benchmarks/output_positions.py`` prints and plots it
for run directories.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.evaluate import evaluation_batch, examples_at
from tasks.base import Task


@dataclass
class PositionAccuracy:
    """``accuracy[i]``: the share of the examples with an output position i (0-based) whose
    symbol there the machine got right; ``counts[i]``: how many examples have one (all of
    them where the task's answer length depends only on the input's). The mean of
    ``accuracy`` weighted by ``counts`` is ``tapelab eval``'s per-symbol accuracy wherever
    the machine's answers have the expected length."""

    task: str
    length: int
    addressing: str              # "soft" | "hard"
    accuracy: np.ndarray
    counts: np.ndarray

    def bins(self, parts: int) -> list[float]:
        """The accuracy over ``parts`` consecutive, near-equal stretches of the answer
        (weighted by ``counts``); fewer where the answer is shorter than ``parts``."""
        chunks = zip(np.array_split(self.accuracy, parts), np.array_split(self.counts, parts))
        return [float(np.average(a, weights=c)) for a, c in chunks if c.sum()]

    def prefix(self, at_least: float = 0.9) -> int:
        """How many of the answer's first positions in a row the machine gets right in at
        least ``at_least`` of the examples: the part of its answer it recalls reliably from
        the start (for odds_first, the odd-indexed symbols it keeps)."""
        below = np.flatnonzero(self.accuracy < at_least)
        return int(below[0]) if below.size else len(self.accuracy)


def position_accuracy(model, task: Task, length: int, *, samples: int = 100, seed: int = 0,
                      hard: bool = False, batch_size: int = 50) -> PositionAccuracy:
    """Score ``model`` on ``samples`` examples of ``length`` position by position (``hard``:
    argmax addressing). A position past the end of the machine's answer counts as wrong."""
    import torch

    examples = examples_at(task, length, samples, seed)
    longest = max(len(e.output) for e in examples)
    right, counts = np.zeros(longest), np.zeros(longest)
    size = evaluation_batch(task, examples, batch_size)
    for start in range(0, samples, size):
        chunk = examples[start:start + size]
        batch = task.encode(chunk, "sequence")
        with torch.no_grad():
            logits, _ = model(batch.inputs, hard=hard)
        for example, answer in zip(chunk, batch.decode(logits)):
            expected = example.output
            counts[:len(expected)] += 1
            right[:len(expected)] += [i < len(answer) and answer[i] == symbol
                                      for i, symbol in enumerate(expected)]
    shown = counts > 0
    accuracy = np.divide(right, counts, out=np.zeros_like(right), where=shown)
    return PositionAccuracy(task.name, length, "hard" if hard else "soft", accuracy, counts)
