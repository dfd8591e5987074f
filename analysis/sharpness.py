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
           "inverse_participation", "margin", "summarize", "mass_on_path", "written_cells",
           "written_entropy", "read_sharpness"]

WRITTEN_MASS = 0.1   # a cell counts as written once the write weights on it add up to this

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
    """The largest weight minus the second largest (a partial sort: the two largest in
    their places, the rest unsorted)."""
    w = np.asarray(w)
    if w.shape[-1] < 2:
        return w[..., -1]
    top = np.partition(w, -2, axis=-1)
    return top[..., -1] - top[..., -2]


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


def written_cells(write: np.ndarray, threshold: float = WRITTEN_MASS) -> np.ndarray:
    """``[..., T, N]`` write weightings -> boolean ``[..., T, N]``: whether each cell holds
    something when step t reads, i.e. the write weights on it over the steps *before* t add
    up to ``threshold`` (a step reads the memory before its own write)."""
    write = np.asarray(write, dtype=np.float64)
    before = np.cumsum(write, axis=-2) - write
    return before >= threshold


def written_entropy(read: np.ndarray, written: np.ndarray) -> np.ndarray:
    """The normalized entropy of each read weighting restricted to the written cells and
    renormalized there: H(w|W) / log |W| (0 where one cell is written; NaN where none is,
    or where the head puts no mass on them). Blur over cells still at their initial value,
    which a read cannot see, does not count; blur between written cells does."""
    read = np.asarray(read, dtype=np.float64)
    on = np.where(written, read, 0.0)
    mass = on.sum(-1, keepdims=True)
    count = written.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = on / mass
        h = entropy(np.where(written, p, 0.0))
        out = np.where(count > 1, h / np.log(np.maximum(count, 2)), 0.0)
    return np.where((count == 0) | (mass[..., 0] <= 0), np.nan, out)


def read_sharpness(heads: dict[str, np.ndarray]) -> dict[str, float]:
    """Mean sharpness of a trace's read heads (``read*``), by several measures:
    ``normalized_entropy`` over all cells, ``max_weight``, ``margin``, and, against the
    written cells (the ``write*`` heads' cumulative weights; every cell where a machine has no
    write head, as the Transformer's input positions and the Stack-RNN's stack), the
    ``written_entropy`` and ``mass_on_written`` (the read mass on written cells)."""
    reads = [np.asarray(w, dtype=np.float64) for k, w in heads.items() if k.startswith("read")]
    if not reads:
        return {}
    writes = [np.asarray(w, dtype=np.float64) for k, w in heads.items()
              if k.startswith("write")]
    written = written_cells(sum(writes)) if writes else np.ones_like(reads[0], dtype=bool)
    out = {name: float(np.mean([fn(w).mean() for w in reads]))
           for name, fn in (("normalized_entropy", normalized_entropy),
                            ("max_weight", max_weight), ("margin", margin))}
    restricted = [written_entropy(w, written) for w in reads]
    values = np.concatenate([r[~np.isnan(r)].ravel() for r in restricted])
    out["written_entropy"] = float(values.mean()) if values.size else float("nan")
    out["mass_on_written"] = float(np.mean([np.where(written, w, 0).sum(-1).mean()
                                            for w in reads]))
    return out
