"""Running a grid of compare jobs on a backend: a local process pool, or Ray.

``local`` (the default) needs no server: one job at a time in this process, or ``jobs``
processes of a pool. ``ray`` hands each job to a Ray task (Ray core; an optional extra,
``pip install -e '.[ray]'``), on a local Ray instance started for the sweep or on a cluster
joined with ``address`` (``HOST:PORT`` or ``auto``, as ``ray start --head`` prints).

The same rules hold on both:

* a job is finished when its ``evaluation.json`` exists in ``OUT/runs/NAME``; finished jobs are
  never run again, so an interrupted or partly failed sweep resumes with the same command;
* a job that raises is retried up to ``retries`` times, then recorded as failed
  (``OUT/runs/NAME/failed.json``, with its traceback) and the sweep goes on; failures are
  listed at the end and in the report, and the next run of the sweep tries them again;
* on Ray, a job runs in a scratch folder on whichever node takes it and sends its run
  directory's files back in its result; the driver writes them into ``OUT`` (the evaluation
  last). The cluster needs no shared filesystem. A job Ray did not finish starts again from
  scratch (its partial checkpoint stays on the node that ran it).

If the sweep's own process dies (``kill``, a scheduler's SIGTERM, even SIGKILL), the kernel
sends the local pool's workers SIGTERM (Linux), and each running job saves its checkpoint and
stops as on Ctrl-C, instead of training on unseen and writing into a folder that a resumed
sweep would use too; then the worker process ends, rather than wait for work that no one will
send (``_attempt``).

Torch uses as many threads per job as the job has CPUs (``cpus_per_job``; for the local pool,
the machine's cores shared between the ``jobs`` processes).
"""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

from analysis.layout import (EVALUATING, EVALUATION, FAILED, evaluation_line,
                             run_dir as run_path, write_json)
from machines.display import counted
from machines.files import LOCK

BACKENDS = ("local", "ray")
RAY_HINT = "the ray backend needs Ray: pip install -e '.[ray]' (or pip install ray)"


@dataclass(frozen=True)
class SweepOptions:
    """How jobs run (none of it changes a result, so none of it is in compare.json)."""

    backend: str = "local"
    jobs: int = 1                    # local: processes at once (1: in this process)
    address: str | None = None       # ray: a cluster to join (None: start a local instance)
    cpus_per_job: float = 1.0        # ray: CPUs each job asks for (torch threads follow)
    gpus_per_job: float = 0.0        # ray: GPUs each job asks for (fractions share one)
    retries: int = 1                 # further tries of a job that raised
    ray_cpus: int | None = None      # ray: CPUs of a local instance (None: all of them)
    heartbeat: float = 10.0          # local: seconds between training-status lines


@dataclass
class Outcome:
    """How one job of a sweep ended: ``done`` now, ``cached`` (done before) or ``failed``."""

    name: str
    status: str
    attempts: int = 0
    seconds: float = 0.0
    error: str = ""


@dataclass
class Progress:
    """Counts for the progress line: done (this sweep), cached, running, failed, total."""

    total: int
    cached: int = 0
    done: int = 0
    failed: int = 0
    running: int = 0
    started: float = field(default_factory=time.perf_counter)
    durations: dict[str, list[float]] = field(default_factory=dict)    # kind -> seconds

    expected: dict[str, float | None] = field(default_factory=dict)   # job -> seconds
    kinds: dict[str, str] = field(default_factory=dict)               # job -> its kind
    left: set[str] = field(default_factory=set)                         # jobs not finished

    def line(self, parallel: float) -> str:
        """``jobs: 3/16 done (1 before), 2 running, 0 failed, ETA 2:10``. The ETA adds the
        expected seconds of the jobs left (their training budget, or else the mean of the jobs
        of their kind done so far), spread over ``parallel`` workers; no ETA while a job left
        has neither."""
        mean = {kind: sum(d) / len(d) for kind, d in self.durations.items()}
        guesses = [self.expected.get(name) or mean.get(self.kinds.get(name, ""))
                   for name in self.left]
        eta = ""
        if self.left and all(g is not None for g in guesses):
            seconds = sum(guesses) / max(parallel, 1.0)
            eta = f", ETA {int(seconds) // 60}:{int(seconds) % 60:02d}"
        return (f"jobs: {self.done + self.cached}/{self.total} done ({self.cached} before), "
                f"{self.running} running, {self.failed} failed{eta}")


