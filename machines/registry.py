"""The one place that knows which machines tapelab has: a registry entry per machine.

``compare``, ``report``, ``train``, ``eval`` and every command's list of choices read this
registry instead of naming machines. A new soft machine is one module in ``machines/`` plus one
:class:`MachineEntry` registered here (or with :func:`register` from anywhere, as the tests do).

Families say how a machine is trained and run:

* ``classical``: the task's own reference program, run by the classical interpreter;
* ``sequence``: a ``torch.nn.Module`` built from (input size, output size, settings), trained
  by the one loop of :mod:`machines.training` on the sequence encoding of a task, and called as
  ``model(inputs [B, T, C], hard=..., return_trace=...) -> (logits [B, T, K], trace | None)``
  (and, to be scored at test-time temperatures, ``temperature=``: :mod:`machines.sharpening`);
* ``induced``: the soft Turing machine, trained by induction and hardened into a program.

Nothing here imports torch: builders import their modules when called.
"""
from __future__ import annotations

import contextlib
import importlib
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Iterator

FAMILIES = ("classical", "sequence", "induced")


@dataclass(frozen=True)
class MachineEntry:
    """What tapelab needs to know of one machine.

    ``config`` is the settings dataclass of a sequence machine (its first two fields are the
    input and output sizes), or ``"module:Class"`` to import it on first use;
    ``build(input_size, output_size, settings)`` makes the model.
    ``heads`` names the trace's heads (``read``, ``write``; ``head`` for the soft TM); an empty
    tuple means the machine has no addressing to measure (the LSTM), which reports say in
    words. ``hard`` says whether the machine has an argmax (``hard=True``) evaluation mode.
    ``compile`` wraps a built model for speed (``torch.compile``), where the machine has that.
    ``defaults``: the machine's own ``model`` and ``train`` settings, applied under whatever a
    user sets (``tapelab train``, ``compare --set``); every run records them in its
    config.json.
    """

    name: str
    family: str
    description: str
    colour: str
    config: type | str | None = None
    build: Callable[[int, int, dict], Any] | None = None
    heads: tuple[str, ...] = ()
    hard: bool = False
    compile: Callable[[Any], Any] | None = None
    defaults: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)}, not "
                             f"{self.family!r}")
        if self.family == "sequence" and (self.config is None or self.build is None):
            raise ValueError(f"sequence machine {self.name!r} needs a config and a build")

    @property
    def addressing(self) -> bool:
        return bool(self.heads)

    def config_class(self) -> type | None:
        if isinstance(self.config, str):
            module, _, name = self.config.partition(":")
            return getattr(importlib.import_module(module), name)
        return self.config

    def settings(self) -> dict[str, Any]:
        """The settings a run may override: the config's fields, sizes excluded, with their
        defaults (``dataclasses.Field`` objects, so callers can read types and defaults)."""
        config = self.config_class()
        return {} if config is None else {f.name: f for f in fields(config)[2:]}


@dataclass
class Registry:
    """Machines by name, in the order they were registered (the order of reports)."""

    entries: dict[str, MachineEntry] = field(default_factory=dict)

    def add(self, entry: MachineEntry) -> MachineEntry:
        if entry.name in self.entries:
            raise ValueError(f"a machine called {entry.name!r} is registered already")
        self.entries[entry.name] = entry
        return entry

    def get(self, name: str) -> MachineEntry:
        try:
            return self.entries[name]
        except KeyError:
            raise ValueError(f"unknown machine {name!r}; the machines are: "
                             f"{', '.join(self.entries)}") from None

    def names(self, family: str | None = None) -> tuple[str, ...]:
        return tuple(n for n, e in self.entries.items() if family in (None, e.family))


def _build_ntm(inputs: int, outputs: int, settings: dict):
    from machines.ntm import NTM, NTMConfig

    return NTM(NTMConfig(inputs, outputs, **settings))


def _compile_ntm(model):
    return model.compile_step()


def _build_lstm(inputs: int, outputs: int, settings: dict):
    from machines.lstm import LSTMBaseline, LSTMConfig

    return LSTMBaseline(LSTMConfig(inputs, outputs, **settings))


