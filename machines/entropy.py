"""Shannon entropy of distributions: the one definition behind every sharpness number.

    H(w) = -sum_i w_i log w_i          (nats; 0 log 0 = 0)
    normalized: H(w) / log N  in [0, 1]: 0 for a one-hot head (a classical head), 1 uniform

Both functions take an array ``[..., N]`` whose last axis is a distribution, either a numpy
array (computed in float64) or a torch tensor (gradients flow, as the training priors need),
and return one value per row. Weights are clipped to [``EPSILON``, 1] first, so an empty cell
adds EPSILON * |log EPSILON| (about 3e-11) instead of a NaN.
"""
from __future__ import annotations

import math
from typing import Any

EPSILON = 1e-12  # the smallest weight the logarithm sees: log(0) would be -inf


def entropy(w: Any) -> Any:
    """H(w) = -sum_i w_i log w_i over the last axis, in nats."""
    if hasattr(w, "clamp"):                                   # a torch tensor
        w = w.clamp(EPSILON, 1.0)
        return -(w * w.log()).sum(-1)
    import numpy as np

    w = np.clip(np.asarray(w, dtype=np.float64), EPSILON, 1.0)
    return -(w * np.log(w)).sum(-1)


def normalized_entropy(w: Any) -> Any:
    """H(w) / log N: 0 for a one-hot row, 1 for a uniform one (0 where N = 1)."""
    n = w.shape[-1]
    h = entropy(w)
    return h / math.log(n) if n > 1 else h * 0.0
