"""``tapelab compare``: every machine on the same tasks, evaluated at the training lengths and
at 2x, 4x and 6x those lengths.

Each (task, machine, seed) is a run directory under ``OUT/runs/`` holding what it needs to be
reported without retraining: ``evaluation.json`` (result rows, training figures), and for the
soft machines ``heatmap.npz`` (addressing of one example) and, for the soft TM, the hardened
program. A run whose ``evaluation.json`` exists is finished and is not retrained, so an
interrupted compare resumes.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from analysis.sweep import Outcome, SweepOptions, run_sweep
from analysis.evaluate import OnLength
from analysis.layout import (COMPARE, EVALUATING, EVALUATION, FAILED, SKIPPED, compare_kind,
                             compare_record, compare_settings, evaluation_log,
                             run_dir as run_path, write_json)
from analysis.runs import first_repeat
from machines import registry
from machines.display import counted
from tasks.suite import BIT_TASKS, NAMES, get_task

MIN_BUDGET = 5.0
EVERY_MACHINE = "all"     # --set all.KEY=VALUE: a setting of every sequence machine compared
# Evaluation examples are drawn with seed EVAL_SEED_OFFSET + the run's seed: a stream apart
# from training's (batches are seeded by (seed, step)), the same for every machine of a seed,
# so all machines are scored on the same inputs.
EVAL_SEED_OFFSET = 1000
HEATMAP_SEED = 7      # the one example whose addressing the report draws, the same for all
# test-time temperatures every machine with addressing is also scored at (machines.sharpening)
TEMPERATURES = (1.0, 0.5, 0.25, 0.1, 0.0, "adaptive")
SYNTHESIS_BUDGET = 10.0   # seconds of each symbolic search beside a soft TM run


def _has_z3() -> bool:
    from importlib.util import find_spec

    return find_spec("z3") is not None


@dataclass
class CompareConfig:
    tasks: list[str]
    machines: list[str] = field(default_factory=lambda: list(registry.names()))
    seeds: int = 1
    first_seed: int = 0             # seeds first_seed .. first_seed + seeds - 1
    budget: float = 60.0            # seconds of training per soft run
    lengths: list[int] | None = None    # default: L, 2L, 4L, 6L (L: the training length)
    samples: int = 50               # evaluation examples per length
    restarts: int = 20              # soft TM restarts
    compile: bool = False           # torch.compile the NTM (worth it for budgets of minutes)
    train_length: int | None = None     # longest training input (default: the task's)
    pairs: list[list[str]] | None = None  # only these [task, machine] pairs (the demo's)
    steps: int | None = None        # train sequence machines this many steps (not ``budget``
                                    # seconds): the same result on any machine, any backend
    temperatures: list = field(default_factory=lambda: list(TEMPERATURES))  # [] for none
    bits: int = 0                   # 8: copy and repeat_copy on the NTM paper's 8-bit vectors
    # per machine: {"model": {NTMConfig field: value}, "train": {TrainConfig field: value}};
    # under EVERY_MACHINE, settings of every sequence machine (a machine's own come after)
    machine_settings: dict = field(default_factory=dict)
    curriculum: bool = False        # grow each sequence run's longest training length over
                                    # the first half of its steps (analysis.runs.longest_at)

    def settings(self) -> dict:
        """What compare.json records: everything that changes a result."""
        return asdict(self)

    def model_settings(self, machine: str) -> dict:
        """A sequence machine's model settings: its registry defaults under this compare's."""
        return {**registry.get(machine).defaults.get("model", {}),
                **self.machine_settings.get(EVERY_MACHINE, {}).get("model", {}),
                **self.machine_settings.get(machine, {}).get("model", {})}

    def train_settings(self, machine: str) -> dict:
        """A sequence machine's training settings (the seed aside): the recipe, this compare's
        step or time budget, the machine's registry defaults, then its ``--set`` settings."""
        from machines.training import RECIPES

        return {**RECIPES["collier-beel"], "steps": self.steps,
                "time_budget": None if self.steps else self.budget, "log_every": 20,
                **registry.get(machine).defaults.get("train", {}),
                **self.machine_settings.get(EVERY_MACHINE, {}).get("train", {}),
                **self.machine_settings.get(machine, {}).get("train", {})}

    def run_spec(self, task: str, machine: str, seed: int):
        """The :class:`analysis.runs.RunSpec` of one sequence run of this comparison (a
        ValueError where no run can be set up so, as a curriculum without a step count)."""
        from analysis.runs import RunSpec, curriculum_steps

        train = {**self.train_settings(machine), "seed": seed}
        return RunSpec(task=task, machine=machine, max_length=self.train_length,
                       bits=self.bits if task in BIT_TASKS else 0,
                       curriculum=curriculum_steps(self.curriculum, train.get("steps")),
                       compile=self.compile and registry.get(machine).compile is not None,
                       model=self.model_settings(machine), train=train)

    def seconds(self, machine: str) -> float | None:
        """The training seconds of one run of ``machine`` (None: not a sequence machine, or a
        step budget), per-machine ``time_budget`` settings included."""
        if registry.get(machine).family != "sequence":
            return None
        train = self.train_settings(machine)
        return None if train.get("steps") else train.get("time_budget")

    def same_settings(self, recorded: dict | None) -> bool:
        """Whether ``recorded`` (an earlier compare.json's) are these settings; a setting an
        older tapelab did not record counts as its default, and the old ``jobs`` (how runs
        were spread, not what they computed) is ignored."""
        return recorded is not None and not self.differences(recorded)

    def differences(self, recorded: dict) -> list[str]:
        """The settings in which ``recorded`` differs from these (as :meth:`same_settings`
        reads it)."""
        defaults = {f.name: (f.default_factory() if f.default_factory is not MISSING  # type: ignore[misc]
                             else f.default) for f in fields(self) if f.name != "tasks"}
        recorded = {**defaults, **{k: v for k, v in recorded.items() if k != "jobs"}}
        return [k for k, v in self.settings().items() if recorded.get(k) != v] + \
            [k for k in recorded if k not in self.settings()]

    def extension_problem(self, recorded: dict | None, where: Path) -> str | None:
        """Why ``compare --extend`` cannot train the runs of the comparison ``recorded`` (in
        ``where``) on to these settings; None where it can: these are its settings with a
        longer budget of the same kind (more --budget seconds, or more --steps), or its very
        settings (an extension interrupted, or nothing to extend)."""
        if recorded is None:
            return f"--extend: {where} holds no comparison to train on"
        if self.same_settings(recorded):
            return None
        old_steps, old_budget = recorded.get("steps"), recorded.get("budget", CompareConfig.budget)
        if (old_steps is None) != (self.steps is None):
            kind = "--steps" if old_steps is not None else "--budget"
            return f"--extend: {where} trained its runs by {kind}: give a larger {kind}"
        if self.steps is not None and self.steps <= old_steps:
            return f"--extend trains runs longer: give --steps above the {old_steps} of {where}"
        if self.steps is None and not self.budget > old_budget:
            return (f"--extend trains runs longer: give a --budget above the {old_budget:g} s "
                    f"of {where}")
        others = [k for k in self.differences(recorded) if k not in ("budget", "steps")]
        if others:
            return (f"--extend: the comparison in {where} differs from this one in more than "
                    f"its budget ({', '.join(others)}): give its other settings unchanged")
        if self.curriculum:
            return ("--extend: a curriculum's schedule follows --steps, so its runs cannot "
                    "train on: start a new --out")
        return None

    def adds_seeds_to(self, recorded: dict | None) -> bool:
        """Whether these settings are ``recorded``'s with more seeds (the same first seed and
        everything else the same): a resume that keeps the finished runs and adds seeds."""
        if recorded is None or not isinstance(recorded.get("seeds"), int) \
                or recorded["seeds"] >= self.seeds:
            return False
        return self.same_settings({**recorded, "seeds": self.seeds})

    def resumes(self, recorded: dict | None) -> bool:
        """Whether a comparison with ``recorded`` settings can be resumed with these."""
        return self.same_settings(recorded) or self.adds_seeds_to(recorded)

    def check(self) -> None:
        for t in self.tasks:
            if t not in NAMES:
                raise ValueError(f"unknown task {t!r}; the tasks are: {', '.join(NAMES)}")
        for m in self.machines:
            registry.get(m)                     # ValueError names the machines
        if not self.tasks or not self.machines:
            raise ValueError("give at least one task and one machine")
        for what, names in (("task", self.tasks), ("machine", self.machines),
                            ("length", self.lengths or []),
                            ("pair", [":".join(p) for p in self.pairs or []])):
            twice = first_repeat(names)
            if twice is not None:
                raise ValueError(f"{what} {twice!r} is named twice: name each {what} once")
        sequence = [m for m in self.machines if registry.get(m).family == "sequence"]
        if self.steps is None and self.budget < MIN_BUDGET and sequence:
            raise ValueError(f"a budget of {self.budget:g} s is too small to train anything: "
                             f"give at least {MIN_BUDGET:g} seconds")
        if self.curriculum and not sequence:
            raise ValueError("--curriculum grows a sequence machine's training lengths: no "
                             "sequence machine is compared here")
        if not math.isfinite(self.budget):
            raise ValueError(f"--budget {self.budget}: give a finite number of seconds")
        for machine, kinds in self.machine_settings.items():
            if machine == EVERY_MACHINE and not sequence:
                raise ValueError(f"settings for {machine!r}: no sequence machine is compared "
                                 "here")
            if machine != EVERY_MACHINE and machine not in sequence:
                raise ValueError(f"settings for {machine!r}: it is not one of the sequence "
                                 "machines compared here")
            if set(kinds) - {"model", "train"}:
                raise ValueError(f"settings for {machine}: only 'model' and 'train' settings")
            sharpened = [machine] if machine != EVERY_MACHINE else sequence
            if kinds.get("train", {}).get("sharpen") and sharpened \
                    and all(registry.sharpening_problem(m) for m in sharpened):
                raise ValueError(f"settings for {machine}: sharpen: "
                                 f"{registry.sharpening_problem(sharpened[0])}")
            if "seed" in kinds.get("train", {}):
                raise ValueError(f"settings for {machine}: a run's seed is its job's (give "
                                 "--first-seed and --seeds), not a setting")
        from analysis.runs import check_spec

        for machine in self.machines:       # each one's runs as they will be trained
            if registry.get(machine).family == "sequence":
                check_spec(self.run_spec(self.tasks[0], machine, self.first_seed))
        for task, machine in self.pairs or []:
            if task not in self.tasks or machine not in self.machines:
                raise ValueError(f"pair {task}:{machine}: "
                                 + (f"{task} is not one of the tasks compared here"
                                    if task not in self.tasks
                                    else f"{machine} is not one of --machines"))
        if self.bits not in (0, 8):
            raise ValueError("--bits takes 0 or 8 (the NTM paper's 8-bit vectors)")
        if self.bits and not set(self.tasks) & set(BIT_TASKS):
            raise ValueError(f"--bits {self.bits}: none of these tasks has it (only "
                             f"{' and '.join(sorted(BIT_TASKS))} do)")
        if self.seeds < 1 or self.samples < 1 or (self.steps is not None and self.steps < 1):
            raise ValueError("--seeds, --samples and --steps must be at least 1")
        jobs, skipped = plan(self)
        if not jobs:                    # every pair asked for is one no machine can run
            first = skipped[0]
            more = (f", and {counted(len(skipped) - 1, 'more pair')}" if len(skipped) > 1
                    else "")
            raise ValueError(f"nothing to run: {first['machine']} on {first['task']} is skipped "
                             f"({first['reason']}){more}")


