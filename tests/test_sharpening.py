"""Test-time temperature and the sharpening prior (machines/sharpening.py)."""
import math

import pytest
import torch

from machines.entropy import normalized_entropy
from machines.ntm import NTM, NTMConfig
from machines.sharpening import (ADAPTIVE, adaptive_beta, parse_temperature, prior_weight,
                                 sharpening_loss, temper)
from machines.trace import GRAPH


def rows(seed: int = 0, shape=(4, 3, 9)) -> torch.Tensor:
    return torch.softmax(torch.randn(*shape, generator=torch.Generator().manual_seed(seed)) * 2,
                         -1)


def test_temperature_one_is_the_identity_and_zero_the_argmax():
    w = rows()
    assert torch.equal(temper(w, 1.0), w) and torch.equal(temper(w, None), w)
    hard = temper(w, 0.0)
    assert torch.equal(hard.argmax(-1), w.argmax(-1))
    assert set(hard.unique().tolist()) == {0.0, 1.0}


def test_a_tiny_or_huge_temperature_is_its_limit_not_nan():
    """1e-300 underflowed float32 to 0 and gave 0/0 = NaN in every row (eval printed an
    accuracy below chance and NaN entropies)."""
    w = rows(3)
    for tiny in (1e-300, 1e-320, 1e-30):
        assert torch.equal(temper(w, tiny), temper(w, 0.0)), tiny
    flat = temper(w, 1e300)
    assert torch.allclose(flat, torch.full_like(w, 1 / w.shape[-1]))


@pytest.mark.parametrize("t", [4.0, 1.0, 0.5, 0.1, 0.01, 0.0, ADAPTIVE])
def test_tempered_rows_sum_to_one_and_keep_their_argmax(t):
    w = rows(1)
    out = temper(w, t)
    assert torch.allclose(out.sum(-1), torch.ones(out.shape[:-1]), atol=1e-6)
    assert torch.equal(out.argmax(-1), w.argmax(-1))


def test_temperature_is_the_power_rule_and_lower_t_is_sharper():
    w = torch.tensor([0.5, 0.3, 0.2])
    want = w ** 2 / (w ** 2).sum()
    assert torch.allclose(temper(w, 0.5), want)
    h = [float(normalized_entropy(temper(w, t))) for t in (2.0, 1.0, 0.5, 0.25, 0.1)]
    assert h == sorted(h, reverse=True)


def test_adaptive_leaves_sharp_rows_alone_and_never_blurs():
    sharp = torch.tensor([0.97, 0.01, 0.01, 0.01])        # entropy 0.17 nats < 0.5
    assert torch.allclose(temper(sharp, ADAPTIVE), sharp)
    blurred = rows(2, (50, 64))
    beta = adaptive_beta(blurred)
    assert (beta >= 1).all()
    assert (normalized_entropy(temper(blurred, ADAPTIVE))
            <= normalized_entropy(blurred) + 1e-6).all()
    # a uniform row over 64 cells: H = log 64 = 4.16 nats, beta = p(4.16) by hand
    h = math.log(64)
    p = -0.037 * h ** 4 + 0.481 * h ** 3 - 2.3 * h ** 2 + 4.917 * h - 1.791
    assert float(adaptive_beta(torch.full((64,), 1 / 64))) == pytest.approx(max(p, 1), rel=1e-5)


def test_parse_temperature():
    assert parse_temperature("0.25") == 0.25 and parse_temperature("Adaptive") == ADAPTIVE
    for bad in ("-1", "nan", "inf", "hot"):
        with pytest.raises(ValueError):
            parse_temperature(bad)


def test_the_prior_is_the_mean_normalized_entropy_computed_by_hand():
    a = torch.tensor([[[0.5, 0.5, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]]])     # [B=1, T=2, N=4]
    b = torch.tensor([[[0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25]]])
    # head a: (log 2 / log 4 + 0) / 2 = 0.25; head b: 1; mean over heads 0.625
    assert float(sharpening_loss([a, b])) == pytest.approx(0.625, abs=1e-6)
    assert float(0.3 * sharpening_loss([a, b])) == pytest.approx(0.3 * 0.625, abs=1e-6)


