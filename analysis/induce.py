"""Learning programs with the soft Turing machine (``tapelab induce``).

R restarts of a :class:`~machines.soft_tm.SoftTM` train as one tensor program on K examples of
a task's tape encoding, with the one training loop; each restart is hardened into a classical
program and verified by the classical interpreter on the training inputs and on held-out
random inputs of length 20 and 100. TerpreT's three Turing machine benchmarks (Gaunt et al.
2016) have its sizes as defaults.

Which few tapes the machine learns from decides whether its fits generalise at all:
:func:`sweep_example_sets` trains restarts on every candidate training set at once (one tensor
program, each restart on its own set's tapes) and counts, per set, the hardened programs that
are exact on held-out inputs; ``benchmarks/softtm_example_sets.py`` prints that search.
"""
from __future__ import annotations

import itertools
import json
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from machines.entropy import normalized_entropy
from machines.program import Program
from tasks.base import Task
from tasks.suite import get_task

METHODS = ("fmgd", "gumbel", "smt", "enumerate")
SYMBOLIC = ("smt", "enumerate")     # analysis/synthesis.py: no training, a search
EXAMPLE_CHOICES = ("teach", "random")
# TerpreT's Turing machine benchmarks: tape length 5, 5 examples, 6 or 9 steps.
TERPRET = {
    "invert": dict(states=2, tape_length=5, examples=5, steps=6),
    "prepend_zero": dict(states=4, tape_length=5, examples=5, steps=6),
    "binary_decrement": dict(states=4, tape_length=5, examples=5, steps=9),
}
# Sizes for two tasks of ours with a small machine. binary_increment's carry can lengthen the
# number by one cell to the left (111 -> 1000), and its reference machine ends one cell
# further left, so its input starts on cell 2 of the soft tape.
OURS = {
    "binary_increment": dict(states=3, tape_length=7, origin=2, examples=5, steps=10),
}
GENERIC = dict(states=4, tape_length=6, examples=5, steps=10)
# The best method and settings measured per task (benchmarks/softtm_induction.py).
BEST = {
    "invert": dict(method="fmgd", lr=0.1, iterations=600),
    "prepend_zero": dict(method="gumbel", lr=0.1, iterations=400, tau=(2.0, 0.5),
                         state_economy=1.0),
    # A fixed training set: the one that did best in a sweep over all 2,205 sets of
    # TerpreT's shape (benchmarks/softtm_example_sets.py); on the open tape edge.
    "binary_decrement": dict(method="gumbel", lr=0.1, iterations=1000, tau=(2.0, 0.5),
                             edge="open", inputs=("0010", "011", "10", "1", "1010")),
}
DEFAULT_METHOD = dict(method="gumbel", lr=0.1, iterations=2000, tau=(2.0, 0.5))


@dataclass
class InduceConfig:
    task: str
    states: int
    tape_length: int
    steps: int
    examples: int
    origin: int = 0                 # the soft tape's cell where the input starts (the head too)
    restarts: int = 100
    method: str = "gumbel"
    iterations: int = 2000
    lr: float = 0.1
    tau: tuple[float, float] = (2.0, 0.5)
    entropy_bonus: float = 0.0
    grad_noise: float = 0.0
    edge: str = "circular"
    state_economy: float = 0.0      # weight of the state-occupancy entropy (an Occam prior)
    examples_from: str = "teach"    # "teach": a covering choice; "random"
    inputs: tuple[str, ...] = ()    # fixed training inputs (then ``examples`` is their count)
    seed: int = 0
    held_out: int = 20              # held-out inputs at each of HELD_OUT_LENGTHS
    budget: float = 60.0            # smt, enumerate: seconds of search
    max_solutions: int = 1000       # smt, enumerate: stop after this many programs

    @classmethod
    def for_task(cls, task: str, **overrides) -> "InduceConfig":
        """The defaults for ``task``: TerpreT's sizes where it has them, the best measured
        method; ``overrides`` (None values ignored) win."""
        base = {**GENERIC, **TERPRET.get(task, {}), **OURS.get(task, {}),
                **BEST.get(task, DEFAULT_METHOD)}
        method = overrides.get("method")
        if method and method != base["method"]:          # the other method's own defaults
            base.update(dict(DEFAULT_METHOD, method=method) if method == "gumbel"
                        else dict(method="fmgd", lr=0.1, iterations=2000))
        if overrides.get("examples") is not None or overrides.get("examples_from") is not None:
            base.pop("inputs", None)       # the caller asks for drawn examples
        base.update({k: v for k, v in overrides.items() if v is not None})
        if base.get("inputs"):
            base["inputs"] = tuple(base["inputs"])
            base["examples"] = len(base["inputs"])
        return cls(task=task, **base)


