"""The LSTM baseline of the NTM paper: a stack of LSTM layers and a linear read-out."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from machines.trace import SequenceOutput


@dataclass
class LSTMConfig:
    input_size: int
    output_size: int
    hidden_size: int = 256
    layers: int = 3



class LSTMBaseline(nn.Module):
    """``forward(inputs [B, T, C]) -> SequenceOutput(logits [B, T, K], None)``: it has no
    addressable memory, so no trace; ``hard`` and ``temperature`` are accepted and ignored,
    for a uniform interface."""

    def __init__(self, config: LSTMConfig) -> None:
        super().__init__()
        self.config = config
        self.lstm = nn.LSTM(config.input_size, config.hidden_size, config.layers,
                            batch_first=True)
        self.output = nn.Linear(config.hidden_size, config.output_size)

    def forward(self, inputs: torch.Tensor, *, hard: bool = False, temperature: object = None,
                return_trace: bool | str = False):
        hidden, _ = self.lstm(inputs)
        return SequenceOutput(self.output(hidden), None)