@dataclass
class Job:
    task: str
    machine: str
    seed: int

    @property
    def name(self) -> str:
        deterministic = registry.get(self.machine).family == "classical"
        return f"{self.task}-{self.machine}" + ("" if deterministic else f"-s{self.seed}")


def task_for(name: str, config: CompareConfig):
    """The task ``name`` as this compare runs it (8-bit vectors where ``config.bits`` asks
    and the task has them)."""
    return get_task(name, bits=config.bits if name in BIT_TASKS else 0)


def train_length_for(task: str, config: CompareConfig) -> int:
    """The longest training input of ``task``'s runs."""
    from analysis.runs import default_max_length

    return config.train_length or default_max_length(task_for(task, config))


def lengths_for(task: str, config: CompareConfig) -> list[int]:
    if config.lengths:
        return sorted(config.lengths)
    top = train_length_for(task, config)
    return [top, 2 * top, 4 * top, 6 * top]


def applies(task: str, machine: str) -> str | None:
    """Why ``machine`` is skipped for ``task`` (None: it applies)."""
    from analysis.induce import TERPRET

    if registry.get(machine).family == "induced" and task not in TERPRET:
        return ("soft TM induction is set up for TerpreT's tape tasks (" + ", ".join(TERPRET)
                + "); its tables grow with states x symbols and its tape with the input")
    return None