class Attempt(NamedTuple):
    """How one try of a job went (a worker sends it back)."""

    ok: bool
    error: str          # the traceback ("" when it succeeded)
    seconds: float


class JobStatus(NamedTuple):
    """What one running job is doing, for a status line."""

    kind: str       # "training" | "evaluating"
    text: str       # "copy-ntm-s0 63 s left, loss 12.3"


def job_status(out: Path, name: str, budget: float | None) -> JobStatus | None:
    """Where job ``name`` of ``out`` stands, from what it logs: its evaluation file while it
    evaluates, else its training metrics (``budget``: its seconds of training, None for a
    step budget); None while it has logged nothing."""
    from machines.training import read_metrics

    run = run_path(out, name)
    line = evaluation_line(run)
    if line is not None:
        return JobStatus("evaluating", f"{name} {line}")
    rows = read_metrics(run)
    if not rows:
        return None
    last = rows[-1]
    where = (f"{max(0.0, budget - last['seconds']):.0f} s left" if budget
             else _steps_left(run, last))
    return JobStatus("training", f"{name} {where}, loss {last['loss']:.3g}")


def status_line(statuses: list[JobStatus]) -> str | None:
    """``training: copy-ntm-s0 63 s left, loss 12.3; evaluating: copy-lstm-s0 hard, length
    80 (3 of 4 lengths)`` (None for no status)."""
    parts = []
    for kind in ("training", "evaluating"):
        texts = [st.text for st in statuses if st.kind == kind]
        if texts:
            parts.append(f"{kind}: " + "; ".join(texts))
    return "; ".join(parts) or None


def training_status(out: Path, names, expected: dict[str, float | None]) -> str | None:
    """The status line of the running jobs ``names`` of ``out`` (:func:`status_line`)."""
    return status_line([st for st in (job_status(out, name, expected.get(name))
                                      for name in names) if st is not None])


def _steps_left(run: Path, last: dict) -> str:
    """``step 300 of 1600, about 140 s left`` for a run with a step budget (the seconds from
    its own pace so far; "at least" while a curriculum's longer steps are to come);
    ``step 300`` where its config.json gives no budget."""
    from analysis.runs import read_spec, still_growing

    try:
        spec = read_spec(run)
        total = spec.train.get("steps")
    except (OSError, ValueError):
        total = None
    if not total or not last["step"]:
        return f"step {last['step']}"
    seconds = last["seconds"] / last["step"] * max(0, total - last["step"])
    bound = "at least" if still_growing(spec.curriculum, last["step"]) else "about"
    return f"step {last['step']} of {total}, {bound} {seconds:.0f} s left"


def finished(out: Path, name: str) -> bool:
    return (run_path(out, name) / EVALUATION).is_file()


def injected_fault(name: str) -> None:
    """The sweep's test hook: ``TAPELAB_FAULT=NAME[,NAME...]`` makes those jobs raise, and
    ``NAME:die`` makes the job's process end abruptly, as the system's out-of-memory killer
    ends it, so that retries and failure records can be checked with real workers."""
    faults = os.environ.get("TAPELAB_FAULT", "").split(",")
    if f"{name}:die" in faults:
        os._exit(137)
    if name in faults:
        raise RuntimeError(f"injected fault in {name} (TAPELAB_FAULT)")


DIED = ("its worker process died without a word (killed by the system: out of memory?); "
        "a job that ran beside it was tried again too\n")


