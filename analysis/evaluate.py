"""Run any machine on a task's examples at given lengths; score it and keep its traces.

:func:`evaluate` is the one entry point: a classical :class:`Program`, a trained sequence
model, or a :class:`SoftTM` (with its hardened program). Every machine sees the
same examples for a given (seed, length), and soft machines are scored with soft and, where
they have addressing, argmax addressing.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Callable, NamedTuple

import numpy as np

from machines.program import Program
from tasks.base import Example, Task


@dataclass
class LengthResult:
    length: int
    addressing: str              # "soft" | "hard" | "tempered" (the classical machine: "hard")
    bits_per_sequence: float     # wrong bits (or symbols) per sequence (NaN where undefined)
    symbol_accuracy: float
    exact_match: float
    samples: int
    read_entropy: float | None = None
    write_entropy: float | None = None
    steps: float | None = None   # mean classical steps (classical machine)
    extra: dict = field(default_factory=dict)
    temperature: float | str | None = None   # the test-time temperature (None: not tempered)

    def to_json(self) -> dict:
        return asdict(self)


OnLength = Callable[[LengthResult], None]     # told of each length's row once it is scored


def pass_name(r: LengthResult) -> str:
    """The pass a row belongs to, as progress lines name it: ``soft``, ``hard``, ``T=0.5``."""
    from machines.sharpening import label

    return r.addressing if r.temperature is None else f"T={label(r.temperature)}"


@dataclass(frozen=True)
class EvaluationProgress:
    """Where an evaluation stands: how many lengths each pass (an addressing, or a
    temperature) has scored so far, and the last row scored. ``after`` gives the next."""

    lengths: int                                          # lengths per pass
    scored: dict[str, int] = field(default_factory=dict)
    last: str = ""                                        # the last row's pass
    length: int = 0                                       # the last row's length

    def after(self, r: LengthResult) -> "EvaluationProgress":
        name = pass_name(r)
        return replace(self, scored={**self.scored, name: self.scored.get(name, 0) + 1},
                       last=name, length=r.length)

    def line(self) -> str:
        """``hard, length 238 (120 of 460 lengths)``; ``starting`` before the first row."""
        if not self.last:
            return "starting"
        return (f"{self.last}, length {self.length} "
                f"({self.scored[self.last]} of {self.lengths} lengths)")


def examples_at(task: Task, length: int, samples: int, seed: int) -> list[Example]:
    """The evaluation examples of one length: the same for every machine and addressing."""
    rng = np.random.default_rng([seed, length])
    return [task.sample(length, rng) for _ in range(samples)]


def _finite_mean(values, weights=None) -> float | None:
    """The mean of the finite values, weighted by ``weights`` where given (each batch's
    value by its examples); None if there are none: JSON has no NaN."""
    weights = [1] * len(values) if weights is None else weights
    kept = [(v, w) for v, w in zip(values, weights) if v is not None and np.isfinite(v)]
    return float(np.average([v for v, _ in kept], weights=[w for _, w in kept])) \
        if kept else None


class Means(NamedTuple):
    """Symbol accuracy and exact match, each averaged over a length's examples."""
    accuracy: float
    exact: float


def _means(scores) -> Means:
    return Means(float(np.mean([s.symbol_accuracy for s in scores])),
                 float(np.mean([s.exact for s in scores])))


def evaluate(machine, task: Task, lengths, *, samples: int = 100, seed: int = 0,
             hard: bool | None = None, kind: str | None = None,
             temperatures: list | None = None, known: list | None = None,
             on_length: OnLength | None = None, **options) -> list[LengthResult]:
    """Score ``machine`` on ``task`` at each length.

    ``machine`` is a :class:`Program` (classical), a trained sequence model whose registry
    name is ``kind`` (``ntm``, ``lstm``, ...; :func:`analysis.runs.load_run` loads one from
    its run directory), or a
    :class:`~machines.soft_tm.SoftTM` (pass ``program=`` its hardened program for the hard
    rows). ``hard=None`` gives soft and hard rows where the registry says the machine has a
    hard mode. With ``temperatures``, ``known=`` the soft and hard rows of the same model on
    the same examples (same ``seed`` and ``samples``) saves the passes at T = 1 and T = 0.
    ``on_length`` is called with each row as soon as it is scored (a progress line).
    """
    from machines import registry
    from machines.soft_tm import SoftTM

    if isinstance(machine, Program):
        return evaluate_classical(machine, task, lengths, samples=samples, seed=seed,
                                  on_length=on_length)
    if isinstance(machine, SoftTM):
        if temperatures is not None:
            return [r for t in temperatures for r in evaluate_soft_tm(
                machine, task, lengths, samples=samples, seed=seed, temperature=t,
                restart=options.get("restart", 0), on_length=on_length)]
        return evaluate_soft_tm(machine, task, lengths, samples=samples, seed=seed,
                                on_length=on_length, **options)
    if kind is None:
        raise ValueError("give kind=, the registry name of the machine, to evaluate a model")
    if temperatures is not None:
        if not registry.get(kind).heads:
            raise ValueError(f"{kind} has no addressing to temper")
        return [r for t in temperatures for r in _at_temperature(
            machine, task, lengths, t, known or [], samples=samples, seed=seed,
            on_length=on_length)]
    has_hard = registry.get(kind).hard
    modes = [False, True] if hard is None and has_hard else [bool(hard)]
    return [r for mode in modes for r in evaluate_sequence_model(
        machine, task, lengths, samples=samples, seed=seed, hard=mode, on_length=on_length)]