def device_problem(config: CompareConfig, options: SweepOptions) -> str | None:
    """What is wrong with where this comparison's sequence machines would train on
    ``options``' backend (None: nothing). A run trains and is evaluated on its ``device``
    setting (``--set all.device=cuda``); Ray gives a job a GPU only if it asks for one
    (``gpus_per_job``), and then it is the job's ``cuda``."""
    from machines.training import uses_cuda

    devices = {m: config.train_settings(m).get("device", "cpu") for m in config.machines
               if registry.get(m).family == "sequence"}
    cuda = {m: d for m, d in devices.items() if uses_cuda(d)}
    first = next(iter(cuda.items()), None)
    if options.backend == "ray":
        if first and not options.gpus_per_job:
            return (f"{first[0]} trains on {first[1]}, but on Ray a job gets a GPU only if it "
                    "asks for one: give --gpus-per-job (0.25: four jobs share a GPU)")
        numbered = next((m for m, d in cuda.items() if d != "cuda"), None)
        if numbered:
            return (f"{numbered} trains on {cuda[numbered]}: on Ray, write cuda (Ray picks "
                    "each job's GPU)")
        if options.gpus_per_job and not devices:
            return ("--gpus-per-job: no sequence machine is compared here, and the others "
                    "run on the CPU")
        if options.gpus_per_job and not cuda:
            return ("--gpus-per-job: every machine here trains on the CPU; add --set "
                    "all.device=cuda to train them on the GPUs")
        return None
    if first:
        import torch

        if not torch.cuda.is_available():
            return f"{first[0]} trains on {first[1]}: there is no CUDA device here"
    return None


