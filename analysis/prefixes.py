"""Where a sequence machine goes wrong along a long input: its answer after every prefix.

A machine trained on a regular task (parity, even_pairs, cycle_navigation) answers after
the delimiter; ask it after every prefix s[:t] of a long input s and the answers trace the
state it keeps while it reads. :func:`prefix_answers` does that for any sequence machine
(every prefix is its own example, encoded and scored as in evaluation), and
:func:`accuracy_by` groups the answers by a statistic of the prefix, to ask *what* breaks the
machine beyond its training lengths rather than *where*.

For cycle_navigation the statistic that matters is the walk's excursion
(:func:`cycle_excursion`): the largest |net displacement| of the prefixes so far, with
``+`` = +1, ``-`` = -1 and ``=`` = 0. A machine that keeps the position modulo 5, as the
task's five-state automaton does, is indifferent to it; one that counts the displacement and
reads it modulo 5 at the end fails once the walk leaves the range its training inputs reached.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from analysis.evaluate import examples_at
from tasks.base import Example, Task


@dataclass
class PrefixAnswers:
    """``inputs``: N inputs of one length T; ``correct`` [N, T] bool: whether the machine's
    answer on ``inputs[n][:t + 1]`` is the task's (prefixes shorter than the task's minimum
    count as correct: nothing was asked)."""

    task: str
    inputs: list[str]
    correct: np.ndarray


@dataclass
class BinAccuracy:
    """Accuracy over the prefixes whose statistic lies in [lo, hi); ``count`` of them."""

    lo: float
    hi: float
    accuracy: float | None
    count: int


def prefix_examples(task: Task, text: str) -> list[Example]:
    """Every prefix of ``text`` from the task's minimum length on, with the task's answer for
    it (``task.solve``); a ValueError where the task has none (``101`` in binary addition).
    Which prefixes are inputs the task could draw is the caller's to judge: every one is, for
    parity, even_pairs and cycle_navigation."""
    examples = []
    for t in range(max(task.min_length, 1), len(text) + 1):
        prefix = text[:t]
        try:
            examples.append(Example(prefix, task.solve(prefix)))
        except (KeyError, ValueError, IndexError) as err:
            raise ValueError(f"task {task.name}: the prefix {prefix!r} has no answer "
                             f"({err}); prefix answers need a task whose every prefix is "
                             "an input") from None
    return examples


def prefix_answers(model, task: Task, length: int, *, samples: int = 64,
                   seed: int = 0) -> PrefixAnswers:
    """The machine's answer after every prefix of ``samples`` inputs of ``length`` (the
    evaluation's inputs of that length and seed, :func:`analysis.evaluate.examples_at`). The
    prefixes of one length go in one batch, so no example is padded."""
    import torch

    inputs = [e.input for e in examples_at(task, length, samples, seed)]
    prefixes = [prefix_examples(task, text) for text in inputs]
    first = len(inputs[0]) - len(prefixes[0])          # prefixes too short to ask
    correct = np.ones((len(inputs), length), dtype=bool)
    for i in range(len(prefixes[0])):
        chunk = [p[i] for p in prefixes]
        batch = task.encode(chunk, "sequence")
        with torch.no_grad():
            logits, _ = model(batch.inputs)
        correct[:, first + i] = [task.score(p, e).exact
                                 for e, p in zip(chunk, batch.decode(logits))]
    return PrefixAnswers(task.name, inputs, correct)


def cycle_excursion(inputs: Sequence[str]) -> np.ndarray:
    """[N, T]: the largest |net displacement| of a cycle_navigation walk up to each step."""
    moves = np.array([[{"+": 1, "-": -1, "=": 0}[c] for c in text] for text in inputs])
    return np.maximum.accumulate(np.abs(np.cumsum(moves, axis=1)), axis=1)


def accuracy_by(statistic: np.ndarray, correct: np.ndarray, edges: Sequence[float], *,
                steps: slice = slice(None)) -> list[BinAccuracy]:
    """Accuracy of the prefixes grouped by ``statistic`` [N, T] into [edges[i], edges[i+1]),
    over the prefix steps ``steps`` (0-based: step t is the prefix of length t + 1)."""
    values, right = statistic[:, steps], correct[:, steps]
    bins = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (values >= lo) & (values < hi)
        count = int(inside.sum())
        bins.append(BinAccuracy(lo, hi, float(right[inside].mean()) if count else None, count))
    return bins
