"""One training loop for every soft machine: checkpoints, resume, NaN guard, progress, logs.

Machines differ in their ``forward``, not in how they are trained. The loop knows nothing of
tasks: it asks ``batch_fn(step)`` for a batch with ``inputs``, ``targets``, ``mask`` and
``kind`` (``bits`` or ``onehot``), as :mod:`tasks.encoding` builds them.

A run directory holds ``config.json`` (written by the caller, everything needed to rebuild the
model), ``metrics.jsonl`` (one line per logged step) and ``checkpoint.pt`` (model, optimiser,
step, learning rate, counters), written atomically and read with ``weights_only=True``.
For the same seed on the same machine a resumed run gives the same losses as an uninterrupted
one: each step's batch depends only on (seed, step) and the checkpoint holds the rest.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, NamedTuple

import torch
import torch.nn.functional as F

from machines.entropy import normalized_entropy
from machines.files import write_atomic
from machines.sharpening import prior_weight, sharpening_loss
from machines.trace import GRAPH

CHECKPOINT = "checkpoint.pt"
LR_FLOOR = 0.05        # a cosine schedule ends at this share of the learning rate
LR_SCHEDULES = ("constant", "cosine")
OPTIMIZERS = ("adam", "rmsprop")
LOSS_PER = ("sequence", "token")        # what the objective averages over (sequence_loss)
AT_LEAST_1 = {"least": 1}      # a setting's metadata: its smallest value (0 when absent)
METRICS = "metrics.jsonl"

RECIPES = {
    # Graves et al. 2014: RMSprop, momentum 0.9, lr 1e-4, elementwise gradient clip 10, batch 1
    "paper": dict(optimizer="rmsprop", lr=1e-4, momentum=0.9, clip_value=10.0, clip_norm=None,
                  batch_size=1),
    # Collier & Beel 2018: Adam lr 1e-3, gradient-norm clip 50, batch 32
    "collier-beel": dict(optimizer="adam", lr=1e-3, momentum=0.0, clip_value=None,
                         clip_norm=50.0, batch_size=32),
}


@dataclass
class TrainConfig:
    steps: int | None = 2000                 # optimiser steps (None: until the time budget)
    time_budget: float | None = None         # seconds of training (None: until ``steps``)
    optimizer: str = "adam"                  # "adam" | "rmsprop"
    lr: float = 1e-3
    momentum: float = 0.0
    clip_value: float | None = None          # elementwise gradient clip
    clip_norm: float | None = 50.0           # gradient-norm clip
    loss_per: str = "sequence"               # sequence | token (Delétang et al.'s): sequence_loss
    batch_size: int = field(default=32, metadata=AT_LEAST_1)
    seed: int = 0
    checkpoint_every: int = field(default=200, metadata=AT_LEAST_1)  # steps between checkpoints ...
    checkpoint_seconds: float = 30.0         # ... or seconds, whichever comes first
    log_every: int = field(default=20, metadata=AT_LEAST_1)
    nan_patience: int = 3                    # non-finite steps in a row before a restore
    grad_noise: float = 0.0                  # std of annealed gradient noise (0: none)
    sharpen: float = 0.0                     # W: the sharpening prior's weight (0: none)
    sharpen_schedule: str = "constant"       # constant | late (second half) | ramp (0 to W)
    probe_every: int = 100                   # steps between probes at 2x length (0: none)
    lr_schedule: str = "constant"            # constant | cosine (to LR_FLOOR x lr at the end)
    threads: int | None = None
    device: str = "cpu"                      # cpu | cuda | cuda:N (evaluation follows it)

    def __post_init__(self) -> None:
        from machines.sharpening import SCHEDULES

        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer {self.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}")
        for setting in fields(self):
            least = setting.metadata.get("least")
            if least is not None and getattr(self, setting.name) < least:
                raise ValueError(f"{setting.name} is {getattr(self, setting.name)}: give a whole "
                                 f"number >= {least}")
        if self.loss_per not in LOSS_PER:
            raise ValueError(f"loss_per {self.loss_per!r}: choose one of {', '.join(LOSS_PER)}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule {self.lr_schedule!r}: choose one of "
                             f"{', '.join(LR_SCHEDULES)}")
        if self.sharpen_schedule not in SCHEDULES:
            raise ValueError(f"sharpen_schedule {self.sharpen_schedule!r}: choose one of "
                             f"{', '.join(SCHEDULES)}")
        if not is_device(self.device):
            raise ValueError(f"device {self.device!r}: write cpu, cuda or cuda:N (a GPU's "
                             "number)")

    @classmethod
    def recipe(cls, name: str, **overrides: Any) -> "TrainConfig":
        if name not in RECIPES:
            raise ValueError(f"unknown recipe {name!r}; choose one of {', '.join(RECIPES)}")
        return cls(**{**RECIPES[name], **overrides})


def is_device(name: str) -> bool:
    """Whether ``name`` is a device a run can train on: ``cpu``, ``cuda`` or ``cuda:N``."""
    head, colon, number = name.partition(":")
    return name == "cpu" or head == "cuda" and (not colon or number.isdigit())


def uses_cuda(name: str) -> bool:
    return name.partition(":")[0] == "cuda"


@dataclass
class TrainState:
    """What the loop carries between steps (and saves in checkpoints)."""

    step: int = 0
    lr: float = 1e-3
    sequences: int = 0
    seconds: float = 0.0
    skipped: int = 0          # steps skipped for a non-finite loss or gradient
    restores: int = 0         # times the last good checkpoint was restored
    bad_in_a_row: int = 0
    status: str = "running"   # "running" | "finished" | "interrupted"
    last_loss: float = float("nan")
    last_bits: float = float("nan")


@dataclass
class StepResult:
    loss: float
    bits: float
    entropies: dict[str, float] = field(default_factory=dict)


class SequenceLoss(NamedTuple):
    """A training step's objective and its errors: from :func:`sequence_loss`, or from a
    machine's own ``training_loss`` hook (the soft TM's: summed over restarts, wrong cells)."""
    loss: torch.Tensor      # the objective (sequence_loss: per sequence or per token)
    bits: torch.Tensor      # wrong bits (or symbols) per sequence


def sequence_loss(logits: torch.Tensor, batch, per: str = "sequence") -> SequenceLoss:
    """The loss and the bit errors per sequence over the answer phase (``batch.mask``).

    ``bits`` targets: binary cross-entropy summed over bits; ``onehot`` targets: cross-entropy.
    ``per="sequence"`` sums it over a sequence's answer steps and averages over sequences (the
    NTM papers' objective); ``per="token"`` averages it over every answer step of the batch,
    as Delétang et al.'s code does (``experiments/example.py``: the mean over batch and time
    of the loss summed over classes). On a batch whose answers all have n steps the two differ
    by the factor n, and so does the gradient, which matters under a gradient-norm clip.
    Bit errors count wrong bits (or wrong symbols, for one-hot targets) per sequence.
    """
    mask = batch.mask
    n = logits.shape[0]
    if batch.kind == "bits":
        per_step = F.binary_cross_entropy_with_logits(logits, batch.targets,
                                                      reduction="none").sum(-1)
        wrong = ((logits > 0).float() != batch.targets).float().sum(-1)
    else:
        per_step = F.cross_entropy(logits.transpose(1, 2), batch.targets.argmax(-1),
                                   reduction="none")
        wrong = (logits.argmax(-1) != batch.targets.argmax(-1)).float()
    loss = (per_step * mask).sum() / (n if per == "sequence" else mask.sum().clamp(min=1))
    return SequenceLoss(loss, (wrong * mask).sum() / n)


def _optimizer(model: torch.nn.Module, config: TrainConfig, lr: float) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr)
    # RMSprop: the only other one of OPTIMIZERS, which TrainConfig admits alone
    return torch.optim.RMSprop(model.parameters(), lr=lr, momentum=config.momentum)


def save_checkpoint(path: Path, model, optimizer, state: TrainState) -> None:
    """Write the checkpoint atomically: a temporary file, then a rename."""
    write_atomic(path, lambda tmp: torch.save({"model": model.state_dict(), "optimizer":
                                               optimizer.state_dict(), "state": asdict(state)},
                                              tmp))


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; ``str(err)`` names the file and what to do."""


