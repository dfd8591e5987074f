"""Run machines on a task's examples at given lengths and score them."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from tasks.base import Task


@dataclass
class LengthResult:
    length: int
    addressing: str              # "soft" | "hard" ("soft" for machines without addressing)
    bits_per_sequence: float     # wrong bits (or symbols) per sequence
    symbol_accuracy: float
    exact_match: float
    samples: int
    read_entropy: float | None = None
    write_entropy: float | None = None

    def to_json(self) -> dict:
        return asdict(self)


def evaluate_sequence_model(model, task: Task, lengths, *, samples: int = 100, seed: int = 0,
                            hard: bool = False, batch_size: int = 50) -> list[LengthResult]:
    """Score a trained NTM or LSTM on fresh examples of each length (same seed, same examples
    for soft and hard addressing)."""
    import torch

    from machines.training import mean_entropy, sequence_loss

    results = []
    for length in lengths:
        rng = np.random.default_rng([seed, length])
        examples = [task.sample(length, rng) for _ in range(samples)]
        bits, acc, exact, entropies = 0.0, 0.0, 0.0, {}
        for start in range(0, samples, batch_size):
            chunk = examples[start:start + batch_size]
            batch = task.encode(chunk, "sequence")
            with torch.no_grad():
                logits, trace = model(batch.inputs, hard=hard, return_trace=True)
                _, wrong = sequence_loss(logits, batch)
            bits += float(wrong) * len(chunk)
            for e, predicted in zip(chunk, batch.decode(logits)):
                s = task.score(predicted, e)
                acc += s.symbol_accuracy
                exact += s.exact
            if trace is not None:
                for name, w in trace.heads.items():
                    entropies.setdefault(name[:-1] if name[-1].isdigit() else name, []).append(
                        mean_entropy(w))
        results.append(LengthResult(
            length, "hard" if hard else "soft", bits / samples, acc / samples, exact / samples,
            samples, float(np.mean(entropies["read"])) if "read" in entropies else None,
            float(np.mean(entropies["write"])) if "write" in entropies else None))
    return results
