"""The NTM, the LSTM baseline and the one training loop: learning, checkpoints, resume, NaN guard."""
import json

import numpy as np
import pytest
import torch

from analysis.runs import RunSpec, batch_fn, build_model, load_run, task_of, train_run
from machines.ntm import NTM, NTMConfig
from machines.training import TrainConfig, read_metrics, train

SMALL = dict(memory_size=16, memory_width=8, controller_size=32)


def tiny_spec(**train_kw):
    return RunSpec(task="copy", machine="ntm", min_length=1, max_length=3, model=SMALL,
                   train={**dict(steps=40, batch_size=8, log_every=5, checkpoint_every=10,
                                 threads=1), **train_kw})


def test_ntm_shapes_and_traces():
    model = NTM(NTMConfig(4, 3, **SMALL))
    logits, trace = model(torch.randn(5, 7, 4), return_trace=True)
    assert logits.shape == (5, 7, 3) and set(trace.heads) == {"read0", "write0"}
    assert trace.heads["read0"].shape == (5, 7, 16)
    assert np.allclose(trace.heads["write0"].sum(-1), 1, atol=1e-5)
    _, hard = model(torch.randn(5, 7, 4), hard=True, return_trace=True)
    assert set(np.unique(hard.heads["read0"])) == {0.0, 1.0}
    assert model(torch.randn(5, 7, 4))[1] is None


def fixed_loss(model, task, seed=99):
    from machines.training import sequence_loss

    rng = np.random.default_rng(seed)
    batch = task.encode([task.sample(int(rng.integers(1, 4)), rng) for _ in range(64)])
    with torch.no_grad():
        return sequence_loss(model(batch.inputs)[0], batch).loss.item()


def learns(spec, run_dir):
    task = task_of(spec)
    torch.manual_seed(spec.train.get("seed", 0))
    before = fixed_loss(build_model(spec, task), task)
    state = train_run(spec, run_dir)
    _, _, trained = load_run(run_dir)
    return state, before, fixed_loss(trained, task)


def test_ntm_learns_a_tiny_copy_task(tmp_path):
    state, before, after = learns(tiny_spec(steps=300, lr=3e-3), tmp_path)
    assert state.status == "finished" and state.step == 300
    assert after < 0.3 * before, (before, after)


def test_lstm_learns_a_tiny_copy_task(tmp_path):
    spec = RunSpec(task="copy", machine="lstm", min_length=1, max_length=3,
                   model=dict(hidden_size=64, layers=1),
                   train=dict(steps=400, batch_size=16, log_every=10, lr=1e-2, threads=1))
    _, before, after = learns(spec, tmp_path)
    assert after < 0.3 * before, (before, after)


def test_resume_gives_the_same_losses_as_an_uninterrupted_run(tmp_path):
    whole, split = tmp_path / "whole", tmp_path / "split"
    train_run(tiny_spec(), whole)
    spec = tiny_spec()
    spec.train["steps"] = 20
    train_run(spec, split)
    assert json.loads((split / "config.json").read_text())["train"]["steps"] == 20
    state = train_run(None, split, resume=True, steps=40)
    assert state.step == 40
    a, b = read_metrics(whole), read_metrics(split)
    assert [r["step"] for r in a] == [r["step"] for r in b]
    assert np.allclose([r["loss"] for r in a], [r["loss"] for r in b], rtol=1e-5)


def tiny_model():
    """(spec, untrained model, batch function) of the tiny copy run, seeded as train_run does."""
    spec = tiny_spec()
    task = task_of(spec)
    torch.manual_seed(0)
    return spec, build_model(spec, task), batch_fn(spec, task, 0, 8)


def test_interrupt_saves_and_resume_continues(tmp_path):
    spec, model, inner = tiny_model()

    def interrupting(step):
        if step == 13:
            raise KeyboardInterrupt
        return inner(step)
    config = TrainConfig(**spec.train)
    state = train(model, interrupting, config, tmp_path)
    assert state.status == "interrupted" and state.step == 13
    (tmp_path / "config.json").write_text(json.dumps(spec.__dict__))
    resumed = train_run(None, tmp_path, resume=True)
    assert resumed.status == "finished" and resumed.step == 40
    reference = tmp_path / "reference"
    train_run(tiny_spec(), reference)
    assert np.allclose([r["loss"] for r in read_metrics(tmp_path)],
                       [r["loss"] for r in read_metrics(reference)], rtol=1e-5)


