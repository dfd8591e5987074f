"""Delétang et al.'s own code, run side by side with tapelab's port of their Tape-RNN.

    python benchmarks/deletang_reference.py --code DIR --python PY --out RUNS \\
        [--task odds_first] [--arch tape_rnn] [--train-length 10] [--steps 10000] \\
        [--lrs 1e-4,3e-4,5e-4] [--seeds 0-9] [--test-lengths 20,40,80,125]

``DIR`` is a checkout of google-deepmind/neural_networks_chomsky_hierarchy, which this
repository does not include; ``PY`` a Python with its dependencies (jax, dm-haiku, optax,
chex, einshape, dm-tree, absl-py, tqdm), which tapelab does not need::

    python -m venv ../jaxenv && ../jaxenv/bin/pip install jax dm-haiku optax chex einshape \\
        dm-tree absl-py tqdm

Each (learning rate, seed) is one run of benchmarks/deletang_driver.py under ``PY``, in a
process of its own: their training code unchanged, example.py's model settings, scored at the
test lengths by their per-token accuracy (the mean over the lengths is Delétang et al.'s score)
and by exact match. Each run's record is kept in ``RUNS`` as JSON, and a run found there is not
run again (so a sweep stopped part-way goes on where it stopped, and ``--code`` is only needed
while runs are missing). Prints one row per run, then the maximum and the median of the score
over the runs, as Delétang et al. report the maximum, per learning rate and over all of them.
Its default settings are those of results/tapernn_deletang_sweep, which ran tapelab's port of
their Tape-RNN (``--set tapernn.variant=deletang``) at this scale.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

DRIVER = Path(__file__).resolve().parent / "deletang_driver.py"
PACKAGE = "neural_networks_chomsky_hierarchy"      # the name their code imports itself by


class Setting(NamedTuple):
    """What every run of one sweep shares."""
    task: str
    arch: str
    train_length: int
    steps: int
    batch: int
    test_lengths: tuple[int, ...]
    memory_size: int            # the ring of cells it trains on (example.py's: 40)
    test_memory_size: int       # a second ring its weights are scored on; 0: none


class Run(NamedTuple):
    """One run's figures, from its record."""
    lr: float
    seed: int
    score: float                # Delétang et al.'s: per-token accuracy over the test lengths, %
    long_score: float | None    # the same on the ring of ``test_memory_size`` cells
    fit_5: float                # per-token accuracy at length 5
    fit_train: float            # ... at the longest training length
    exact_train: float          # exact match at the longest training length
    first_test: float           # per-token accuracy at the shortest test length
    train_seconds: float


def record_name(setting: Setting, lr: float, seed: int) -> str:
    """The file a run's record is kept in."""
    return f"{setting.task}-{setting.arch}-len{setting.train_length}-lr{lr:g}-s{seed}.json"


def read_run(path: Path, setting: Setting) -> Run:
    """The figures of the record at ``path``; ValueError if it was made with other settings."""
    try:
        return _figures(json.loads(path.read_text()), path, setting)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not a record (not JSON: {e.msg}, line {e.lineno})") from None
    except KeyError as e:
        raise ValueError(f"{path}: the record has no {e}") from None


def _figures(r: dict, path: Path, setting: Setting) -> Run:
    """``read_run``'s work on the parsed record ``r``."""
    made = Setting(r["task"], r["arch"], r["train_length"], r["steps"], r["batch"],
                   tuple(int(x) for x in r["test_lengths"].split(",")), r["memory_size"],
                   r["test_memory_size"])
    if made != setting:
        differ = ", ".join(f"{k}={getattr(made, k)!r}, not {getattr(setting, k)!r}"
                           for k in Setting._fields if getattr(made, k) != getattr(setting, k))
        raise ValueError(f"{path}: made with {differ}")
    acc, exact = r["accuracy"], r["exact"]
    length = str(setting.train_length)
    return Run(r["lr"], r["seed"], r["score"], r.get("long_tape_score"), acc["5"], acc[length],
               exact[length], acc[str(min(setting.test_lengths))], r["train_seconds"])


