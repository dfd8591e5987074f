"""The soft-addressed family beside the NTM: Stack-RNN, Tape-RNN and the Transformer encoder.
Shapes, traces that are distributions, gradients to every parameter, one-hot hard modes,
learning, and exactness: forced one-hot actions make the soft stack and tape discrete."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from analysis.runs import RunSpec, batch_fn, build_model, task_of
from machines import registry
from machines.stack_rnn import StackRNN, StackRNNConfig
from machines.tape_rnn import TapeRNN, TapeRNNConfig, move_index, moved, one_cell_tape
from machines.training import TrainConfig, sequence_loss, train
from machines.transformer import POSITIONS, TransformerConfig, TransformerEncoder, rotate

FAMILY = ("stackrnn", "tapernn", "transformer")
SMALL = {"stackrnn": dict(hidden_size=16, stack_width=4),
         "tapernn": dict(hidden_size=16, tape_width=4),
         "transformer": dict(model_size=16, heads=2, layers=2)}
# each machine at its small size, and the Tape-RNN also as Delétang et al. built it (their
# controller, output and write value, from haiku's initial weights)
CASES = [(name, SMALL[name]) for name in FAMILY] + \
    [("tapernn", {**SMALL["tapernn"], "variant": "deletang", "init": "haiku"})]
IDS = [*FAMILY, "tapernn-deletang"]


def _inputs(B=3, n=4, C=5, seed=0):
    """Random inputs with the delimiter (last channel) at step ``n``, then answer steps."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(B, 2 * n + 1, C, generator=g)
    x[..., -1] = 0.0
    x[:, n, :] = 0.0
    x[:, n, -1] = 1.0
    x[:, n + 1:, :] = 0.0
    return x


@pytest.mark.parametrize("name,settings", CASES, ids=IDS)
def test_shapes_traces_gradients_and_hard_mode(name, settings):
    torch.manual_seed(0)
    model = registry.get(name).build(5, 3, settings)
    x = _inputs()
    logits, trace = model(x, return_trace=True)
    assert logits.shape == (3, 9, 3)
    assert trace.heads and all(w.shape[:2] == (3, 9) for w in trace.heads.values())
    for w in trace.heads.values():
        assert np.allclose(w.sum(-1), 1.0, atol=1e-5) and (w >= -1e-6).all()
    assert {h.rstrip("0123456789") for h in trace.heads} == set(registry.get(name).heads)
    logits.square().mean().backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, pname
    _, hard = model(x, hard=True, return_trace=True)
    for w in hard.heads.values():
        assert set(np.unique(w)) <= {0.0, 1.0} and np.allclose(w.sum(-1), 1.0)
    assert model(x)[1] is None


@pytest.mark.parametrize("name,settings", CASES, ids=IDS)
def test_a_tiny_training_run_lowers_the_loss(name, settings, tmp_path):
    spec = RunSpec(task="invert", machine=name, min_length=1, max_length=3, model=settings)
    task = task_of(spec)
    torch.manual_seed(0)
    model = build_model(spec, task)
    fixed = batch_fn(spec, task, 99, 64)(0)

    def loss() -> float:
        with torch.no_grad():
            return sequence_loss(model(fixed.inputs)[0], fixed).loss.item()
    before = loss()
    config = TrainConfig(steps=80, batch_size=16, lr=1e-2, log_every=10, threads=1)
    train(model, batch_fn(spec, task, 0, 16), config, tmp_path)
    assert loss() < before * 0.8


def _one_hot(indices, n):
    return torch.nn.functional.one_hot(torch.tensor(indices), n).float()