def run_sweep(jobs: list, run_job: Callable, config, out: Path, options: SweepOptions, *,
              log: Callable[[str], None] = print,
              expected: Callable[[object], float | None] = lambda job: None,
              kind: Callable[[object], str] = lambda job: "") -> list[Outcome]:
    """Run ``run_job(job, config, out, threads)`` for every unfinished job on the backend of
    ``options``; returns one :class:`Outcome` per job, in the order of ``jobs``.
    ``expected(job)`` is a job's expected seconds, where known, and ``kind(job)`` the jobs whose
    mean duration guesses it where not (for the ETA)."""
    if options.backend not in BACKENDS:
        raise ValueError(f"unknown backend {options.backend!r}; choose one of "
                         f"{', '.join(BACKENDS)}")
    progress = Progress(len(jobs))
    outcomes: dict[str, Outcome] = {}
    todo = []
    for job in jobs:
        if finished(out, job.name):
            outcomes[job.name] = Outcome(job.name, "cached")
            progress.cached += 1
        else:
            todo.append(job)
            progress.left.add(job.name)
            progress.expected[job.name] = expected(job)
            progress.kinds[job.name] = kind(job)
    log(f"{counted(len(jobs), 'job')}, {progress.cached} done before, {len(todo)} to run "
        f"({options.backend})")
    if options.backend == "ray":
        _run_ray(todo, run_job, config, out, options, progress, outcomes, log)
    else:
        _run_local(todo, run_job, config, out, options, progress, outcomes, log)
    failed = [o for o in outcomes.values() if o.status == "failed"]
    if failed:
        log(f"{counted(len(failed), 'job')} failed: " + ", ".join(o.name for o in failed)
            + " (tracebacks in their failed.json; run the same command to try them again)")
    return [outcomes[job.name] for job in jobs]


def _record(out: Path, outcome: Outcome, progress: Progress, outcomes: dict,
            log: Callable[[str], None], parallel: float) -> None:
    """Book a finished attempt: a success, or a failure past its retries (failed.json)."""
    outcomes[outcome.name] = outcome
    progress.left.discard(outcome.name)
    failed_file = run_path(out, outcome.name) / FAILED
    if outcome.status == "failed":
        progress.failed += 1
        write_json(failed_file, {"job": outcome.name, "attempts": outcome.attempts,
                                 "error": outcome.error})
        log(f"FAILED {outcome.name} after {outcome.attempts} attempt(s): "
            f"{outcome.error.strip().splitlines()[-1]}")
    else:
        progress.done += 1
        progress.durations.setdefault(progress.kinds.get(outcome.name, ""), []).append(
            outcome.seconds)
        failed_file.unlink(missing_ok=True)
        log(f"{outcome.name} done in {outcome.seconds:.0f} s")
    log(progress.line(parallel))


# ------------------------------------------------------------------------------ local
def _attempt(run_job: Callable, job, config, out: Path, threads: int | None,
             parent: int | None = None) -> Attempt:
    """One try of a job. Runs in the worker; ``parent`` is
    the sweep's process when that is a local pool's worker.

    In a pool worker, SIGTERM (from :func:`stop_with_parent` once the sweep's process dies,
    or from a ``kill``) stops the job as Ctrl-C does, and the job saves its checkpoint. Then,
    or once the sweep's process has died, no one will read the result, and the pool would
    keep this worker waiting for work that never comes: the worker ends, whatever the job
    did, and a job that raised leaves its traceback on stderr."""
    started = time.perf_counter()
    try:
        if parent is not None:
            signal.signal(signal.SIGTERM, _stop_as_on_ctrl_c)
        injected_fault(job.name)
        run_job(job, config, out, threads)
        outcome = Attempt(True, "", time.perf_counter() - started)
    except Exception:       # the sweep goes on: the traceback is the job's record
        outcome = Attempt(False, traceback.format_exc(), time.perf_counter() - started)
    except KeyboardInterrupt:
        if parent is not None and (_told_to_stop() or _orphaned(parent)):
            os._exit(130)
        if parent is not None:
            signal.signal(signal.SIGTERM, _end_now)
        raise
    if parent is not None:
        if _told_to_stop() or _orphaned(parent):
            sys.stderr.write(f"{job.name}, stopped:\n{outcome.error}" if outcome.error else "")
            sys.stderr.flush()
            os._exit(130)
        signal.signal(signal.SIGTERM, _end_now)
    return outcome


