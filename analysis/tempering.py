"""Sharpening at test time: which temperature generalises furthest, run by run.

Every run of a machine with addressing is also scored with its weightings tempered
(:mod:`machines.sharpening`; ``evaluation.json``'s ``temperatures`` rows). A run's score at a
temperature is Delétang et al.'s: the per-token accuracy averaged over the lengths beyond the
training length. The best temperature is the one with the highest score (ties go to T = 1,
the machine as trained, then to the larger T); its gain is that score minus the score at T = 1.
A gain near 0 with a low score says the run's failure is a wrong algorithm, which sharpening
does not fix; a large gain says it was blur.
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


def scores_by_temperature(ev: dict) -> dict:
    """Temperature -> the run's score; {} for a run without tempered rows or test lengths
    beyond its training length."""
    train = ev.get("train_length") or 0
    out: dict = {}
    for r in ev.get("temperatures", []):
        if r["length"] > train:
            out.setdefault(r["temperature"], []).append(r["symbol_accuracy"])
    return {t: float(np.mean(v)) for t, v in out.items()}


def best_temperatures(evaluations: list[dict]) -> list[BestTemperature]:
    out = []
    for ev in evaluations:
        scores = scores_by_temperature(ev)
        if 1.0 not in scores:
            continue
        best = min(scores, key=lambda t: (-round(scores[t], 9), _order(t)))
        out.append(BestTemperature(ev.get("run", ""), ev["task"], ev["machine"], ev["seed"],
                                   label(best), scores[best], scores[1.0],
                                   scores[best] - scores[1.0],
                                   scores[1.0] < RESCUED <= scores[best]))
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
