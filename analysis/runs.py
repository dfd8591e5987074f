"""Training runs of sequence machines (NTM, LSTM) on suite tasks, and their run directories.

This is the glue between ``tasks/`` and ``machines/``: it builds the model a task needs, feeds
the one training loop with the task's sequence encoding, and rebuilds everything from a run
directory's ``config.json`` (so reports are rebuilt from disk, without retraining).
"""
from __future__ import annotations

import json
import math
from dataclasses import Field, asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple

import numpy as np

from machines import registry
from machines.files import write_atomic
from tasks.base import Task
from tasks.suite import get_task

if TYPE_CHECKING:               # types only: torch is imported where a model is built
    import torch

    from machines.training import TrainState

CONFIG = "config.json"


PROBE_FACTOR = 2      # the training-time probe runs at this multiple of the longest length


class LengthRange(NamedTuple):
    shortest: int
    longest: int


@dataclass
class RunSpec:
    """Everything needed to rebuild a run: task, machine, model and training settings."""

    task: str
    machine: str = "ntm"
    bits: int = 0
    min_length: int | None = None          # None: the task's minimum
    max_length: int | None = None          # None: the task's default training length
    curriculum: int = 0                    # the longest length grows over these first steps
                                           # (0: none); fixed at the start, kept on resume
    model: dict = field(default_factory=dict)      # overrides of NTMConfig / LSTMConfig
    train: dict = field(default_factory=dict)      # TrainConfig fields
    compile: bool = False                  # the registry's compile (the NTM's time step)

    def lengths(self, task: Task) -> LengthRange:
        """The shortest and the longest training input of this run on ``task``."""
        lo = task.min_length if self.min_length is None else self.min_length
        hi = self.max_length if self.max_length is not None else default_max_length(task)
        if lo < task.min_length or hi < lo:
            raise ValueError(f"training lengths {lo}..{hi} do not fit task {task.name} "
                             f"(minimum length {task.min_length})")
        return LengthRange(lo, hi)


class RunDirError(ValueError):
    """A run directory whose ``config.json`` cannot be used; the message names the file."""


