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

Which measure of sharpness tells generalising runs from the rest? For each measure of
:func:`analysis.sharpness.read_sharpness` (oriented so that higher is sharper) the AUC of
separating the runs that generalise (per-token accuracy at the longest length at least
``GENERALISES``) from those that do not, and likewise the runs that succeed under argmax
addressing (hard accuracy at the longest length at least ``GENERALISES``):

    AUC = P(score of a positive run > score of a negative run) + P(tie) / 2
        = (sum of the positives' ranks - P (P + 1) / 2) / (P N)      (Mann-Whitney)

0.5 is chance; 1 means the measure ranks every positive run above every negative one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

FIT = 0.99            # accuracy at the training length that counts as fitting it
BOOTSTRAP = 2000      # resamples for the interval
GENERALISES = 0.9     # accuracy at the longest length that counts as generalising
# each measure's sign: +1 where a larger value is sharper, -1 where a smaller one is
SHARPER = {"normalized_entropy": -1, "max_weight": 1, "margin": 1, "written_entropy": -1,
           "mass_on_written": 1}


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


class Interval(NamedTuple):
    low: float
    high: float


def bootstrap_interval(x, y, *, samples: int = BOOTSTRAP, seed: int = 0,
                       level: float = 0.95) -> Interval:
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
        return Interval(float("nan"), float("nan"))
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return Interval(float(low), float(high))


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
    length, or at the shortest tested length where the training length was not tested),
    ``fit`` (accuracy at the training length; None where it was not tested) and accuracy at
    the longest tested length. A soft TM's restarts count as runs."""
    points = []
    for ev in evaluations:
        if ev.get("restarts"):             # a soft TM: every restart is a run of its own
            points += _restart_points(ev)
            continue
        train = ev.get("train_length")
        soft = [r for r in ev["results"] if r["addressing"] == "soft"
                and r["read_entropy"] is not None]
        if not soft:
            continue
        tested = any(r["length"] == train for r in soft)
        if not tested:                                     # not tested at the training
            train = min(r["length"] for r in soft)         # length: the shortest tested
        at_train = [r for r in soft if r["length"] == train]
        longest = max(r["length"] for r in soft)
        far = [r for r in soft if r["length"] == longest]
        hard = [r for r in ev["results"] if r["addressing"] == "hard"
                and r["length"] == longest]
        points.append({"machine": ev["machine"], "task": ev["task"], "seed": ev["seed"],
                       "sharpness": at_train[0]["read_entropy"],
                       "measures": at_train[0].get("sharpness", {}),
                       "fit": at_train[0]["symbol_accuracy"] if tested else None,
                       "accuracy": far[0]["symbol_accuracy"],
                       "hard_accuracy": hard[0]["symbol_accuracy"] if hard else None})
    return points


def _restart_points(ev: dict) -> list[dict]:
    """A soft TM's restarts as points (seed ``S.R``: seed S, restart R), scored at the
    shortest and longest tested lengths."""
    rows = ev["restarts"]
    lengths = sorted({r["length"] for r in rows})
    points = []
    for restart in sorted({r["restart"] for r in rows}):
        mine = {r["length"]: r for r in rows if r["restart"] == restart}
        near, far = mine[lengths[0]], mine[lengths[-1]]
        points.append({"machine": ev["machine"], "task": ev["task"],
                       "seed": f"{ev['seed']}.{restart}", "sharpness": near["read_entropy"],
                       "measures": {"normalized_entropy": near["read_entropy"]},
                       "fit": near["symbol_accuracy"], "accuracy": far["symbol_accuracy"],
                       "hard_accuracy": None})
    return points


def fits(point: dict) -> bool:
    """Whether a run of :func:`run_points` fits its training range (accuracy at least
    :data:`FIT` at the training length); a run not tested there does not count as fitting."""
    return point["fit"] is not None and point["fit"] >= FIT


def sharpness_correlations(evaluations: list[dict], *, seed: int = 0) -> list[Correlation]:
    """Per machine and pooled, over all runs and over the fitted ones."""
    points = run_points(evaluations)
    groups = sorted({p["machine"] for p in points}) + ["pooled"]
    out = []
    for group in groups:
        for fitted in (False, True):
            chosen = [p for p in points if group in ("pooled", p["machine"])
                      and (not fitted or fits(p))]
            if len(chosen) < 3:
                continue
            x = [p["sharpness"] for p in chosen]
            y = [p["accuracy"] for p in chosen]
            low, high = bootstrap_interval(x, y, seed=seed)
            out.append(Correlation(group, fitted, len(chosen), spearman(x, y), low, high))
    return out


def auc(scores, positive) -> float:
    """The Mann-Whitney AUC of ``scores`` separating ``positive`` (booleans) from the rest
    (nan when either class is empty)."""
    scores, positive = np.asarray(scores, dtype=float), np.asarray(positive, dtype=bool)
    p, n = int(positive.sum()), int((~positive).sum())
    if p == 0 or n == 0:
        return float("nan")
    return float((ranks(scores)[positive].sum() - p * (p + 1) / 2) / (p * n))


@dataclass
class MeasureAUC:
    """How well ``measure`` (at the training length) separates the runs for which ``target``
    holds (``generalises`` or ``hard succeeds``) from the rest, over ``runs`` runs of which
    ``positives`` are positive; ``fitted``: only runs that fit their training range."""

    measure: str
    target: str
    fitted: bool
    runs: int
    positives: int
    auc: float


def measure_aucs(evaluations: list[dict]) -> list[MeasureAUC]:
    """The AUC of every sharpness measure for both targets, over all runs and fitted runs."""
    points = run_points(evaluations)
    out = []
    for target, key in (("generalises", "accuracy"), ("hard succeeds", "hard_accuracy")):
        for fitted in (False, True):
            for measure, sign in SHARPER.items():
                chosen = [p for p in points if p[key] is not None
                          and p["measures"].get(measure) is not None
                          and (not fitted or fits(p))]
                if len(chosen) < 2:
                    continue
                labels = [p[key] >= GENERALISES for p in chosen]
                value = auc([sign * p["measures"][measure] for p in chosen], labels)
                out.append(MeasureAUC(measure, target, fitted, len(chosen), sum(labels), value))
    return out


def best_measures(aucs: list[MeasureAUC]) -> dict[str, MeasureAUC]:
    """Per target, the measure with the highest AUC (fitted runs where there are both
    classes, else all runs); targets without a defined AUC are left out."""
    best: dict[str, MeasureAUC] = {}
    for target in ("generalises", "hard succeeds"):
        for fitted in (True, False):
            defined = [a for a in aucs if a.target == target and a.fitted == fitted
                       and not np.isnan(a.auc)]
            if defined:
                best[target] = max(defined, key=lambda a: a.auc)
                break
    return best
