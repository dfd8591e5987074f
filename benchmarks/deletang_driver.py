"""One training run of Delétang et al.'s own code, scored at the lengths asked; run by
benchmarks/deletang_reference.py under a Python that has their dependencies (jax, dm-haiku,
optax, chex, einshape, dm-tree, absl-py, tqdm), never imported by tapelab.

Their code (google-deepmind/neural_networks_chomsky_hierarchy) is used unchanged, as their
``experiments/example.py`` uses it: their task, their model builder with example.py's
architecture settings (256 hidden units, cells of 8 numbers, a tape of 40 cells), their
``make_model_with_empty_targets``, example.py's loss (the cross-entropy, its pointwise loss
summed over classes, averaged over the batch and the output steps: per token) and accuracy
(the masked mean of the per-token accuracy), and their ``TrainingWorker`` (Adam, the
gradient clipped to a global norm of 1, lengths drawn uniformly from 1 to
``--train-length``). Only the scoring differs from example.py's: one batch of
``--test-batch`` fresh examples at each length asked instead of every length up to 100, so
that the score is comparable with tapelab's runs at the same lengths.

Writes the run's record, as JSON, to ``--out`` (which it does not itself record) and prints it as
the last line of stdout. ``--record FILE`` also keeps, as a NumPy ``.npz``, everything
benchmarks/tape_rnn_port_check.py needs to replay the run in tapelab's port: the initial and
final weights, every training batch (as symbol indices), the loss of every step, and the first
batch's logits and gradient at the initial weights."""
import argparse
import json
import time

import haiku as hk
import jax
import jax.numpy as jnp
import numpy as np
from neural_networks_chomsky_hierarchy.experiments import constants, training, utils
from neural_networks_chomsky_hierarchy.experiments import curriculum as curriculum_lib

p = argparse.ArgumentParser()
p.add_argument("--task", default="odds_first")
p.add_argument("--arch", default="tape_rnn")
p.add_argument("--steps", type=int, default=1000)
p.add_argument("--lr", type=float, default=5e-4)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--train-length", type=int, default=40)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--test-batch", type=int, default=128)
p.add_argument("--test-lengths", default="20,40,80,125")
p.add_argument("--memory-size", type=int, default=40)
p.add_argument("--test-memory-size", type=int, default=0)
p.add_argument("--out", required=True)
p.add_argument("--record", default="", help="also keep the run's weights, batches and losses")
a = p.parse_args()



class OddsFirstAsDocumented(constants.TASK_BUILDERS["odds_first"]):
    """Their odds_first in the order its docstring gives, and tapelab's: s_1 s_3 ... then
    s_2 s_4 ... (their code's target is ``s[1::2]`` then ``s[::2]``, s_2 s_4 ... first)."""

    def sample_batch(self, rng, batch_size, length):
        batch = super().sample_batch(rng, batch_size, length)
        strings = batch["input"]
        return {"input": strings,
                "output": jnp.concatenate([strings[:, ::2], strings[:, 1::2]], axis=1)}


TASKS = {**constants.TASK_BUILDERS, "odds_first_as_documented": OddsFirstAsDocumented}
curriculum = curriculum_lib.UniformCurriculum(values=list(range(1, a.train_length + 1)))
task = TASKS[a.task]()
single_output = task.output_length(10) == 1


def build(memory_size: int) -> hk.Transformed:
    """Their model as example.py builds it, its tape a ring of ``memory_size`` cells (the
    weights do not depend on it: the tape is state)."""
    arch = ({"hidden_size": 256, "memory_cell_size": 8, "memory_size": memory_size}
            if a.arch == "tape_rnn" else {})
    core = constants.MODEL_BUILDERS[a.arch](output_size=task.output_size,
                                            return_all_outputs=True, **arch)
    return hk.transform(utils.make_model_with_empty_targets(core, task, 0, single_output))


model = build(a.memory_size)


def loss_fn(output, target):
    return jnp.mean(jnp.sum(task.pointwise_loss_fn(output, target), axis=-1)), {}


def accuracy_fn(output, target):
    mask = task.accuracy_mask(target)
    return jnp.sum(mask * task.accuracy_fn(output, target)) / jnp.sum(mask)