# The held-out check of every hardened program: inputs of these lengths, far beyond the
# training tapes (at most tape_length - 1 cells), so that exact means general. The report's
# fields are named after them (hard_exact_len20, hard_exact_len100).
HELD_OUT_LENGTHS = (20, 100)
# Step budgets of the classical checks. On the training inputs a hardened program gets 100
# times the soft unroll (a program that needs more is not what the soft machine learned). On
# held-out inputs it gets 20 times the reference machine's longest run plus 1000 steps: room
# for a correct program that is slower than the reference (an extra pass per cell, say), while
# one that loops stops soon enough.
TRAIN_STEP_FACTOR = 100
HELD_OUT_STEP_FACTOR, HELD_OUT_STEP_MARGIN = 20, 1000


@dataclass
class RestartResult:
    restart: int
    soft_train_exact: bool
    hard_train_exact: bool
    hard_exact_len20: bool
    hard_exact_len100: bool
    head_entropy: float
    table_entropy: float = 0.0     # mean normalized entropy of the working states' table rows
    program: str = ""              # YAML of the hardened program (if it is exact on training)
    hardened: Program | None = field(default=None, repr=False)   # the hardened program


@dataclass
class InduceReport:
    task: str
    method: str
    restarts: int
    soft_train_exact: int
    hard_train_exact: int
    hard_exact_len20: int
    hard_exact_len100: int
    seconds: float
    head_entropy_success: float | None
    head_entropy_failure: float | None
    table_entropy_success: float | None = None
    table_entropy_failure: float | None = None
    config: dict = field(default_factory=dict)
    programs: list[str] = field(default_factory=list)      # files written
    details: list[RestartResult] = field(default_factory=list)
    model: object = field(default=None, repr=False)        # the trained SoftTM (all restarts)
    examples: list = field(default_factory=list, repr=False)   # the training examples
    # smt, enumerate: time to the first program, tables tried (or solver calls), whether the
    # search ended (then ``restarts`` is every program consistent with the examples), and
    # the distinct programs up to state renaming, all and general (exact at length 100)
    first_seconds: float | None = None
    search: dict = field(default_factory=dict)

    def best_restart(self) -> int:
        """A restart whose hardened program is exact on training and generalises furthest,
        the sharpest head breaking ties; restart 0 when none succeeded."""
        ranked = sorted(self.details, key=lambda d: (not d.hard_train_exact,
                                                     not d.hard_exact_len100,
                                                     not d.hard_exact_len20, d.head_entropy))
        return ranked[0].restart if ranked else 0

    def to_json(self) -> dict:
        keys = ("task", "method", "restarts", "soft_train_exact", "hard_train_exact",
                "hard_exact_len20", "hard_exact_len100", "seconds", "head_entropy_success",
                "head_entropy_failure", "table_entropy_success", "table_entropy_failure",
                "first_seconds", "search")
        return {**{k: getattr(self, k) for k in keys}, "programs": self.programs}


