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
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from tasks.suite import NAMES, get_task

MACHINES = ("classical", "ntm", "lstm", "softtm")
MIN_BUDGET = 5.0
EVALUATION = "evaluation.json"
COMPARE = "compare.json"


@dataclass
class CompareConfig:
    tasks: list[str]
    machines: list[str] = field(default_factory=lambda: list(MACHINES))
    seeds: int = 1
    budget: float = 60.0            # seconds of training per soft run
    lengths: list[int] | None = None    # default: L, 2L, 4L, 6L (L: the training length)
    samples: int = 50               # evaluation examples per length
    restarts: int = 20              # soft TM restarts
    jobs: int = 1
    compile: bool = False           # torch.compile the NTM (worth it for budgets of minutes)
    train_length: int | None = None     # longest training input (default: the task's)
    pairs: list[list[str]] | None = None  # only these [task, machine] pairs (the demo's)

    def check(self) -> None:
        for t in self.tasks:
            if t not in NAMES:
                raise ValueError(f"unknown task {t!r}; the tasks are: {', '.join(NAMES)}")
        for m in self.machines:
            if m not in MACHINES:
                raise ValueError(f"unknown machine {m!r}; the machines are: "
                                 f"{', '.join(MACHINES)}")
        if not self.tasks or not self.machines:
            raise ValueError("give at least one task and one machine")
        if self.budget < MIN_BUDGET and set(self.machines) & {"ntm", "lstm"}:
            raise ValueError(f"a budget of {self.budget:g} s is too small to train anything: "
                             f"give at least {MIN_BUDGET:g} seconds")
        if self.seeds < 1 or self.samples < 1 or self.jobs < 1:
            raise ValueError("--seeds, --samples and --jobs must be at least 1")


@dataclass
class Job:
    task: str
    machine: str
    seed: int

    @property
    def name(self) -> str:
        return f"{self.task}-{self.machine}" + ("" if self.machine == "classical"
                                                else f"-s{self.seed}")


def lengths_for(task: str, config: CompareConfig) -> list[int]:
    if config.lengths:
        return sorted(config.lengths)
    from analysis.runs import default_max_length

    top = config.train_length or default_max_length(get_task(task))
    return [top, 2 * top, 4 * top, 6 * top]


def applies(task: str, machine: str) -> str | None:
    """Why ``machine`` is skipped for ``task`` (None: it applies)."""
    from analysis.induce import TERPRET

    if machine == "softtm" and task not in TERPRET:
        return ("soft TM induction is set up for TerpreT's tape tasks (" + ", ".join(TERPRET)
                + "); its tables grow with states x symbols and its tape with the input")
    return None


def plan(config: CompareConfig) -> tuple[list[Job], list[dict]]:
    jobs, skipped = [], []
    for task in config.tasks:
        for machine in config.machines:
            if config.pairs is not None and [task, machine] not in config.pairs:
                continue
            reason = applies(task, machine)
            if reason:
                skipped.append({"task": task, "machine": machine, "reason": reason})
                continue
            seeds = [0] if machine == "classical" else range(config.seeds)
            jobs += [Job(task, machine, s) for s in seeds]
    return jobs, skipped


# ------------------------------------------------------------------------------ one job
def run_job(job: Job, config: CompareConfig, out: Path, threads: int | None = None) -> dict:
    """Train (if needed) and evaluate one job; returns its evaluation (also on disk)."""
    run_dir = out / "runs" / job.name
    done = run_dir / EVALUATION
    if done.is_file():
        return json.loads(done.read_text(encoding="utf-8"))
    if threads:
        import torch

        torch.set_num_threads(threads)
    run_dir.mkdir(parents=True, exist_ok=True)
    lengths = lengths_for(job.task, config)
    fn = {"classical": _classical, "ntm": _sequence, "lstm": _sequence, "softtm": _softtm}
    evaluation = fn[job.machine](job, config, run_dir, lengths)
    evaluation.update(task=job.task, machine=job.machine, seed=job.seed, lengths=lengths)
    tmp = done.with_suffix(".tmp")
    tmp.write_text(json.dumps(evaluation, indent=1), encoding="utf-8")
    os.replace(tmp, done)
    return evaluation


def _row(job: Job, length: int, addressing: str, exact: float, accuracy: float,
         read: float | None, write: float | None, **extra) -> dict:
    return {"task": job.task, "machine": job.machine, "seed": job.seed, "length": length,
            "addressing": addressing, "exact_match": exact, "symbol_accuracy": accuracy,
            "read_entropy": read, "write_entropy": write, **extra}