def test_nan_guard_skips_restores_and_halves_the_rate(tmp_path):
    spec, model, inner = tiny_model()

    def poisoned(step):
        batch = inner(step)
        if step in (5, 6, 7, 30):
            batch.inputs[0, 0, 0] = float("nan")          # a NaN loss and NaN gradients
        return batch
    state = train(model, poisoned, TrainConfig(**spec.train), tmp_path)
    assert state.status == "finished" and state.step == 40
    assert (state.skipped, state.restores) == (4, 1) and state.lr == pytest.approx(0.5e-3)
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert read_metrics(tmp_path)[-1]["skipped"] == 4


def test_metrics_log_the_learning_rate_in_use(tmp_path):
    from machines.training import scheduled_lr

    train_run(tiny_spec(steps=40, lr_schedule="cosine", lr=0.01), tmp_path)
    rows = read_metrics(tmp_path)
    assert [r["step"] for r in rows][:2] == [5, 10]
    for r in rows:              # the rate of the step's update (progress before it)
        assert r["lr"] == pytest.approx(scheduled_lr(0.01, (r["step"] - 1) / 40)), r["step"]
    assert rows[-1]["lr"] < 0.002 < 0.009 < rows[0]["lr"]


def test_the_sharpening_prior_is_logged_and_lowers_entropy(tmp_path):
    """Trained with a strong prior, the heads end sharper than without it (same seed)."""
    plain = train_run(tiny_spec(steps=60), tmp_path / "plain")
    sharp = train_run(tiny_spec(steps=60, sharpen=2.0), tmp_path / "sharp")
    assert plain.status == sharp.status == "finished"
    rows = {name: read_metrics(tmp_path / name) for name in ("plain", "sharp")}
    assert "prior" not in rows["plain"][-1] and rows["sharp"][-1]["prior"] > 0
    last = {k: v[-1]["entropy_read0"] + v[-1]["entropy_write0"] for k, v in rows.items()}
    assert last["sharp"] < last["plain"]


def test_the_training_time_probe_logs_exact_match_at_twice_the_length(tmp_path):
    train_run(tiny_spec(steps=40, probe_every=20, log_every=7), tmp_path)
    rows = read_metrics(tmp_path)
    probed = [r for r in rows if "probe_exact" in r]
    assert [r["step"] for r in probed] == [20, 40]        # a row at every probe step
    assert all(r["probe_length"] == 6 and 0 <= r["probe_exact"] <= 1
               and 0 <= r["probe_accuracy"] <= 1 and r["probe_read_entropy"] >= 0
               for r in probed)
    assert [r["step"] for r in rows if "probe_exact" not in r] == [7, 14, 21, 28, 35]
    train_run(tiny_spec(steps=10, probe_every=0, log_every=5), tmp_path / "off")
    assert not any("probe_exact" in r for r in read_metrics(tmp_path / "off"))


def test_load_run_and_evaluate(tmp_path):
    from analysis.evaluate import evaluate_sequence_model

    train_run(tiny_spec(steps=10), tmp_path)
    spec, task, model = load_run(tmp_path)
    soft = evaluate_sequence_model(model, task, [2, 4], samples=6)
    hard = evaluate_sequence_model(model, task, [2, 4], samples=6, hard=True)
    assert [r.length for r in soft] == [2, 4] and hard[0].addressing == "hard"
    assert 0 <= soft[0].symbol_accuracy <= 1 and soft[0].read_entropy is not None
    assert hard[0].read_entropy == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(FileNotFoundError, match="not a tapelab run"):
        load_run(tmp_path / "nowhere")