def load_checkpoint(path: Path, model, optimizer=None) -> TrainState:
    """Restore ``model`` (and ``optimizer``) from ``path``; returns the saved ``TrainState``.

    Only tensors and plain containers are read (``weights_only=True``: a pickled object is
    refused, never run). Anything else that is wrong, a truncated or empty file, another
    program's file, weights of another shape, is a :class:`CheckpointError`.
    """
    damaged = (f"{path}: not a tapelab checkpoint, or damaged ({{}}); train the run again "
               "with --force, or restore the file")
    try:
        data = torch.load(path, weights_only=True, map_location="cpu")
    except FileNotFoundError:
        raise
    except Exception as err:     # torch raises many kinds here: EOFError, RuntimeError, ...
        raise CheckpointError(damaged.format(_first_line(err))) from None
    if not isinstance(data, dict) or not {"model", "state"} <= set(data) \
            or not isinstance(data["state"], dict):
        raise CheckpointError(damaged.format("it lacks the model and training state"))
    try:
        model.load_state_dict(data["model"])
    except Exception as err:
        raise CheckpointError(f"{path}: its weights do not fit the model that config.json "
                              f"describes ({_first_line(err)})") from None
    try:
        if optimizer is not None:
            optimizer.load_state_dict(data["optimizer"])
        return TrainState(**data["state"])
    except Exception as err:
        raise CheckpointError(damaged.format(_first_line(err))) from None