def _classical(job: Job, config: CompareConfig, run_dir: Path, lengths: list[int]) -> dict:
    task = get_task(job.task)
    rows, steps = [], {}
    for n in lengths:
        rng = np.random.default_rng([job.seed, n])
        examples = [task.sample(n, rng) for _ in range(config.samples)]
        scores, counts = [], []
        for e in examples:
            got, result = task.run_reference(e.input)
            scores.append(task.score(got, e))
            counts.append(result.steps)
        steps[n] = float(np.mean(counts))
        rows.append(_row(job, n, "hard", float(np.mean([s.exact for s in scores])),
                         float(np.mean([s.symbol_accuracy for s in scores])), 0.0, 0.0,
                         steps=steps[n]))
    return {"results": rows, "steps_by_length": steps,
            "training": {"seconds": 0.0, "sequences": 0}}


def _sequence(job: Job, config: CompareConfig, run_dir: Path, lengths: list[int]) -> dict:
    from analysis.evaluate import evaluate_sequence_model
    from analysis.runs import RunSpec, load_run, train_run
    from machines.training import CHECKPOINT, RECIPES, read_metrics

    spec = RunSpec(task=job.task, machine=job.machine, max_length=config.train_length,
                   compile=config.compile and job.machine == "ntm",
                   train={**RECIPES["collier-beel"], "steps": None, "time_budget": config.budget,
                          "seed": job.seed, "log_every": 20})
    resume = (run_dir / CHECKPOINT).is_file() and (run_dir / "config.json").is_file()
    state = train_run(spec, run_dir, resume=resume)
    _, task, model = load_run(run_dir)
    rows = []
    modes = [False, True] if job.machine == "ntm" else [False]
    for hard in modes:
        for r in evaluate_sequence_model(model, task, lengths, samples=config.samples,
                                         seed=1000 + job.seed, hard=hard):
            rows.append(_row(job, r.length, r.addressing, r.exact_match, r.symbol_accuracy,
                             r.read_entropy, r.write_entropy,
                             bits_per_sequence=r.bits_per_sequence))
    if job.machine == "ntm":
        import torch

        rng = np.random.default_rng(7)
        example = task.sample(lengths[0], rng)
        batch = task.encode([example], "sequence")
        with torch.no_grad():
            _, trace = model(batch.inputs, return_trace=True)
        np.savez_compressed(run_dir / "heatmap.npz", read=trace.heads["read0"][0],
                            write=trace.heads["write0"][0],
                            input_steps=len(example.input) + 1)
    metrics = read_metrics(run_dir)
    return {"results": rows,
            "training": {"seconds": state.seconds, "sequences": state.sequences,
                         "steps": state.step, "final_loss": state.last_loss,
                         "final_bits": state.last_bits, "skipped": state.skipped},
            "curve": metrics}