class Plan(NamedTuple):
    jobs: list[Job]
    skipped: list[dict]     # {"task", "machine", "reason"}: pairs no machine can run


def plan(config: CompareConfig) -> Plan:
    """The jobs of ``config``'s grid, in order, and the pairs it skips (with why)."""
    jobs, skipped = [], []
    for task in config.tasks:
        for machine in config.machines:
            if config.pairs is not None and [task, machine] not in config.pairs:
                continue
            reason = applies(task, machine)
            if reason:
                skipped.append({"task": task, "machine": machine, "reason": reason})
                continue
            deterministic = registry.get(machine).family == "classical"
            seeds = [0] if deterministic else range(config.first_seed,
                                                    config.first_seed + config.seeds)
            jobs += [Job(task, machine, s) for s in seeds]
    return Plan(jobs, skipped)


def unfinished(settings: dict, finished: set[str]) -> list[str]:
    """The jobs of the compare that recorded ``settings`` (its compare.json) that are not in
    ``finished`` (evaluated, or recorded as failed): those a sweep stopped before, by name in
    the grid's order ([] where the settings are not ones this tapelab can plan)."""
    known = {f.name for f in fields(CompareConfig)}
    try:
        config = CompareConfig(**{k: v for k, v in settings.items() if k in known})
        jobs, _ = plan(config)
    except (TypeError, ValueError):
        return []
    return [j.name for j in jobs if j.name not in finished]