def record_batches(batches: list, results: list, final: hk.Params) -> None:
    """Write ``--record``: the weights as ``init/NAME`` and ``final/NAME`` (NAME is haiku's
    module and parameter name, joined by a colon), the training batches padded with -1 as
    ``inputs`` and ``outputs`` [steps, batch, length] with ``lengths`` [steps], ``losses``
    [steps], and the first batch's ``logits`` and ``grad/NAME`` at the initial weights."""
    dummy, train = batches[0], batches[1:]
    one_hot = lambda ids: jax.nn.one_hot(ids, task.input_size)
    init = model.init(jax.random.PRNGKey(a.seed), one_hot(dummy["input"]))
    first = {k: one_hot(v) for k, v in train[0].items()}

    def first_loss(params):
        out = model.apply(params, None, first["input"])
        return loss_fn(out, first["output"])[0], out

    (loss0, logits), grad = jax.value_and_grad(first_loss, has_aux=True)(init)
    width = max(b["input"].shape[1] for b in train)
    pad = lambda x: np.pad(x, ((0, 0), (0, width - x.shape[1])), constant_values=-1)
    flat = lambda prefix, tree: {f"{prefix}/{m}:{n}": np.asarray(v)
                                 for m, ps in tree.items() for n, v in ps.items()}
    np.savez_compressed(
        a.record, inputs=np.stack([pad(b["input"]) for b in train]),
        outputs=np.stack([pad(b["output"]) for b in train]),
        lengths=np.array([b["input"].shape[1] for b in train]),
        losses=np.array([r["train_loss"] for r in results]), logits=np.asarray(logits),
        loss0=np.asarray(loss0), **flat("init", init), **flat("final", final),
        **flat("grad", grad))


batches = []                    # every batch the run samples, its dummy batch first
if a.record:
    sample = task.sample_batch

    def recorded(rng, batch_size, length):
        batch = sample(rng, batch_size=batch_size, length=length)
        batches.append({k: np.asarray(jnp.argmax(v, -1), np.int8) for k, v in batch.items()})
        return batch

    task.sample_batch = recorded

tp = training.ClassicTrainingParams(
    seed=a.seed, model_init_seed=a.seed, training_steps=a.steps,
    log_frequency=1 if a.record else 100,
    length_curriculum=curriculum, batch_size=a.batch, task=task, model=model, loss_fn=loss_fn,
    learning_rate=a.lr, accuracy_fn=accuracy_fn, compute_full_range_test=False)
t0 = time.time()
results, _, params = training.TrainingWorker(tp, use_tqdm=False).run()
train_s = time.time() - t0
for r in results[:: max(1, len(results) // 20)]:
    print(json.dumps(r), flush=True)
if a.record:
    task.sample_batch = sample
    record_batches(batches, results, params)

tests = [int(x) for x in a.test_lengths.split(",")]


def scores(tested: hk.Transformed) -> tuple[dict, dict, dict]:
    """Per-token accuracy, exact match (every output token right) and the share of examples
    right at each output position, at each length. A length is scored as their
    range_evaluation scores it (one jitted apply, the masked per-token accuracy), on the same
    fresh examples whatever the model."""
    rng = hk.PRNGSequence(1)
    apply_fn = jax.jit(tested.apply)
    acc, exact, positions = {}, {}, {}
    for length in sorted(set([5, a.train_length] + tests)):
        apply_fn.clear_cache()
        batch = task.sample_batch(next(rng), length=length, batch_size=a.test_batch)
        out = apply_fn(params, next(rng), batch["input"])
        acc[length] = float(accuracy_fn(out, batch["output"]))
        right = jnp.argmax(out, -1) == jnp.argmax(batch["output"], -1)
        exact[length] = float(jnp.mean(jnp.all(right, axis=-1)))
        positions[length] = [round(float(x), 4) for x in jnp.mean(right, axis=0)]
    return acc, exact, positions


acc, exact, positions = scores(model)
res = dict({k: v for k, v in vars(a).items() if k != "out"}, train_seconds=train_s,
           score=100 * float(np.mean([acc[k] for k in tests])), accuracy=acc, exact=exact,
           positions=positions, final_train=results[-1])
if a.test_memory_size:
    acc, exact, positions = scores(build(a.test_memory_size))
    res.update(long_tape_score=100 * float(np.mean([acc[k] for k in tests])),
               long_tape_accuracy=acc, long_tape_exact=exact, long_tape_positions=positions)
with open(a.out, "w") as f:
    json.dump(res, f, indent=1)
print(json.dumps(res), flush=True)