def _softtm(job: Job, config: CompareConfig, run_dir: Path, lengths: list[int]) -> dict:
    import torch

    from analysis.diagrams import same_machine
    from analysis.induce import InduceConfig, induce, training_examples
    from analysis.sharpness import mass_on_path, normalized_entropy
    from machines.classical import run, trace as classical_trace
    from machines.formats import dumps
    from machines.training import read_metrics

    task = get_task(job.task)
    icfg = InduceConfig.for_task(job.task, restarts=config.restarts, seed=job.seed)
    report = induce(icfg, run_dir / "programs")
    best = report.best_restart()
    machine = report.model.select(best)
    machine.eval()
    visits_batch = task.encode(training_examples(task, icfg, np.random.default_rng(icfg.seed)),
                               "tape", tape_length=icfg.tape_length, origin=0)
    visits = machine.visits(visits_batch.tape, icfg.steps, 0)
    program = machine.harden(0, visits=visits, name=f"{job.task}-hardened")
    (run_dir / "hardened.yaml").write_text(dumps(program, "yaml"), encoding="utf-8")
    rows, mass = [], {}
    for n in lengths:
        rng = np.random.default_rng([1000 + job.seed, n])
        examples = [task.sample(n, rng) for _ in range(config.samples)]
        batch = task.encode(examples, "tape")
        steps = int(batch.steps.max())
        with torch.no_grad():
            final, path = machine(batch.tape, steps, batch.origin, keep_path=True)
        heads = torch.stack([c.head[0] for c in path], 1).numpy()          # [B, T+1, L]
        cells = final.tape[0].argmax(-1)
        soft_scores = []
        for b, e in enumerate(examples):
            if task.output.kind == "state":
                got = task.output.verdicts.get(batch.states[int(final.state[0, b].argmax())], "")
            else:
                got = "".join(batch.alphabet[i] for i in cells[b].tolist()).strip(
                    batch.alphabet[0])
                if task.output.kind == "after":
                    got = got.rpartition(task.output.marker)[2]
            soft_scores.append(task.score(got, e))
        entropy = float(normalized_entropy(heads).mean())
        rows.append(_row(job, n, "soft", float(np.mean([s.exact for s in soft_scores])),
                         float(np.mean([s.symbol_accuracy for s in soft_scores])),
                         entropy, entropy))
        hard_scores = []
        for e in examples:
            result = run(program, e.input, max_steps=50 * steps + 1000)
            got = task.output.read(result) if result.halted else ""
            hard_scores.append(task.score(got, e))
        rows.append(_row(job, n, "hard", float(np.mean([s.exact for s in hard_scores])),
                         float(np.mean([s.symbol_accuracy for s in hard_scores])), 0.0, 0.0))
        positions = [c.head + batch.origin for c in classical_trace(task.reference,
                                                                     examples[0].input)]
        mass[n] = float(mass_on_path(heads[0], positions).mean())
        if n == lengths[0]:
            np.savez_compressed(run_dir / "heatmap.npz", head=heads[0],
                                classical=np.array(positions))
    return {"results": rows,
            "training": {"seconds": report.seconds, "sequences": icfg.examples * icfg.iterations
                         * icfg.restarts, "restarts": icfg.restarts,
                         "hard_train_exact": report.hard_train_exact,
                         "hard_exact_len100": report.hard_exact_len100},
            "induce": report.to_json(), "mass_on_classical_head": mass,
            "isomorphic_to_reference": same_machine(program, task.reference),
            "curve": read_metrics(run_dir / "programs" / "training")}


# ------------------------------------------------------------------------------ all jobs
def compare(config: CompareConfig, out: str | Path, *, force: bool = False,
            log: Callable[[str], None] = print) -> dict:
    """Run every job (resuming a previous compare in ``out``), then build the report."""
    from analysis.report import build_report

    config.check()
    out = Path(out)
    marker = out / COMPARE
    settings = {k: v for k, v in asdict(config).items() if k != "jobs"}
    if marker.is_file():
        previous = json.loads(marker.read_text(encoding="utf-8"))
        if previous.get("settings") != settings and not force:
            raise FileExistsError(f"{out} holds a compare with other settings: choose another "
                                  "--out, or --force to replace it")
        if force and previous.get("settings") != settings:
            import shutil

            shutil.rmtree(out)
    elif out.exists() and any(out.iterdir()) and not force:
        raise FileExistsError(f"{out} exists and is not a tapelab compare directory: choose "
                              "another --out, or --force")
    out.mkdir(parents=True, exist_ok=True)
    if not marker.is_file():
        marker.write_text(json.dumps({"settings": settings, "created": time.strftime(
            "%Y-%m-%dT%H:%M:%S%z")}, indent=1), encoding="utf-8")
    jobs, skipped = plan(config)
    for s in skipped:
        log(f"skip {s['machine']} on {s['task']}: {s['reason']}")
    started = time.perf_counter()
    if config.jobs == 1:
        for i, job in enumerate(jobs, 1):
            cached = (out / "runs" / job.name / EVALUATION).is_file()
            log(f"[{i}/{len(jobs)}] {job.name}" + (" (done before)" if cached else "") +
                ("" if cached or job.machine in ("classical", "softtm") else
                 f": training for {config.budget:g} s"))
            run_job(job, config, out)
    else:
        import multiprocessing

        threads = max(1, (os.cpu_count() or 1) // config.jobs)
        with ProcessPoolExecutor(config.jobs, mp_context=multiprocessing.get_context("spawn")) \
                as pool:
            futures = {pool.submit(run_job, job, config, out, threads): job for job in jobs}
            for i, f in enumerate(futures, 1):
                f.result()
                log(f"[{i}/{len(jobs)}] {futures[f].name} done")
    log(f"all runs done in {time.perf_counter() - started:.0f} s; writing the report")
    (out / "skipped.json").write_text(json.dumps(skipped, indent=1), encoding="utf-8")
    return build_report(out)
