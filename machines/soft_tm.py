"""The soft Turing machine: the classical machine with every discrete choice relaxed.

The "forward marginals" relaxation of TerpreT (Gaunt et al. 2016): the machine's configuration
is a distribution over states, a distribution over head positions on a finite tape of L cells,
and, for every cell, a distribution over tape symbols. The transition table is three learnable
tensors of logits indexed by [state, symbol]: next state, symbol written, move (L, S, R).

One step, for every cell i (mean field: state, head and each cell independent, but each cell's
action conditioned on the cell's own symbol rather than on an averaged read):

* the machine is at i in active state q reading s with probability head[i] state[q] tape[i][s];
* written[i] = sum_{q active, s} state[q] tape[i][s] W[q, s] + (1 - active) tape[i];
  tape[i] <- head[i] written[i] + (1 - head[i]) tape[i]           (the soft write);
* the head leaves i by the move distribution sum_{q active, s} state[q] tape[i][s] M[q, s];
* state' = sum_{q active, s} state[q] read[s] N[q, s], read[s] = sum_i head[i] tape[i][s].

The state and head distributions are renormalized after a step: the equations conserve
probability, but rounding errors compound (they double every step on long tapes) without it.

Halting states are absorbing: their mass neither writes, moves nor changes state. The tape edge
is a parameter: ``circular`` (TerpreT's choice: moving right from the last cell reaches the
first), ``clamp`` (a move off the tape leaves the head on the edge cell) or ``open`` (the
classical tape goes on with blanks the soft tape does not hold: head mass that walks off is
lost, ``alive`` keeps the share of runs still on the tape, and a lost run counts as one that
never halts). Circular and clamped edges let a machine reach the far end of the input by
stepping left from the first cell, a shortcut the classical machine does not have; the open
edge is the one whose fits read back as programs for the unbounded tape.

Everything is batched over independent restarts (a leading dimension R: R random tables
trained as one tensor program) and over examples (B).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from machines.entropy import entropy as shannon
from machines.program import MOVES, Program, Rule
from machines.sharpening import Temperature, temper
from machines.trace import AddressingTrace
from machines.training import SequenceLoss

MOVE_ORDER = ("L", "S", "R")          # index of each move in the move table
EDGES = ("circular", "clamp", "open")
_EPSILON = 1e-9                       # avoid log(0) in the losses (entropies: machines.entropy)
_ONE_HOT_LOGIT = 1e4                  # logits of tables set from a program: softmax is exact


@dataclass
class SoftConfiguration:
    """``state`` [R, B, Q], ``head`` [R, B, L], ``tape`` [R, B, L, S]: distributions;
    ``alive`` [R, B]: the probability that the run is still on the tape (``open`` edge)."""

    state: torch.Tensor
    head: torch.Tensor
    tape: torch.Tensor
    alive: torch.Tensor


class Unrolled(NamedTuple):
    """A soft run unrolled: its ``final`` configuration and, when it was asked to keep it,
    its ``path`` of every configuration, the start one first (else None)."""
    final: SoftConfiguration
    path: list[SoftConfiguration] | None


class Tables(NamedTuple):
    """A soft TM's transition probabilities, one table per restart."""

    next: torch.Tensor      # [R, Q, S, Q]: the next state
    write: torch.Tensor     # [R, Q, S, S]: the symbol written
    move: torch.Tensor      # [R, Q, S, 3]: the move


class OutcomeLoss(NamedTuple):
    loss: torch.Tensor      # [R]: per restart, averaged over the examples
    wrong: torch.Tensor     # [R]: wrong cells or verdicts per example


@dataclass(frozen=True)
class SoftTMTraining:
    """How a :class:`SoftTM` trains; :meth:`SoftTM.training_loss` reads it, and it is saved in
    the machine's ``state_dict`` (so a checkpoint trains on as it started).

    ``gumbel_tau``: (start, end) temperatures of Gumbel-softmax tables, annealed geometrically
    over the run (None: plain softmax tables, TerpreT's forward marginals).
    ``entropy_bonus``: weight of the tables' entropy, rewarded (TerpreT's trainer).
    ``state_economy``: weight of :func:`occupancy_entropy`, penalised (an Occam prior).
    """

    gumbel_tau: tuple[float, float] | None = None
    entropy_bonus: float = 0.0
    state_economy: float = 0.0


