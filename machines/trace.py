"""The record every machine returns besides its output: where its heads looked.

``AddressingTrace.heads[name]`` is a ``[T, N]`` array (or ``[B, T, N]`` for a batch): for each
step, a probability distribution over the N memory cells. A machine asked for
``return_trace="graph"`` gives torch tensors with their graph instead (the sharpening prior of
training differentiates through them); ``True`` gives numpy arrays. A classical machine's rows are
one-hot; a soft machine's are whatever it learned. All sharpness metrics are written against
this record (``analysis/``). It lives in ``machines/`` because machines produce it and
``machines/`` must not import ``analysis/``; ``analysis.trace`` re-exports it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:    # types only: this module stays importable without torch
    import torch

GRAPH = "graph"      # return_trace=GRAPH: the trace keeps tensors and their graph


def stack_frames(frames: list, return_trace: bool | str, dim: int = 1):
    """Per-step tensors stacked along ``dim``: a numpy array, or with ``return_trace="graph"``
    the tensor itself, graph kept."""
    import torch     # here, so that classical-only users of this module never load torch

    stacked = torch.stack(frames, dim)
    return stacked if return_trace == GRAPH else stacked.detach().cpu().numpy()


@dataclass
class AddressingTrace:
    """Per-head weightings over memory cells; rows sum to 1.

    ``heads``: name (``read0``, ``write0``, ``head``) -> array ``[T, N]`` or ``[B, T, N]``.
    ``steps``: for batched traces, the valid number of steps of each example (``None``: all).
    """

    heads: dict[str, np.ndarray]
    cells: int
    steps: np.ndarray | None = field(default=None)

    def example(self, b: int) -> "AddressingTrace":
        """One example's trace from a batched one, cut to its valid steps."""
        n = None if self.steps is None else int(self.steps[b])
        return AddressingTrace({k: v[b, :n] for k, v in self.heads.items()}, self.cells)

    @classmethod
    def from_positions(cls, positions: "list[int] | np.ndarray", cells: int,
                       offset: int = 0, name: str = "head") -> "AddressingTrace":
        """A one-hot trace from integer head positions (``position + offset`` is the column)."""
        idx = np.asarray(positions, dtype=np.int64) + offset
        if idx.size and (idx.min() < 0 or idx.max() >= cells):
            raise ValueError("a head position falls outside the cells")
        w = np.zeros((len(idx), cells))
        w[np.arange(len(idx)), idx] = 1.0
        return cls({name: w}, cells)


class SequenceOutput(NamedTuple):
    """What a sequence machine's ``forward`` returns: its output ``logits`` [B, T, K], and
    its :class:`AddressingTrace` when one was asked for and it has addressing (else None)."""
    logits: torch.Tensor
    trace: AddressingTrace | None