def test_cli_train_eval_resume(tmp_path):
    from click.testing import CliRunner

    from cli import cli

    run = tmp_path / "r"
    args = ["train", "copy", "--steps", "12", "--batch", "4", "--max-length", "3",
            "--out", str(run), "--threads", "1"]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert {p.name for p in run.iterdir()} == {"config.json", "metrics.jsonl", "checkpoint.pt"}
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "--force" in again.stderr        # nothing overwritten
    r = CliRunner().invoke(cli, ["train", "--resume", str(run), "--steps", "20"])
    assert r.exit_code == 0 and "20 steps" in r.stdout
    r = CliRunner().invoke(cli, ["eval", str(run), "--lengths", "2,5", "--samples", "4",
                                 "--hard", "--json"])
    obj = json.loads(r.stdout)
    assert obj["task"] == "copy" and [(x["length"], x["addressing"]) for x in obj["results"]] \
        == [(2, "soft"), (5, "soft"), (2, "hard"), (5, "hard")]
    assert set(obj["results"][0]) == {"length", "addressing", "temperature",
                                      "bits_per_sequence", "symbol_accuracy", "exact_match"}
    r = CliRunner().invoke(cli, ["eval", str(run), "--lengths", "3", "--samples", "4",
                                 "--temperatures", "1,0.5,0,adaptive", "--json"])
    rows = json.loads(r.stdout)["results"]
    assert [(x["addressing"], x["temperature"]) for x in rows] == [
        ("soft", 1.0), ("tempered", 0.5), ("hard", 0.0), ("tempered", "adaptive")]
    text = CliRunner().invoke(cli, ["eval", str(run), "--lengths", "3", "--samples", "4",
                                    "--temperatures", "0.25"])
    assert text.exit_code == 0 and "0.25" in text.stdout
    for bad_t in ("-1", "warm", "1,,2"):
        r = CliRunner().invoke(cli, ["eval", str(run), "--temperatures", bad_t])
        assert r.exit_code == 2 and "temperature" in r.stderr, r.output
    both = CliRunner().invoke(cli, ["eval", str(run), "--temperatures", "1", "--hard"])
    assert both.exit_code == 2
    bad = CliRunner().invoke(cli, ["eval", str(tmp_path)])
    assert bad.exit_code == 2 and "not a tapelab run" in bad.stderr
    assert CliRunner().invoke(cli, ["train", "nosuchtask"]).exit_code == 2


def test_a_resumed_runs_eta_counts_down_to_the_seconds_it_was_given_more(tmp_path, capsys):
    """`train --resume RUN --time-budget 5` trains 5 s *more*; its progress line counted down
    to 5 s in all (ETA 0:00 from the first line) until it read the run's own limits."""
    from types import SimpleNamespace

    from click.testing import CliRunner

    from analysis.runs import read_spec
    from cli import _Progress, cli

    run = tmp_path / "r"
    r = CliRunner().invoke(cli, ["train", "copy", "--machine", "lstm", "--steps", "3",
                                 "--batch", "2", "--max-length", "2", "--out", str(run),
                                 "--threads", "1"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["train", "--resume", str(run), "--time-budget", "2"])
    assert r.exit_code == 0, r.output
    budget = read_spec(run).train["time_budget"]
    assert budget > 2                       # recorded as a total: the seconds before + 2
    progress = _Progress(None, 600, run)    # as `train --resume RUN --time-budget 600` makes it
    progress.last = float("-inf")           # print now, not after the first 15 s
    state = SimpleNamespace(step=10, seconds=budget - 120, sequences=20)
    progress(state, SimpleNamespace(loss=1.0, bits=1.0))
    assert capsys.readouterr().err.rstrip().endswith("ETA 2:00")


def test_the_loss_per_token_is_the_loss_per_sequence_over_its_answer_steps():
    """Delétang et al.'s objective averages the cross-entropy over answer tokens; ours by
    default sums it over a sequence's answer steps. On a batch of one answer length n they
    differ by n, and on mixed lengths the token mean weighs every answer step alike."""
    from machines.training import sequence_loss
    from tasks.suite import get_task

    task = get_task("odds_first")
    rng = np.random.default_rng(0)
    same = task.encode([task.sample(6, rng) for _ in range(5)])
    logits = torch.randn(*same.targets.shape, generator=torch.Generator().manual_seed(1))
    per_sequence = sequence_loss(logits, same).loss
    assert torch.isclose(sequence_loss(logits, same, "token").loss, per_sequence / 6)
    mixed = task.encode([task.sample(n, rng) for n in (2, 9)])
    logits = torch.randn(*mixed.targets.shape, generator=torch.Generator().manual_seed(2))
    steps = torch.nn.functional.cross_entropy(logits.transpose(1, 2), mixed.targets.argmax(-1),
                                              reduction="none")[mixed.mask]
    assert mixed.mask.sum() == 11
    assert torch.isclose(sequence_loss(logits, mixed, "token").loss, steps.mean())
    assert torch.isclose(sequence_loss(logits, mixed).loss, steps.sum() / 2)


def test_an_unknown_loss_per_is_refused():
    with pytest.raises(ValueError, match="loss_per 'word': choose one of sequence, token"):
        TrainConfig(loss_per="word")