# ------------------------------------------------------------------------------ one job
class Limits(NamedTuple):
    """How far a sequence run trains: to a step count, or for seconds (None: not that way)."""
    steps: int | None
    time_budget: float | None


def limits(train: dict) -> Limits:
    """The limits of a run's training settings (``RunSpec.train``)."""
    return Limits(train.get("steps"), train.get("time_budget"))


def short_of(trained: Limits, wanted: Limits) -> bool:
    """Whether a run that trained to ``trained`` stops short of ``wanted`` (a longer budget
    of the same kind, as ``compare --extend`` gives)."""
    if wanted.steps is not None:
        return trained.steps is not None and trained.steps < wanted.steps
    return wanted.time_budget is not None and trained.steps is None \
        and trained.time_budget is not None and trained.time_budget < wanted.time_budget - 1e-6


def _trained_to(config: CompareConfig, out: Path, job: Job) -> Limits | None:
    """The limits the sequence run of ``job`` in ``out`` trained to, where they stop short of
    this comparison's (``compare --extend`` trains it on); None where they do not, or where
    ``job`` is not a sequence run."""
    from analysis.runs import read_spec

    if registry.get(job.machine).family != "sequence":
        return None
    try:
        trained = limits(read_spec(run_path(out, job.name)).train)
    except (OSError, ValueError):
        return None
    wanted = limits(config.run_spec(job.task, job.machine, job.seed).train)
    return trained if short_of(trained, wanted) else None


def _reopen(config: CompareConfig, out: Path, jobs: list[Job],
            log: Callable[[str], None]) -> None:
    """``compare --extend``: mark the finished runs of ``jobs`` that stop short of this
    comparison's budget as unfinished (their evaluation, which the longer run replaces, is
    removed), so that the sweep trains them on from their checkpoints and scores them again."""
    from analysis.sweep import finished

    reopened = [job.name for job in jobs
                if finished(out, job.name) and _trained_to(config, out, job) is not None]
    for name in reopened:
        (run_path(out, name) / EVALUATION).unlink()
    if reopened:
        log(f"training {counted(len(reopened), 'finished run')} on to the longer budget")


def _more_training(spec, run_dir: Path) -> dict:
    """``train_run``'s limits for resuming the run in ``run_dir``: where ``spec``'s are longer
    than the run's own (``compare --extend``), the step to reach or the seconds more;
    otherwise none (the run's own)."""
    from analysis.runs import read_spec
    from machines.training import CHECKPOINT, read_state

    wanted = limits(spec.train)
    if not short_of(limits(read_spec(run_dir).train), wanted):
        return {}
    if wanted.steps is not None:
        return {"steps": wanted.steps}
    return {"seconds": wanted.time_budget - read_state(run_dir / CHECKPOINT).seconds}


def run_job(job: Job, config: CompareConfig, out: Path, threads: int | None = None) -> dict:
    """Train (if needed) and evaluate one job; returns its evaluation (also on disk)."""
    run_dir = run_path(out, job.name)
    done = run_dir / EVALUATION
    if done.is_file():
        return json.loads(done.read_text(encoding="utf-8"))
    if threads:
        import torch

        torch.set_num_threads(threads)
    run_dir.mkdir(parents=True, exist_ok=True)
    lengths = lengths_for(job.task, config)
    fn = {"classical": _classical, "sequence": _sequence, "induced": _softtm}
    (run_dir / EVALUATING).unlink(missing_ok=True)     # a killed job's: training comes first
    try:
        evaluation = fn[registry.get(job.machine).family](
            job, config, run_dir, lengths, evaluation_log(run_dir, len(lengths)))
        evaluation.update(task=job.task, machine=job.machine, seed=job.seed, lengths=lengths,
                          train_length=train_length_for(job.task, config))
        write_json(done, evaluation)
    finally:
        (run_dir / EVALUATING).unlink(missing_ok=True)
    return evaluation


def _row(job: Job, length: int, addressing: str, exact: float, accuracy: float,
         read: float | None, write: float | None, **extra) -> dict:
    return {"task": job.task, "machine": job.machine, "seed": job.seed, "length": length,
            "addressing": addressing, "exact_match": exact, "symbol_accuracy": accuracy,
            "read_entropy": read, "write_entropy": write, **extra}


