"""NTM addressing: each equation against hand-computed values, gradients, and edge safety."""
import math

import pytest
import torch

from machines import addressing as A
from machines.sharpening import temper


def t(x, dtype=torch.float64):
    return torch.tensor(x, dtype=dtype)


def test_cosine_similarity_and_content_weighting_eq5_6():
    memory = t([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]])      # [1, 4, 2]
    keys = t([[[1.0, 0.0]]])                                           # [1, 1, 2]
    sim = A.cosine_similarity(keys, memory)
    assert torch.allclose(sim, t([[[1.0, 0.0, 1 / math.sqrt(2), 0.0]]]), atol=1e-5)
    w = A.content_weighting(keys, t([[2.0]]), memory)
    e = [math.exp(2 * x) for x in (1.0, 0.0, 1 / math.sqrt(2), 0.0)]
    assert torch.allclose(w, t([[[x / sum(e) for x in e]]]), atol=1e-5)


def test_interpolation_eq7():
    w = A.interpolate(t([[[1.0, 0.0, 0.0]]]), t([[[0.0, 0.0, 1.0]]]), t([[0.25]]))
    assert torch.allclose(w, t([[[0.25, 0.0, 0.75]]]))


def test_shift_eq8_is_a_circular_convolution():
    w = t([[[0.1, 0.2, 0.3, 0.4]]])
    right = A.shift(w, t([[[0.0, 0.0, 1.0]]]))      # all mass on +1: w~(i) = w(i - 1)
    assert torch.allclose(right, t([[[0.4, 0.1, 0.2, 0.3]]]))
    left = A.shift(w, t([[[1.0, 0.0, 0.0]]]))       # -1: w~(i) = w(i + 1)
    assert torch.allclose(left, t([[[0.2, 0.3, 0.4, 0.1]]]))
    mixed = A.shift(t([[[0.0, 1.0, 0.0, 0.0]]]), t([[[0.2, 0.5, 0.3]]]))
    assert torch.allclose(mixed, t([[[0.2, 0.5, 0.3, 0.0]]]))


def test_shift_is_batched_over_examples_and_heads():
    w = torch.softmax(torch.randn(5, 3, 7, dtype=torch.float64), -1)
    s = torch.softmax(torch.randn(5, 3, 3, dtype=torch.float64), -1)
    got = A.shift(w, s)
    for b in range(5):
        for h in range(3):
            want = sum(s[b, h, k] * torch.roll(w[b, h], d) for k, d in enumerate(A.SHIFTS))
            assert torch.allclose(got[b, h], want)


def test_sharpen_eq9():
    w = A.sharpen(t([[[0.5, 0.25, 0.25]]]), t([[2.0]]))
    assert torch.allclose(w, t([[[0.25 / 0.375, 0.0625 / 0.375, 0.0625 / 0.375]]]), atol=1e-5)


def test_read_and_write_eq2_3_4():
    memory = t([[[1.0, 2.0], [3.0, 4.0]]])
    w = t([[[0.25, 0.75]]])
    assert torch.allclose(A.read(memory, w), t([[[2.5, 3.5]]]))
    new = A.write(memory, w, erase=t([[[1.0, 0.0]]]), add=t([[[4.0, 8.0]]]))
    want = [[1 * 0.75 + 1.0, 2 + 2.0], [3 * 0.25 + 3.0, 4 + 6.0]]
    assert torch.allclose(new, t([want]))
    two = A.write(memory, torch.cat([w, w], 1), t([[[1.0, 0.0], [1.0, 0.0]]]),
                  t([[[0.0, 0.0], [0.0, 0.0]]]))
    assert torch.allclose(two[0, :, 0], t([1 * 0.75 ** 2, 3 * 0.25 ** 2]))


def test_a_write_then_a_read_at_the_same_weighting_returns_what_was_written():
    memory = torch.full((2, 8, 5), 1e-6)
    w = temper(torch.softmax(torch.randn(2, 1, 8), -1), 0)
    value = torch.randn(2, 1, 5)
    memory = A.write(memory, w, torch.ones(2, 1, 5), value)
    assert torch.allclose(A.read(memory, w), value, atol=1e-5)


def test_zero_memory_and_zero_weights_give_no_nan():
    memory = torch.zeros(1, 4, 3, dtype=torch.float64, requires_grad=True)
    keys = torch.zeros(1, 1, 3, dtype=torch.float64, requires_grad=True)
    gamma = t([[3.0]]).requires_grad_()
    w0 = t([[[1.0, 0.0, 0.0, 0.0]]])
    w = A.address(keys, t([[1.0]]), t([[0.0]]), t([[[0.0, 1.0, 0.0]]]), gamma, w0, memory)
    w.pow(2).sum().backward()
    for x in (w, memory.grad, keys.grad, gamma.grad):
        assert torch.isfinite(x).all()


def test_gradcheck_of_the_whole_pipeline():
    torch.manual_seed(0)
    B, H, N, M = 2, 2, 5, 3
    args = (torch.randn(B, H, M), torch.rand(B, H) + 0.5, torch.rand(B, H),
            torch.softmax(torch.randn(B, H, 3), -1), 1 + torch.rand(B, H),
            torch.softmax(torch.randn(B, H, N), -1), torch.randn(B, N, M))
    args = tuple(a.double().requires_grad_() for a in args)
    assert torch.autograd.gradcheck(A.address, args, eps=1e-6, atol=1e-4)
    w, e, a = (torch.softmax(torch.randn(B, H, N), -1), torch.rand(B, H, M), torch.randn(B, H, M))
    mem = torch.randn(B, N, M)
    assert torch.autograd.gradcheck(A.write, tuple(x.double().requires_grad_() for x in
                                                   (mem, w, e, a)))


def test_temper_zero_is_the_argmax():
    assert temper(t([[[0.1, 0.7, 0.2]]]), 0).tolist() == [[[0.0, 1.0, 0.0]]]


@pytest.mark.parametrize("fn", [A.sharpen])
def test_sharpen_keeps_a_distribution(fn):
    w = fn(torch.softmax(torch.randn(3, 2, 6), -1), 1 + torch.rand(3, 2) * 5)
    assert torch.allclose(w.sum(-1), torch.ones(3, 2))