def test_a_stack_rnn_with_one_hot_actions_is_a_discrete_stack():
    model = StackRNN(StackRNNConfig(5, 3, hidden_size=8, stack_width=4))
    stack = torch.zeros(1, 6, 4)
    a, b = torch.full((1, 4), 0.3), torch.full((1, 4), -0.7)
    push, pop, noop = (_one_hot([i], 3) for i in range(3))
    stack = model.step(stack, push, a)
    stack = model.step(stack, push, b)
    assert torch.equal(stack[0, 0], b[0]) and torch.equal(stack[0, 1], a[0])
    stack = model.step(stack, noop, b * 0 + 9)
    assert torch.equal(stack[0, 0], b[0])
    stack = model.step(stack, pop, b * 0 + 9)
    assert torch.equal(stack[0, 0], a[0]) and not stack[0, 1:].any()
    stack = model.step(stack, pop, b * 0 + 9)
    assert not stack.any()                               # popped empty
    # the height trace follows: push, push, noop, pop, pop, pop (empty stays at 0)
    x = _inputs(B=1, n=3, C=5)[:, :6]
    forced = _one_hot([0, 0, 2, 1, 1, 1], 3)[None]
    _, trace = model(x, return_trace=True, forced_actions=forced)
    assert trace.heads["read0"][0].argmax(-1).tolist() == [1, 2, 2, 1, 0, 0]


def test_a_tape_rnn_with_one_hot_actions_is_a_discrete_tape():
    L, M = 7, 2
    tape = torch.zeros(1, L, M)
    n = torch.tensor([3])
    shifts = TapeRNN.shifts(n)
    index = move_index(shifts, L)
    # a discrete tape: a dict of cells, a head; the soft tape keeps the head at cell 0
    cells, head = {}, 0
    for action, value in [(2, 1.0), (2, 2.0), (0, 3.0), (1, 4.0), (4, 5.0), (3, 6.0)]:
        tape = TapeRNN.step(tape, _one_hot([action], 5), torch.full((1, M), value), index)
        cells[head] = value
        head = (head + int(shifts[0, action])) % L
        for cell in range(L):
            expected = cells.get((head + cell) % L, 0.0)
            assert torch.all(tape[0, cell] == expected), (action, cell)


def test_a_one_cell_tape_leaves_only_the_controllers_state():
    """The ablation of benchmarks/tape_ablation.py: the same weights, and each step reads back
    what it has just written, so the outputs are the controller's recurrence alone."""
    torch.manual_seed(0)
    model = TapeRNN(TapeRNNConfig(5, 3, **SMALL["tapernn"]))
    x = _inputs()
    ablated = one_cell_tape(model)
    assert (ablated.config.tape_cells, model.config.tape_cells) == (1, 0)
    logits, trace = ablated(x, return_trace=True)
    h, w, expected = x.new_zeros(3, 16), x.new_zeros(3, 4), []
    for t in range(x.shape[1]):
        h = model.cell(torch.cat([x[:, t], w], -1), h)
        w = torch.tanh(model.write_value(h))
        expected.append(model.output(torch.cat([h, w], -1)))
    assert torch.allclose(logits, torch.stack(expected, 1), atol=1e-6)
    assert trace.heads["read0"].shape[-1] == 1
    assert not torch.allclose(model(x)[0], logits, atol=1e-3)     # the full tape remembers