def _rows(job: Job, results) -> list[dict]:
    return [_row(job, r.length, r.addressing, r.exact_match, r.symbol_accuracy, r.read_entropy,
                 r.write_entropy, **({"steps": r.steps} if r.steps is not None else {}),
                 **({} if np.isnan(r.bits_per_sequence) else
                    {"bits_per_sequence": r.bits_per_sequence}),
                 **({} if r.temperature is None else {"temperature": r.temperature}),
                 **({"sharpness": r.extra["sharpness"]} if "sharpness" in r.extra else {}))
            for r in results]


def _classical(job: Job, config: CompareConfig, run_dir: Path, lengths: list[int],
               on_length: OnLength) -> dict:
    from analysis.evaluate import evaluate

    task = task_for(job.task, config)
    results = evaluate(task.reference, task, lengths, samples=config.samples, seed=job.seed,
                       on_length=on_length)
    return {"results": _rows(job, results),
            "steps_by_length": {r.length: r.steps for r in results},
            "training": {"seconds": 0.0, "sequences": 0}}


def _sequence(job: Job, config: CompareConfig, run_dir: Path, lengths: list[int],
              on_length: OnLength) -> dict:
    import torch

    from analysis.evaluate import evaluate
    from analysis.runs import load_run, train_run
    from machines.sharpening import accepts_temperature
    from machines.training import CHECKPOINT, NothingToTrain, read_metrics, read_state

    entry = registry.get(job.machine)
    spec = config.run_spec(job.task, job.machine, job.seed)
    resume = (run_dir / CHECKPOINT).is_file() and (run_dir / "config.json").is_file()
    try:
        state = train_run(spec, run_dir, resume=resume,
                          **(_more_training(spec, run_dir) if resume else {}))
    except NothingToTrain:          # trained before an interruption; evaluate it now
        state = read_state(run_dir / CHECKPOINT)
    if state.status == "interrupted":   # Ctrl-C: the checkpoint is saved; stop the sweep
        raise KeyboardInterrupt
    _, task, model = load_run(run_dir)
    device = spec.train.get("device", "cpu")          # evaluated where it trained
    model.to(device)
    results = evaluate(model, task, lengths, samples=config.samples,
                       seed=EVAL_SEED_OFFSET + job.seed, kind=job.machine, on_length=on_length)
    tempered = evaluate(model, task, lengths, samples=config.samples,
                        seed=EVAL_SEED_OFFSET + job.seed, kind=job.machine,
                        temperatures=config.temperatures, known=results,
                        on_length=on_length) \
        if entry.heads and config.temperatures and accepts_temperature(model) else []
    if {"read", "write"} <= set(entry.heads):
        example = task.sample(lengths[0], np.random.default_rng(HEATMAP_SEED))
        batch = task.encode([example], "sequence")
        with torch.no_grad():
            _, trace = model(batch.inputs.to(device), return_trace=True)
        np.savez_compressed(run_dir / "heatmap.npz", read=trace.heads["read0"][0],
                            write=trace.heads["write0"][0],
                            input_steps=len(example.input) + 1)
    return {"results": _rows(job, results), "temperatures": _rows(job, tempered),
            "training": {"seconds": state.seconds, "sequences": state.sequences,
                         "steps": state.step, "final_loss": state.last_loss,
                         "final_bits": state.last_bits, "skipped": state.skipped},
            "curve": read_metrics(run_dir)}


