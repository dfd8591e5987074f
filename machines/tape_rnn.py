"""The Tape-RNN of Delétang et al. 2023 ("loosely based on Baby-NTM", Suzgun et al. 2019): an
RNN controller with a differentiable tape and five actions, readable top to bottom.

The tape has L cells of M numbers and a head. At each step t the controller reads the input
and the cell under the head, h_t = tanh(W [x_t, r_{t-1}] + U h_{t-1} + b) (the default
``variant="tapelab"``; ``"deletang"`` is theirs, below), then emits the probabilities of the
five actions of their ``TapeInputLengthJumpCore``,

    a_t = softmax(W_a h_t) over (write-stay, write-left, write-right,
                                 write-jump-left, write-jump-right),

and a value w_t = tanh(W_w h_t). Every action writes w_t under the head, then moves it by
its shift: 0, -1, +1, -n, +n, where n is the length of the example's input. As in their code
the head stays in place and the tape moves under it (a circular tape of L cells); the new tape
mixes the tapes the actions would give:

    written = tape with cell 0 set to w_t
    tape_t[i] = sum_a a_t[a] written[(i + shift_a) mod L]     (cell 0 is under the head)

and the read is r_t = tape_t[0]. The output is y_t = W_y [h_t, r_t].

**Addressing.** In the tape's own frame the head's position is a distribution over the L
cells, moved by the same actions,

    p_t[i] = sum_a a_t[a] p_{t-1}[(i - shift_a) mod L],     p_0 one-hot at cell 0.

The trace's ``write0`` head is that distribution before the step's move (where w_t is
written) and ``read0`` after it (where r_t is read). ``hard=True`` takes the argmax action at
every step: a discrete tape (``temperature=T`` tempers the action probabilities instead,
:mod:`machines.sharpening`). Both the tape and the head are moved by one precomputed index
(:func:`move_index`), a single ``index_select`` when the batch shares its input length.

**Where it differs from their code** (``models/tape_rnn.py``, ``models/rnn.py`` and
``experiments/constants.py`` of google-deepmind/neural_networks_chomsky_hierarchy, read for
this note). The controller's input, the five actions and their shifts, and the jump by the
input length are the same. Five things differ in the default ``variant="tapelab"``:

* **Their controller is a ReLU RNN** (haiku's ``VanillaRNN``), h_t = relu(W [x_t, r_{t-1}] +
  U h_{t-1} + b). Ours is tanh.
* **Their output sees only h_t** (a linear layer on relu(h_t)), and h_t saw the cell read
  *before* the step's move. Ours also sees r_t, read after the move: our output can use the
  cell a step moves to at that step, theirs one step later.
* **Their write value comes from an MLP** (two ReLU layers of 64, then a linear layer) with
  no squashing. Ours is tanh(W_w h_t).
* **Their tape is a fixed number of cells** (``memory_size``: 30 by default, 40 in their
  ``training/example.py``), so long inputs wrap around it. We could not find the size the
  paper used. Ours defaults to 2T + 1 cells, so that nothing wraps at any length; set
  ``tape_cells`` for a fixed size.
* **Their initial weights are haiku's**: normal, truncated, of standard deviation
  1/sqrt(fan_in), and zero biases. Ours are PyTorch's (uniform, and smaller for the
  controller's input weights); set ``init="haiku"`` for theirs.

``variant="deletang"`` builds their controller, output and write value (the first three
points): h_t = relu(W [x_t, r_{t-1}] + U h_{t-1} + b), y_t = W_y h_t and w_t = MLP(h_t). The
tape's size (``tape_cells``) and the initial weights (``init="haiku"``, haiku's, as their code
starts; PyTorch's by default: :mod:`machines.initialisation`) are settings of their own.
With all three, and their weights copied in, the port gives their code's logits on their
batches, and their gradient under their objective (``benchmarks/tape_rnn_port_check.py``:
to 1.8e-7 and 1.5e-6).

Two things their training does otherwise are the training loop's settings, not the model's:
their objective is the cross-entropy averaged over answer tokens (``loss_per="token"`` in
:class:`machines.training.TrainConfig`; tapelab sums it over a sequence's answer steps), and
their inputs have no delimiter step (the answer steps carry a token of their own instead,
``tasks.encoding`` adds one step between input and answer).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn

from machines.initialisation import INITS, haiku_init
from machines.sharpening import Temperature, temper
from machines.trace import AddressingTrace, SequenceOutput, stack_frames

ACTIONS = ("stay", "left", "right", "jump-left", "jump-right")
VARIANTS = ("tapelab", "deletang")
WRITE_LAYERS = (64, 64)             # the hidden layers of their write-value MLP


@dataclass
class TapeRNNConfig:
    input_size: int
    output_size: int
    hidden_size: int = 128
    tape_width: int = 8             # numbers per cell
    tape_cells: int = 0             # L; 0: twice the sequence's steps plus one (no wrap-around)
    variant: str = "tapelab"        # "deletang": their ReLU controller, MLP write, output from h_t
    init: str = "torch"             # "haiku": haiku's initial weights (machines.initialisation)


def write_mlp(hidden: int, width: int) -> nn.Sequential:
    """Their write value: an MLP on h_t, ReLU layers of :data:`WRITE_LAYERS`, then a linear
    layer to the cell's ``width`` numbers, not squashed (haiku's ``MLP`` defaults)."""
    layers: list[nn.Module] = []
    for size in WRITE_LAYERS:
        layers += [nn.Linear(hidden, size), nn.ReLU()]
        hidden = size
    return nn.Sequential(*layers, nn.Linear(hidden, width))


def move_index(shifts: torch.Tensor, L: int) -> torch.Tensor:
    """For ``shifts`` [B, A] on a circular tape of ``L`` cells, the cell that each move brings
    to cell i: (i + shift) mod L, flattened over (move, cell). It is [A*L] when every example
    has the same shifts (training batches share one input length), else [B, A*L]."""
    cells = (torch.arange(L, device=shifts.device)[None, None, :] + shifts[:, :, None]) % L
    if bool((shifts == shifts[:1]).all()):
        return cells[0].reshape(-1)
    return cells.reshape(shifts.shape[0], -1)


def moved(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``x`` [B, L, ...] under every move of ``index`` (:func:`move_index`): [B, A, L, ...],
    out[b, a, i] = x[b, (i + shift[b, a]) mod L]. A shared index is one ``index_select``
    (about twice as fast as a per-example ``gather``, forward and backward)."""
    B, L, rest = x.shape[0], x.shape[1], x.shape[2:]
    if index.dim() == 1:
        return x.index_select(1, index).view(B, -1, L, *rest)
    index = index.view(B, -1, *([1] * len(rest))).expand(B, index.shape[1], *rest)
    return torch.gather(x, 1, index).view(B, -1, L, *rest)