def test_the_tape_ablation_benchmark_scores_a_tape_rnn_and_refuses_other_runs(tmp_path):
    import subprocess
    import sys

    from analysis.runs import train_run
    from conftest import ROOT

    def trained(machine: str):
        spec = RunSpec(task="odds_first", machine=machine, max_length=4,
                       model=SMALL.get(machine, {"hidden_size": 8}),
                       train={"steps": 3, "batch_size": 4, "threads": 1, "probe_every": 0})
        train_run(spec, tmp_path / machine)
        return str(tmp_path / machine)

    script = [sys.executable, str(ROOT / "benchmarks" / "tape_ablation.py")]
    r = subprocess.run([*script, trained("tapernn"), "--samples", "5"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if line.startswith("| tapernn |")]
    assert [row.split(" | ")[2] for row in rows] == ["2", "4", "8"]
    assert all(0 <= float(v) <= 1 for row in rows for v in row.strip("| ").split(" | ")[3:])
    for args, message in (([trained("lstm")], "a lstm run"),
                          ([str(tmp_path)], "not a tapelab run directory"),
                          ([str(tmp_path / "tapernn"), "--lengths", "4,x"], "--lengths"),
                          ([str(tmp_path / "tapernn"), "--samples", "0"], "--samples")):
        r = subprocess.run([*script, *args], capture_output=True, text=True)
        assert r.returncode != 0 and message in r.stderr and "Traceback" not in r.stderr


def test_their_tape_rnn_variant_follows_their_equations():
    """variant="deletang": h_t = relu(W [x_t, r_{t-1}] + U h_{t-1} + b), w_t = MLP(h_t)
    unsquashed, y_t = W_y h_t (the cell read after the step's move is not seen until t+1)."""
    torch.manual_seed(0)
    model = TapeRNN(TapeRNNConfig(5, 3, variant="deletang", **SMALL["tapernn"]))
    x = _inputs()
    with torch.no_grad():
        model.write_value[-1].bias.fill_(3.0)             # values beyond tanh's range
        logits, _ = model(x)
        h, r, expected = x.new_zeros(3, 16), x.new_zeros(3, 4), []
        ablated = one_cell_tape(model)                    # one cell: r_t = w_t
        for t in range(x.shape[1]):
            h = torch.relu(torch.cat([x[:, t], r], -1) @ model.cell.weight_ih.T
                           + model.cell.bias_ih + h @ model.cell.weight_hh.T
                           + model.cell.bias_hh)
            r = model.write_value(h)
            expected.append(model.output(h))
        assert torch.allclose(ablated(x)[0], torch.stack(expected, 1), atol=1e-5)
        assert r.abs().max() > 1.5                         # not squashed
        # the first step's output cannot see the value that step writes, unlike tapelab's
        ours = TapeRNN(TapeRNNConfig(5, 3, **SMALL["tapernn"]))
        for m in (model, ours):
            before = m(x)[0][:, 0].clone()
            (m.write_value[-1] if isinstance(m.write_value, torch.nn.Sequential)
             else m.write_value).bias.add_(1.0)
            changed = not torch.allclose(m(x)[0][:, 0], before)
            assert changed == (m is ours)
    assert logits.shape == (3, 9, 3)
    with pytest.raises(ValueError, match="variant must be one of tapelab, deletang"):
        TapeRNN(TapeRNNConfig(5, 3, variant="theirs"))
    from click.testing import CliRunner

    from cli import cli
    r = CliRunner().invoke(cli, ["compare", "reverse", "--machines", "tapernn", "--set",
                                 "tapernn.variant=theirs", "--dry-run"])
    assert r.exit_code == 2 and "variant must be one of tapelab, deletang, not 'theirs'" \
        in r.stderr and "Traceback" not in r.output, r.output


def test_haiku_initial_weights_are_truncated_normals_of_one_over_root_fan_in():
    """init="haiku": every weight normal of std 1/sqrt(fan_in) cut at two stds (so about
    0.88/sqrt(fan_in)), every bias zero; PyTorch's input weights are far smaller."""
    torch.manual_seed(0)
    config = dict(input_size=3, output_size=2, hidden_size=256, variant="deletang")
    theirs, ours = (TapeRNN(TapeRNNConfig(**config, init=init)) for init in ("haiku", "torch"))
    layers = [m for m in theirs.modules() if isinstance(m, (torch.nn.Linear, torch.nn.RNNCell))]
    assert len(layers) == 6              # cell, actions, write MLP (3), output
    for layer in layers:
        for name, p in layer.named_parameters():
            if p.dim() == 1:
                assert not p.any(), name
                continue
            std = 1 / p.shape[1] ** 0.5
            assert p.abs().max() <= 2 * std + 1e-6, name
            if p.numel() >= 2000:        # enough draws to pin the spread within 10%
                assert abs(p.std().item() / std - 0.88) < 0.09, (name, p.std().item() / std)
    ih = theirs.cell.weight_ih.std() / ours.cell.weight_ih.std()
    assert ih > 4                        # 0.88/sqrt(11) against 0.58/sqrt(256)
    with pytest.raises(ValueError, match="init must be one of torch, haiku, not 'jax'"):
        TapeRNN(TapeRNNConfig(3, 2, init="jax"))
    from machines.initialisation import haiku_init
    with pytest.raises(ValueError, match="not Conv1d"):
        haiku_init(torch.nn.Sequential(torch.nn.Conv1d(2, 2, 3)))


def test_moves_are_per_example_and_a_shared_index_gives_the_same():
    x = torch.arange(10.0).view(2, 5)
    mixed = move_index(torch.tensor([[0, -1], [0, 2]]), 5)
    assert mixed.shape == (2, 10)
    assert moved(x, mixed).tolist() == [[[0, 1, 2, 3, 4], [4, 0, 1, 2, 3]],
                                        [[5, 6, 7, 8, 9], [7, 8, 9, 5, 6]]]
    shared = move_index(torch.tensor([[0, 2], [0, 2]]), 5)
    assert shared.shape == (10,)
    cells = torch.randn(2, 5, 3)
    per_example = move_index(torch.tensor([[0, 2], [0, 2]]), 5).expand(2, 10)
    assert torch.equal(moved(cells, shared), moved(cells, per_example))
    assert moved(x, shared)[1, 1].tolist() == [7, 8, 9, 5, 6]


def test_a_tape_rnn_batch_of_mixed_input_lengths_runs_each_example_as_alone():
    torch.manual_seed(0)
    model = TapeRNN(TapeRNNConfig(5, 3, hidden_size=16))
    x = torch.cat([_inputs(B=1, n=2), _inputs(B=1, n=4)[:, :5]])   # delimiters at 2 and 4
    with torch.no_grad():
        together, trace = model(x, return_trace=True)
        for b in range(2):
            alone, alone_trace = model(x[b:b + 1], return_trace=True)
            assert torch.allclose(together[b], alone[0], atol=1e-6)
            assert np.allclose(trace.heads["read0"][b], alone_trace.heads["read0"][0], atol=1e-6)


def test_positional_encodings():
    q = torch.randn(1, 1, 6, 8)
    k = torch.randn(1, 1, 1, 8).expand(1, 1, 6, 8)
    rq, rk = rotate(q[:, :, :1].expand(1, 1, 6, 8)), rotate(k)
    scores = (rq * rk).sum(-1)[0, 0]           # same q and k at every position: offset 0
    assert torch.allclose(scores, scores[0].expand(6), atol=1e-5)
    x = _inputs(B=1, n=3)
    perm = torch.tensor([2, 0, 1, 3, 4, 5, 6])
    for position in POSITIONS:
        torch.manual_seed(0)
        model = TransformerEncoder(TransformerConfig(5, 3, model_size=16, heads=2,
                                                     position=position))
        with torch.no_grad():
            out, permuted = model(x)[0], model(x[:, perm])[0]
        equivariant = torch.allclose(out[:, perm], permuted, atol=1e-5)
        assert equivariant == (position == "none"), position
    with pytest.raises(ValueError, match="position must be one of"):
        TransformerEncoder(TransformerConfig(5, 3, position="learned"))


def test_train_sets_model_settings_and_checks_them(tmp_path):
    import json

    from click.testing import CliRunner

    from cli import cli

    out = tmp_path / "alibi"
    r = CliRunner().invoke(cli, ["train", "parity", "--machine", "transformer", "--steps", "2",
                                 "--set", "position=alibi", "--set", "layers=1", "--max-length",
                                 "3", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert json.loads((out / "config.json").read_text())["model"] == {"position": "alibi",
                                                                      "layers": 1}
    for bad in (["--set", "colour=red"], ["--set", "position=learned"], ["--set", "novalue"]):
        r = CliRunner().invoke(cli, ["train", "parity", "--machine", "transformer", "--steps",
                                     "2", *bad, "--out", str(tmp_path / "bad")])
        assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    for value, message in (("64.0", "model.layers is 64.0: a whole number written as a "
                                    "decimal: write 64"),
                           ("1e9", "model.layers is 1000000000.0: outside 1..65536"),
                           ("2.5", "model.layers is 2.5: not a whole number")):
        r = CliRunner().invoke(cli, ["train", "parity", "--machine", "transformer", "--steps",
                                     "2", "--set", f"layers={value}", "--out",
                                     str(tmp_path / "bad")])
        assert r.exit_code == 2 and message in r.stderr, r.output
    assert not (tmp_path / "bad").exists()


def test_long_examples_are_evaluated_in_smaller_batches_with_the_same_scores(monkeypatch):
    import analysis.evaluate as evaluate
    from analysis.evaluate import examples_at
    from tasks.suite import get_task

    duplicate = get_task("duplicate")
    assert evaluate.evaluation_batch(duplicate, examples_at(duplicate, 480, 2, 0), 50) == 8
    assert evaluate.evaluation_batch(duplicate, examples_at(duplicate, 40, 2, 0), 50) == 50
    spec = RunSpec(task="reverse", machine="tapernn", model=SMALL["tapernn"])
    task = task_of(spec)
    torch.manual_seed(0)
    model = build_model(spec, task)
    whole = evaluate.evaluate_sequence_model(model, task, [5], samples=10, batch_size=10)
    steps = task.encode(examples_at(task, 5, 1, 0), "sequence").inputs.shape[1]
    monkeypatch.setattr(evaluate, "TRACE_FLOATS", 3 * steps * (2 * steps + 1))   # 3, 3, 3, 1
    assert evaluate.evaluation_batch(task, examples_at(task, 5, 1, 0), 10) == 3
    split = evaluate.evaluate_sequence_model(model, task, [5], samples=10, batch_size=10)
    a, b = whole[0], split[0]
    assert (a.exact_match, a.symbol_accuracy) == (b.exact_match, b.symbol_accuracy)
    assert a.bits_per_sequence == pytest.approx(b.bits_per_sequence, rel=1e-5)
    assert a.read_entropy == pytest.approx(b.read_entropy, rel=1e-5)
    assert a.extra["sharpness"] == pytest.approx(b.extra["sharpness"], rel=1e-5)


@pytest.mark.parametrize("name", ["tapernn", "transformer"])
def test_rows_at_temperatures_1_and_0_are_the_soft_and_hard_rows(name):
    from analysis.evaluate import evaluate

    spec = RunSpec(task="reverse", machine=name, model=SMALL[name])
    task = task_of(spec)
    torch.manual_seed(0)
    model = build_model(spec, task)
    plain = evaluate(model, task, [3, 6], samples=6, seed=1, kind=name)
    temps = [1.0, 0.5, 0]
    reused = evaluate(model, task, [3, 6], samples=6, seed=1, kind=name, temperatures=temps,
                      known=plain)
    computed = evaluate(model, task, [3, 6], samples=6, seed=1, kind=name, temperatures=temps)
    assert [(r.length, r.addressing, r.temperature) for r in reused] == \
        [(r.length, r.addressing, r.temperature) for r in computed]
    for a, b in zip(reused, computed):
        assert (a.exact_match, a.symbol_accuracy) == (b.exact_match, b.symbol_accuracy)
        assert a.read_entropy == pytest.approx(b.read_entropy, rel=1e-5)
        assert a.extra["sharpness"] == pytest.approx(b.extra["sharpness"], rel=1e-5)