def _orphaned(parent: int | None) -> bool:
    """Whether this is a pool worker whose sweep process, ``parent``, has died."""
    return parent is not None and os.getppid() != parent


@contextlib.contextmanager
def _heartbeat(out: Path, name: str, budget: float | None,
               send: Callable[[JobStatus], object], every: float):
    """While the body runs (job ``name`` in this process, in ``out``), send its status
    (:func:`job_status`) every ``every`` seconds from a helper thread."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            status = job_status(out, name, budget)
            if status is not None:
                send(status)
    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


PR_SET_PDEATHSIG = 1        # prctl(2): the signal a process gets when its parent dies


def _end_now(signum, frame) -> None:
    """A pool worker's SIGTERM between jobs: nothing to save, so it ends at once, quietly."""
    os._exit(130)


def _stop_as_on_ctrl_c(signum, frame) -> None:
    """A pool worker's SIGTERM during a job: the job stops as on Ctrl-C (its checkpoint is
    saved), and the worker ends after it (:func:`_attempt`). Later SIGTERMs are ignored, so
    that none interrupts that save: the kernel can send two, one when the thread of the
    sweep that started the worker dies, while ``getppid()`` still names the sweep's process,
    and one when the whole process has died (prctl(2), ``PR_SET_PDEATHSIG``)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def _told_to_stop() -> bool:
    """Whether this pool worker has had its SIGTERM during a job (:func:`_stop_as_on_ctrl_c`)."""
    return signal.getsignal(signal.SIGTERM) == signal.SIG_IGN


def stop_with_parent(parent: int) -> None:
    """Pool-worker initializer: SIGTERM ends this worker (between jobs at once; during one,
    after its checkpoint is saved, as on Ctrl-C: :func:`_attempt`), and the kernel sends it
    SIGTERM when its parent process ``parent`` dies (Linux's ``prctl(PR_SET_PDEATHSIG)``;
    elsewhere only the first part holds)."""
    signal.signal(signal.SIGTERM, _end_now)
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return
    if prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0 and os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)            # the parent died before we asked


def _run_local(todo, run_job, config, out, options, progress, outcomes, log) -> None:
    tries = {job.name: 0 for job in todo}
    if options.jobs == 1:
        for job in todo:
            while True:
                progress.running = 1
                tries[job.name] += 1
                log(f"{job.name}: running (try {tries[job.name]})")
                with _heartbeat(out, job.name, progress.expected.get(job.name),
                                lambda st: log(status_line([st])), options.heartbeat):
                    ok, error, seconds = _attempt(run_job, job, config, out, None)
                progress.running = 0
                if ok or tries[job.name] > options.retries:
                    _record(out, Outcome(job.name, "done" if ok else "failed", tries[job.name],
                                         seconds, error), progress, outcomes, log, 1)
                    break
                log(f"retrying {job.name} ({error.strip().splitlines()[-1]})")
        return
    import multiprocessing
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    threads = max(1, (os.cpu_count() or 1) // options.jobs)
    context = multiprocessing.get_context("spawn")
    queue = deque(todo)
    # When a worker process dies, every job in flight in that pool fails, and which one killed
    # it is unknown. If it ran alone, it is charged a try; if it shared the pool, it is not
    # charged, and it runs again alone (a suspect), so that a job that kills its worker is
    # told from the ones that happened to run beside it.
    suspects: deque = deque()
    while queue or suspects:     # one pool, and a fresh one whenever a worker process died
        broken = shared = False
        with ProcessPoolExecutor(options.jobs, mp_context=context, initializer=stop_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            pending: dict = {}          # never more than the workers: every one is running
            alone = False               # the job in flight is a suspect, running alone
            while (queue or suspects) and not broken and not alone or pending:
                while not broken and not alone and len(pending) < options.jobs:
                    if suspects and pending:
                        break                       # a suspect waits for an empty pool
                    if not suspects and not queue:
                        break
                    alone = bool(suspects)
                    job = suspects.popleft() if alone else queue.popleft()
                    tries[job.name] += 1
                    pending[pool.submit(_attempt, run_job, job, config, out, threads,
                                        os.getpid())] = job
                progress.running = len(pending)
                in_flight = len(pending)
                done, _ = wait(pending, timeout=options.heartbeat, return_when=FIRST_COMPLETED)
                if not done:
                    status = training_status(out, [j.name for j in pending.values()],
                                             progress.expected)
                    if status:
                        log(status)
                for future in done:
                    job = pending.pop(future)
                    alone = False
                    try:
                        ok, error, seconds = future.result()
                    except BrokenProcessPool:
                        if not broken:
                            broken, shared = True, in_flight > 1
                        ok, error, seconds = False, DIED, 0.0
                        if shared:
                            tries[job.name] -= 1
                            log(f"rerunning {job.name} alone: a worker process died while it "
                                "ran beside other jobs")
                            suspects.append(job)
                            continue
                    if not ok and tries[job.name] <= options.retries:
                        log(f"retrying {job.name} ({error.strip().splitlines()[-1]})")
                        queue.append(job)
                        continue
                    progress.running = len(pending)
                    _record(out, Outcome(job.name, "done" if ok else "failed", tries[job.name],
                                         seconds, error), progress, outcomes, log, options.jobs)


# ------------------------------------------------------------------------------ ray
class StatusBoard:
    """A Ray actor: the last status (:class:`JobStatus`) each running job sent, which the
    driver prints; a job's own files stay on its node until it ends."""

    def __init__(self) -> None:
        self.statuses: dict[str, JobStatus] = {}

    def put(self, name: str, status: JobStatus | None) -> None:
        """Record ``name``'s status; None: the job has ended."""
        if status is None:
            self.statuses.pop(name, None)
        else:
            self.statuses[name] = status

    def all(self) -> dict[str, JobStatus]:
        return dict(self.statuses)