def _builder(module: str, model: str, config: str) -> Callable[[int, int, dict], Any]:
    """A builder that imports ``module`` when called and makes ``model(config(i, o, ...))``."""
    def build(inputs: int, outputs: int, settings: dict):
        mod = importlib.import_module(module)
        return getattr(mod, model)(getattr(mod, config)(inputs, outputs, **settings))
    return build


# The NTM's own settings: heads that start location-based (gate bias -3), Adam at 3e-3 with
# cosine decay. On 8-bit copy (python benchmarks/ntm_copy_convergence.py --max-seconds 180, two
# runs sharing a 2-core CPU) 5/5 seeds converge, median 42 s and 12,800 sequences, and 4/5 copy
# exactly at 6x the training length, soft and argmax; with the generic recipe 1 of 4 converged
# in 120 s in the trials that chose these settings (the note of issue 16 lists them).
NTM_DEFAULTS = {"model": {"gate_bias": -3.0}, "train": {"lr": 3e-3, "lr_schedule": "cosine"}}


def builtin() -> Registry:
    """A registry of tapelab's own machines."""
    reg = Registry()
    reg.add(MachineEntry("classical", "classical", "the task's reference Turing machine",
                         "#222222"))
    reg.add(MachineEntry("ntm", "sequence", "Neural Turing Machine (Graves et al. 2014)",
                         "#1f77b4", "machines.ntm:NTMConfig", _build_ntm, ("read", "write"),
                         hard=True, compile=_compile_ntm, defaults=NTM_DEFAULTS))
    reg.add(MachineEntry("lstm", "sequence", "LSTM baseline of the NTM paper", "#ff7f0e",
                         "machines.lstm:LSTMConfig", _build_lstm))
    reg.add(MachineEntry("stackrnn", "sequence", "Stack-RNN (Joulin & Mikolov 2015): an RNN "
                         "with a differentiable stack", "#d62728",
                         "machines.stack_rnn:StackRNNConfig",
                         _builder("machines.stack_rnn", "StackRNN", "StackRNNConfig"),
                         ("read",), hard=True))
    reg.add(MachineEntry("tapernn", "sequence", "Tape-RNN (Delétang et al. 2023): an RNN with "
                         "a differentiable tape and jumps by the input length", "#8c564b",
                         "machines.tape_rnn:TapeRNNConfig",
                         _builder("machines.tape_rnn", "TapeRNN", "TapeRNNConfig"),
                         ("read", "write"), hard=True))
    reg.add(MachineEntry("transformer", "sequence", "Transformer encoder (positional encoding "
                         "a setting; RoPE by default)", "#e377c2",
                         "machines.transformer:TransformerConfig",
                         _builder("machines.transformer", "TransformerEncoder",
                                  "TransformerConfig"), ("read",), hard=True))
    reg.add(MachineEntry("softtm", "induced", "soft Turing machine (TerpreT's forward "
                         "marginals), hardened into a program", "#2ca02c", heads=("head",),
                         hard=True))
    return reg


REGISTRY = builtin()


def get(name: str) -> MachineEntry:
    return REGISTRY.get(name)


def names(family: str | None = None) -> tuple[str, ...]:
    return REGISTRY.names(family)


def sharpening_problem(machine: str) -> str | None:
    """Why the sharpening prior would do nothing to ``machine``: it has no addressing (None
    where it has heads to sharpen)."""
    if get(machine).addressing:
        return None
    headed = [n for n in names("sequence") if get(n).addressing]
    return (f"{machine} has no addressing for the prior to sharpen; these machines have: "
            f"{', '.join(headed)}")


def register(entry: MachineEntry) -> MachineEntry:
    """Add a machine to tapelab's registry (for the life of this process)."""
    return REGISTRY.add(entry)


@contextlib.contextmanager
def registered(entry: MachineEntry) -> Iterator[MachineEntry]:
    """Register ``entry`` inside a ``with`` block only (tests, experiments)."""
    register(entry)
    try:
        yield entry
    finally:
        REGISTRY.entries.pop(entry.name, None)
