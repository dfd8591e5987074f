"""Training runs of sequence machines (NTM, LSTM) on suite tasks, and their run directories.

This is the glue between ``tasks/`` and ``machines/``: it builds the model a task needs, feeds
the one training loop with the task's sequence encoding, and rebuilds everything from a run
directory's ``config.json`` (so reports are rebuilt from disk, without retraining).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from tasks.base import Task
from tasks.suite import get_task

MACHINES = ("ntm", "lstm")
CONFIG = "config.json"


@dataclass
class RunSpec:
    """Everything needed to rebuild a run: task, machine, model and training settings."""

    task: str
    machine: str = "ntm"
    bits: int = 0
    min_length: int | None = None          # None: the task's minimum
    max_length: int | None = None          # None: the task's default training length
    curriculum: bool = False               # grow the maximum length over the first half
    model: dict = field(default_factory=dict)      # overrides of NTMConfig / LSTMConfig
    train: dict = field(default_factory=dict)      # TrainConfig fields
    compile: bool = False                  # torch.compile the NTM's time step

    def lengths(self, task: Task) -> tuple[int, int]:
        lo = task.min_length if self.min_length is None else self.min_length
        hi = self.max_length if self.max_length is not None else default_max_length(task)
        if lo < task.min_length or hi < lo:
            raise ValueError(f"training lengths {lo}..{hi} do not fit task {task.name} "
                             f"(minimum length {task.min_length})")
        return lo, hi


def default_max_length(task: Task) -> int:
    """The NTM paper trains copy on lengths 1-20; the other tasks train on up to 10."""
    return 20 if task.name == "copy" else 10


def task_of(spec: RunSpec) -> Task:
    return get_task(spec.task, bits=spec.bits)


def build_model(spec: RunSpec, task: Task):
    """The model of a run, sized for the task's sequence encoding."""
    from tasks.encoding import input_channels

    inputs, _ = input_channels(task)
    outputs = task.bits or len(task.output_alphabet)
    if spec.machine == "ntm":
        from machines.ntm import NTM, NTMConfig

        model = NTM(NTMConfig(inputs, outputs, **spec.model))
        return model.compile() if spec.compile else model
    if spec.machine == "lstm":
        from machines.lstm import LSTMBaseline, LSTMConfig

        return LSTMBaseline(LSTMConfig(inputs, outputs, **spec.model))
    raise ValueError(f"unknown machine {spec.machine!r}; choose one of {', '.join(MACHINES)}")


def batch_fn(spec: RunSpec, task: Task, seed: int, batch_size: int,
             total_steps: int | None) -> Callable[[int], object]:
    """Step -> batch. Each batch depends only on (seed, step); its examples share one length
    (no padding wasted), drawn uniformly from the training range (growing, with a curriculum)."""
    lo, hi = spec.lengths(task)

    def make(step: int):
        rng = np.random.default_rng([seed, step])
        top = hi
        if spec.curriculum and total_steps:
            top = lo + int((hi - lo) * min(1.0, 2 * step / total_steps))
        n = int(rng.integers(lo, top + 1))
        return task.encode([task.sample(n, rng) for _ in range(batch_size)], "sequence")
    return make


def write_config(run_dir: Path, spec: RunSpec) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / CONFIG).write_text(json.dumps(asdict(spec), indent=2), encoding="utf-8")


def read_spec(run_dir: str | Path) -> RunSpec:
    path = Path(run_dir) / CONFIG
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir}: not a tapelab run directory (no {CONFIG})")
    return RunSpec(**json.loads(path.read_text(encoding="utf-8")))


def train_run(spec: RunSpec, run_dir: str | Path, *, resume: bool = False,
              progress=None, overrides: dict | None = None):
    """Train (or resume) the run in ``run_dir``; returns the final ``TrainState``."""
    import torch

    from machines.training import TrainConfig, train

    run_dir = Path(run_dir)
    if resume:
        spec = read_spec(run_dir)
        if overrides:
            spec.train.update(overrides)
    task = task_of(spec)
    config = TrainConfig(**spec.train)
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    model = build_model(spec, task)
    write_config(run_dir, spec)
    return train(model, batch_fn(spec, task, config.seed, config.batch_size, config.steps),
                 config, run_dir, resume=resume, progress=progress)


def load_run(run_dir: str | Path):
    """(spec, task, model with its trained weights) of a run directory."""
    from machines.training import CHECKPOINT, load_checkpoint

    spec = read_spec(run_dir)
    spec.compile = False
    task = task_of(spec)
    model = build_model(spec, task)
    ckpt = Path(run_dir) / CHECKPOINT
    if not ckpt.is_file():
        raise FileNotFoundError(f"{run_dir}: no {CHECKPOINT}: was the run started?")
    load_checkpoint(ckpt, model)
    model.eval()
    return spec, task, model