class TapeRNN(nn.Module):
    """``forward(inputs [B, T, C]) -> SequenceOutput(logits [B, T, K], AddressingTrace | None)``.
    The input's last channel is the delimiter (``tasks.encoding``): the input length n of each
    example is the step where it first appears."""

    def __init__(self, config: TapeRNNConfig) -> None:
        super().__init__()
        c = self.config = config
        if c.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {', '.join(VARIANTS)}, not {c.variant!r}")
        if c.init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}, not {c.init!r}")
        self.theirs = theirs = c.variant == "deletang"
        self.cell = nn.RNNCell(c.input_size + c.tape_width, c.hidden_size,
                               nonlinearity="relu" if theirs else "tanh")
        self.actions = nn.Linear(c.hidden_size, len(ACTIONS))
        self.write_value = write_mlp(c.hidden_size, c.tape_width) if theirs else \
            nn.Linear(c.hidden_size, c.tape_width)
        self.output = nn.Linear(c.hidden_size + (0 if theirs else c.tape_width), c.output_size)
        if c.init == "haiku":
            haiku_init(self)

    @staticmethod
    def shifts(n: torch.Tensor) -> torch.Tensor:
        """Each action's head shift for input lengths ``n`` [B]: [B, 5]."""
        one = torch.ones_like(n)
        return torch.stack([0 * one, -one, one, -n, n], 1)

    @staticmethod
    def step(tape: torch.Tensor, actions: torch.Tensor, value: torch.Tensor,
             index: torch.Tensor) -> torch.Tensor:
        """Write ``value`` [B, M] under the head (cell 0 of ``tape`` [B, L, M]), then mix the
        tapes moved by each action (``actions`` [B, 5]; ``index`` is
        ``move_index(shifts, L)``, so that the new cell i is sum_a a[a] written[i + shift_a])."""
        written = torch.cat([value.unsqueeze(1), tape[:, 1:]], 1)
        return torch.einsum("ba,bal...->bl...", actions, moved(written, index))

    def forward(self, inputs: torch.Tensor, *, hard: bool = False,
                temperature: Temperature | None = None, return_trace: bool | str = False,
                forced_actions: torch.Tensor | None = None):
        """Run over ``inputs`` [B, T, C]; ``forced_actions`` [B, T, 5] replaces the
        controller's action probabilities (tests drive the tape with it)."""
        c = self.config
        B, T, _ = inputs.shape
        L = c.tape_cells or 2 * T + 1
        n = inputs[..., -1].argmax(1)                      # the delimiter's step: input length
        shifts = self.shifts(n)
        tape_moves, head_moves = move_index(shifts, L), move_index(-shifts, L)
        tape = inputs.new_zeros(B, L, c.tape_width)
        h = inputs.new_zeros(B, c.hidden_size)
        position = inputs.new_zeros(B, L)
        position[:, 0] = 1.0
        outs, reads, writes = [], [], []
        for t in range(T):
            h = self.cell(torch.cat([inputs[:, t], tape[:, 0]], -1), h)
            actions = torch.softmax(self.actions(h), -1) if forced_actions is None \
                else forced_actions[:, t]
            actions = temper(actions, 0.0 if hard else temperature)
            value = self.write_value(h)                   # theirs: unsquashed; ours: tanh
            tape = self.step(tape, actions, value if self.theirs else torch.tanh(value),
                             tape_moves)
            # their y_t sees h_t only; ours also the cell read after the move
            outs.append(self.output(h if self.theirs else torch.cat([h, tape[:, 0]], -1)))
            if return_trace:
                writes.append(position)
                position = torch.einsum("ba,bal->bl", actions, moved(position, head_moves))
                reads.append(position)
        logits = torch.stack(outs, 1)
        if not return_trace:
            return SequenceOutput(logits, None)
        heads = {name: stack_frames(p, return_trace)
                 for name, p in (("read0", reads), ("write0", writes))}
        return SequenceOutput(logits, AddressingTrace(heads, L))


def one_cell_tape(model: TapeRNN) -> TapeRNN:
    """A copy of ``model``, same weights, on a tape of one cell. Each step then reads back the
    value it has just written, w_t, which h_t already fixes, so the tape carries nothing from
    one step to the next and only the controller's state remembers.
    Scoring a trained Tape-RNN both ways asks whether it uses its tape
    (``benchmarks/tape_ablation.py``)."""
    copy = TapeRNN(replace(model.config, tape_cells=1))
    copy.load_state_dict(model.state_dict())
    return copy.train(model.training)
