"""Entropy during training against the moment generalisation appears.

A run's ``metrics.jsonl`` (its ``curve`` in ``evaluation.json``) logs the mean normalized
entropy of each head (``entropy_read0``, ...) and, every ``probe_every`` steps, the exact match
on a fixed batch at twice the training length (``probe_exact``). Two moments, in sequences
seen:

    sharpened at:   the first logged row whose mean read entropy is at most ``SHARP``
    generalises at: the first probe whose exact match is at least ``GENERALISES``
    lag = generalises_at - sharpened_at     (> 0: the head sharpened first)

A moment that never comes is None, and so is the lag.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHARP = 0.1          # mean normalized read entropy that counts as sharp
GENERALISES = 0.9    # probe exact match (at 2x the training length) that counts as general


def read_entropy(row: dict) -> float | None:
    """The mean of a metrics row's read-head entropies (None if it logged none)."""
    values = [v for k, v in row.items() if k.startswith("entropy_read")
              and isinstance(v, (int, float))]
    return float(np.mean(values)) if values else None


@dataclass
class Moments:
    run: str
    task: str
    machine: str
    seed: int
    sharpened_at: int | None      # sequences
    generalises_at: int | None    # sequences
    lag: int | None               # generalises_at - sharpened_at


def moments(ev: dict) -> Moments | None:
    """The two moments of one run; None for a run without probes or entropies."""
    curve = ev.get("curve", [])
    probes = [r for r in curve if isinstance(r.get("probe_exact"), (int, float))]
    entropies = [(r["sequences"], read_entropy(r)) for r in curve
                 if read_entropy(r) is not None]
    if not probes or not entropies:
        return None
    sharp = next((int(s) for s, h in entropies if h <= SHARP), None)
    general = next((int(r["sequences"]) for r in probes if r["probe_exact"] >= GENERALISES),
                   None)
    lag = None if sharp is None or general is None else general - sharp
    return Moments(ev.get("run", ""), ev["task"], ev["machine"], ev["seed"], sharp, general,
                   lag)


def all_moments(evaluations: list[dict]) -> list[Moments]:
    return [m for m in map(moments, evaluations) if m is not None]


def median_lags(found: list[Moments]) -> dict[str, dict]:
    """Machine -> runs with both moments, their median lag, and how many sharpened first."""
    out = {}
    for machine in sorted({m.machine for m in found}):
        lags = [m.lag for m in found if m.machine == machine and m.lag is not None]
        out[machine] = {"runs": len([m for m in found if m.machine == machine]),
                        "both": len(lags),
                        "median_lag": float(np.median(lags)) if lags else None,
                        "sharpened_first": sum(lag > 0 for lag in lags)}
    return out
