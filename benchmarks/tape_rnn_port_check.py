"""Is tapelab's port of Delétang et al.'s Tape-RNN their model? One run of their own code,
replayed in the port: the same initial weights, the same batches, in the same order.

    python benchmarks/tape_rnn_port_check.py --record RUN.npz [--code DIR --python PY] \\
        [--seed 1] [--steps 8000] [--lr 5e-4] [--train-length 40] [--batch 32] \\
        [--memory-size 161] [--test-memory-size 641] [--test-lengths 80,160] \\
        [--losses token,sequence]

If ``RUN.npz`` does not exist, benchmarks/deletang_driver.py makes it first (``--record``),
running their code (a checkout ``DIR`` of google-deepmind/neural_networks_chomsky_hierarchy,
under a Python ``PY`` with jax, as for benchmarks/deletang_reference.py) on their odds_first,
whose answer is s_2 s_4 ... then s_1 s_3 ... (tapelab's ``evens_first``); the run's own record
(their score) is kept beside it as ``RUN.json``. Then, in tapelab's port
(``machines/tape_rnn.py``, ``variant="deletang"``, their weights copied in):

1. **the model**: the logits of their first training batch at their initial weights, and the
   gradient of their loss there, beside their code's;
2. **the training**: the port's own loop (``machines.training.train``: Adam, the gradient
   clipped to a norm of 1) on exactly their batches from their initial weights, once for each
   objective in ``--losses`` (``token``: theirs, the cross-entropy averaged over answer tokens;
   ``sequence``: tapelab's default, summed over a sequence's answer steps), its loss beside
   theirs step by step;
3. **the result**: per-token accuracy at the test lengths (and on each half of the answer) of
   their final weights and of each replay's, all scored by the port on the same fresh examples
   in their encoding (input, then one "answer" token per output step; no delimiter step), on
   their ring of ``--memory-size`` cells and on one of ``--test-memory-size``.

Prints the three tables. The inputs are their encoding, not tapelab's ``tasks.encoding`` (which
adds a delimiter step): this checks the machine and its training, not the task's encoding.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from deletang_reference import Setting, train as run_their_code  # noqa: E402
from machines.tape_rnn import TapeRNN, TapeRNNConfig  # noqa: E402
from machines.training import TrainConfig, sequence_loss, train  # noqa: E402
from tasks.base import Example  # noqa: E402
from tasks.encoding import SequenceBatch  # noqa: E402
from tasks.suite import get_task  # noqa: E402

CORE = "tape_input_length_jump_core"
# haiku's action order (stay, left, right, jump left, jump right) moves the tape by 0, +1, -1,
# +n, -n (their new cell m is the written cell m + 1 for "left"); the port's order of shifts
# is 0, -1, +1, -n, +n (machines/tape_rnn.py): the port's action k is their action PERM[k].
PERM = [0, 2, 1, 4, 3]


def haiku_names() -> dict[str, str]:
    """The port's parameters (``machines/tape_rnn.py``, ``variant="deletang"``) -> haiku's
    (module and parameter, joined by a colon, as the driver's ``--record`` keeps them)."""
    rnn, mlp = f"{CORE}/~/vanilla_rnn", f"{CORE}/mlp/~"
    names = {"cell.weight_ih": f"{rnn}/linear:w", "cell.bias_ih": f"{rnn}/linear:b",
             "cell.weight_hh": f"{rnn}/linear_1:w", "cell.bias_hh": f"{rnn}/linear_1:b",
             "actions.weight": f"{CORE}/linear:w", "actions.bias": f"{CORE}/linear:b",
             "output.weight": "linear:w", "output.bias": "linear:b"}
    for layer, theirs in ((0, 0), (2, 1), (4, 2)):        # Linear, ReLU, Linear, ReLU, Linear
        names[f"write_value.{layer}.weight"] = f"{mlp}/linear_{theirs}:w"
        names[f"write_value.{layer}.bias"] = f"{mlp}/linear_{theirs}:b"
    return names


def as_port(name: str, value: np.ndarray) -> torch.Tensor:
    """Their array for the port's parameter ``name``: haiku's [in, out] matrices transposed,
    the actions' rows permuted by :data:`PERM`."""
    x = torch.tensor(value)
    x = x.T if x.dim() == 2 else x
    return (x[PERM] if name.startswith("actions.") else x).contiguous()


def state_dict(record: dict, prefix: str) -> dict[str, torch.Tensor]:
    """Their weights ``prefix/...`` (``init`` or ``final``) as the port's state dict."""
    return {name: as_port(name, record[f"{prefix}/{theirs}"])
            for name, theirs in haiku_names().items()}


def their_batch(inputs: np.ndarray, outputs: np.ndarray) -> SequenceBatch:
    """Strings ``inputs`` [B, n] and answers ``outputs`` [B, m] (symbol indices 0/1) in their
    encoding (utils.make_model_with_empty_targets): n input steps, one-hot on channels 0-1,
    then m steps with channel 2 on, where the answer is read. The port finds n as the first
    step of its last channel, as it finds tapelab's delimiter."""
    B, n = inputs.shape
    m = outputs.shape[1]
    x = torch.zeros(B, n + m, 3)
    x[:, :n, :2] = F.one_hot(torch.as_tensor(inputs, dtype=torch.long), 2).float()
    x[:, n:, 2] = 1.0
    targets = torch.zeros(B, n + m, 2)
    targets[:, n:] = F.one_hot(torch.as_tensor(outputs, dtype=torch.long), 2).float()
    mask = torch.zeros(B, n + m, dtype=torch.bool)
    mask[:, n:] = True
    text = lambda row: "".join(map(str, row))
    return SequenceBatch(x, targets, mask, torch.full((B,), n + m), torch.full((B,), n),
                         torch.full((B,), m), "onehot", ("0", "1"),
                         [Example(text(i), text(o)) for i, o in zip(inputs, outputs)])


def evens_first(strings: np.ndarray) -> np.ndarray:
    """Their odds_first's answer to each row of 0/1 ``strings``: s_2 s_4 ... then s_1 s_3 ...,
    as the suite's ``evens_first`` task solves it (its oracle, on the rows as text)."""
    solve = get_task("evens_first").solve
    return np.array([[int(c) for c in solve("".join(map(str, row)))] for row in strings])


def port(cells: int, weights: dict[str, torch.Tensor] | None = None) -> TapeRNN:
    """The port as their example.py builds their model, on a ring of ``cells``: ``weights``
    loaded, or else haiku's initial weights drawn from torch's generator."""
    model = TapeRNN(TapeRNNConfig(input_size=3, output_size=2, hidden_size=256, tape_width=8,
                                  tape_cells=cells, variant="deletang", init="haiku"))
    if weights is not None:
        model.load_state_dict(weights)
    return model


class ModelCheck(NamedTuple):
    logits_diff: float          # max |port - theirs| over the first batch's logits
    logits_scale: float         # max |theirs|
    loss_theirs: float
    loss_token: float           # the port's, per token
    loss_sequence: float        # the port's, per sequence
    grad_diff_token: float      # max over parameters of |g_port - g_theirs| / |g_theirs|
    grad_diff_sequence: float


def check_model(record: dict, cells: int) -> ModelCheck:
    model = port(cells, state_dict(record, "init"))
    n = int(record["lengths"][0])
    batch = their_batch(record["inputs"][0, :, :n], record["outputs"][0, :, :n])
    theirs = torch.tensor(record["logits"])
    figures = {}
    for per in ("token", "sequence"):
        model.zero_grad()
        logits = model(batch.inputs).logits
        loss = sequence_loss(logits, batch, per).loss
        loss.backward()
        worst = 0.0
        for name, p in model.named_parameters():
            g = as_port(name, record[f"grad/{haiku_names()[name]}"])
            worst = max(worst, float((p.grad - g).norm() / g.norm().clamp(min=1e-12)))
        figures[per] = (float(loss), worst)
    diff = float((logits[:, -n:].detach() - theirs).abs().max())
    return ModelCheck(diff, float(theirs.abs().max()), float(record["loss0"]),
                      figures["token"][0], figures["sequence"][0], figures["token"][1],
                      figures["sequence"][1])


@dataclass
class Replay:
    per: str
    losses: list[float]
    seconds: float
    model: TapeRNN


def replay(record: dict, cells: int, lr: float, per: str, work: Path) -> Replay:
    """The port's training loop on their batches, from their initial weights."""
    lengths = record["lengths"]

    def batch_fn(step: int) -> SequenceBatch:
        n = int(lengths[step])
        return their_batch(record["inputs"][step, :, :n], record["outputs"][step, :, :n])

    return train_port(port(cells, state_dict(record, "init")), batch_fn, len(lengths), lr, per,
                      work / f"replay-{per}")


def train_port(model: TapeRNN, batch_fn, steps: int, lr: float, per: str,
               run_dir: Path) -> Replay:
    """``model`` trained by tapelab's loop (``machines.training.train``) with their
    optimiser (Adam at ``lr``, the gradient clipped to a norm of 1) and the objective ``per``
    (token or sequence), on ``batch_fn(step)``; every step's loss is kept."""
    losses: list[float] = []
    config = TrainConfig(steps=steps, lr=lr, clip_norm=1.0, loss_per=per, log_every=1000,
                         checkpoint_every=10**9, checkpoint_seconds=1e9, probe_every=0,
                         threads=1)
    started = time.time()

    def progress(state, result) -> None:
        losses.append(result.loss)
        if state.step % 500 == 0:
            print(f"  {run_dir.name}: step {state.step}/{steps}, loss {result.loss:.4f}",
                  file=sys.stderr, flush=True)

    state = train(model, batch_fn, config, run_dir, progress=progress)
    if state.status != "finished":
        raise RuntimeError(f"{run_dir.name} stopped: {state.status}")
    return Replay(per, losses, time.time() - started, model)


def per_token(r: Replay, lengths: np.ndarray) -> np.ndarray:
    """A replay's loss at each step, per answer token (their scale): a loss per sequence is
    divided by the batch's answer length."""
    mine = np.array(r.losses)
    return mine / lengths[:len(mine)] if r.per == "sequence" else mine


class Scores(NamedTuple):
    accuracy: float             # per token, over the whole answer
    first_half: float           # s_2 s_4 ...
    second_half: float          # s_1 s_3 ...


def score(model: TapeRNN, length: int, examples: int, seed: int) -> Scores:
    rng = np.random.default_rng(seed)
    strings = rng.integers(0, 2, size=(examples, length))
    batch = their_batch(strings, evens_first(strings))
    with torch.no_grad():
        right = (model(batch.inputs).logits[:, length:].argmax(-1)
                 == batch.targets[:, length:].argmax(-1)).float()
    half = length // 2                   # s_2 s_4 ... has floor(length / 2) symbols
    return Scores(float(right.mean()), float(right[:, :half].mean()),
                  float(right[:, half:].mean()))


def with_cells(model: TapeRNN, cells: int) -> TapeRNN:
    return port(cells, model.state_dict())


def add_run_options(ap: argparse.ArgumentParser) -> None:
    """The run's settings, which default to those of results/deletang_code/len40 (shared with
    benchmarks/tape_rnn_fresh.py)."""
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--train-length", type=int, default=40)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--memory-size", type=int, default=161)
    ap.add_argument("--test-memory-size", type=int, default=641)
    ap.add_argument("--test-lengths", default="80,160")
    ap.add_argument("--examples", type=int, default=128, help="test examples per length")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--record", type=Path, required=True, help="their run's record (.npz)")
    ap.add_argument("--code", type=Path, help="a checkout of their repository")
    ap.add_argument("--python", default=sys.executable, help="a Python with their dependencies")
    ap.add_argument("--seed", type=int, default=1)
    add_run_options(ap)
    ap.add_argument("--losses", default="token,sequence",
                    help="the port's objectives to replay (token, sequence)")
    ap.add_argument("--timeout", type=float, default=7200)
    a = ap.parse_args(argv)
    try:
        tests = [int(x) for x in a.test_lengths.split(",")]
    except ValueError:
        print(f"error: --test-lengths {a.test_lengths!r}: expected numbers separated by commas",
              file=sys.stderr)
        return 2
    losses = [x.strip() for x in a.losses.split(",") if x.strip()]
    if not set(losses) <= {"token", "sequence"}:
        print(f"error: --losses {a.losses!r}: choose from token, sequence", file=sys.stderr)
        return 2
    if not a.record.exists():
        if a.code is None or not (a.code / "experiments" / "training.py").is_file():
            print(f"error: {a.record} does not exist, and --code {a.code} is not a checkout "
                  "of their repository to make it", file=sys.stderr)
            return 2
        setting = Setting("odds_first", "tape_rnn", a.train_length, a.steps, a.batch,
                          tuple(tests), a.memory_size, a.test_memory_size)
        print(f"running their code (seed {a.seed}, {a.steps} steps) ...", file=sys.stderr)
        a.record.parent.mkdir(parents=True, exist_ok=True)
        run_their_code(setting, a.lr, a.seed, a.code, a.python, a.record.with_suffix(".json"),
                       a.timeout, record=a.record)
    try:
        with np.load(a.record) as z:
            record = {k: z[k] for k in z.files}
        state_dict(record, "init")
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {a.record}: not a record of benchmarks/deletang_driver.py --record "
              f"({e})", file=sys.stderr)
        return 2
    model = check_model(record, a.memory_size)
    print(f"Their code's odds_first run (seed {a.seed}, {len(record['lengths'])} steps at "
          f"batch {record['inputs'].shape[1]}, ring of {a.memory_size}), replayed in the port\n")
    print("| the first batch, at their initial weights | value |\n|---|---|")
    print(f"| logits: max abs difference (their largest logit) | {model.logits_diff:.1e} "
          f"({model.logits_scale:.3f}) |")
    print(f"| loss: theirs / the port's per token / per sequence | {model.loss_theirs:.6f} / "
          f"{model.loss_token:.6f} / {model.loss_sequence:.6f} |")
    print(f"| gradient, worst relative difference: per token / per sequence | "
          f"{model.grad_diff_token:.1e} / {model.grad_diff_sequence:.2f} |")
    replays = []
    with tempfile.TemporaryDirectory() as work:
        for per in losses:
            replays.append(replay(record, a.memory_size, a.lr, per, Path(work)))
    theirs = record["losses"]
    print("\n| replay (loss per) | seconds | steps within 1e-3 of their loss (from the start) "
          "| mean loss, last 500 steps: theirs / replay |\n|---|---|---|---|")
    for r in replays:
        mine = per_token(r, record["lengths"])
        off = np.nonzero(np.abs(mine - theirs[:len(mine)]) > 1e-3)[0]
        agree = int(off[0]) if len(off) else len(mine)
        print(f"| {r.per} | {r.seconds:.0f} | {agree} | {theirs[-500:].mean():.4f} / "
              f"{mine[-500:].mean():.4f} |")
    window = 1000
    print(f"\nMean training loss per token over each {window} steps (the batches' own lengths, "
          "1-40):\n")
    print("| steps | theirs | " + " | ".join(f"replay, per {r.per}" for r in replays) + " |\n"
          + "|---" * (2 + len(replays)) + "|")
    for start in range(0, len(theirs), window):
        cells = [theirs[start:start + window].mean()] + [
            per_token(r, record["lengths"])[start:start + window].mean() for r in replays]
        print(f"| {start + 1}-{min(start + window, len(theirs))} | "
              + " | ".join(f"{c:.3f}" for c in cells) + " |")
    finals = [("their code's final weights", port(a.memory_size, state_dict(record, "final")))]
    finals += [(f"replay, loss per {r.per}", r.model) for r in replays]
    print(f"\nPer-token accuracy (first half s_2 s_4 ... / second half s_1 s_3 ...), "
          f"{a.examples} fresh examples per length, scored by the port:\n")
    head = " | ".join(f"{n}, ring {c}" for c in (a.memory_size, a.test_memory_size)
                      for n in tests)
    print(f"| weights | {head} |\n|---" + "|---" * (2 * len(tests)) + "|")
    for name, m in finals:
        cells = [score(with_cells(m, c), n, a.examples, seed=n)
                 for c in (a.memory_size, a.test_memory_size) for n in tests]
        print(f"| {name} | " + " | ".join(f"{s.accuracy:.3f} ({s.first_half:.2f} / "
                                          f"{s.second_half:.2f})" for s in cells) + " |")
    their_json = a.record.with_suffix(".json")
    if their_json.exists():             # their code's own scoring of the run, if it was made here
        r = json.loads(their_json.read_text())
        rings = [(a.memory_size, r.get("accuracy", {})),
                 (a.test_memory_size, r.get("long_tape_accuracy", {}))]
        said = [f"{n}, ring {c}: {acc[str(n)]:.3f}" for c, acc in rings for n in tests
                if str(n) in acc]
        if said:
            print("\nTheir code's own score of the run (its own fresh examples): "
                  + ", ".join(said))
    return 0


if __name__ == "__main__":
    sys.exit(main())