def read_state(path: Path) -> TrainState:
    """The training state saved in checkpoint ``path`` (no model needed)."""
    try:
        data = torch.load(path, weights_only=True, map_location="cpu")
        return TrainState(**data["state"])
    except FileNotFoundError:
        raise
    except Exception as err:
        raise CheckpointError(f"{path}: not a tapelab checkpoint, or damaged "
                              f"({_first_line(err)}); train the run again with --force, or "
                              "restore the file") from None


class NothingToTrain(ValueError):
    """A resumed run whose limits are already reached."""


def resumed_limits(config: TrainConfig, state: TrainState, *, steps: int | None = None,
                   seconds: float | None = None) -> dict:
    """The ``steps`` and ``time_budget`` a resumed run trains to.

    ``steps`` is the total step count to reach; ``seconds`` is how many seconds more to train.
    Naming either replaces both of the run's old limits (a run started with a time budget and
    resumed with ``steps`` trains to that step, however long it takes). Naming neither keeps
    the old limits. Raises ``ValueError`` when the limits leave nothing to train.
    """
    if steps is not None or seconds is not None:
        limits = {"steps": steps,
                  "time_budget": None if seconds is None else state.seconds + seconds}
    else:
        limits = {"steps": config.steps, "time_budget": config.time_budget}
    if limits["steps"] is not None and state.step >= limits["steps"]:
        raise NothingToTrain(f"the run is already at step {state.step}: give --steps above that, "
                         "or --time-budget SECONDS to train that much longer")
    if limits["steps"] is None and limits["time_budget"] is not None \
            and state.seconds >= limits["time_budget"]:
        raise NothingToTrain(f"the run has used its {limits['time_budget']:g} s: give "
                         "--time-budget SECONDS to train that much longer, or --steps N")
    return limits


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    line = next((t.strip() for t in text if t.strip()), type(err).__name__)
    return line if len(line) <= 160 else line[:157] + "..."


def mean_entropy(weights) -> float:
    """Mean normalized entropy H(w) / log N of ``[..., N]`` weightings."""
    return float(normalized_entropy(weights).mean())


