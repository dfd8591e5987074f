"""Tensors for the soft machines, built from a task's examples. Imports torch (lazily, from
``Task.encode``), so that importing :mod:`tasks` does not.

* :func:`sequence_batch` for sequence models (NTM, LSTM), as in the NTM paper's copy task: an
  input phase, one delimiter step, then an answer phase with zero input during which the model
  must emit the output; targets and a loss mask cover the answer phase; shorter examples in a
  batch are padded (mask False).
* :func:`tape_batch` for the soft Turing machine: the initial tape as one-hot cells, the
  reference program's final tape, state and head, the verdict, and the steps it needed.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple, Sequence

import numpy as np
import torch

from machines.classical import trace
if TYPE_CHECKING:          # types only: tasks.base imports this module when it encodes
    from tasks.base import Example, Task


# ------------------------------------------------------------------------------ sequences
class InputChannels(NamedTuple):
    count: int                  # input channels in all; the delimiter's is the last
    own: dict[str, int]         # the channel of each non-data symbol


def input_channels(task: Task) -> InputChannels:
    """The input channels of ``task``'s sequence encoding; the delimiter is last.

    Tasks with ``bits`` put a data symbol's bits on channels 0 .. bits-1; every other symbol
    has a channel of its own.
    """
    data = set(task.data_symbols)
    own = [s for s in task.alphabet if s not in data]
    first = task.bits
    return InputChannels(first + len(own) + 1, {s: first + i for i, s in enumerate(own)})


def _bits(value: int, n: int) -> list[float]:
    return [float((value >> (n - 1 - i)) & 1) for i in range(n)]


@dataclass
class SequenceBatch:
    """``inputs`` [B, T, C], ``targets`` [B, T, K], ``mask`` [B, T] (answer steps only),
    ``lengths`` [B] (steps of each example), ``answer_start`` [B] and ``output_lengths`` [B].
    ``kind`` is ``bits`` (targets are bit vectors: sigmoid + binary cross-entropy) or
    ``onehot`` (targets are one-hot over ``output_alphabet``: softmax + cross-entropy)."""

    inputs: torch.Tensor
    targets: torch.Tensor
    mask: torch.Tensor
    lengths: torch.Tensor
    answer_start: torch.Tensor
    output_lengths: torch.Tensor
    kind: str
    output_alphabet: tuple[str, ...]
    examples: list[Example]

    def to(self, device: torch.device | str) -> "SequenceBatch":
        return replace(self, **{k: getattr(self, k).to(device) for k in
                                ("inputs", "targets", "mask", "lengths", "answer_start",
                                 "output_lengths")})

    def decode(self, outputs: torch.Tensor, *, from_logits: bool = True) -> list[str]:
        """Strings from model outputs (or from ``targets``, with ``from_logits=False``).

        ``bits``: each answer step's bits thresholded at 0.5 (0 for logits) give a data
        symbol; ``onehot``: the argmax channel's symbol.
        """
        out = []
        threshold = 0.0 if from_logits else 0.5
        for b in range(outputs.shape[0]):
            start = int(self.answer_start[b])
            steps = outputs[b, start:start + int(self.output_lengths[b])]
            if self.kind == "bits":
                weights = 2 ** torch.arange(steps.shape[-1] - 1, -1, -1, device=steps.device)
                values = ((steps > threshold).long() * weights).sum(-1).tolist()
                out.append("".join(self.output_alphabet[v] for v in values))
            else:
                out.append("".join(self.output_alphabet[i] for i in steps.argmax(-1).tolist()))
        return out


class SymbolCodes(NamedTuple):
    """Lookup tables: input symbol -> row of ``in_vectors``; output symbol -> row of
    ``out_vectors`` (the targets)."""
    in_index: dict[str, int]
    in_vectors: np.ndarray
    out_index: dict[str, int]
    out_vectors: np.ndarray


class Cells(NamedTuple):
    """Parallel arrays: the row (example) and the time step of each cell."""
    rows: np.ndarray
    steps: np.ndarray


def _codes(task: Task) -> SymbolCodes:
    """The lookup tables of ``task``'s sequence encoding."""
    channels, own = input_channels(task)
    symbols = list(task.alphabet)
    vectors = np.zeros((len(symbols), channels), dtype=np.float32)
    data_index = {s: i for i, s in enumerate(task.data_symbols)}
    for i, s in enumerate(symbols):
        if s in own:
            vectors[i, own[s]] = 1.0
        else:
            vectors[i, :task.bits] = _bits(data_index[s], task.bits)
    outputs = list(task.output_alphabet)
    if task.bits:
        targets = np.array([_bits(i, task.bits) for i in range(len(outputs))], dtype=np.float32)
    else:
        targets = np.eye(len(outputs), dtype=np.float32)
    return SymbolCodes({s: i for i, s in enumerate(symbols)}, vectors,
                       {s: i for i, s in enumerate(outputs)}, targets)


def _cells(counts: np.ndarray, starts: np.ndarray) -> Cells:
    """The rows and time steps of ``counts[b]`` consecutive steps from ``starts[b]`` in each
    row b, rows in order: the cells a flat list of every row's symbols fills."""
    rows = np.repeat(np.arange(len(counts)), counts)
    firsts = np.cumsum(counts) - counts                     # each row's offset in the list
    return Cells(rows, np.arange(len(rows)) - np.repeat(firsts - starts, counts))