class SoftTM(nn.Module):
    """A soft Turing machine with ``restarts`` independent transition tables.

    ``states`` names the Q states (state 0 starts), ``halting`` marks the absorbing ones,
    ``symbols`` the S tape symbols (symbol 0 is the blank); ``settings`` says how it trains.
    """

    def __init__(self, states: tuple[str, ...], symbols: tuple[str, ...],
                 halting: tuple[bool, ...], *, restarts: int = 1, edge: str = "circular",
                 init_scale: float = 1.0, generator: torch.Generator | None = None,
                 settings: SoftTMTraining = SoftTMTraining()) -> None:
        super().__init__()
        self.settings = settings
        if edge not in EDGES:
            raise ValueError(f"edge must be one of {', '.join(EDGES)}, not {edge!r}")
        if not any(halting) or all(halting):
            raise ValueError("a soft TM needs at least one halting and one working state")
        self.states, self.symbols, self.edge = tuple(states), tuple(symbols), edge
        self.register_buffer("halting", torch.tensor(halting, dtype=torch.bool))
        R, Q, S = restarts, len(states), len(symbols)

        def init(*shape):
            return nn.Parameter(torch.randn(*shape, generator=generator) * init_scale)
        self.next_logits = init(R, Q, S, Q)
        self.write_logits = init(R, Q, S, S)
        self.move_logits = init(R, Q, S, len(MOVE_ORDER))
        self.tau: float | None = None    # Gumbel-softmax temperature while training (None: off)

    @property
    def restarts(self) -> int:
        return self.next_logits.shape[0]

    def get_extra_state(self) -> dict:
        """The training settings, stored in ``state_dict`` beside the tables."""
        return asdict(self.settings)

    def set_extra_state(self, state: dict) -> None:
        tau = state.get("gumbel_tau")
        self.settings = SoftTMTraining(**{**state, "gumbel_tau": tuple(tau) if tau else None})

    # ------------------------------------------------------------------ tables
    def tables(self) -> Tables:
        """The transition probabilities; with ``tau`` set and in training mode, Gumbel-softmax
        samples at that temperature."""
        if self.training and self.tau is not None:
            return Tables(*(F.gumbel_softmax(x, tau=self.tau, dim=-1)
                            for x in (self.next_logits, self.write_logits, self.move_logits)))
        return Tables(*(torch.softmax(x, -1)
                        for x in (self.next_logits, self.write_logits, self.move_logits)))

    # ------------------------------------------------------------------ dynamics
    def initial(self, tape: torch.Tensor, start_cell: int) -> SoftConfiguration:
        """The start configuration for one-hot tapes ``[B, L, S]`` (shared by all restarts)
        or ``[R, B, L, S]`` (each restart its own examples)."""
        R = self.restarts
        if tape.dim() == 3:
            tape = tape.unsqueeze(0).expand(R, -1, -1, -1)
        B, L = tape.shape[1:3]
        state = torch.zeros(R, B, len(self.states), device=tape.device)
        state[..., 0] = 1.0
        head = torch.zeros(R, B, L, device=tape.device)
        head[..., start_cell] = 1.0
        return SoftConfiguration(state, head, tape, torch.ones(R, B, device=tape.device))

    def step(self, c: SoftConfiguration, tables) -> SoftConfiguration:
        """One soft step (see the module docstring for the equations)."""
        return self._step(c, _joined(tables))

    def _step(self, c: SoftConfiguration, joined: torch.Tensor) -> SoftConfiguration:
        """One soft step with the tables joined as [R, Q, S * (Q + S + 3)]: next state,
        written symbol and move of every (state, symbol) side by side."""
        R, B, Q = c.state.shape
        S = c.tape.shape[-1]
        halt = self.halting.to(c.state.dtype)
        active = c.state * (1 - halt)                                    # [R, B, Q]
        still = (c.state * halt).sum(-1)                                 # halted mass [R, B]
        # Per (state mixture, symbol) first, in one matrix product: the next-state mixture,
        # the written symbol and the move; then per cell from the cell's own symbol.
        per_symbol = torch.matmul(active, joined).view(R, B, S, Q + S + 3)
        acts = torch.matmul(c.tape, per_symbol[..., Q:])                 # [R, B, L, S+3]
        written = acts[..., :S] + still[..., None, None] * c.tape
        moves = acts[..., S:]                                            # [R, B, L, 3]
        read = torch.matmul(c.head.unsqueeze(-2), c.tape)                # [R, B, 1, S]
        state = torch.matmul(read, per_symbol[..., :Q]).squeeze(-2) + c.state * halt
        h = c.head
        hm = h.unsqueeze(-1) * moves                                     # [R, B, L, 3]
        left, stay, right = hm[..., 0], hm[..., 1], hm[..., 2]
        alive = c.alive
        if self.edge == "circular":
            head = torch.roll(left, -1, -1) + stay + torch.roll(right, 1, -1)
        else:
            zero = torch.zeros_like(left[..., :1])
            head = torch.cat([left[..., 1:], zero], -1) + stay \
                + torch.cat([zero, right[..., :-1]], -1)
            if self.edge == "clamp":
                head[..., 0] += left[..., 0]
                head[..., -1] += right[..., -1]
            else:          # open: the runs that walked off are lost; the rest renormalized
                alive = alive * (1 - left[..., 0] - right[..., -1]).clamp_min(0)
        head = head + h * still.unsqueeze(-1)
        hw = h.unsqueeze(-1)
        tape = hw * written + (1 - hw) * c.tape
        # Mass is conserved exactly in the equations, but a deficit in the state or the head
        # shrinks the others the next step, so rounding errors double every step: renormalize
        # them (tape rows then stay at their sum, as written cells mix rows of equal sums).
        return SoftConfiguration(_normalize(state), _normalize(head), tape, alive)

    def forward(self, tape: torch.Tensor, steps: int, start_cell: int, *,
                keep_path: bool = False, temperature: Temperature | None = None) -> Unrolled:
        """Unroll ``steps`` steps from one-hot ``tape`` [B, L, S] (or [R, B, L, S]) with the
        head on ``start_cell``. Returns the final configuration and, with ``keep_path``, the
        list of all configurations (the start one first).

        ``temperature``: every table row, and after each step the state and head
        distributions, are tempered (:func:`machines.sharpening.temper`; 0: argmax)."""
        tables = self.tables()
        if temperature is not None:
            tables = tuple(temper(x, temperature) for x in tables)
        joined = _joined(tables)
        c = self.initial(tape, start_cell)
        path = [c]
        for _ in range(steps):
            c = self._step(c, joined)
            if temperature is not None:
                c = SoftConfiguration(temper(c.state, temperature), temper(c.head, temperature),
                                      c.tape, c.alive)
            if keep_path:
                path.append(c)
        return Unrolled(c, path if keep_path else None)

    def trace(self, tape: torch.Tensor, steps: int, start_cell: int,
              restart: int = 0) -> AddressingTrace:
        """The head distribution per step, ``[B, steps + 1, L]``, of one restart."""
        with torch.no_grad():
            path = self.forward(tape, steps, start_cell, keep_path=True).path
        heads = torch.stack([c.head[restart] for c in path], dim=1)
        return AddressingTrace({"head": heads.cpu().numpy()}, tape.shape[1])

    def visits(self, tape: torch.Tensor, steps: int, start_cell: int) -> torch.Tensor:
        """Expected number of times each (state, symbol) entry is used, ``[R, Q, S]``
        (summed over examples and steps; halting states never use entries)."""
        with torch.no_grad():
            path = self.forward(tape, steps, start_cell, keep_path=True).path
            halt = self.halting.float()
            total = 0
            for c in path[:-1]:
                read = torch.einsum("rbi,rbis->rbs", c.head, c.tape)
                total = total + torch.einsum("rbq,rbs->rqs", c.state * (1 - halt), read)
        return total

    # ------------------------------------------------------------------ learning
    def outcome_loss(self, final: SoftConfiguration, batch) -> OutcomeLoss:
        """The loss per restart and the wrong cells or verdicts per example, against a
        :class:`~tasks.encoding.TapeBatch`: the target tape's negative log-likelihood, plus
        -log P(halted) (or -log P(the verdict's halting state) for verdict tasks), a run lost
        off an ``open`` edge counting as one that did not halt."""
        target = batch.target_tape.to(final.tape.device)          # [B, L] or [R, B, L]
        p_cells = final.tape.gather(-1, target.expand(self.restarts, -1, -1).unsqueeze(-1))
        loss = -torch.log(p_cells.squeeze(-1) + _EPSILON).sum(-1)         # [R, B]
        verdict = batch.verdict.to(final.tape.device) >= 0
        p_state = final.state.gather(-1, batch.target_state.to(final.state.device)
                                     .expand(self.restarts, -1).unsqueeze(-1)).squeeze(-1)
        p_halt = (final.state * self.halting).sum(-1)
        loss = loss - torch.log(torch.where(verdict, p_state, p_halt) * final.alive + _EPSILON)
        wrong = (final.tape.argmax(-1) != target).float().sum(-1)
        wrong = wrong + torch.where(verdict, final.state.argmax(-1) != batch.target_state
                                    .to(final.state.device), ~self.halting[final.state.argmax(-1)]
                                    ).float()
        wrong = wrong + (final.alive < 0.5).float()
        return OutcomeLoss(loss.mean(-1), wrong.mean(-1))

    def training_loss(self, batch, step: int = 0, total: int | None = None) -> SequenceLoss:
        """The one training loop's hook: the loss summed over restarts, and the mean wrong
        cells per tape as its ``bits``.

        From ``self.settings``: with a Gumbel schedule (``gumbel_tau = (start, end)``) the
        temperature is annealed geometrically over ``total`` steps; ``entropy_bonus`` > 0
        rewards uncertain tables early on, as in TerpreT's trainer; ``state_economy`` > 0 adds
        that weight times :func:`occupancy_entropy` (an Occam prior of ours, not TerpreT's: a
        program that spends its time in fewer states has fewer ways to fit the training tapes
        without the general rule).
        """
        settings = self.settings
        if settings.gumbel_tau:
            start, end = settings.gumbel_tau
            frac = min(1.0, step / max(total or 1, 1))
            self.tau = start * (end / start) ** frac
        economy = settings.state_economy
        final, path = self.forward(batch.tape, int(batch.steps.max()), batch.origin,
                                   keep_path=bool(economy))
        loss, wrong = self.outcome_loss(final, batch)
        total_loss = loss.sum()
        bonus = settings.entropy_bonus
        if bonus:
            entropy = sum(shannon(torch.softmax(x, -1)).mean()
                          for x in (self.next_logits, self.write_logits, self.move_logits))
            total_loss = total_loss - bonus * entropy * self.restarts
        if economy:
            total_loss = total_loss + economy * occupancy_entropy(path, self.halting).sum()
        return SequenceLoss(total_loss, wrong.mean())

    def select(self, restart: int) -> "SoftTM":
        """A one-restart machine with the tables of ``restart``."""
        m = SoftTM(self.states, self.symbols, tuple(self.halting.tolist()), restarts=1,
                   edge=self.edge, settings=self.settings)
        with torch.no_grad():
            for mine, theirs in ((m.next_logits, self.next_logits),
                                 (m.write_logits, self.write_logits),
                                 (m.move_logits, self.move_logits)):
                mine.copy_(theirs[restart:restart + 1])
        return m

    # ------------------------------------------------------------------ programs
    @classmethod
    def from_program(cls, program: Program, symbols: tuple[str, ...] | None = None, *,
                     edge: str = "circular") -> "SoftTM":
        """One-hot tables set from ``program`` (wildcards expanded over ``symbols``).

        Entries without a rule become "stay, write back, keep the state": the configuration
        where a classical machine halts for want of a rule is then a fixed point.
        """
        table = program.transitions(symbols or ())
        Q, S = len(table.states), len(table.symbols)
        m = cls(table.states, table.symbols, tuple(table.halting), restarts=1, edge=edge)
        nxt = torch.full((1, Q, S, Q), -_ONE_HOT_LOGIT)
        wr = torch.full((1, Q, S, S), -_ONE_HOT_LOGIT)
        mv = torch.full((1, Q, S, 3), -_ONE_HOT_LOGIT)
        for q in range(Q):
            for s in range(S):
                nxt[0, q, s, table.next[q][s]] = 0.0
                wr[0, q, s, table.write[q][s]] = 0.0
                mv[0, q, s, MOVE_ORDER.index(_MOVE_NAME[table.move[q][s]])] = 0.0
        with torch.no_grad():
            m.next_logits.copy_(nxt)
            m.write_logits.copy_(wr)
            m.move_logits.copy_(mv)
        return m

    def harden(self, restart: int = 0, *, visits: torch.Tensor | None = None,
               threshold: float = 1e-3, name: str = "hardened") -> Program:
        """The argmax program of one restart.

        Entries whose expected use (``visits``, from :meth:`visits`) is below ``threshold``
        become missing rules, so the hardened machine halts there; so do argmax entries that
        change nothing (write back, stay, same state), which would loop forever classically.
        """
        N, W, M = (x[restart].argmax(-1) for x in
                   (self.next_logits, self.write_logits, self.move_logits))
        rules = {}
        for q, qname in enumerate(self.states):
            if self.halting[q]:
                continue
            for s, sname in enumerate(self.symbols):
                if visits is not None and float(visits[restart, q, s]) < threshold:
                    continue
                nq, w, mv = int(N[q, s]), int(W[q, s]), MOVE_ORDER[int(M[q, s])]
                if nq == q and w == s and mv == "S":
                    continue
                rules[(qname, sname)] = Rule(self.symbols[w], mv, self.states[nq])  # type: ignore
        halting = [q for q, h in zip(self.states, self.halting.tolist()) if h]
        return Program.build(name=name, start=self.states[0], blank=self.symbols[0],
                             rules=rules, halting=halting, states=self.states,
                             symbols=self.symbols)