def _run_files(out: Path, name: str) -> dict[str, bytes]:
    """What the run directory of job ``name`` holds, as bytes by relative path (the sweep's
    own records of an earlier try aside): a Ray worker starts from it, as a local job starts
    from the directory itself (a checkpoint to resume from, say, for ``compare --extend``)."""
    root = run_path(out, name)
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name not in (FAILED, EVALUATING, LOCK)}


def _remote_attempt(run_job: Callable, job, config, threads: int, board, budget: float | None,
                    every: float, start: dict[str, bytes] | None = None) -> dict:
    """One try of a job on a Ray worker (:func:`_attempt` in a scratch folder that holds
    ``start``, the run directory's files on the driver), its status sent to ``board`` (a
    :class:`StatusBoard` actor) every ``every`` seconds: its run directory's files come back
    as bytes (the driver writes them), or the traceback."""
    with tempfile.TemporaryDirectory(prefix="tapelab-job-") as scratch:
        for rel, data in (start or {}).items():
            path = run_path(Path(scratch), job.name) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        try:
            with _heartbeat(Path(scratch), job.name, budget,
                            lambda st: board.put.remote(job.name, st), every):
                ok, error, seconds = _attempt(run_job, job, config, Path(scratch), threads)
        finally:
            board.put.remote(job.name, None)
        if not ok:
            return {"ok": False, "error": error, "seconds": seconds}
        root = run_path(Path(scratch), job.name)
        files = {p.relative_to(root).as_posix(): p.read_bytes()
                 for p in sorted(root.rglob("*")) if p.is_file()}
    return {"ok": True, "files": files, "seconds": seconds}


def _write_back(out: Path, name: str, files: dict[str, bytes]) -> None:
    """A job's files into ``OUT/runs/NAME``, its evaluation last (so that the run counts as
    finished only once everything is there)."""
    from machines.files import write_atomic

    root = run_path(out, name)
    for rel in sorted(files, key=lambda r: r == EVALUATION):
        data = files[rel]
        write_atomic(root / rel, lambda tmp, data=data: tmp.write_bytes(data))


