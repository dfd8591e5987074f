"""Overhead of the sweep backends: the same 8-job grid on the local backend with 1 and 2
workers and on Ray with 2 CPUs (a local instance started for the sweep, its start included).

The grid is two tasks (invert, parity) x the LSTM x four seeds, each trained a fixed number of
steps (``--steps``), so that every backend does the same work. Prints wall time, the jobs'
own time summed (what the work costs), the overhead of the sweep (wall - job time / workers:
starting workers or Ray, sending results back) and that overhead per job.

    python benchmarks/sweep_backends.py [--steps 30]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.compare import CompareConfig, compare  # noqa: E402
from analysis.sweep import SweepOptions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    config = CompareConfig(tasks=["invert", "parity"], machines=["lstm"], seeds=4,
                           steps=args.steps, lengths=[3, 6], samples=8)
    print(f"{'backend':<8} {'workers':>7} {'wall s':>7} {'job s':>7} {'overhead s':>11} "
          f"{'per job s':>10}")
    for name, options, workers in (("local", SweepOptions(jobs=1), 1),
                                   ("local", SweepOptions(jobs=2), 2),
                                   ("ray", SweepOptions(backend="ray", ray_cpus=2), 2)):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            outcomes = compare(config, Path(tmp) / "out", options=options, log=lambda m: None)
            wall = time.perf_counter() - started
        work = sum(o.seconds for o in outcomes)
        overhead = wall - work / workers
        print(f"{name:<8} {workers:>7} {wall:>7.1f} {work:>7.1f} {overhead:>11.1f} "
              f"{overhead / len(outcomes):>10.2f}")


if __name__ == "__main__":
    main()
