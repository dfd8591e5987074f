"""NTM addressing (Graves, Wayne & Danihelka 2014, section 3.3) as pure, batched functions.

Shapes follow deepmind/dnc's ``addressing.py``: ``memory`` is ``[batch, N, M]`` (N cells of width
M); weightings are ``[batch, heads, N]``; per-head scalars ``[batch, heads]``. Every function is
differentiable and safe at the edges: zero memory rows and zero weights give no NaN, in values
or gradients.
"""
from __future__ import annotations

import torch

_EPSILON = 1e-6  # avoid numerical instability: division by zero norms, log(0) in w ** gamma
SHIFTS = (-1, 0, 1)  # the shift range of the convolution (eq. 8)


def cosine_similarity(keys: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
    """K[u, v] = u·v / (||u|| ||v||)  (eq. 6).

    keys ``[B, H, M]``, memory ``[B, N, M]`` -> ``[B, H, N]``. Norms are
    ``sqrt(sum x^2 + eps)``, so an all-zero row has similarity 0 and a finite gradient.
    """
    dot = torch.einsum("bhm,bnm->bhn", keys, memory)
    key_norm = torch.sqrt((keys * keys).sum(-1, keepdim=True) + _EPSILON)        # [B, H, 1]
    mem_norm = torch.sqrt((memory * memory).sum(-1) + _EPSILON).unsqueeze(1)     # [B, 1, N]
    return dot / (key_norm * mem_norm)


def content_weighting(keys: torch.Tensor, beta: torch.Tensor,
                      memory: torch.Tensor) -> torch.Tensor:
    """w^c(i) = softmax_i(beta * K[k, M(i)])  (eq. 5).

    keys ``[B, H, M]``, beta ``[B, H]`` (>= 0, the key strength), memory ``[B, N, M]``
    -> ``[B, H, N]``.
    """
    return torch.softmax(beta.unsqueeze(-1) * cosine_similarity(keys, memory), dim=-1)


def interpolate(content: torch.Tensor, previous: torch.Tensor,
                gate: torch.Tensor) -> torch.Tensor:
    """w^g = g w^c + (1 - g) w_{t-1}  (eq. 7). gate ``[B, H]`` in [0, 1]."""
    g = gate.unsqueeze(-1)
    return g * content + (1 - g) * previous


def shift(weights: torch.Tensor, shift_weights: torch.Tensor) -> torch.Tensor:
    """Circular convolution w~(i) = sum_j w(j) s(i - j)  (eq. 8), over the shifts ``SHIFTS``.

    weights ``[B, H, N]``, shift_weights ``[B, H, 3]`` (a distribution over -1, 0, +1)
    -> ``[B, H, N]``. Vectorised over batch and heads: the circularly padded weighting is
    viewed as N windows ``(w(i-1), w(i), w(i+1))`` (``unfold``, no copy), each dotted with
    ``(s(+1), s(0), s(-1))``.
    """
    padded = torch.cat([weights[..., -1:], weights, weights[..., :1]], dim=-1)
    windows = padded.unfold(-1, 3, 1)                                    # [B, H, N, 3]
    return torch.matmul(windows, shift_weights.flip(-1).unsqueeze(-1)).squeeze(-1)


def sharpen(weights: torch.Tensor, gamma: torch.Tensor) -> torch.Tensor:
    """w(i) = w~(i)^gamma / sum_j w~(j)^gamma  (eq. 9), gamma ``[B, H]`` >= 1.

    Computed as ``(w + eps) ** gamma`` so that zero weights keep a finite gradient in gamma.
    """
    w = (weights + _EPSILON) ** gamma.unsqueeze(-1)
    return w / w.sum(-1, keepdim=True)


def address(keys: torch.Tensor, beta: torch.Tensor, gate: torch.Tensor,
            shift_weights: torch.Tensor, gamma: torch.Tensor, previous: torch.Tensor,
            memory: torch.Tensor) -> torch.Tensor:
    """The whole addressing pipeline of figure 2: content, interpolation, shift, sharpening."""
    w = content_weighting(keys, beta, memory)
    w = interpolate(w, previous, gate)
    return sharpen(shift(w, shift_weights), gamma)


def read(memory: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """r = sum_i w(i) M(i)  (eq. 2): memory ``[B, N, M]``, weights ``[B, H, N]`` -> ``[B, H, M]``."""
    return torch.bmm(weights, memory)


def write(memory: torch.Tensor, weights: torch.Tensor, erase: torch.Tensor,
          add: torch.Tensor) -> torch.Tensor:
    """Erase then add (eq. 3-4), for H write heads at once.

    M~(i) = M(i) * prod_h [1 - w_h(i) e_h];  M(i) = M~(i) + sum_h w_h(i) a_h.
    weights ``[B, H, N]``, erase and add ``[B, H, M]`` -> new memory ``[B, N, M]``.
    """
    w_t = weights.transpose(1, 2)                                        # [B, N, H]
    if weights.shape[1] == 1:                        # one head: the product is a single factor
        keep = 1 - torch.bmm(w_t, erase)
    else:
        keep = (1 - weights.unsqueeze(-1) * erase.unsqueeze(-2)).prod(1)   # [B, N, M]
    return memory * keep + torch.bmm(w_t, add)