def training_examples(task: Task, config: InduceConfig, rng: np.random.Generator):
    """K distinct examples (where the lengths allow), longest first: lengths cycle down from
    L-1-origin (a blank cell stays free) to the task's minimum; or ``config.inputs`` where given.

    ``config.examples_from == "random"`` draws each at random. ``"teach"`` (machine teaching:
    the teacher knows the rule) draws 100 candidates of the length and keeps the one that adds
    the most n-grams not yet covered, fewest-n first (n <= 3), of the reference machine's run
    (its sequence of (state, symbol read), with start and end marks) and of the input string
    (with its ends): five short tapes then show each rule in as many contexts as they can.
    """
    if config.inputs:
        return [_given(task, text) for text in config.inputs]
    lengths = _lengths(task, config)
    out: list = []
    covered: set = set()
    for n in lengths:
        pool: list = []
        for _ in range(100 if config.examples_from == "teach" else 20):
            e = task.sample(n, rng)
            if e not in out and e not in pool:
                pool.append(e)
                if config.examples_from == "random":
                    break
        pool = pool or [task.sample(n, rng)]
        if config.examples_from == "teach":
            gains = [_ngrams(task, e.input) - covered for e in pool]
            best = max(range(len(pool)), key=lambda i: [sum(1 for g in gains[i] if g[0] == k)
                                                        for k in (1, 2, 3)])
            covered |= gains[best]
            pool = [pool[best]]
        out.append(pool[0])
    return out


def _lengths(task: Task, config: InduceConfig) -> list[int]:
    top = max(task.min_length, config.tape_length - 1 - config.origin)
    return [top - i % (top - task.min_length + 1) for i in range(config.examples)]


def _given(task: Task, text: str):
    """The example for a training input the caller chose, checked against the task."""
    from tasks.base import Example

    alien = sorted(set(text) - set(task.alphabet))
    if alien or len(text) < task.min_length:
        why = f"symbols {alien} outside {task.alphabet}" if alien else \
            f"shorter than {task.min_length}"
        raise ValueError(f"training input {text!r} is not a {task.name} input: {why}")
    expected = task.solve(text)
    produced, _ = task.run_reference(text, max_steps=100_000)
    if produced != expected:
        raise ValueError(f"training input {text!r} is not a {task.name} input: the reference "
                         f"program gives {produced!r} where the task expects {expected!r}")
    return Example(text, expected)


def _ngrams(task: Task, text: str, top: int = 3) -> set:
    """The n-grams (n <= ``top``) of the reference run and of the input, tagged with n."""
    from machines.classical import trace

    run = ["^"] + [(c.state, c.tape[c.head]) for c in trace(task.reference, text)] + ["$"]
    marked = "^" + text + "$"
    return {(n, kind, tuple(seq[i:i + n]))
            for kind, seq in (("run", run), ("input", marked))
            for n in range(1, top + 1) for i in range(len(seq) - n + 1)}


class StateNames(NamedTuple):
    """The induced machine's state names, working states first, and which of them halt."""
    names: tuple[str, ...]
    halting: tuple[bool, ...]


def _state_names(task: Task, config: InduceConfig) -> StateNames:
    halts = list(task.output.verdicts) if task.output.kind == "state" else ["halt"]
    working = config.states - len(halts)
    if working < 1:
        raise ValueError(f"--states {config.states} leaves no working state (task {task.name} "
                         f"needs {len(halts)} halting states)")
    names = tuple(f"q{i}" for i in range(working)) + tuple(halts)
    return StateNames(names, (False,) * working + (True,) * len(halts))


def _entropy(heads: np.ndarray) -> float:
    """The median normalized entropy of a restart's head distributions."""
    return float(np.median(normalized_entropy(heads)))


def _table_entropy(model) -> np.ndarray:
    """Per restart: the mean normalized entropy of the next-state, write and move rows of
    the working states [R]."""
    import torch

    work = ~model.halting
    parts = []
    for p in model.tables():
        h = normalized_entropy(p)                                              # [R, Q, S]
        parts.append(h[:, work].mean((1, 2)))
    return torch.stack(parts).mean(0).cpu().numpy()


INDUCE_RECORD = "induce.json"     # what makes a folder one of induce's own


