"""Check a task's reference program against its oracle, and measure its running time."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from tasks.base import Example, Task


@dataclass
class Failure:
    example: Example
    got: str
    reason: str
    steps: int


@dataclass
class VerifyReport:
    """``steps_by_length``: mean steps of the reference machine per input length."""

    task: str
    samples: int
    passed: int
    failed: int
    steps_by_length: dict[int, float]
    failures: list[Failure] = field(default_factory=list)

    def growth_exponent(self) -> float | None:
        """The slope of log(steps) against log(length): 1 for linear time, 2 for quadratic."""
        points = [(n, s) for n, s in self.steps_by_length.items() if n > 0 and s > 0]
        if len(points) < 3:
            return None
        x, y = np.log([p[0] for p in points]), np.log([p[1] for p in points])
        return float(np.polyfit(x, y, 1)[0])

    def to_json(self) -> dict:
        return {"task": self.task, "samples": self.samples, "passed": self.passed,
                "failed": self.failed,
                "steps_by_length": {str(k): v for k, v in self.steps_by_length.items()}}


def verify(task: Task, *, samples: int = 500, max_length: int = 100, seed: int = 0,
           max_steps: int = 10_000_000,
           progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Run the reference program on ``samples`` seeded random examples whose lengths cycle
    through ``task.min_length .. max_length``, and compare every output with the oracle."""
    if max_length < task.min_length:
        raise ValueError(f"task {task.name} needs --max-length >= {task.min_length}")
    if samples < 1:
        raise ValueError("--samples must be at least 1")
    rng = np.random.default_rng(seed)
    span = max_length - task.min_length + 1
    steps: dict[int, list[int]] = {}
    failures = []
    for i in range(samples):
        length = task.min_length + i % span
        example = task.sample(length, rng)
        got, result = task.run_reference(example.input, max_steps=max_steps)
        steps.setdefault(length, []).append(result.steps)
        if got != example.output:
            failures.append(Failure(example, got, result.reason, result.steps))
        if progress:
            progress(1)
    return VerifyReport(task.name, samples, samples - len(failures), len(failures),
                        {n: float(np.mean(s)) for n, s in sorted(steps.items())}, failures)
