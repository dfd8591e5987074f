"""The Stack-RNN (Joulin & Mikolov 2015, as used by Delétang et al. 2023): an RNN controller
with a differentiable stack, readable top to bottom.

At each step t the controller reads the input and the stack's top cell,

    h_t = tanh(W_x x_t + W_s s_{t-1}[0] + W_h h_{t-1} + b),

and emits the probabilities of three actions, a_t = softmax(W_a h_t) = (push, pop, no-op), and
a value to push, v_t = tanh(W_v h_t). The new stack mixes the three whole stacks the actions
would give (Joulin & Mikolov's eq. 3-4):

    s_t[0] = a_push v_t        + a_pop s_{t-1}[1]   + a_noop s_{t-1}[0]
    s_t[i] = a_push s_{t-1}[i-1] + a_pop s_{t-1}[i+1] + a_noop s_{t-1}[i]     (i > 0)

with zeros below the bottom. The output is y_t = W_y [h_t, s_t[0]].

**Addressing.** A stack is read at its top. Where that top stands is a distribution over the
stack's height, p_t[d] for d = 0 .. D, moved by the same actions (push: one up, pop: one down,
no-op: stay; p_0 = one-hot at 0). That is the trace's ``read0`` head: one-hot for a discrete
stack, spread when the machine hedges between actions.

**Beside their code** (``models/stack_rnn.py`` of google-deepmind/neural_networks_chomsky_
hierarchy): their controller is haiku's ``VanillaRNN``, a ReLU RNN, where ours is tanh.

``hard=True`` replaces each step's action probabilities by the one-hot of their argmax
(``temperature=T`` tempers them instead, :mod:`machines.sharpening`): the
same trained model run with a discrete stack (values stay real vectors).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from machines.sharpening import Temperature, temper
from machines.trace import AddressingTrace, SequenceOutput, stack_frames

ACTIONS = ("push", "pop", "noop")


@dataclass
class StackRNNConfig:
    input_size: int
    output_size: int
    hidden_size: int = 128
    stack_width: int = 8            # numbers per stack cell
    stack_depth: int = 0            # cells; 0: as many as the sequence has steps (never full)



class StackRNN(nn.Module):
    """``forward(inputs [B, T, C]) -> SequenceOutput(logits [B, T, K], AddressingTrace | None)``."""

    def __init__(self, config: StackRNNConfig) -> None:
        super().__init__()
        c = self.config = config
        self.cell = nn.RNNCell(c.input_size + c.stack_width, c.hidden_size)
        self.actions = nn.Linear(c.hidden_size, len(ACTIONS))
        self.push_value = nn.Linear(c.hidden_size, c.stack_width)
        self.output = nn.Linear(c.hidden_size + c.stack_width, c.output_size)

    def step(self, stack: torch.Tensor, actions: torch.Tensor,
             value: torch.Tensor) -> torch.Tensor:
        """The soft stack update above: ``stack`` [B, D, M], ``actions`` [B, 3] (push, pop,
        no-op), ``value`` [B, M] -> the new stack [B, D, M]."""
        zero = torch.zeros_like(stack[:, :1])
        pushed = torch.cat([value.unsqueeze(1), stack[:, :-1]], 1)
        popped = torch.cat([stack[:, 1:], zero], 1)
        push, pop, noop = (actions[:, i, None, None] for i in range(3))
        return push * pushed + pop * popped + noop * stack

    @staticmethod
    def move_height(height: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """The distribution of the top's height [B, D+1] after ``actions`` [B, 3] (a pop at
        height 0 stays at 0, as popping an empty stack leaves it empty)."""
        up = torch.cat([torch.zeros_like(height[:, :1]), height[:, :-1]], 1)
        up[:, -1] += height[:, -1]
        down = torch.cat([height[:, 1:], torch.zeros_like(height[:, :1])], 1)
        down[:, 0] += height[:, 0]
        return actions[:, 0:1] * up + actions[:, 1:2] * down + actions[:, 2:3] * height

    def forward(self, inputs: torch.Tensor, *, hard: bool = False,
                temperature: Temperature | None = None, return_trace: bool | str = False,
                forced_actions: torch.Tensor | None = None):
        """Run over ``inputs`` [B, T, C]. ``forced_actions`` [B, T, 3], if given, replaces the
        controller's action probabilities (tests drive the stack with it)."""
        c = self.config
        B, T, _ = inputs.shape
        D = c.stack_depth or T
        stack = inputs.new_zeros(B, D, c.stack_width)
        h = inputs.new_zeros(B, c.hidden_size)
        height = inputs.new_zeros(B, D + 1)
        height[:, 0] = 1.0
        outs, heights = [], []
        for t in range(T):
            h = self.cell(torch.cat([inputs[:, t], stack[:, 0]], -1), h)
            actions = torch.softmax(self.actions(h), -1) if forced_actions is None \
                else forced_actions[:, t]
            actions = temper(actions, 0.0 if hard else temperature)
            stack = self.step(stack, actions, torch.tanh(self.push_value(h)))
            outs.append(self.output(torch.cat([h, stack[:, 0]], -1)))
            if return_trace:
                height = self.move_height(height, actions)
                heights.append(height)
        logits = torch.stack(outs, 1)
        if not return_trace:
            return SequenceOutput(logits, None)
        trace = stack_frames(heights, return_trace)
        return SequenceOutput(logits, AddressingTrace({"read0": trace}, D + 1))
