"""The Neural Turing Machine (Graves, Wayne & Danihelka 2014), readable top to bottom.

A controller (LSTM by default, or feed-forward) reads the input and the previous read vectors;
one linear layer emits the parameters of every head at once; the heads address an N x M memory
with the pure functions of :mod:`machines.addressing`; write heads erase and add, read heads
read. The memory starts at a small constant (Collier & Beel 2018, "Implementing Neural Turing
Machines": about twice as fast to converge as learned or random initialisation) and the
controller's outputs are clipped to +-``clip``, as there.

``forward(inputs, hard=True)`` replaces every weighting by the one-hot of its argmax before it
is used: the same trained model run as a discrete machine. ``temperature=T`` tempers every
weighting instead (:func:`machines.sharpening.temper`: T = 1 unchanged, T = 0 the argmax,
``"adaptive"`` by each weighting's entropy).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from machines import addressing as A
from machines.sharpening import Temperature, temper
from machines.trace import AddressingTrace, SequenceOutput, stack_frames


@dataclass
class NTMConfig:
    input_size: int
    output_size: int
    memory_size: int = 128          # N cells
    memory_width: int = 20          # M numbers per cell
    controller: str = "lstm"        # "lstm" | "feedforward"
    controller_size: int = 100
    read_heads: int = 1
    write_heads: int = 1
    clip: float = 20.0              # controller outputs are clipped to [-clip, clip]
    memory_init: float = 1e-6       # the constant the memory starts at
    # initial bias of every head's interpolation gate g (eq. 7): negative starts the heads
    # location-based (w_t ~ w_{t-1}); "signed": a setting that may be negative
    gate_bias: float = field(default=0.0, metadata={"signed": True})



class NTMState(NamedTuple):
    """What the NTM carries from step to step: memory [B, N, M], every head's weighting
    [B, H, N] (read heads first), the last reads [B, R*M], and the LSTM controller's h and
    cell [B, controller_size] (unused by a feedforward controller)."""
    memory: torch.Tensor
    weights: torch.Tensor
    reads: torch.Tensor
    h: torch.Tensor
    cell: torch.Tensor


class HeadParams(NamedTuple):
    """Every head's addressing parameters for one step (section 3.3), activated: key k_t
    (tanh), key strength beta_t (softplus), interpolation gate g_t (sigmoid), shift
    weighting s_t (softmax), sharpening gamma_t (1 + softplus); and per write head, erase e_t
    (sigmoid) and add a_t (tanh) of section 3.2."""
    keys: torch.Tensor      # [B, H, M]
    beta: torch.Tensor      # [B, H]
    gate: torch.Tensor      # [B, H]
    shifts: torch.Tensor    # [B, H, len(SHIFTS)]
    gamma: torch.Tensor     # [B, H]
    erase: torch.Tensor     # [B, W, M]
    add: torch.Tensor       # [B, W, M]


class NTM(nn.Module):
    """``forward(inputs [B, T, C]) -> SequenceOutput(logits [B, T, K], AddressingTrace | None)``."""

    def __init__(self, config: NTMConfig) -> None:
        super().__init__()
        c = self.config = config
        if c.controller not in ("lstm", "feedforward"):
            raise ValueError("controller must be 'lstm' or 'feedforward'")
        self.heads = c.read_heads + c.write_heads
        inp = c.input_size + c.read_heads * c.memory_width
        if c.controller == "lstm":
            self.controller = nn.LSTMCell(inp, c.controller_size)
        else:
            self.controller = nn.Sequential(nn.Linear(inp, c.controller_size), nn.ReLU())
        # per head: key M, beta, gate, 3 shifts, gamma; per write head also erase M and add M
        self.address_size = c.memory_width + 3 + len(A.SHIFTS)
        self.head_params = nn.Linear(c.controller_size, self.heads * self.address_size
                                     + c.write_heads * 2 * c.memory_width)
        self.output = nn.Linear(c.controller_size + c.read_heads * c.memory_width, c.output_size)
        if c.gate_bias:
            with torch.no_grad():
                gates = torch.arange(self.heads) * self.address_size + c.memory_width + 1
                self.head_params.bias[gates] = c.gate_bias
        self.compiled_step: Callable | None = None      # set by compile_step()
        self.read0 = nn.Parameter(torch.randn(c.read_heads * c.memory_width) * 0.01)

    def initial_state(self, batch: int, device: torch.device) -> NTMState:
        c = self.config
        memory = torch.full((batch, c.memory_size, c.memory_width), c.memory_init, device=device)
        weights = torch.zeros(batch, self.heads, c.memory_size, device=device)
        weights[:, :, 0] = 1.0                           # every head starts on cell 0
        reads = self.read0.expand(batch, -1)
        zeros = torch.zeros(batch, c.controller_size, device=device)
        return NTMState(memory, weights, reads, zeros, zeros)

    def _split(self, params: torch.Tensor) -> HeadParams:
        """The controller's head parameters with their activations."""
        c, B = self.config, params.shape[0]
        H, M, W = self.heads, c.memory_width, c.write_heads
        addr = params[:, :H * self.address_size].view(B, H, self.address_size)
        keys = torch.tanh(addr[..., :M])
        beta = F.softplus(addr[..., M])
        gate = torch.sigmoid(addr[..., M + 1])
        shifts = torch.softmax(addr[..., M + 2:M + 2 + len(A.SHIFTS)], dim=-1)
        gamma = 1 + F.softplus(addr[..., -1])
        rest = params[:, H * self.address_size:].view(B, W, 2 * M)
        return HeadParams(keys, beta, gate, shifts, gamma, torch.sigmoid(rest[..., :M]),
                          torch.tanh(rest[..., M:]))

    def step(self, x_t: torch.Tensor, reads: torch.Tensor, h: torch.Tensor, cell: torch.Tensor,
             weights: torch.Tensor, memory: torch.Tensor,
             temperature: Temperature | None = None):
        """One time step: controller, addressing, read, write. Tensors in, tensors out, so that
        :meth:`compile` can hand it to ``torch.compile``."""
        c = self.config
        x = torch.cat([x_t, reads], dim=-1)
        if c.controller == "lstm":
            h, cell = self.controller(x, (h, cell))
        else:
            h = self.controller(x)
        h = h.clamp(-c.clip, c.clip)
        params = self.head_params(h).clamp(-c.clip, c.clip)
        p = self._split(params)
        weights = A.address(p.keys, p.beta, p.gate, p.shifts, p.gamma, weights, memory)
        if temperature is not None:
            weights = temper(weights, temperature)
        read_w, write_w = weights[:, :c.read_heads], weights[:, c.read_heads:]
        reads = A.read(memory, read_w).reshape(x.shape[0], -1)   # reads see the memory before
        memory = A.write(memory, write_w, p.erase, p.add)        # this step's write
        return reads, h, cell, weights, memory

    def compile_step(self) -> "NTM":
        """Use ``torch.compile`` for the soft time step (about 1.8x faster training on a 2-core
        CPU, after a compile of about a minute; hard and traced runs stay eager). Named apart
        from ``nn.Module.compile``, which compiles the whole forward."""
        self.compiled_step = torch.compile(self.step, dynamic=False)
        return self

    def forward(self, inputs: torch.Tensor, *, hard: bool = False,
                temperature: Temperature | None = None, return_trace: bool | str = False):
        """``return_trace="graph"`` keeps the trace's weightings as tensors with their graph
        (for the sharpening prior); ``True`` gives numpy arrays."""
        c = self.config
        B, T, _ = inputs.shape
        temperature = 0.0 if hard else temperature
        memory, weights, reads, h, cell = self.initial_state(B, inputs.device)
        # hard, tempered and evaluation-traced runs stay eager; training (with or without the
        # graph-keeping trace of the sharpening prior) uses the compiled step when there is one
        compiled = None if temperature is not None or return_trace is True \
            else self.compiled_step
        outs, trace = [], []
        steps = inputs.transpose(0, 1).contiguous()     # [T, B, C]: every x_t has one layout
        for t in range(T):
            # the first step runs eagerly: its inputs do not require grad yet, and one compiled
            # variant then serves every later step
            step = compiled if compiled is not None and t > 0 else self.step
            reads, h, cell, weights, memory = step(steps[t], reads, h, cell, weights, memory,
                                                   temperature)
            outs.append(torch.cat([h, reads], dim=-1))
            if return_trace:
                trace.append(weights)
        logits = self.output(torch.stack(outs, dim=1))
        if not return_trace:
            return SequenceOutput(logits, None)
        w = stack_frames(trace, return_trace)                # [B, T, H, N]
        names = [f"read{i}" for i in range(c.read_heads)] + \
                [f"write{i}" for i in range(c.write_heads)]
        return SequenceOutput(logits, AddressingTrace({n: w[:, :, i] for i, n in enumerate(names)},
                                                      c.memory_size))