def sequence_batch(task: Task, examples: Sequence[Example]) -> SequenceBatch:
    """Encode ``examples`` for a sequence model (see the module docstring)."""
    if not examples:
        raise ValueError("no examples to encode")
    in_index, in_vectors, out_index, out_vectors = _codes(task)
    channels = in_vectors.shape[1]
    lengths = [len(e.input) + 1 + len(e.output) for e in examples]
    B, T = len(examples), max(lengths)
    inputs = np.zeros((B, T, channels), dtype=np.float32)
    targets = np.zeros((B, T, out_vectors.shape[1]), dtype=np.float32)
    mask = np.zeros((B, T), dtype=bool)
    ins: list[int] = []             # every example's symbol codes, one flat list per phase
    outs: list[int] = []
    for e in examples:
        try:
            ins.extend(map(in_index.__getitem__, e.input))
            outs.extend(map(out_index.__getitem__, e.output))
        except KeyError as err:
            raise ValueError(f"symbol {err.args[0]!r} of example {e} is outside the alphabets "
                             f"of task {task.name}") from None
    n_in = np.array([len(e.input) for e in examples])
    n_out = np.array([len(e.output) for e in examples])
    rows_in, steps_in = _cells(n_in, np.zeros(B, dtype=int))
    rows_out, steps_out = _cells(n_out, n_in + 1)
    inputs[rows_in, steps_in] = in_vectors[ins]
    inputs[np.arange(B), n_in, channels - 1] = 1.0     # the delimiter
    targets[rows_out, steps_out] = out_vectors[outs]
    mask[rows_out, steps_out] = True
    return SequenceBatch(torch.from_numpy(inputs), torch.from_numpy(targets),
                         torch.from_numpy(mask), torch.tensor(lengths),
                         torch.tensor([len(e.input) + 1 for e in examples]),
                         torch.tensor([len(e.output) for e in examples]),
                         "bits" if task.bits else "onehot", task.output_alphabet, list(examples))


# ------------------------------------------------------------------------------ tapes
@dataclass
class TapeBatch:
    """The soft TM's view of examples, on a window of ``tape_length`` cells; window index
    ``origin`` is the head's start cell (cell 0, where the input begins).

    ``tape`` [B, L, S] one-hot initial tapes over ``alphabet`` (blank first);
    ``target_tape`` [B, L], ``target_state`` [B] (index in ``states``) and ``target_head`` [B]
    (window index) describe the reference program's halted configuration; ``verdict`` [B] is
    the expected output's index in the task's output alphabet for tasks read off the halting
    state (-1 otherwise); ``steps`` [B] the steps the reference program needed; ``inside`` [B]
    whether its whole run stayed inside the window.
    """

    tape: torch.Tensor
    target_tape: torch.Tensor
    target_state: torch.Tensor
    target_head: torch.Tensor
    verdict: torch.Tensor
    steps: torch.Tensor
    inside: torch.Tensor
    alphabet: tuple[str, ...]
    states: tuple[str, ...]
    origin: int
    examples: list[Example]

    def to(self, device: torch.device | str) -> "TapeBatch":
        return replace(self, **{k: getattr(self, k).to(device) for k in
                                ("tape", "target_tape", "target_state", "target_head", "verdict",
                                 "steps", "inside")})

    @property
    def tape_length(self) -> int:
        return self.tape.shape[1]

    def tape_strings(self, cells: torch.Tensor) -> list[str]:
        """Index tensors [B, L] (or one-hot [B, L, S]) back to strings, blanks included."""
        if cells.dim() == 3:
            cells = cells.argmax(-1)
        return ["".join(self.alphabet[i] for i in row.tolist()) for row in cells]


def tape_batch(task: Task, examples: Sequence[Example], *, tape_length: int | None = None,
               origin: int | None = None, max_steps: int = 100_000) -> TapeBatch:
    """Encode ``examples`` for the soft TM; the window fits every reference run unless
    ``tape_length`` / ``origin`` say otherwise (then see ``inside``)."""
    if not examples:
        raise ValueError("no examples to encode")
    program = task.reference
    alphabet = program.alphabet(task.alphabet)
    sidx = {s: i for i, s in enumerate(alphabet)}
    qidx = {q: i for i, q in enumerate(program.states)}
    finals, spans = [], []
    for e in examples:
        lo, hi = 0, max(len(e.input), 1)
        for config in trace(program, e.input, max_steps=max_steps):
            lo, hi = min(lo, config.head), max(hi, config.head + 1)
        if config.reason == "step-limit":
            raise ValueError(f"the reference program of {task.name} did not halt on "
                             f"{e.input!r} within {max_steps} steps")
        lo, hi = min(lo, config.tape.offset), max(hi, config.tape.end)
        finals.append(config)
        spans.append((lo, hi))
    if origin is None:
        origin = max(-lo for lo, _ in spans)
    if tape_length is None:
        tape_length = max(hi for _, hi in spans) + origin
    B, L = len(examples), tape_length
    tape = torch.zeros(B, L, len(alphabet))
    target_tape = torch.zeros(B, L, dtype=torch.long)
    for b, (e, final) in enumerate(zip(examples, finals)):
        for i in range(L):
            cell = i - origin
            initial = e.input[cell] if 0 <= cell < len(e.input) else program.blank
            tape[b, i, sidx[initial]] = 1.0
            target_tape[b, i] = sidx[final.tape[cell]]
    out_index = {s: i for i, s in enumerate(task.output_alphabet)}
    verdict = [out_index.get(e.output, -1) if task.output.kind == "state" else -1
               for e in examples]
    inside = [lo + origin >= 0 and hi + origin <= L for lo, hi in spans]
    return TapeBatch(tape, target_tape, torch.tensor([qidx[f.state] for f in finals]),
                     torch.tensor([f.head + origin for f in finals]), torch.tensor(verdict),
                     torch.tensor([f.step for f in finals]), torch.tensor(inside),
                     alphabet, program.states, origin, list(examples))