def _at_temperature(model, task: Task, lengths, t, known: list[LengthResult], *,
                    samples: int, seed: int,
                    on_length: OnLength | None = None) -> list[LengthResult]:
    """A sequence model's rows at test-time temperature ``t``. T = 1 leaves every weighting
    as it is and T = 0 is the hard mode (argmax, :func:`machines.sharpening.temper`), so
    where ``known`` holds those rows at every length they are relabelled, not recomputed."""
    mode = None if isinstance(t, str) else {1: "soft", 0: "hard"}.get(t)
    rows = {r.length: r for r in known if r.addressing == mode and r.samples == samples}
    if mode and all(n in rows for n in lengths):
        return _told([replace(rows[n], temperature=t) for n in lengths], on_length)
    return evaluate_sequence_model(model, task, lengths, samples=samples, seed=seed,
                                   temperature=t, on_length=on_length)


def _told(rows: list[LengthResult], on_length: OnLength | None) -> list[LengthResult]:
    """``rows``, once ``on_length`` has been told of each."""
    for r in rows:
        if on_length is not None:
            on_length(r)
    return rows


def evaluate_classical(program: Program, task: Task, lengths, *, samples: int = 100,
                       seed: int = 0, max_steps: int = 10_000_000,
                       on_length: OnLength | None = None) -> list[LengthResult]:
    """Run a classical program; its head is one-hot, so both entropies are 0."""
    from machines.classical import run

    out = []
    for n in lengths:
        scores, steps = [], []
        for e in examples_at(task, n, samples, seed):
            result = run(program, e.input, max_steps=max_steps)
            got = task.output.read(result) if result.halted else ""
            scores.append(task.score(got, e))
            steps.append(result.steps)
        acc, exact = _means(scores)
        out += _told([LengthResult(n, "hard", float("nan"), acc, exact, samples, 0.0, 0.0,
                                   float(np.mean(steps)))], on_length)
    return out


def _addressing(temperature) -> str:
    if temperature is None or temperature == 1:
        return "soft"
    return "hard" if temperature == 0 else "tempered"


TRACE_FLOATS = 2 ** 25     # numbers of one head's trace per evaluation batch (128 MiB)