def test_prior_schedules():
    assert [prior_weight(2.0, "constant", p) for p in (0, 0.5, 1)] == [2.0, 2.0, 2.0]
    assert [prior_weight(2.0, "late", p) for p in (0, 0.49, 0.5, 1)] == [0, 0, 2.0, 2.0]
    assert [prior_weight(2.0, "ramp", p) for p in (0, 0.25, 1, 3)] == [0, 0.5, 2.0, 2.0]
    with pytest.raises(ValueError):
        prior_weight(1.0, "sometimes", 0.5)


def test_the_priors_gradient_lowers_the_entropy_of_a_head_on_a_fixed_input():
    torch.manual_seed(0)
    model = NTM(NTMConfig(input_size=3, output_size=2, memory_size=16, memory_width=4,
                          controller_size=16))
    x = torch.randn(2, 6, 3, generator=torch.Generator().manual_seed(1))

    def read_entropy() -> torch.Tensor:
        _, trace = model(x, return_trace=GRAPH)
        return sharpening_loss([trace.heads["read0"]])

    before = read_entropy().item()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(5):
        optimizer.zero_grad()
        read_entropy().backward()
        optimizer.step()
    assert read_entropy().item() < before - 0.01


def test_a_graph_trace_carries_gradients_and_a_plain_one_is_numpy():
    model = NTM(NTMConfig(input_size=3, output_size=2, memory_size=8, memory_width=4,
                          controller_size=8))
    x = torch.randn(1, 4, 3)
    _, graph = model(x, return_trace=GRAPH)
    _, plain = model(x, return_trace=True)
    assert graph.heads["read0"].requires_grad
    assert not isinstance(plain.heads["read0"], torch.Tensor)


def test_the_cosine_schedule_and_per_machine_compare_settings():
    from click.testing import CliRunner

    from cli import _machine_settings, cli
    from machines.training import LR_FLOOR, TrainConfig, scheduled_lr

    assert scheduled_lr(0.01, 0) == pytest.approx(0.01)
    assert scheduled_lr(0.01, 0.5) == pytest.approx(0.01 * (LR_FLOOR + (1 - LR_FLOOR) / 2))
    assert scheduled_lr(0.01, 1) == pytest.approx(0.01 * LR_FLOOR)
    with pytest.raises(ValueError, match="lr_schedule"):
        TrainConfig(lr_schedule="sawtooth")
    assert _machine_settings(("ntm.gate_bias=-3", "ntm.lr=0.003", "transformer.position=alibi")) \
        == {"ntm": {"model": {"gate_bias": -3}, "train": {"lr": 0.003}},
            "transformer": {"model": {"position": "alibi"}}}
    for bad in ("ntm.nosuch=1", "lstm.gate_bias=-3", "softtm.lr=1", "gate_bias=1"):
        r = CliRunner().invoke(cli, ["compare", "invert", "--machines", "ntm,lstm",
                                     "--set", bad, "--dry-run"])
        assert r.exit_code == 2 and "Error" in r.stderr, (bad, r.output)


def test_compare_trains_each_machine_with_its_own_settings(tmp_path):
    import json

    from click.testing import CliRunner

    from cli import cli

    r = CliRunner().invoke(cli, ["compare", "invert", "--machines", "ntm,lstm", "--steps", "3",
                                 "--lengths", "3", "--samples", "2", "--temperatures", "none",
                                 "--set", "ntm.gate_bias=-3", "--set", "ntm.lr=0.003",
                                 "--out", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    ntm = json.loads((tmp_path / "c/runs/invert-ntm-s0/config.json").read_text())
    lstm = json.loads((tmp_path / "c/runs/invert-lstm-s0/config.json").read_text())
    assert ntm["model"] == {"gate_bias": -3} and ntm["train"]["lr"] == 0.003
    assert lstm["model"] == {} and lstm["train"]["lr"] == 0.001