def train(setting: Setting, lr: float, seed: int, code: Path, python: str, out: Path,
          timeout: float, record: Path | None = None) -> None:
    """Run the driver once; its record is written to ``out`` only when the run finished, and
    with ``record``, the weights, batches and losses its ``--record`` keeps, to that file."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / PACKAGE).symlink_to(code.resolve())
        partial = Path(tmp) / "record.json"
        command = [python, str(DRIVER), "--task", setting.task, "--arch", setting.arch,
                   "--steps", str(setting.steps), "--lr", repr(lr), "--seed", str(seed),
                   "--train-length", str(setting.train_length), "--batch", str(setting.batch),
                   "--test-lengths", ",".join(map(str, setting.test_lengths)),
                   "--memory-size", str(setting.memory_size),
                   "--test-memory-size", str(setting.test_memory_size),
                   "--out", str(partial)]
        kept = Path(tmp) / "record.npz"
        command += ["--record", str(kept)] if record is not None else []
        env = {**os.environ, "PYTHONPATH": tmp}
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise RuntimeError(f"lr={lr:g} seed={seed}: their code stopped: {last}")
        for made, path in ((kept, record), (partial, out)):
            if path is not None:
                part = path.with_name(path.name + ".part")
                part.write_bytes(made.read_bytes())
                part.replace(path)              # whole or not at all


def table(runs: list[Run], setting: Setting) -> str:
    """One row per run, then the maximum and the median of the score per learning rate and
    over every run. The fits are on the ring it trained on."""
    n, first = setting.train_length, min(setting.test_lengths)
    ring, long = setting.memory_size, setting.test_memory_size
    extra = f" score % (ring of {long}) |" if long else ""
    lines = [f"| lr | seed | score % (ring of {ring}) |{extra} per token at 5 | at {n} | "
             f"exact at {n} | per token at {first} | training s |",
             "|---" * (8 + bool(long)) + "|"]
    for r in sorted(runs):
        cell = f" {r.long_score:.1f} |" if long else ""
        lines.append(f"| {r.lr:g} | {r.seed} | {r.score:.1f} |{cell} {r.fit_5:.3f} | "
                     f"{r.fit_train:.3f} | {r.exact_train:.2f} | {r.first_test:.3f} | "
                     f"{r.train_seconds:.0f} |")
    extra = f" max % (ring of {long}) | median % (ring of {long}) |" if long else ""
    lines += ["", f"| lr | runs | max % (ring of {ring}) | median % (ring of {ring}) |{extra}",
              "|---" * (4 + 2 * bool(long)) + "|"]
    groups = {f"{lr:g}": [r for r in runs if r.lr == lr] for lr in sorted({r.lr for r in runs})}
    groups["all"] = runs
    for name, group in groups.items():
        columns = [[r.score for r in group]] + ([[r.long_score for r in group]] if long else [])
        figures = " | ".join(f"{max(c):.1f} | {statistics.median(c):.1f}" for c in columns)
        lines.append(f"| {name} | {len(group)} | {figures} |")
    return "\n".join(lines)


def _numbers(text: str, kind: type) -> list:
    """``"0-9"`` or ``"1e-4,3e-4"`` as a list of ``kind``."""
    if kind is int and "-" in text:
        low, high = text.split("-")
        return list(range(int(low), int(high) + 1))
    return [kind(x) for x in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code", type=Path, help="a checkout of their repository")
    ap.add_argument("--python", default=sys.executable, help="a Python with their dependencies")
    ap.add_argument("--out", type=Path, required=True, help="folder of the runs' records")
    ap.add_argument("--task", default="odds_first", help="their task name (default odds_first)")
    ap.add_argument("--arch", default="tape_rnn", help="their model name (default tape_rnn)")
    ap.add_argument("--train-length", type=int, default=10)
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lrs", default="1e-4,3e-4,5e-4")
    ap.add_argument("--seeds", default="0-9", help="'0-9' or '0,3,5'")
    ap.add_argument("--test-lengths", default="20,40,80,125")
    ap.add_argument("--memory-size", type=int, default=40,
                    help="the ring of cells it trains on (default 40, example.py's)")
    ap.add_argument("--test-memory-size", type=int, default=512,
                    help="also score its weights on a ring of this many cells (0: do not)")
    ap.add_argument("--timeout", type=float, default=7200, help="seconds a run may take")
    a = ap.parse_args(argv)
    parsed = {}
    for option, text, kind in (("--lrs", a.lrs, float), ("--seeds", a.seeds, int),
                               ("--test-lengths", a.test_lengths, int)):
        try:
            parsed[option] = _numbers(text, kind)
            if not parsed[option]:
                raise ValueError(text)
        except ValueError:
            print(f"error: {option} {text!r}: expected numbers separated by commas"
                  + (", or a range such as 0-9" if option == "--seeds" else ""), file=sys.stderr)
            return 2
    lrs, seeds = parsed["--lrs"], parsed["--seeds"]
    setting = Setting(a.task, a.arch, a.train_length, a.steps, a.batch,
                      tuple(parsed["--test-lengths"]), a.memory_size, a.test_memory_size)
    if a.out.exists() and not a.out.is_dir():
        print(f"error: --out {a.out} is a file, not a folder of records", file=sys.stderr)
        return 2
    wanted = [(lr, seed) for seed in seeds for lr in lrs]
    missing = [(lr, s) for lr, s in wanted if not (a.out / record_name(setting, lr, s)).exists()]
    if missing and (a.code is None or not (a.code / "experiments" / "training.py").is_file()):
        print(f"error: {len(missing)} of {len(wanted)} runs are not in {a.out}, and --code "
              f"{a.code} is not a checkout of google-deepmind/{PACKAGE}", file=sys.stderr)
        return 2
    if missing and shutil.which(a.python) is None:
        print(f"error: --python {a.python}: no such program", file=sys.stderr)
        return 2
    if missing:
        a.out.mkdir(parents=True, exist_ok=True)
    for i, (lr, seed) in enumerate(missing, 1):
        start = time.time()
        print(f"[{i}/{len(missing)}] lr={lr:g} seed={seed} ...", file=sys.stderr, flush=True)
        try:
            train(setting, lr, seed, a.code, a.python, a.out / record_name(setting, lr, seed),
                  a.timeout)
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print(f"interrupted: {i - 1} of {len(missing)} runs kept in {a.out}; run the same "
                  "command again to go on", file=sys.stderr)
            return 130
        print(f"[{i}/{len(missing)}] done in {time.time() - start:.0f} s", file=sys.stderr)
    try:
        runs = [read_run(a.out / record_name(setting, lr, s), setting) for lr, s in wanted]
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"Delétang et al.'s code: {a.arch} on {a.task}, lengths 1-{a.train_length}, "
          f"{a.steps} steps at batch {a.batch} on a ring of {a.memory_size} cells, tested at "
          f"{', '.join(map(str, setting.test_lengths))}\n")
    print(table(runs, setting))
    return 0


if __name__ == "__main__":
    sys.exit(main())
