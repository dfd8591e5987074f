"""Sharpening at test time: which temperature generalises furthest, run by run.

Every run of a machine with addressing is also scored with its weightings tempered
(:mod:`machines.sharpening`; ``evaluation.json``'s ``temperatures`` rows). A run's score at a
temperature is Delétang et al.'s: the per-token accuracy averaged over the lengths beyond the
training length. The best temperature is the one with the highest score (ties go to T = 1,
the machine as trained, then to the larger T); its gain is that score minus the score at T = 1.
A gain near 0 with a low score says the run's failure is a wrong algorithm, which sharpening
does not fix; a large gain says it was blur.

The best temperature is picked by looking at the scores it is judged by. The held-out choice
does not: it picks the temperature by accuracy at the first test length beyond training alone
(same ties), and scores it, and T = 1, on the longer lengths only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from machines.sharpening import label

RESCUED = 0.9     # a run is rescued when tempering lifts its score from below this to it


def _order(t) -> tuple:
    """Sort key for ties: T = 1 first, then larger T, then adaptive."""
    if isinstance(t, str):
        return (2, 0.0)
    return (0, 0.0) if t == 1 else (1, -float(t))


@dataclass
class BestTemperature:
    run: str
    task: str
    machine: str
    seed: int
    best: str             # the temperature's label: "0.25", "0", "adaptive"
    score: float          # its score (mean per-token accuracy beyond the training length)
    score_t1: float       # the score at T = 1
    gain: float           # score - score_t1
    rescued: bool         # score_t1 < RESCUED <= score
    # the held-out choice (None without two test lengths beyond training)
    chosen: str | None = None         # the temperature best at the first length beyond training
    held_out: float | None = None     # its score on the longer lengths
    held_out_t1: float | None = None  # T = 1's score on those lengths


def scores_by_temperature(ev: dict, above: int | None = None) -> dict:
    """Temperature -> the run's score over its test lengths beyond ``above`` (default: its
    training length); {} for a run without tempered rows or lengths there."""
    above = (ev.get("train_length") or 0) if above is None else above
    out: dict = {}
    for r in ev.get("temperatures", []):
        if r["length"] > above:
            out.setdefault(r["temperature"], []).append(r["symbol_accuracy"])
    return {t: float(np.mean(v)) for t, v in out.items()}


def _best(scores: dict):
    """The temperature with the highest score (ties: T = 1, then the larger T)."""
    return min(scores, key=lambda t: (-round(scores[t], 9), _order(t)))


def held_out_choice(ev: dict) -> dict:
    """The temperature chosen at the first test length beyond training (``chosen``) and the
    scores over the longer lengths at it and at T = 1; {} with fewer than two such lengths."""
    train = ev.get("train_length") or 0
    beyond = sorted({r["length"] for r in ev.get("temperatures", []) if r["length"] > train})
    if len(beyond) < 2:
        return {}
    at_first = {r["temperature"]: r["symbol_accuracy"] for r in ev["temperatures"]
                if r["length"] == beyond[0]}
    later = scores_by_temperature(ev, above=beyond[0])
    if 1.0 not in at_first or set(later) != set(at_first):
        return {}
    chosen = _best(at_first)
    return {"chosen": label(chosen), "held_out": later[chosen], "held_out_t1": later[1.0]}


def best_temperatures(evaluations: list[dict]) -> list[BestTemperature]:
    out = []
    for ev in evaluations:
        scores = scores_by_temperature(ev)
        if 1.0 not in scores:
            continue
        best = _best(scores)
        out.append(BestTemperature(ev.get("run", ""), ev["task"], ev["machine"], ev["seed"],
                                   label(best), scores[best], scores[1.0],
                                   scores[best] - scores[1.0],
                                   scores[1.0] < RESCUED <= scores[best],
                                   **held_out_choice(ev)))
    return out


def curves(evaluations: list[dict]) -> dict[str, dict[str, dict[float, float]]]:
    """Machine -> temperature label -> {length as a multiple of the training length: mean
    per-token accuracy over that machine's runs}."""
    acc: dict = {}
    for ev in evaluations:
        train = ev.get("train_length") or 1
        for r in ev.get("temperatures", []):
            key = round(r["length"] / train, 2)
            acc.setdefault(ev["machine"], {}).setdefault(label(r["temperature"]), {}) \
                .setdefault(key, []).append(r["symbol_accuracy"])
    return {m: {t: {x: float(np.mean(v)) for x, v in sorted(by.items())}
                for t, by in temps.items()} for m, temps in acc.items()}