class RaySession(NamedTuple):
    """The ``ray`` module, connected, and whether this sweep started it (and so shuts it
    down) or found the caller's own."""
    ray: object
    ours: bool


def _start_ray(options: SweepOptions) -> RaySession:
    try:
        import ray
    except ImportError:
        raise ValueError(RAY_HINT) from None
    if ray.is_initialized():                # the caller's own Ray: use it, leave it be
        return RaySession(ray, False)
    kwargs = dict(include_dashboard=False, log_to_driver=False,
                  runtime_env={"env_vars": {k: v for k, v in os.environ.items()
                                            if k == "TAPELAB_FAULT"}})
    if options.address:
        ray.init(address=options.address, **kwargs)
    else:
        ray.init(num_cpus=options.ray_cpus, **kwargs)
    return RaySession(ray, True)


def _no_node_fits(nodes: list[dict], cpus: float, gpus: float) -> str | None:
    """Why no node of a Ray cluster (``ray.nodes()``) can run a job that asks for ``cpus``
    and ``gpus`` (Ray would keep it waiting, silently, for ever); None where one can."""
    alive = [n.get("Resources", {}) for n in nodes if n.get("Alive")]
    if any(r.get("CPU", 0) >= cpus and r.get("GPU", 0) >= gpus for r in alive):
        return None
    have = ", ".join(f"{r.get('CPU', 0):g} CPUs and {r.get('GPU', 0):g} GPUs" for r in alive)
    return (f"no node of the Ray cluster has {cpus:g} CPUs and {gpus:g} GPUs for a job "
            f"({'its nodes have ' + have if alive else 'it has no node'})")


def _run_ray(todo, run_job, config, out, options, progress, outcomes, log) -> None:
    if not todo:
        return
    ray, ours = _start_ray(options)
    unfit = _no_node_fits(ray.nodes(), options.cpus_per_job, options.gpus_per_job)
    if unfit and ours:              # a local instance of ours: no node will ever join it
        ray.shutdown()
        raise ValueError(f"{unfit}: lower --cpus-per-job or --gpus-per-job")
    if unfit:
        log(f"{unfit}; the jobs wait for one to join (Ctrl-C stops)")
    threads = max(1, int(options.cpus_per_job))
    remote = ray.remote(num_cpus=options.cpus_per_job, num_gpus=options.gpus_per_job,
                        max_retries=0)(_remote_attempt)
    parallel = max(1.0, ray.cluster_resources().get("CPU", 1.0) / options.cpus_per_job)
    tries = {job.name: 1 for job in todo}
    board = ray.remote(num_cpus=0)(StatusBoard).remote()

    def submit(job):
        return remote.remote(run_job, job, config, threads, board,
                             progress.expected.get(job.name), options.heartbeat,
                             _run_files(out, job.name))
    pending = {submit(job): job for job in todo}
    try:
        while pending:
            progress.running = int(min(len(pending), parallel))
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=options.heartbeat)
            if not ready:
                try:
                    sent = ray.get(board.all.remote(), timeout=options.heartbeat)
                except Exception:           # the board is gone (its node lost): no status
                    sent = {}
                running = {job.name for job in pending.values()}    # not a dead worker's
                status = status_line([st for name, st in sent.items() if name in running])
                if status:
                    log(status)
            for ref in ready:
                job = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception:                # the worker died (a node lost, say)
                    result = {"ok": False, "error": traceback.format_exc(), "seconds": 0.0}
                if not result["ok"] and tries[job.name] <= options.retries:
                    log(f"retrying {job.name} ({result['error'].strip().splitlines()[-1]})")
                    tries[job.name] += 1
                    pending[submit(job)] = job
                    continue
                if result["ok"]:
                    _write_back(out, job.name, result["files"])
                progress.running = int(min(len(pending), parallel))
                _record(out, Outcome(job.name, "done" if result["ok"] else "failed",
                                     tries[job.name], result["seconds"],
                                     result.get("error", "")), progress, outcomes, log, parallel)
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        if ours:
            ray.shutdown()      # stops a local instance; leaves a joined cluster running
