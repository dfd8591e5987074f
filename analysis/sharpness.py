"""How sharp is a soft head? Pure numpy metrics of weightings ``w`` over N cells.

Every metric takes an array ``[..., N]`` whose last axis is a probability distribution and
returns one value per row (per head, step and example); ``summarize`` averages them. A
classical head (one-hot) has entropy 0, support 1, participation 1 and margin 1; a uniform
head has normalized entropy 1 and support N.
"""
from __future__ import annotations

import numpy as np

from machines.entropy import entropy, normalized_entropy
from machines.trace import AddressingTrace

__all__ = ["entropy", "normalized_entropy", "max_weight", "effective_support",
           "inverse_participation", "margin", "summarize", "mass_on_path"]

def max_weight(w: np.ndarray) -> np.ndarray:
    return np.asarray(w).max(-1)


def effective_support(w: np.ndarray) -> np.ndarray:
    """exp(H(w)): the number of cells a head of that entropy spreads evenly over."""
    return np.exp(entropy(w))


def inverse_participation(w: np.ndarray) -> np.ndarray:
    """1 / sum_i w_i^2: another effective number of cells (1 one-hot, N uniform)."""
    w = np.asarray(w, dtype=np.float64)
    return 1.0 / (w * w).sum(-1)


def margin(w: np.ndarray) -> np.ndarray:
    """The largest weight minus the second largest."""
    top = np.sort(np.asarray(w), axis=-1)
    return top[..., -1] - top[..., -2] if top.shape[-1] > 1 else top[..., -1]


METRICS = {"normalized_entropy": normalized_entropy, "max_weight": max_weight,
           "effective_support": effective_support,
           "inverse_participation": inverse_participation, "margin": margin}


def summarize(trace: AddressingTrace) -> dict[str, dict[str, float]]:
    """Head -> metric -> mean over every step (and example) of the trace."""
    return {head: {name: float(np.mean(fn(w))) for name, fn in METRICS.items()}
            for head, w in trace.heads.items()}


def hard_soft_gap(soft: dict[int, float], hard: dict[int, float]) -> dict[int, float]:
    """Accuracy with soft addressing minus accuracy with argmax addressing, per length."""
    return {n: soft[n] - hard[n] for n in sorted(soft) if n in hard}


def mass_on_path(heads: np.ndarray, positions) -> np.ndarray:
    """For each step, the probability a soft head ``[T, N]`` puts on the classical head's cell
    (``positions[t]``, a column index); steps beyond the shorter of the two are dropped."""
    heads = np.asarray(heads)
    T = min(len(heads), len(positions))
    return heads[np.arange(T), np.asarray(positions[:T])]


def entropy_by_length(rows: list[dict], key: str = "read_entropy") -> dict[int, float]:
    """Mean of ``key`` per input length over result rows that have it."""
    out: dict[int, list[float]] = {}
    for r in rows:
        if r.get(key) is not None:
            out.setdefault(r["length"], []).append(r[key])
    return {n: float(np.mean(v)) for n, v in sorted(out.items())}