def induce_kind(path: Path) -> str | None:
    """``"the programs of an induce of TASK"`` if ``path`` holds induce's own record."""
    try:
        record = json.loads((Path(path) / INDUCE_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("kind") != "tapelab-induce":
        return None
    return f"the programs of an induce of {record.get('task', '?')}"


def check_config(config: InduceConfig) -> Task:
    """The task of ``config``, once the method is known and the training fits in memory."""
    from machines.files import check_memory
    from machines.soft_tm import training_memory

    task = _checked(config)
    _state_names(task, config)
    for text in config.inputs:
        _given(task, text)
    check_memory(training_memory(restarts=config.restarts, examples=config.examples,
                                 steps=config.steps, tape_length=config.tape_length,
                                 states=config.states, symbols=len(task.alphabet) + 1),
                 "--restarts, --tape-length, --steps or --examples")
    return task


def _checked(config: InduceConfig) -> Task:
    if config.method not in METHODS:
        raise ValueError(f"unknown method {config.method!r}; choose one of {', '.join(METHODS)}")
    if config.examples_from not in EXAMPLE_CHOICES:
        raise ValueError(f"unknown example choice {config.examples_from!r}; choose one of "
                         f"{', '.join(EXAMPLE_CHOICES)}")
    return get_task(config.task)


def _tape_batch(task: Task, examples: list, config: InduceConfig):
    """The examples on the soft tape, every one unrolled for ``config.steps`` steps."""
    import torch

    if not 0 <= config.origin < config.tape_length:
        raise ValueError(f"--origin {config.origin} is not a cell of a tape of "
                         f"{config.tape_length} cells (0 to {config.tape_length - 1})")
    batch = task.encode(examples, "tape", tape_length=config.tape_length, origin=config.origin)
    if not bool(batch.inside.all()):
        raise ValueError(f"the reference program of {task.name} leaves a tape of "
                         f"{config.tape_length} cells with the input from cell {config.origin} "
                         "on these examples: give a larger --tape-length or --origin")
    if int(batch.steps.max()) > config.steps:
        raise ValueError(f"the reference program needs {int(batch.steps.max())} steps on these "
                         f"examples: give --steps of at least that")
    batch.steps = torch.full_like(batch.steps, config.steps)
    return batch


def _trained(task: Task, batch, config: InduceConfig, restarts: int, run_dir: Path | None,
             progress: Callable | None, device: str = "cpu"):
    """A :class:`SoftTM` of ``restarts`` restarts trained on ``batch`` by the one training
    loop, back on the CPU in evaluation mode."""
    import torch

    from machines.soft_tm import SoftTM, SoftTMTraining
    from machines.training import TrainConfig, train

    names, halting = _state_names(task, config)
    torch.manual_seed(config.seed)
    model = SoftTM(names, batch.alphabet, halting, restarts=restarts, edge=config.edge,
                   settings=SoftTMTraining(config.tau if config.method == "gumbel" else None,
                                           config.entropy_bonus, config.state_economy))
    train_config = TrainConfig(steps=config.iterations, optimizer="adam", lr=config.lr,
                               clip_norm=None, batch_size=config.examples, seed=config.seed,
                               log_every=max(1, config.iterations // 20),
                               checkpoint_every=10**9, grad_noise=config.grad_noise,
                               device=device)
    with tempfile.TemporaryDirectory() as scratch:
        train(model, lambda step: batch, train_config, run_dir or Path(scratch),
              progress=progress)
    model.cpu().eval()
    model.tau = None
    return model


def induce(config: InduceConfig, out: str | Path | None = None, *, force: bool = False,
           progress: Callable | None = None) -> InduceReport:
    """Train ``config.restarts`` soft TMs, harden and verify each; write every distinct
    successful program to ``out`` as YAML, beside ``induce.json`` (its record). For the
    symbolic methods (``smt``, ``enumerate``) the programs are those the search finds, each
    checked the same way (``restarts`` in the report: how many were found).

    Everything is checked before ``out`` is touched. A non-empty ``out`` is replaced only
    with ``force`` and only if it holds an earlier induce's record
    (:func:`machines.files.prepare_dir`), so no stale program is left beside the new ones;
    while it runs, no other tapelab process may fill ``out`` (:func:`machines.files.claim`).
    """
    from machines.files import claim

    if out is None:
        return _induce(config, None, force=force, progress=progress)
    with claim(Path(out), ours=induce_kind):
        return _induce(config, out, force=force, progress=progress)


def _induce(config: InduceConfig, out: str | Path | None, *, force: bool,
            progress: Callable | None) -> InduceReport:
    import torch

    from machines.files import prepare_dir

    task = check_config(config)
    started = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    examples = training_examples(task, config, rng)
    batch = _tape_batch(task, examples, config)
    if out is not None:
        prepare_dir(Path(out), force=force, what="induce", record=INDUCE_RECORD,
                    kind_of=induce_kind)
        _write_record(Path(out), {"task": task.name, "status": "running",
                                  "config": asdict(config)})
    if config.method in SYMBOLIC:
        return _searched(task, batch, examples, config, out, rng, started)
    model = _trained(task, batch, config, config.restarts,
                     Path(out) / "training" if out else None, progress)
    with torch.no_grad():
        final, _ = model(batch.tape, config.steps, batch.origin)
        _, wrong = model.outcome_loss(final, batch)
        visits = model.visits(batch.tape, config.steps, batch.origin)
        _, path = model(batch.tape, config.steps, batch.origin, keep_path=True)
        table_h = _table_entropy(model)
    head_path = torch.stack([c.head for c in path], dim=2).cpu().numpy()   # [R, B, T+1, L]
    programs = [model.harden(r, visits=visits, name=f"{task.name}-induced")
                for r in range(config.restarts)]
    details = _checked_programs(task, programs, examples, config, rng,
                                soft_exact=[bool(wrong[r] == 0) for r in range(config.restarts)],
                                heads=[_entropy(head_path[r]) for r in range(config.restarts)],
                                tables=[float(table_h[r]) for r in range(config.restarts)])
    return _report(task, config, details, examples, out, started, model)


def _checked_programs(task: Task, programs: list, examples: list, config: InduceConfig,
                      rng: np.random.Generator, *, soft_exact: list[bool],
                      heads: list[float], tables: list[float]) -> list[RestartResult]:
    """Every program checked classically, as every method's are: on the training inputs and
    on ``config.held_out`` fresh inputs of each of ``HELD_OUT_LENGTHS``."""
    from machines.formats import dumps

    held = {n: [task.sample(n, rng) for _ in range(config.held_out)] for n in HELD_OUT_LENGTHS}
    limit = {n: HELD_OUT_STEP_FACTOR * max(task.run_reference(e.input).run.steps
                                           for e in held[n]) + HELD_OUT_STEP_MARGIN
             for n in held}
    details = []
    for r, program in enumerate(programs):
        hard_train = all(_solves(task, program, e, TRAIN_STEP_FACTOR * config.steps)
                         for e in examples)
        ok = {n: hard_train and all(_solves(task, program, e, limit[n]) for e in held[n])
              for n in held}
        text = dumps(program, "yaml") if hard_train else ""
        short, long_ = HELD_OUT_LENGTHS
        details.append(RestartResult(r, soft_exact[r], hard_train, ok[short], ok[long_],
                                     heads[r], tables[r], text, program))
    return details


def _report(task: Task, config: InduceConfig, details: list[RestartResult], examples: list,
            out, started: float, model=None, **extra) -> InduceReport:
    """The report of checked programs; each distinct successful one written to ``out``."""
    from machines.files import write_atomic

    seen, written = set(), []
    for d in details:
        if d.hard_train_exact and out is not None:
            key = d.program.split("\n", 1)[1]
            if key not in seen:
                path_ = Path(out) / f"{task.name}-{len(seen) + 1}.yaml"
                write_atomic(path_, lambda tmp, text=d.program: tmp.write_text(
                    text, encoding="utf-8"))
                seen.add(key)
                written.append(str(path_))

    def median(key: str, success: bool) -> float | None:
        xs = [getattr(d, key) for d in details if d.hard_train_exact == success]
        return float(np.median(xs)) if xs else None
    report = InduceReport(
        task.name, config.method, len(details),
        sum(d.soft_train_exact for d in details), sum(d.hard_train_exact for d in details),
        sum(d.hard_exact_len20 for d in details), sum(d.hard_exact_len100 for d in details),
        round(time.perf_counter() - started, 2),
        median("head_entropy", True), median("head_entropy", False),
        median("table_entropy", True), median("table_entropy", False),
        asdict(config), written, details, model, examples, **extra)
    if out is not None:
        _write_record(Path(out), {"task": task.name, "status": "finished",
                                  "config": asdict(config), "summary": report.to_json()})
    return report


def _searched(task: Task, batch, examples: list, config: InduceConfig, out,
              rng: np.random.Generator, started: float) -> InduceReport:
    """``config.method`` smt or enumerate (:mod:`analysis.synthesis`): every program found
    checked like the soft TM's hardened ones."""
    from analysis import synthesis

    names, halting = _state_names(task, config)
    problem = synthesis.problem_of(batch, names, halting, config.steps, config.edge)
    search = synthesis.smt if config.method == "smt" else synthesis.enumerate_tables
    found = search(problem, budget=config.budget, max_solutions=config.max_solutions)
    programs = [synthesis.hardened(problem, sol, batch, f"{task.name}-induced")
                for sol in found.solutions]
    n = len(programs)
    details = _checked_programs(task, programs, examples, config, rng, soft_exact=[True] * n,
                                heads=[0.0] * n, tables=[0.0] * n)
    shapes = {}
    for sol, d in zip(found.solutions, details):
        shapes.setdefault(synthesis.canonical(sol, problem.working), d.hard_exact_len100)
    info = {"tried": found.tried, "complete": found.complete, "distinct": len(shapes),
            "general": sum(shapes.values())}
    return _report(task, config, details, examples, out, started,
                   first_seconds=found.first_seconds, search=info)


COMPARISON_HEAD = ["method", "programs found", "exact at 20", "exact at 100",
                   "first (s)", "total (s)", "consistent programs (general)"]


class ComparisonTable(NamedTuple):
    head: list[str]
    rows: list[list[str]]


def comparison_rows(reports: list[InduceReport]) -> ComparisonTable:
    """One row per method: programs exact on the training inputs (of restarts tried, for the
    gradient methods), the share of them exact at lengths 20 and 100, seconds to the first
    (the gradient methods train every restart at once: their total) and in all, and for the
    searches the distinct programs consistent with the examples up to state renaming, with
    how many are general ("at least" where the search did not end)."""
    rows = []
    for r in reports:
        found = r.hard_train_exact
        share = (lambda k: f"{k / found:.0%}" if found else "-")
        first = r.first_seconds if r.search else (r.seconds if found else None)
        count = "" if not r.search else \
            f"{'' if r.search['complete'] else '>= '}{r.search['distinct']} " \
            f"({r.search['general']})"
        rows.append([r.method, f"{found}" + ("" if r.search else f" of {r.restarts}"),
                     share(r.hard_exact_len20), share(r.hard_exact_len100),
                     "-" if first is None else f"{first:.2f}", f"{r.seconds:.2f}", count])
    return ComparisonTable(COMPARISON_HEAD, rows)


def comparison_lines(reports: list[InduceReport]) -> list[str]:
    """:func:`comparison_rows` as aligned text lines (the CLI and the benchmark print them)."""
    head, rows = comparison_rows(reports)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    return ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
            for row in [head] + rows]


def _write_record(out: Path, record: dict) -> None:
    from machines.files import write_atomic

    text = json.dumps({"kind": "tapelab-induce", **record}, indent=1)
    write_atomic(out / INDUCE_RECORD, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _solves(task: Task, program, example, max_steps: int) -> bool:
    from machines.classical import run

    result = run(program, example.input, max_steps=max_steps)
    return result.halted and task.output.read(result) == example.output


# ---------------------------------------------------------------------- choosing the examples
@dataclass
class SetResult:
    """How one candidate training set fared in :func:`sweep_example_sets` (restart counts)."""

    inputs: tuple[str, ...]
    restarts: int
    soft_train_exact: int
    hard_train_exact: int
    general: int              # hardened, exact on training and on every held-out input

    @property
    def share(self) -> float:
        """The share of the training successes that generalise (0 when there are none)."""
        return self.general / self.hard_train_exact if self.hard_train_exact else 0.0


def valid_inputs(task: Task, length: int) -> list[str]:
    """Every input of ``length`` over the task's alphabet that the task defines (its reference
    program gives the expected output), in lexicographic order."""
    out = []
    for letters in itertools.product(task.alphabet, repeat=length):
        try:
            _given(task, "".join(letters))
        except (ValueError, ArithmeticError):
            continue
        out.append("".join(letters))
    return out


def candidate_sets(task: Task, config: InduceConfig) -> list[tuple[str, ...]]:
    """Every training set of the shape :func:`training_examples` draws (its lengths, distinct
    inputs), for a small alphabet: the search space of :func:`sweep_example_sets`."""
    lengths = _lengths(task, config)
    pools = {n: valid_inputs(task, n) for n in set(lengths)}
    per_length = [itertools.combinations(pools[n], lengths.count(n))
                  for n in dict.fromkeys(lengths)]
    sets = []
    for choice in itertools.product(*per_length):
        by_length = {n: list(c) for n, c in zip(dict.fromkeys(lengths), choice)}
        sets.append(tuple(by_length[n].pop(0) for n in lengths))
    return sets


def sweep_example_sets(config: InduceConfig, sets: list[tuple[str, ...]], *,
                       device: str = "cpu", held_lengths: tuple[int, ...] = (5, 6, 7, 8, 20),
                       held_out: int = 8, progress: Callable | None = None) -> list[SetResult]:
    """Machine teaching by search: ``config.restarts`` restarts on every candidate training
    set, all sets trained as one tensor program (sets x restarts on the leading dimension, each
    restart on its own set's tapes), each restart hardened and checked by the classical
    interpreter on its own set and on ``held_out`` inputs at each of ``held_lengths``.

    The held-out inputs come from their own random stream (not the one :func:`induce` draws its
    length-20 and length-100 checks from), so a set chosen here is still tested on fresh inputs.
    """
    import torch

    task = _checked(config)
    if not sets or len({len(s) for s in sets}) != 1:
        raise ValueError("the candidate sets must be non-empty and of one size")
    example_sets = [[_given(task, x) for x in s] for s in sets]    # each checked once
    batches = [_tape_batch(task, examples, config) for examples in example_sets]
    per, first = config.restarts, batches[0]

    def stack(key):
        return torch.stack([getattr(b, key) for b in batches]).repeat_interleave(per, 0)
    batch = replace(first, **{k: stack(k) for k in ("tape", "target_tape", "target_state",
                                                   "target_head", "verdict")})
    model = _trained(task, batch, replace(config, examples=len(sets[0])), per * len(sets),
                     None, progress, device)
    batch = batch.to("cpu")
    with torch.no_grad():
        final, _ = model(batch.tape, config.steps, batch.origin)
        _, wrong = model.outcome_loss(final, batch)
        visits = model.visits(batch.tape, config.steps, batch.origin)
    rng = np.random.default_rng([config.seed, 1])
    held = [task.sample(n, rng) for n in held_lengths for _ in range(held_out)]
    limit = HELD_OUT_STEP_FACTOR * max(task.run_reference(e.input).run.steps
                                       for e in held) + HELD_OUT_STEP_MARGIN
    general: dict[str, bool] = {}
    results = []
    for g, (inputs, examples) in enumerate(zip(sets, example_sets)):
        soft = hard = good = 0
        for r in range(g * per, (g + 1) * per):
            if wrong[r] != 0:
                continue
            soft += 1
            program = model.harden(r, visits=visits)
            if not all(_solves(task, program, e, TRAIN_STEP_FACTOR * config.steps)
                       for e in examples):
                continue
            hard += 1
            key = repr(sorted(program.rules.items()))
            if key not in general:
                general[key] = all(_solves(task, program, e, limit) for e in held)
            good += general[key]
        results.append(SetResult(tuple(inputs), per, soft, hard, good))
    return results