_MOVE_NAME = {v: k for k, v in MOVES.items()}


def _joined(tables) -> torch.Tensor:
    """(next [R,Q,S,Q], write [R,Q,S,S], move [R,Q,S,3]) side by side: [R, Q, S * (Q+S+3)]."""
    N, W, M = tables
    return torch.cat([N, W, M], -1).reshape(N.shape[0], N.shape[1], -1)


def _normalize(p: torch.Tensor) -> torch.Tensor:
    return p / p.sum(-1, keepdim=True).clamp_min(_EPSILON)


def occupancy_entropy(path: list[SoftConfiguration], halting: torch.Tensor) -> torch.Tensor:
    """Entropy of the working-state occupancy, per restart [R]: u[q] is the mass of working
    state q summed over the steps of ``path`` (the last configuration excluded) and over
    examples, normalized; H(u) = -sum_q u[q] log u[q]. Low when a run uses few states."""
    work = 1.0 - halting.to(path[0].state.dtype)
    occupancy = sum((c.state * work).sum(1) for c in path[:-1])          # [R, Q]
    u = occupancy / occupancy.sum(-1, keepdim=True).clamp_min(_EPSILON)
    return shannon(u)


def training_memory(*, restarts: int, examples: int, steps: int, tape_length: int,
                    states: int, symbols: int) -> int:
    """Bytes of activations that backpropagation through ``steps`` unrolled steps keeps, about.

    Per step and per (restart, example), :meth:`SoftTM._step` keeps some eight tensors of
    [L, S+3] (the per-cell actions, the written symbols, the new tape and their products), two
    of [S, Q+S+3] (the per-symbol products) and the state and head; float32.
    """
    per_run = 8 * tape_length * (symbols + 3) + 2 * symbols * (states + symbols + 3) \
        + 4 * (tape_length + states)
    return 4 * steps * restarts * examples * per_run
