"""Does sharper addressing generalise further? The rank correlation over every run, with a
bootstrap interval.

For each run of a machine with addressing: its sharpness is the normalized entropy of its read
head at the training length (0 = one-hot, a classical head), its generalisation the per-token
accuracy at the longest tested length. Spearman's rho between the two (negative: sharper heads
generalise further) is reported per machine and pooled, over all runs and over the runs that
fit their training range (accuracy at the training length at least ``FIT``), so that "it
learned nothing" does not pass for "blurry heads generalise badly".

    rho = Pearson correlation of the ranks (ties get their average rank)
    interval: the 2.5% and 97.5% quantiles of rho over ``BOOTSTRAP`` resamples of the runs
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FIT = 0.99            # accuracy at the training length that counts as fitting it
BOOTSTRAP = 2000      # resamples for the interval


def ranks(x) -> np.ndarray:
    """Ranks 1..n of ``x``, ties sharing their average rank."""
    x = np.asarray(x, dtype=float)
    order = np.argsort(x, kind="mergesort")
    r = np.empty(len(x))
    r[order] = np.arange(1, len(x) + 1)
    for value in np.unique(x):
        tied = x == value
        if tied.sum() > 1:
            r[tied] = r[tied].mean()
    return r


def spearman(x, y) -> float:
    """Spearman's rank correlation of paired samples (nan if either side is constant)."""
    rx, ry = ranks(x), ranks(y)
    if len(rx) < 2 or rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def bootstrap_interval(x, y, *, samples: int = BOOTSTRAP, seed: int = 0,
                       level: float = 0.95) -> tuple[float, float]:
    """The percentile bootstrap interval of :func:`spearman` over resampled pairs (resamples
    whose rho is undefined are dropped)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(samples):
        pick = rng.integers(0, len(x), len(x))
        rho = spearman(x[pick], y[pick])
        if not np.isnan(rho):
            values.append(rho)
    if not values:
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


@dataclass
class Correlation:
    """Spearman's rho of sharpness against generalisation over ``runs`` runs of ``group``
    (a machine, or ``pooled``), with its bootstrap interval; ``fitted`` says whether only
    the runs that fit their training range count."""

    group: str
    fitted: bool
    runs: int
    rho: float
    low: float
    high: float


def run_points(evaluations: list[dict]) -> list[dict]:
    """Per run with a read head: machine, task, sharpness (read entropy at the training
    length), accuracy at the training length and at the longest tested length."""
    points = []
    for ev in evaluations:
        train = ev.get("train_length")
        soft = [r for r in ev["results"] if r["addressing"] == "soft"
                and r["read_entropy"] is not None]
        at_train = [r for r in soft if r["length"] == train]
        if not at_train:
            continue
        longest = max(r["length"] for r in soft)
        far = [r for r in soft if r["length"] == longest]
        points.append({"machine": ev["machine"], "task": ev["task"], "seed": ev["seed"],
                       "sharpness": at_train[0]["read_entropy"],
                       "fit": at_train[0]["symbol_accuracy"],
                       "accuracy": far[0]["symbol_accuracy"]})
    return points


def sharpness_correlations(evaluations: list[dict], *, seed: int = 0) -> list[Correlation]:
    """Per machine and pooled, over all runs and over the fitted ones."""
    points = run_points(evaluations)
    groups = sorted({p["machine"] for p in points}) + ["pooled"]
    out = []
    for group in groups:
        for fitted in (False, True):
            chosen = [p for p in points if group in ("pooled", p["machine"])
                      and (not fitted or p["fit"] >= FIT)]
            if len(chosen) < 3:
                continue
            x = [p["sharpness"] for p in chosen]
            y = [p["accuracy"] for p in chosen]
            low, high = bootstrap_interval(x, y, seed=seed)
            out.append(Correlation(group, fitted, len(chosen), spearman(x, y), low, high))
    return out