def train(model: torch.nn.Module, batch_fn: Callable[[int], Any], config: TrainConfig,
          run_dir: str | Path, *, resume: bool = False,
          progress: Callable[[TrainState, StepResult], None] | None = None,
          probe: Callable[[torch.nn.Module], dict] | None = None) -> TrainState:
    """Train ``model`` on ``batch_fn(step)`` batches until ``config.steps`` or the time budget.

    ``probe(model)``, if given, is called every ``config.probe_every`` steps (a metrics row is
    logged then); its dict (say, exact match on a fixed batch at twice the training length)
    joins that row. Its time is not counted as training time.

    Ctrl-C saves a checkpoint and returns with ``status == "interrupted"``. A step whose loss
    or gradient is not finite is skipped; after ``nan_patience`` in a row the last good
    checkpoint is restored and the learning rate halved.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if config.threads:
        torch.set_num_threads(config.threads)
    device = torch.device(config.device)
    model.to(device)
    ckpt = run_dir / CHECKPOINT
    optimizer = _optimizer(model, config, config.lr)
    state = TrainState(lr=config.lr)
    if resume:
        if not ckpt.exists():
            raise FileNotFoundError(f"{run_dir}: no {CHECKPOINT} to resume from")
        state = load_checkpoint(ckpt, model, optimizer)
        _truncate_metrics(run_dir / METRICS, state.step)
        state.status = "running"
    else:
        (run_dir / METRICS).unlink(missing_ok=True)
        save_checkpoint(ckpt, model, optimizer, state)          # a good state to fall back on
    for group in optimizer.param_groups:
        group["lr"] = state.lr
    metrics = open(run_dir / METRICS, "a", encoding="utf-8")
    started = time.perf_counter() - state.seconds
    window_t, window_seq = time.perf_counter(), 0
    saved_at = time.perf_counter()
    try:
        while True:
            state.seconds = time.perf_counter() - started
            if config.steps is not None and state.step >= config.steps:
                break
            if config.time_budget is not None and state.seconds >= config.time_budget:
                break
            if config.lr_schedule == "cosine":
                for group in optimizer.param_groups:
                    group["lr"] = scheduled_lr(state.lr, _progress(config, state))
            batch = batch_fn(state.step).to(device)
            probe_now = probe is not None and config.probe_every > 0 \
                and (state.step + 1) % config.probe_every == 0
            log_now = (state.step + 1) % config.log_every == 0 or probe_now
            custom = getattr(model, "training_loss", None)
            prior = trace = None
            if custom is not None:      # machines with their own objective (the soft TM)
                loss, bits = custom(batch, step=state.step, total=config.steps)
            else:
                weight = prior_weight(config.sharpen, config.sharpen_schedule,
                                      _progress(config, state)) if config.sharpen else 0.0
                logits, trace = model(batch.inputs, return_trace=GRAPH if weight else log_now)
                loss, bits = sequence_loss(logits, batch, config.loss_per)
                if weight and trace is not None:
                    prior = weight * sharpening_loss(list(trace.heads.values()))
                    trace = _detached(trace) if log_now else None
            objective = loss if prior is None else loss + prior
            optimizer.zero_grad(set_to_none=True)
            finite = bool(torch.isfinite(objective))
            if finite:
                objective.backward()
                if config.grad_noise:     # annealed Gaussian gradient noise (Neelakantan 2015)
                    sigma = config.grad_noise / (1 + state.step) ** 0.55
                    for p in model.parameters():
                        if p.grad is not None:
                            p.grad.add_(torch.randn_like(p.grad) * sigma)
                if config.clip_value is not None:
                    torch.nn.utils.clip_grad_value_(model.parameters(), config.clip_value)
                norm = torch.nn.utils.clip_grad_norm_(
                    model.parameters(), config.clip_norm if config.clip_norm else float("inf"))
                finite = bool(torch.isfinite(norm))
            if not finite:
                state.skipped += 1
                state.bad_in_a_row += 1
                if state.bad_in_a_row >= config.nan_patience:
                    kept = (state.skipped, state.restores + 1, state.step, state.sequences)
                    state = load_checkpoint(ckpt, model, optimizer)
                    state.skipped, state.restores, state.step, state.sequences = kept
                    state.lr /= 2
                    state.bad_in_a_row = 0
                    for group in optimizer.param_groups:
                        group["lr"] = state.lr
                state.step += 1
                continue
            optimizer.step()
            state.bad_in_a_row = 0
            state.step += 1
            state.sequences += len(batch.examples)
            window_seq += len(batch.examples)
            state.last_loss, state.last_bits = loss.item(), bits.item()
            result = StepResult(state.last_loss, state.last_bits)
            if trace is not None:
                result.entropies = {k: mean_entropy(v) for k, v in trace.heads.items()}
            if log_now:
                probed = {}
                if probe_now:
                    probe_started = time.perf_counter()
                    model.eval()
                    probed = probe(model)
                    model.train()
                    spent = time.perf_counter() - probe_started
                    started += spent                                  # not training time
                    window_t += spent
                now = time.perf_counter()
                state.seconds = now - started
                row = {"step": state.step, "loss": state.last_loss, "bits": state.last_bits,
                       "sequences": state.sequences, "seconds": round(state.seconds, 3),
                       "seq_per_s": window_seq / max(now - window_t, 1e-9),
                       "lr": optimizer.param_groups[0]["lr"],             # as scheduled
                       "skipped": state.skipped, "restores": state.restores,
                       **({} if prior is None else {"prior": prior.item()}), **probed,
                       **{f"entropy_{k}": v for k, v in result.entropies.items()}}
                metrics.write(json.dumps(row) + "\n")
                metrics.flush()
                window_t, window_seq = now, 0
            if state.step % config.checkpoint_every == 0 or \
                    time.perf_counter() - saved_at >= config.checkpoint_seconds:
                save_checkpoint(ckpt, model, optimizer, state)
                saved_at = time.perf_counter()
            if progress:
                progress(state, result)
        state.status = "finished"
    except KeyboardInterrupt:
        state.status = "interrupted"
    finally:                # the checkpoint first: nothing before it may stop it being saved
        state.seconds = time.perf_counter() - started
        state.bad_in_a_row = 0
        try:
            save_checkpoint(ckpt, model, optimizer, state)
        finally:
            metrics.close()
    return state


def scheduled_lr(lr: float, progress: float) -> float:
    """Cosine decay from ``lr`` at progress 0 to ``LR_FLOOR * lr`` at 1 (Loshchilov & Hutter
    2017, without restarts): lr * (f + (1 - f) (1 + cos(pi p)) / 2)."""
    import math

    p = min(max(progress, 0.0), 1.0)
    return lr * (LR_FLOOR + (1 - LR_FLOOR) * 0.5 * (1 + math.cos(math.pi * p)))


def _progress(config: TrainConfig, state: TrainState) -> float:
    """How far through its training a run is, in [0, 1]: by steps, else by seconds."""
    if config.steps:
        return state.step / config.steps
    if config.time_budget:
        return state.seconds / config.time_budget
    return 0.0


def _detached(trace):
    """A graph-keeping trace as the numpy arrays the logs expect."""
    return type(trace)({k: v.detach().cpu().numpy() for k, v in trace.heads.items()},
                       trace.cells, trace.steps)


def _truncate_metrics(path: Path, step: int) -> None:
    """Drop metric lines logged after the checkpoint a run resumes from."""
    rows = _metric_rows(path)
    keep = [json.dumps(row) + "\n" for row in rows if row["step"] <= step]
    write_atomic(path, lambda tmp: tmp.write_text("".join(keep), encoding="utf-8"))


def _metric_rows(path: Path) -> list[dict]:
    """The rows of a metrics file; a line that is not a JSON object with a ``step`` (the torn
    last line a killed run leaves, or stray text) is skipped."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and isinstance(row.get("step"), int):
            rows.append(row)
    return rows


def read_metrics(run_dir: str | Path) -> list[dict]:
    """The logged rows of a run directory (see :func:`_metric_rows`)."""
    return _metric_rows(Path(run_dir) / METRICS)