def spec_from_json(data: object, source: str = CONFIG) -> RunSpec:
    """A :class:`RunSpec` from a parsed ``config.json``, every field checked: unknown or
    missing keys, wrong types, an unknown task or machine, model settings the machine lacks."""
    from machines.training import TrainConfig

    def bad(what: str) -> RunDirError:
        if not source.endswith(CONFIG):
            return RunDirError(f"{source}: {what}")
        return RunDirError(f"{source}: {what}; it is not a config.json that tapelab wrote "
                           "(train the run again with --force)")

    if not isinstance(data, dict):
        raise bad(f"holds {type(data).__name__}, not an object")
    known = {f.name: f for f in fields(RunSpec)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise bad(f"unknown key {unknown[0]!r}")
    if "task" not in data:
        raise bad("no 'task'")
    kinds = {"task": str, "machine": str, "bits": int, "min_length": (int, type(None)),
             "max_length": (int, type(None)), "curriculum": int, "model": dict, "train": dict,
             "compile": bool}
    if isinstance(data.get("curriculum"), bool):    # written before the span was recorded:
        train = data.get("train")                   # it grew over half the steps, if any
        steps = train.get("steps") if isinstance(train, dict) else None
        data = {**data, "curriculum": curriculum_steps(data["curriculum"], steps)
                if isinstance(steps, int) and steps > 0 else 0}
    for key, value in data.items():
        if not isinstance(value, kinds[key]) or (isinstance(value, bool)
                                                 and kinds[key] is int):
            raise bad(f"{key!r} is {value!r}")
    if data.get("curriculum", 0) < 0:
        raise bad(f"'curriculum' is {data['curriculum']!r}: a number of steps, 0 for none")
    spec = RunSpec(**data)
    if spec.machine not in registry.names("sequence"):
        raise bad(f"unknown machine {spec.machine!r}; the trainable ones are "
                  f"{', '.join(registry.names('sequence'))}")
    try:
        task = task_of(spec)
    except (KeyError, ValueError) as err:
        raise bad(str(err)) from None
    model_defaults = registry.get(spec.machine).settings()
    train_defaults = {f.name: f for f in fields(TrainConfig)}
    for what, given, defaults in (("model", spec.model, model_defaults),
                                  ("train", spec.train, train_defaults)):
        for key, value in given.items():
            if key not in defaults:
                owner = f"{spec.machine} has no model" if what == "model" else "no training"
                raise bad(f"{owner} setting {key!r} (they are: {', '.join(sorted(defaults))})")
            problem = _setting_problem(value, defaults[key], sized=what == "model")
            if problem:
                raise bad(f"{what}.{key} is {value!r}: {problem}")
    spec = replace(spec, model=_as_typed(spec.model, model_defaults),
                   train=_as_typed(spec.train, train_defaults))
    try:
        spec.lengths(task)
        build_model(replace(spec, compile=False), task)
        TrainConfig(**spec.train)
    except (TypeError, ValueError, RuntimeError) as err:
        raise bad(str(err).splitlines()[0]) from None
    return spec


MAX_MODEL_SETTING = 65536     # no size of a model (cells, width, units, layers) goes past this


def _setting_problem(value: object, field_: Field, *, sized: bool) -> str | None:
    """What is wrong with a setting, judged by its field's default and whether the field's
    type admits None (None: nothing is wrong)."""
    default = field_.default
    if value is None and "None" in str(field_.type):
        return None
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "not true or false"
    if isinstance(default, str):
        return None if isinstance(value, str) else "not a string"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "not a number"
    if field_.metadata.get("signed"):
        return None if math.isfinite(value) else "not a finite number"
    whole = isinstance(default, int)
    if sized and whole and not 1 <= value <= MAX_MODEL_SETTING:
        return f"outside 1..{MAX_MODEL_SETTING}"
    least = field_.metadata.get("least", 0)
    if not math.isfinite(value) or value < least:
        return f"not a finite number >= {least}"
    if whole and not isinstance(value, int):
        return (f"a whole number written as a decimal: write {int(value)}"
                if value.is_integer() else "not a whole number")
    return None


def _as_typed(given: dict, defaults: dict[str, Field]) -> dict:
    """``given`` with each whole number in a real-valued setting made a float (``--set
    memory_init=2`` reads 2, which would start the NTM's memory as a tensor of integers)."""
    return {key: float(value) if "float" in str(defaults[key].type)
            and isinstance(value, int) and not isinstance(value, bool) else value
            for key, value in given.items()}


def check_spec(spec: RunSpec) -> RunSpec:
    """A new run's ``spec`` checked as a config.json would be (:class:`RunDirError` names the
    fault)."""
    return spec_from_json(asdict(spec), "the run's settings")


def curriculum_steps(curriculum: bool, steps: int | None) -> int:
    """How many first steps a new run's curriculum grows its longest length over: half of its
    ``steps`` (0: no curriculum). The span is recorded in the run's config.json, so a run
    resumed to more steps, or for more seconds, keeps the schedule it started with. A
    :class:`RunDirError` where a curriculum is asked for without a step count."""
    if not curriculum:
        return 0
    if not steps:
        raise RunDirError("the run's settings: a curriculum grows the longest training length "
                          "over the first half of the steps: give a step count (--steps), not a "
                          "time budget")
    return max(1, steps // 2)


def run_kind(run_dir: Path) -> str | None:
    """``"a tapelab run (TASK, MACHINE)"`` if ``run_dir`` holds a run's valid config.json."""
    try:
        spec = read_spec(run_dir)
    except (FileNotFoundError, RunDirError):
        return None
    return f"a tapelab run ({spec.task}, {spec.machine})"


def default_max_length(task: Task) -> int:
    """The NTM paper trains copy on lengths 1-20; the other tasks train on up to 10."""
    return 20 if task.name == "copy" else 10


def first_repeat(items: list) -> object | None:
    """The first item of ``items`` that an earlier one equals (None: each is there once)."""
    return next((x for i, x in enumerate(items) if x in items[:i]), None)


def parse_lengths(text: str, longest: int | None = None) -> list[int]:
    """Input lengths from comma-separated text: single lengths and ranges, ``A-B`` (every
    length from A to B) or ``A-B:S`` (every S-th), so ``40,80-480:80`` is 40, 80, 160, ..., 480
    and ``41-500`` is Delétang et al.'s test lengths. A ValueError says what to give where the
    text is not whole numbers from 1 to ``longest`` (None: no upper bound)."""
    values: list[int] = []
    for part in (x.strip() for x in text.split(",")):
        if not part:
            continue
        span, colon, step = part.partition(":")
        first, dash, last = span.partition("-")
        try:
            if not dash:
                if colon:
                    raise ValueError
                values.append(int(part))
                continue
            a, b, s = int(first), int(last), int(step) if colon else 1
        except ValueError:
            raise ValueError(f"{part!r}: give lengths like 20,40,80 or ranges like 41-500 "
                             "and 80-480:80 (every 80th)") from None
        if a > b or s < 1:
            raise ValueError(f"{part!r}: a range runs from a shorter length to a longer one, "
                             "by a step of at least 1")
        values.extend(range(a, b + 1, s))
    if not values or min(values) < 1 or (longest is not None and max(values) > longest):
        raise ValueError("lengths are whole numbers from 1"
                         + (f" to {longest}" if longest is not None else " up"))
    twice = first_repeat(values)
    if twice is not None:
        raise ValueError(f"length {twice} is given twice")
    return values


def task_of(spec: RunSpec) -> Task:
    return get_task(spec.task, bits=spec.bits)


def build_model(spec: RunSpec, task: Task):
    """The model of a run, sized for the task's sequence encoding (the registry builds it)."""
    from tasks.encoding import input_channels

    inputs, _ = input_channels(task)
    outputs = task.bits or len(task.output_alphabet)
    entry = registry.get(spec.machine)
    if entry.family != "sequence":
        raise ValueError(f"{spec.machine} is not trained as a sequence machine; the ones that "
                         f"are: {', '.join(registry.names('sequence'))}")
    model = entry.build(inputs, outputs, dict(spec.model))
    return entry.compile(model) if spec.compile and entry.compile else model


def longest_at(lo: int, hi: int, step: int, curriculum: int) -> int:
    """The longest training length at ``step``: ``hi``, or with a curriculum, growing
    linearly from ``lo`` to ``hi`` over its first ``curriculum`` steps."""
    if not curriculum:
        return hi
    return lo + int((hi - lo) * min(1.0, step / curriculum))


def still_growing(curriculum: int, step: int) -> bool:
    """Whether a curriculum has longer lengths to come after ``step``. A step costs more the
    longer its batch, so a pace measured on the steps so far then promises too early an end:
    the seconds left it gives are a lower bound."""
    return step < curriculum


def batch_fn(spec: RunSpec, task: Task, seed: int, batch_size: int) -> Callable[[int], object]:
    """Step -> batch. Each batch depends only on (seed, step); its examples share one length
    (no padding wasted), drawn uniformly from the training range (growing, with a curriculum)."""
    lo, hi = spec.lengths(task)

    def make(step: int):
        rng = np.random.default_rng([seed, step])
        top = longest_at(lo, hi, step, spec.curriculum)
        n = int(rng.integers(lo, top + 1))
        return task.encode([task.sample(n, rng) for _ in range(batch_size)], "sequence")
    return make


def write_config(run_dir: Path, spec: RunSpec) -> None:
    write_atomic(run_dir / CONFIG, lambda tmp: tmp.write_text(
        json.dumps(asdict(spec), indent=2), encoding="utf-8"))


def read_spec(run_dir: str | Path) -> RunSpec:
    """The checked :class:`RunSpec` of a run directory (``FileNotFoundError`` if it has no
    config.json, :class:`RunDirError` if that file is not one tapelab wrote)."""
    path = Path(run_dir) / CONFIG
    if not path.is_file():
        from analysis.layout import RUNS, compare_record, report_only

        hint = report_only(Path(run_dir))
        if compare_record(Path(run_dir)) is not None:
            hint = f"; it is a compare directory, whose runs are in {Path(run_dir) / RUNS}"
        raise FileNotFoundError(f"{run_dir}: not a tapelab run directory (no {CONFIG}){hint}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise RunDirError(f"{path}: not valid JSON ({err}); it is not a config.json that "
                          "tapelab wrote") from None
    return spec_from_json(data, str(path))


def train_run(spec: RunSpec | None, run_dir: str | Path, *, resume: bool = False,
              progress=None, steps: int | None = None, seconds: float | None = None,
              threads: int | None = None, device: str | None = None):
    """Train (or resume) the run in ``run_dir``; returns the final ``TrainState``.

    A new run's spec is checked completely before anything is written. A resumed run reads
    its spec from ``run_dir``; ``steps`` (the total to reach) and ``seconds`` (how much longer)
    replace its old limits (:func:`machines.training.resumed_limits`); ``threads`` and ``device``
    (how it runs, not what it learns), where given, replace its old ones.
    """
    import torch

    from machines.training import CHECKPOINT, TrainConfig, read_state, resumed_limits, train

    run_dir = Path(run_dir)
    if resume:
        spec = read_spec(run_dir)
        ckpt = run_dir / CHECKPOINT
        if not ckpt.is_file():
            raise FileNotFoundError(f"{run_dir}: no {CHECKPOINT} to resume from")
        spec.train.update(resumed_limits(TrainConfig(**spec.train), read_state(ckpt),
                                         steps=steps, seconds=seconds))
        spec.train.update({k: v for k, v in (("threads", threads), ("device", device))
                           if v is not None})
    else:
        assert spec is not None
        spec = check_spec(spec)
    task = task_of(spec)
    config = TrainConfig(**spec.train)
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    model = build_model(spec, task)
    write_config(run_dir, spec)
    from analysis.evaluate import length_probe

    probe = length_probe(task, PROBE_FACTOR * spec.lengths(task).longest)
    return train(model, batch_fn(spec, task, config.seed, config.batch_size),
                 config, run_dir, resume=resume, progress=progress, probe=probe)


def train_alone(spec: RunSpec | None, run_dir: str | Path, *, resume: bool = False,
                force: bool = False, **options) -> TrainState:
    """Train a run as a command of its own (``tapelab train``), not as a comparison's job:
    a new one in ``run_dir`` (made ready by :func:`machines.files.prepare_dir`: ``force``
    replaces an earlier run there), or the one there with ``resume``; ``options`` as
    :func:`train_run` takes them. Meanwhile the directory is claimed
    (:func:`machines.files.claim`), or, for one of a comparison's runs, the comparison's
    directory, which its ``tapelab compare`` claims while it runs: no two tapelab processes
    train one run at the same time."""
    from analysis.layout import RUNS, compare_kind
    from machines.files import claim, prepare_dir

    run_dir = Path(run_dir)
    home = run_dir.resolve().parent
    held, ours = (home.parent, compare_kind) if home.name == RUNS and compare_kind(home.parent) \
        else (run_dir, run_kind)
    with claim(held, ours=ours, make=not resume):
        if not resume:
            prepare_dir(run_dir, force=force, what="run", record=CONFIG, kind_of=run_kind,
                        hint=f"--resume {run_dir} to continue it")
        return train_run(spec, run_dir, resume=resume, **options)


class LoadedRun(NamedTuple):
    """A run directory read back: its spec, its task, and the model with its weights."""
    spec: RunSpec
    task: Task
    model: torch.nn.Module


def load_run(run_dir: str | Path) -> LoadedRun:
    """A run directory's spec, task and model with its trained weights, in eval mode; a
    damaged checkpoint is a :class:`machines.training.CheckpointError`."""
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
    return LoadedRun(spec, task, model)


def run_name(run_dir: str | Path) -> str:
    """A run directory's name for tables, with its comparison's name where it is one of a
    compare's ``runs/``."""
    run = Path(run_dir).resolve()
    return f"{run.parents[1].name}/{run.name}" if run.parent.name == "runs" else run.name
