"""How often does a killed sweep lose a checkpoint? Kill `tapelab compare --jobs 2` (SIGKILL,
as a scheduler's time limit does) at a random moment, many times, and count the runs whose
workers did not stop or whose checkpoint was not saved as ``interrupted``.

    python benchmarks/killed_sweep.py [--kills 40] [--busy]   (Linux: reads /proc)

Each kill comes 0-2 s after both runs have logged their first metrics. ``--busy`` keeps one
core busy meanwhile, as a test suite does, which widens the races. A row per kill and a
last line with the count; a run that went wrong prints what the sweep's workers wrote.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(c) for c in f.read().split()]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


class Kill(NamedTuple):
    ok: bool                # no worker left running, every checkpoint 'interrupted'
    seen: str               # what it saw: each run's status and step, the workers left


def one_kill(out: Path, rng: random.Random) -> Kill:
    """One sweep killed at a random moment, and whether it went right."""
    import torch

    shutil.rmtree(out, ignore_errors=True)
    args = ["compare", "invert", "--machines", "lstm", "--seeds", "2", "--steps", "10000000",
            "--lengths", "3", "--samples", "2", "--jobs", "2", "--set", "lstm.hidden_size=8",
            "--set", "lstm.threads=1", "--out", str(out)]
    p = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    metrics = [out / "runs" / f"invert-lstm-s{s}" / "metrics.jsonl" for s in (0, 1)]
    deadline = time.time() + 120
    while not all(m.is_file() and m.stat().st_size for m in metrics):
        if time.time() > deadline or p.poll() is not None:
            p.kill()
            return Kill(False, "the sweep did not start both runs: "
                        + p.communicate()[1][-2000:])
        time.sleep(0.1)
    time.sleep(rng.uniform(0, 2))
    workers = children(p.pid)
    p.kill()
    p.wait()
    deadline = time.time() + 30
    while any(alive(w) for w in workers) and time.time() < deadline:
        time.sleep(0.2)
    stayed = [w for w in workers if alive(w)]
    for w in stayed:
        os.kill(w, signal.SIGKILL)
    try:
        err = p.communicate(timeout=30)[1]
    except subprocess.TimeoutExpired:
        err = "(stderr did not end)"
    states = [torch.load(m.parent / "checkpoint.pt", weights_only=False)["state"]
              for m in metrics]
    seen = f"{[(s['status'], s['step']) for s in states]}, workers left: {stayed}"
    ok = not stayed and all(s["status"] == "interrupted" for s in states)
    return Kill(ok, seen if ok else f"{seen}\n{err[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--busy", action="store_true", help="keep one core busy meanwhile")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not Path("/proc/self/task").is_dir():
        parser.error("reads /proc: Linux only")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    rng, wrong = random.Random(args.seed), 0
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for i in range(args.kills):
                ok, seen = one_kill(Path(scratch) / "sweep", rng)
                wrong += not ok
                print(f"{i:3d}  {'ok   ' if ok else 'WRONG'}  {seen}", flush=True)
    finally:
        if busy is not None:
            busy.kill()
    print(f"{wrong} of {args.kills} kills left a worker running or a checkpoint not "
          "'interrupted'")


if __name__ == "__main__":
    main()