def _softtm(job: Job, config: CompareConfig, run_dir: Path, lengths: list[int],
            on_length: OnLength) -> dict:
    from analysis.diagrams import same_machine
    from analysis.evaluate import evaluate, evaluate_restarts
    from analysis.induce import SYMBOLIC, InduceConfig, comparison_rows, induce
    from machines.formats import dumps
    from machines.training import read_metrics

    task = task_for(job.task, config)
    icfg = InduceConfig.for_task(job.task, restarts=config.restarts, seed=job.seed)
    report = induce(icfg, run_dir / "programs", force=True)   # this run's own, unfinished
    best = report.best_restart()
    machine = report.model.select(best)
    machine.eval()
    program = replace(report.details[best].hardened, name=f"{job.task}-hardened")
    (run_dir / "hardened.yaml").write_text(dumps(program, "yaml"), encoding="utf-8")
    results = evaluate(machine, task, lengths, samples=config.samples,
                       seed=EVAL_SEED_OFFSET + job.seed, program=program, on_length=on_length)
    tempered = evaluate(machine, task, lengths, samples=config.samples,
                        seed=EVAL_SEED_OFFSET + job.seed, temperatures=config.temperatures,
                        on_length=on_length) \
        if config.temperatures else []
    searches = [report] + [induce(replace(icfg, method=m, budget=SYNTHESIS_BUDGET))
                           for m in SYMBOLIC if m != "smt" or _has_z3()]
    soft = [r for r in results if r.addressing == "soft"]
    np.savez_compressed(run_dir / "heatmap.npz", head=soft[0].extra["heads"],
                        classical=soft[0].extra["classical"])
    return {"results": _rows(job, results), "temperatures": _rows(job, tempered),
            "training": {"seconds": report.seconds, "sequences": icfg.examples * icfg.iterations
                         * icfg.restarts, "restarts": icfg.restarts,
                         "hard_train_exact": report.hard_train_exact,
                         "hard_exact_len100": report.hard_exact_len100},
            "induce": report.to_json(),
            "synthesis": comparison_rows(searches)._asdict(),
            "restarts": evaluate_restarts(report.model, task, lengths, samples=config.samples,
                                          seed=EVAL_SEED_OFFSET + job.seed),
            "mass_on_classical_head": {r.length: r.extra["mass_on_classical_head"]
                                       for r in soft},
            "isomorphic_to_reference": same_machine(program, task.reference),
            "curve": read_metrics(run_dir / "programs" / "training")}


@dataclass
class GridRow:
    """One job of a grid and where it stands in ``OUT``: ``done``, ``failed`` or ``todo``."""

    name: str
    task: str
    machine: str
    seed: int
    status: str


@dataclass
class DryRun:
    """What ``compare --dry-run`` prints: the grid, and the training it still needs."""

    rows: list[GridRow]
    skipped: list[dict]
    training_seconds: float | None   # sequence jobs to run x budget (None: a step budget)
    parallel: float
    lengths: int = 0                 # test lengths of a run (the most of any task)
    temperatures: int = 0            # test-time temperatures that are passes of their own
    passes: tuple[str, ...] = ()     # the ways its runs are scored: classical, soft, argmax

    @property
    def todo(self) -> int:
        return sum(r.status != "done" for r in self.rows)


def dry_run(config: CompareConfig, out: Path, parallel: float, *,
            extend: bool = False) -> DryRun:
    """The grid of ``config`` against what ``out`` holds, and the cost still ahead:
    training seconds of the sequence jobs left (their budget each, or what ``extend`` adds
    to it, spread over ``parallel`` workers); evaluation and the soft TM's induction come on
    top."""
    from analysis.sweep import finished

    jobs, skipped = plan(config)
    recorded = compare_settings(out)
    same = config.resumes(recorded) or \
        extend and config.extension_problem(recorded, out) is None
    rows, seconds_left = [], 0.0
    for job in jobs:
        status, seconds = "todo", config.seconds(job.machine) or 0.0
        if same and finished(out, job.name):
            trained = _trained_to(config, out, job) if extend else None
            status = "done" if trained is None else "todo"
            seconds = 0.0 if trained is None else seconds - (trained.time_budget or 0.0)
        elif same and (run_path(out, job.name) / FAILED).is_file():
            status = "failed"
        rows.append(GridRow(job.name, job.task, job.machine, job.seed, status))
        seconds_left += max(seconds, 0.0)
    seconds = None if config.steps else seconds_left / max(parallel, 1.0)
    own = [t for t in config.temperatures if t not in (0, 1)]   # T = 1, 0: the soft, hard rows
    entries = [registry.get(m) for m in {r.machine for r in rows}]
    return DryRun(rows, skipped, seconds, parallel,
                  lengths=max(len(lengths_for(t, config)) for t in config.tasks),
                  temperatures=len(own) if any(e.heads for e in entries) else 0,
                  passes=tuple(name for name, kind in (
                      ("classical", any(e.family == "classical" for e in entries)),
                      ("soft", any(e.family != "classical" for e in entries)),
                      ("argmax", any(e.hard for e in entries))) if kind))


