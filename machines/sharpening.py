"""Sharpening a head's distribution at test time, and the sharpening prior at training time.

A soft head reads with a distribution ``w`` over cells (or actions, or attention positions).
Tempering it at temperature T gives

    w_T(i) = w(i)^(1/T) / sum_j w(j)^(1/T)            (T > 0)

which is the softmax of the same logits divided by T: ``T = 1`` leaves ``w`` unchanged,
``T -> 0`` tends to the one-hot of its argmax (taken exactly at ``T = 0``: the ``hard`` mode
of every machine), ``T > 1`` blurs. ``T = "adaptive"`` chooses T per row from the row's own
entropy, after Veličković et al. 2024 ("softmax is not enough (for sharp out-of-distribution)",
section 5):

    H = -sum_i w(i) log w(i)         (nats)
    beta = max(1, p(H)) if H > 0.5 else 1,     T = 1 / beta,
    p(H) = -0.037 H^4 + 0.481 H^3 - 2.3 H^2 + 4.917 H - 1.791

the degree-4 polynomial they fit to the inverse temperature that best sharpens attention at
each entropy; a row that is already sharp (H <= 0.5 nats) is left alone, and no row is ever
blurred (beta >= 1). Unlike theirs, tapelab applies it to the weights the machine would use
(after the NTM's own sharpening, the Tape-RNN's action softmax), which is the same thing as
scaling the logits whenever ``w`` is a softmax.

The prior used in training (``TrainConfig.sharpen``) is ``W * mean normalized entropy`` of
every head's weighting (:func:`sharpening_loss`), with a schedule over training
(:func:`prior_weight`).
"""
from __future__ import annotations

import math
from typing import Union

import torch
import torch.nn.functional as F

from machines.entropy import entropy, normalized_entropy

ADAPTIVE = "adaptive"
# Veličković et al. 2024's fit of the best inverse temperature against entropy (nats),
# highest power first; applied above ADAPTIVE_FLOOR nats only.
ADAPTIVE_POLY = (-0.037, 0.481, -2.3, 4.917, -1.791)
ADAPTIVE_FLOOR = 0.5
MIN_TEMPERATURE = 1e-30     # smaller positive temperatures act as this one (float32's range)
SCHEDULES = ("constant", "late", "ramp")

Temperature = Union[float, str]     # a number >= 0, or "adaptive"


def parse_temperature(text: str) -> Temperature:
    """``"0.5"`` -> 0.5, ``"adaptive"`` -> ``"adaptive"``; anything else is a ValueError."""
    text = text.strip().lower()
    if text == ADAPTIVE:
        return ADAPTIVE
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"temperature {text!r}: give a number >= 0 or 'adaptive'") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"temperature {text!r}: give a finite number >= 0 or 'adaptive'")
    return value


def label(t: Temperature) -> str:
    """How a temperature is written in tables: ``1``, ``0.25``, ``0 (argmax)``, ``adaptive``."""
    return t if isinstance(t, str) else f"{t:g}"


def adaptive_beta(w: torch.Tensor) -> torch.Tensor:
    """The inverse temperature of each row of ``w`` ``[..., N]`` (shape ``[..., 1]``)."""
    h = entropy(w.detach()).unsqueeze(-1)
    p = torch.zeros_like(h)
    for c in ADAPTIVE_POLY:                      # Horner's rule
        p = p * h + c
    return torch.where(h > ADAPTIVE_FLOOR, p.clamp(min=1.0), torch.ones_like(h))


def temper(w: torch.Tensor, t: Temperature | None) -> torch.Tensor:
    """``w`` ``[..., N]`` (rows sum to 1) at temperature ``t`` (``None`` or 1: unchanged)."""
    if t is None or (not isinstance(t, str) and t == 1):
        return w
    if t == 0:
        return F.one_hot(w.argmax(-1), w.shape[-1]).to(w.dtype)
    beta = adaptive_beta(w) if t == ADAPTIVE else 1.0 / max(float(t), MIN_TEMPERATURE)
    logw = w.clamp_min(1e-30).log()
    logw = logw - logw.amax(-1, keepdim=True)     # the largest weight's logit is 0, so
    return torch.softmax(logw * beta, dim=-1)     # a tiny T gives its argmax, not NaN


def sharpening_loss(weightings: list[torch.Tensor], valid: torch.Tensor | None = None
                    ) -> torch.Tensor:
    """The mean normalized entropy H(w) / log N over every row of every head's weighting.

    ``weightings``: one ``[B, T, N]`` tensor per head (with their graph); ``valid`` ``[B, T]``
    (optional) marks the steps that count. Multiplied by ``W`` it is the sharpening prior.
    """
    terms = []
    for w in weightings:
        h = normalized_entropy(w)                                         # [B, T]
        terms.append(h.mean() if valid is None else (h * valid).sum() / valid.sum().clamp_min(1))
    return torch.stack(terms).mean()


def prior_weight(weight: float, schedule: str, progress: float) -> float:
    """The prior's weight at ``progress`` in [0, 1] of training: ``constant`` W throughout;
    ``late`` 0 for the first half, then W; ``ramp`` rising linearly from 0 to W."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
    progress = min(max(progress, 0.0), 1.0)
    if schedule == "late":
        return weight if progress >= 0.5 else 0.0
    if schedule == "ramp":
        return weight * progress
    return weight


def accepts_temperature(model) -> bool:
    """Whether ``model``'s forward takes ``temperature=`` (every machine tapelab ships; a
    machine registered from elsewhere may not, and is then not tempered)."""
    import inspect

    try:
        return "temperature" in inspect.signature(model.forward).parameters
    except (TypeError, ValueError):
        return False
