"""Where a model's weights start: PyTorch's defaults, or haiku's, the framework of Delétang et
al.'s code, so that a model built here can start where theirs does.

* **torch** (what ``nn.Linear`` and ``nn.RNNCell`` do when built): ``nn.Linear`` draws its
  weights and its bias uniformly on +-1/sqrt(fan_in), a standard deviation of
  0.58/sqrt(fan_in); ``nn.RNNCell`` draws every weight and bias uniformly on
  +-1/sqrt(hidden), its input weights included.
* **haiku**: every ``hk.Linear`` draws its weights from a normal of standard deviation
  1/sqrt(fan_in) truncated at two standard deviations, and its bias is zero (haiku's
  ``Linear`` with no ``w_init``; its ``TruncatedNormal`` does not rescale for the truncation,
  so the weights' standard deviation is 0.88/sqrt(fan_in)). ``hk.VanillaRNN`` is two such
  layers, input to hidden and hidden to hidden, so its input weights scale with the input's
  width, not the hidden size's.

For a Tape-RNN of 128 hidden units reading 3 input channels and a cell of 8 numbers, haiku's
input weights are about five times PyTorch's (0.88/sqrt(11) against 0.58/sqrt(128)).
"""
from __future__ import annotations

import math

from torch import nn

INITS = ("torch", "haiku")


def haiku_init(module: nn.Module) -> nn.Module:
    """Re-draw, in place, every weight of ``module``'s ``nn.Linear`` and ``nn.RNNCell``
    layers as haiku's ``Linear`` draws it, and zero their biases; returns ``module``. Draws
    from torch's global generator, which the training loop seeds. A module holding other
    parameterised layers is refused (ValueError), since haiku's rule for them is not this."""
    for name, layer in module.named_modules():
        own = list(layer.named_parameters(recurse=False))
        if not own:
            continue
        if not isinstance(layer, (nn.Linear, nn.RNNCell)):
            raise ValueError(f"haiku_init knows nn.Linear and nn.RNNCell only, not "
                             f"{type(layer).__name__} ({name})")
        for _, p in own:
            if p.dim() == 2:                      # [out, fan_in]
                std = 1.0 / math.sqrt(p.shape[1])
                nn.init.trunc_normal_(p, 0.0, std, -2 * std, 2 * std)
            else:
                nn.init.zeros_(p)
    return module