# ------------------------------------------------------------------------------ all jobs
def compare(config: CompareConfig, out: str | Path, *, force: bool = False,
            options: SweepOptions | None = None, log: Callable[[str], None] = print,
            extend: bool = False) -> list[Outcome]:
    """Run every job of ``config`` into ``out`` on the backend of ``options`` (resuming a
    previous compare of the same settings there); returns each job's outcome.
    :func:`analysis.report.build_report` then writes the report.

    ``extend``: ``out`` holds a comparison of these settings with a shorter budget (more
    --budget seconds or more --steps, nothing else changed); its sequence runs train on from
    their checkpoints to this budget and are scored again (compare.json records the change
    under ``extended``). On Ray, each job's worker gets its run directory's files.
    """
    from machines.files import claim

    config.check()
    options = options or SweepOptions()
    out = Path(out)
    with claim(out, ours=compare_kind):   # no other tapelab process fills it meanwhile
        return _fill(config, out, force=force, options=options, log=log, extend=extend)


def _fill(config: CompareConfig, out: Path, *, force: bool, options: SweepOptions,
          log: Callable[[str], None], extend: bool) -> list[Outcome]:
    """:func:`compare`'s work, in the directory it claims."""
    from machines.files import prepare_dir

    marker = out / COMPARE
    settings = config.settings()
    record = compare_record(out)
    previous = None if record is None else record["settings"]
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    jobs, skipped = plan(config)
    if extend:
        problem = config.extension_problem(previous, out)
        if problem:
            raise ValueError(problem)
        assert record is not None and previous is not None
        if not config.same_settings(previous):
            was = {"budget": previous.get("budget"), "steps": previous.get("steps")}
            log(f"extending {out}: "
                + (f"--steps {was['steps']} -> {config.steps}" if config.steps is not None
                   else f"--budget {was['budget']:g} s -> {config.budget:g} s"))
            write_json(marker, {**record, "settings": settings,
                                "extended": [*record.get("extended", []),
                                             {"from": was, "to": {"budget": config.budget,
                                                                  "steps": config.steps},
                                              "at": now}]})
        _reopen(config, out, jobs, log)
    elif config.adds_seeds_to(previous):        # a resume with more seeds: record the new count
        assert record is not None
        log(f"adding seeds {previous['seeds'] + config.first_seed}.."
            f"{config.seeds + config.first_seed - 1} to the {previous['seeds']} of {out}")
        write_json(marker, {**record, "settings": settings,
                            "seeds_added": [*record.get("seeds_added", []),
                                            {"from": previous["seeds"], "to": config.seeds,
                                             "at": now}]})
    elif not config.same_settings(previous):  # not a resume of this compare: a new directory
        prepare_dir(out, force=force, what="comparison", record=COMPARE,
                    kind_of=compare_kind,
                    hint="a comparison with other settings (more --seeds, and nothing else "
                         "changed, would add to it; a longer --budget or --steps with "
                         "--extend trains its runs on): choose another --out")
        write_json(marker, {"kind": "tapelab-compare", "settings": settings, "created": now})
    for s in skipped:
        log(f"skip {s['machine']} on {s['task']}: {s['reason']}")
    started = time.perf_counter()
    outcomes = run_sweep(jobs, run_job, config, out, options, log=log,
                         expected=lambda job: config.seconds(job.machine),
                         kind=lambda job: job.machine)
    log(f"the sweep took {time.perf_counter() - started:.0f} s")
    write_json(out / SKIPPED, skipped)
    return outcomes