def evaluation_batch(task: Task, examples, batch_size: int) -> int:
    """Examples per evaluation batch: ``batch_size``, or fewer where a trace of
    [B, T, 2T + 1] (the Tape-RNN's, the widest of any machine: T steps over 2T + 1 cells)
    would pass ``TRACE_FLOATS``. At length 480 a duplicate example is 1,441 steps: 50 of
    them would hold 2 x 830 MB of trace, and more in its sharpness measures."""
    steps = task.encode(examples[:1], "sequence").inputs.shape[1]
    return max(1, min(batch_size, TRACE_FLOATS // (steps * (2 * steps + 1))))


def evaluate_sequence_model(model, task: Task, lengths, *, samples: int = 100, seed: int = 0,
                            hard: bool = False, temperature=None, batch_size: int = 50,
                            on_length: OnLength | None = None) -> list[LengthResult]:
    """Score a trained sequence machine on fresh examples of each length (``hard``: argmax
    addressing; ``temperature``: tempered addressing). Long examples go in smaller batches
    (:func:`evaluation_batch`); every example's result is its own either way. The model runs
    on the device its weights are on; scores are taken on the CPU."""
    import torch

    from analysis.sharpness import read_sharpness
    from machines.training import mean_entropy, sequence_loss

    device = next(model.parameters()).device
    results = []
    for length in lengths:
        examples = examples_at(task, length, samples, seed)
        bits, scores, entropies, measures, sizes = 0.0, [], {}, {}, []
        size = evaluation_batch(task, examples, batch_size)
        for start in range(0, samples, size):
            chunk = examples[start:start + size]
            batch = task.encode(chunk, "sequence")
            with torch.no_grad():
                tempered = {} if temperature is None else {"temperature": temperature}
                logits, trace = model(batch.inputs.to(device), hard=hard, return_trace=True,
                                      **tempered)
                logits = logits.cpu()
                _, wrong = sequence_loss(logits, batch)
            bits += float(wrong) * len(chunk)
            scores += [task.score(p, e) for e, p in zip(chunk, batch.decode(logits))]
            sizes.append(len(chunk))
            if trace is not None:
                kinds: dict[str, list[float]] = {}      # read, write: the mean over heads
                for name, w in trace.heads.items():
                    kinds.setdefault(name.rstrip("0123456789"), []).append(mean_entropy(w))
                for kind, values in kinds.items():
                    entropies.setdefault(kind, []).append(float(np.mean(values)))
                for name, value in read_sharpness(trace.heads).items():
                    measures.setdefault(name, []).append(value)
        acc, exact = _means(scores)
        results += _told([LengthResult(
            length, "hard" if hard else _addressing(temperature), bits / samples, acc, exact,
            samples, float(np.average(entropies["read"], weights=sizes))
            if "read" in entropies else None,
            float(np.average(entropies["write"], weights=sizes))
            if "write" in entropies else None,
            temperature=temperature,
            extra={"sharpness": {k: _finite_mean(v, sizes) for k, v in measures.items()}}
            if measures else {})], on_length)
    return results


PROBE_SAMPLES = 16     # examples of the training-time probe: cheap, fixed for the whole run
PROBE_SEED = 4242


def length_probe(task: Task, length: int, samples: int = PROBE_SAMPLES,
                 seed: int = PROBE_SEED):
    """A probe for :func:`machines.training.train`: exact match, symbol accuracy and read
    entropy on the same ``samples`` examples of ``length`` every time it is called."""
    def probe(model) -> dict:
        r = evaluate_sequence_model(model, task, [length], samples=samples, seed=seed)[0]
        return {"probe_length": length, "probe_exact": r.exact_match,
                "probe_accuracy": r.symbol_accuracy,
                **({} if r.read_entropy is None else {"probe_read_entropy": r.read_entropy})}
    return probe


def _soft_tm_scores(task: Task, examples, batch, final, restart: int) -> list:
    """Each example's score by one restart's final configuration (its argmax tape or state)."""
    cells = final.tape[restart].argmax(-1)
    scores = []
    for b, e in enumerate(examples):
        if task.output.kind == "state":
            state = batch.states[int(final.state[restart, b].argmax())]
            got = task.output.verdicts.get(state, "")
        else:
            text = "".join(batch.alphabet[i] for i in cells[b].tolist())
            got = text.strip(batch.alphabet[0])
            if task.output.kind == "after":
                got = got.rpartition(task.output.marker)[2]
        scores.append(task.score(got, e))
    return scores


def evaluate_restarts(machine, task: Task, lengths, *, samples: int = 100,
                      seed: int = 0) -> list[dict]:
    """Every restart of a soft TM scored as a run of its own (one forward pass per length
    serves them all): rows of restart, length, per-token accuracy, exact match and the
    head's normalized entropy. Restarts start from different tables, so they are
    independent trained machines: the sharpness statistics count each as a run."""
    import torch

    from analysis.sharpness import normalized_entropy

    rows = []
    for n in lengths:
        examples = examples_at(task, n, samples, seed)
        batch = task.encode(examples, "tape")
        with torch.no_grad():
            final, path = machine(batch.tape, int(batch.steps.max()), batch.origin,
                                  keep_path=True)
        heads = torch.stack([c.head for c in path], 2).numpy()              # [R, B, T+1, L]
        for r in range(machine.restarts):
            acc, exact = _means(_soft_tm_scores(task, examples, batch, final, r))
            rows.append({"restart": r, "length": n, "symbol_accuracy": acc,
                         "exact_match": exact,
                         "read_entropy": float(normalized_entropy(heads[r]).mean())})
    return rows


def evaluate_soft_tm(machine, task: Task, lengths, *, samples: int = 100, seed: int = 0,
                     program: Program | None = None, restart: int = 0,
                     temperature=None, on_length: OnLength | None = None) -> list[LengthResult]:
    """Score a soft TM (one restart) unrolled for the reference program's steps on a window
    that fits the reference run, and, given ``program``, its hardened program classically.

    Soft rows carry the head's normalized entropy (as read and write entropy: one head does
    both), the mean probability mass on the classical head's cell (``extra``), and the head
    distribution of the first example (``extra["heads"]``, ``extra["classical"]``).
    ``temperature`` tempers its tables, state and head (:meth:`SoftTM.forward`).
    """
    import torch

    from analysis.sharpness import mass_on_path, normalized_entropy
    from machines.classical import trace as classical_trace

    out = []
    for n in lengths:
        examples = examples_at(task, n, samples, seed)
        batch = task.encode(examples, "tape")
        steps = int(batch.steps.max())
        with torch.no_grad():
            final, path = machine(batch.tape, steps, batch.origin, keep_path=True,
                                  temperature=temperature)
        heads = torch.stack([c.head[restart] for c in path], 1).numpy()      # [B, T+1, L]
        scores = _soft_tm_scores(task, examples, batch, final, restart)
        positions = [c.head + batch.origin for c in classical_trace(task.reference,
                                                                     examples[0].input)]
        acc, exact = _means(scores)
        entropy = float(normalized_entropy(heads).mean())
        out += _told([LengthResult(
            n, _addressing(temperature), float("nan"), acc, exact, samples, entropy, entropy,
            extra={"mass_on_classical_head": float(mass_on_path(heads[0], positions).mean()),
                   "heads": heads[0], "classical": np.array(positions)},
            temperature=temperature)], on_length)
        if program is not None:
            hard = evaluate_classical(program, task, [n], samples=samples, seed=seed,
                                      max_steps=50 * steps + 1000)[0]
            out += _told([replace(hard, steps=None)], on_length)
    return out
