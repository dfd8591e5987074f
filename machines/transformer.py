"""A small Transformer encoder (Vaswani et al. 2017) with the positional encoding a parameter,
as Delétang et al. 2023 swept it: none, sin/cos, relative, ALiBi or RoPE. Readable top to bottom.

The encoder sees the whole sequence at once (input, delimiter, then the answer steps, whose
input is empty) and predicts every answer symbol from its position. Each of ``layers`` blocks
is pre-norm self-attention then a feed-forward layer, both residual:

    x = x + Attn(LN(x)),   x = x + FF(LN(x)),   FF(x) = W_2 relu(W_1 x)

    Attn: for each head, scores_ij = q_i . k_j / sqrt(d) + bias_ij,  A = softmax_j(scores),
          out_i = sum_j A_ij v_j

Positional encodings (``position``):

* ``none``: no position information (attention is then permutation-equivariant);
* ``sincos``: x_i += PE(i), PE(i)_{2k} = sin(i / 10000^{2k/d}), PE(i)_{2k+1} = cos(...);
* ``relative``: a learned bias per head and clipped offset, bias_ij = b_h[clip(j - i, -K, K)]
  (Shaw et al. 2018's relative positions as a scalar bias, as in T5; K = ``max_relative``);
* ``alibi``: bias_ij = -m_h |i - j| with head slopes m_h = 2^{-8 h / H} (Press et al. 2022;
  symmetric, since the encoder attends both ways);
* ``rope``: q and k rotated by their position, pairs of channels by angle i / 10000^{2k/d}
  (Su et al. 2021), so q_i . k_j depends on j - i.

**Addressing.** Each head's attention row A_i is a distribution over the sequence's
positions: the trace has one head per (layer, attention head), ``read0``, ``read1``, ...
``hard=True`` replaces every attention row by the one-hot of its argmax; ``temperature=T``
tempers each row instead (:mod:`machines.sharpening`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

from machines.sharpening import Temperature, temper
from machines.trace import GRAPH, AddressingTrace, SequenceOutput

POSITIONS = ("none", "sincos", "relative", "alibi", "rope")


@dataclass
class TransformerConfig:
    input_size: int
    output_size: int
    model_size: int = 64
    heads: int = 4
    layers: int = 2
    position: str = "rope"
    max_relative: int = 16          # ``relative``: offsets beyond this share one bias
    dropout: float = 0.0



def sincos(T: int, d: int, device=None) -> torch.Tensor:
    """The sin/cos table [T, d] (d even)."""
    pos = torch.arange(T, device=device, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, d, 2, device=device) / d)
    table = torch.zeros(T, d, device=device)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq)
    return table


def rotate(x: torch.Tensor) -> torch.Tensor:
    """RoPE: ``x`` [B, H, T, d] with channel pairs (2k, 2k+1) rotated by t / 10000^{2k/d}."""
    T, d = x.shape[-2], x.shape[-1]
    angles = sincos(T, d, x.device)          # sin at even, cos at odd channels
    sin, cos = angles[:, 0::2], angles[:, 1::2]
    even, odd = x[..., 0::2], x[..., 1::2]
    out = torch.stack([even * cos - odd * sin, even * sin + odd * cos], -1)
    return out.flatten(-2)


def alibi_slopes(heads: int) -> torch.Tensor:
    return torch.tensor([2.0 ** (-8.0 * (h + 1) / heads) for h in range(heads)])


class BlockOutput(NamedTuple):
    """A block's output ``x`` [B, T, D] and its ``attention`` [B, H, T, T] (rows sum to 1)."""
    x: torch.Tensor
    attention: torch.Tensor


class Block(nn.Module):
    """One pre-norm encoder block; ``forward`` returns the new x and the attention [B,H,T,T]."""

    def __init__(self, c: TransformerConfig) -> None:
        super().__init__()
        self.c = c
        self.norm1, self.norm2 = nn.LayerNorm(c.model_size), nn.LayerNorm(c.model_size)
        self.qkv = nn.Linear(c.model_size, 3 * c.model_size)
        self.proj = nn.Linear(c.model_size, c.model_size)
        self.ff = nn.Sequential(nn.Linear(c.model_size, 4 * c.model_size), nn.ReLU(),
                                nn.Linear(4 * c.model_size, c.model_size))
        self.drop = nn.Dropout(c.dropout)
        if c.position == "relative":
            self.relative = nn.Parameter(0.1 * torch.randn(c.heads, 2 * c.max_relative + 1))

    def bias(self, T: int, device) -> torch.Tensor | float:
        c = self.c
        offsets = torch.arange(T, device=device)[None, :] - torch.arange(T, device=device)[:, None]
        if c.position == "relative":
            index = offsets.clamp(-c.max_relative, c.max_relative) + c.max_relative
            return self.relative[:, index]                               # [H, T, T]
        if c.position == "alibi":
            return -alibi_slopes(c.heads).to(device)[:, None, None] * offsets.abs()
        return 0.0

    def forward(self, x: torch.Tensor, temperature: Temperature | None) -> BlockOutput:
        c = self.c
        B, T, D = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(B, T, 3, c.heads, D // c.heads).unbind(2)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))                # [B, H, T, d]
        if c.position == "rope":
            q, k = rotate(q), rotate(k)
        scores = q @ k.transpose(-1, -2) / math.sqrt(D // c.heads) + self.bias(T, x.device)
        attention = torch.softmax(scores, -1)
        attention = temper(attention, temperature)
        out = (self.drop(attention) @ v).transpose(1, 2).reshape(B, T, D)
        x = x + self.proj(out)
        return BlockOutput(x + self.drop(self.ff(self.norm2(x))), attention)


class TransformerEncoder(nn.Module):
    """``forward(inputs [B, T, C]) -> SequenceOutput(logits [B, T, K], AddressingTrace | None)``."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        c = self.config = config
        if c.position not in POSITIONS:
            raise ValueError(f"position must be one of {', '.join(POSITIONS)}, not "
                             f"{c.position!r}")
        if c.model_size % c.heads or (c.model_size // c.heads) % 2:
            raise ValueError("model_size must split into heads of an even size")
        self.embed = nn.Linear(c.input_size, c.model_size)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.layers))
        self.norm = nn.LayerNorm(c.model_size)
        self.output = nn.Linear(c.model_size, c.output_size)

    def forward(self, inputs: torch.Tensor, *, hard: bool = False,
                temperature: Temperature | None = None, return_trace: bool | str = False):
        B, T, _ = inputs.shape
        temperature = 0.0 if hard else temperature
        x = self.embed(inputs)
        if self.config.position == "sincos":
            x = x + sincos(T, self.config.model_size, inputs.device)
        attentions = []
        for block in self.blocks:
            x, attention = block(x, temperature)
            attentions.append(attention)
        logits = self.output(self.norm(x))
        if not return_trace:
            return SequenceOutput(logits, None)
        heads = {}
        for attention in attentions:
            for h in range(attention.shape[1]):
                heads[f"read{len(heads)}"] = (attention[:, h] if return_trace == GRAPH else
                                              attention[:, h].detach().cpu().numpy())
        return SequenceOutput(logits, AddressingTrace(heads, T))
