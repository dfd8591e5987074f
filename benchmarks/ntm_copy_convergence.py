"""The NTM on the NTM paper's copy task: how fast it learns, and how far what it learns reaches.

    python benchmarks/ntm_copy_convergence.py [--preset ntm] [--seeds 5] [--max-seconds 300]
        [--parallel 2] [--lengths 20,40,80,120] [--set KEY=VALUE ...]

8-bit vectors, lengths 1 to 20, memory 128 x 20, LSTM controller of 100 units, one read and
one write head. Presets: ``generic`` is the recipe every machine gets (Collier & Beel: Adam
1e-3, norm clip 50, batch 32); ``ntm`` adds the NTM's own settings (the registry's
``NTM_DEFAULTS``: gate bias -3, Adam 3e-3 with cosine decay over the run), which ``tapelab
train`` and ``compare`` use. ``--set`` adds model or training settings (``sharpen=0.1``,
``sharpen_schedule=late``, ``memory_size=64``, ``controller=feedforward``, ...).

Every 50 steps the bit error per sequence is measured on 100 fresh examples of lengths 1-20; a
seed has converged when it falls below 0.1 (Collier & Beel's criterion): the table gives the
training seconds (evaluation excluded) and sequences until then. Training goes on to
``--max-seconds``; then exact match at ``--lengths`` with soft and with argmax ("hard")
addressing, and the read and write entropy at the longest length. Seeds run ``--parallel`` at
a time, one torch thread each (the demo's setting: two runs share a 2-core CPU).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def one_seed(seed: int, max_seconds: float, preset: str, settings: dict,
             lengths: list[int]) -> dict:
    import numpy as np
    import torch

    from analysis.evaluate import evaluate
    from analysis.runs import RunSpec, batch_fn, build_model, check_spec, task_of
    from machines.registry import NTM_DEFAULTS
    from machines.training import RECIPES, TrainConfig, sequence_loss, train

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    own = NTM_DEFAULTS if preset == "ntm" else {"model": {}, "train": {}}
    train_keys = set(TrainConfig.__dataclass_fields__)
    model_set = {**own["model"], **{k: v for k, v in settings.items() if k not in train_keys}}
    train_set = {**RECIPES["collier-beel"], **own["train"], "steps": None,
                 "time_budget": max_seconds, "seed": seed, "threads": 1, "log_every": 100,
                 "checkpoint_every": 10**9, "checkpoint_seconds": 1e9, "probe_every": 0,
                 **{k: v for k, v in settings.items() if k in train_keys}}
    spec = check_spec(RunSpec(task="copy", bits=8, machine="ntm", model=model_set,
                              train=train_set))
    task = task_of(spec)
    model = build_model(spec, task)
    config = TrainConfig(**spec.train)
    rng_seed, found, spent = 777, {}, [0.0]

    def bit_error() -> float:
        rng = np.random.default_rng(rng_seed)
        total = 0.0
        with torch.no_grad():
            for n in range(1, 21):
                batch = task.encode([task.sample(n, rng) for _ in range(5)])
                total += float(sequence_loss(model(batch.inputs)[0], batch).bits) * 5
        return total / 100

    def progress(state, result):
        if not found and state.step % 50 == 0 and result.bits < 1.0:
            t0 = time.perf_counter()
            err = bit_error()
            spent[0] += time.perf_counter() - t0
            if err < 0.1:
                found.update(seconds=state.seconds - spent[0], sequences=state.sequences)
    with tempfile.TemporaryDirectory() as d:
        state = train(model, batch_fn(spec, task, seed, config.batch_size), config, d,
                      progress=progress)
    model.eval()
    rows = evaluate(model, task, lengths, samples=50, seed=4242, kind="ntm")
    exact = {f"{r.addressing}{r.length}": r.exact_match for r in rows}
    far = [r for r in rows if r.addressing == "soft" and r.length == max(lengths)][0]
    return {"seed": seed, "converged_s": found.get("seconds"),
            "converged_seq": found.get("sequences"), "sequences": state.sequences,
            "exact": exact, "read_H": far.read_entropy, "write_H": far.write_entropy}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", choices=["generic", "ntm"], default="ntm")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("--lengths", default="20,40,80,120")
    ap.add_argument("--set", dest="settings", action="append", default=[],
                    metavar="KEY=VALUE")
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    settings = {}
    for pair in args.settings:
        key, _, value = pair.partition("=")
        try:
            settings[key] = json.loads(value)
        except ValueError:
            settings[key] = value
    lengths = [int(x) for x in args.lengths.split(",")]
    if args.worker is not None:           # one seed, in its own process
        print(json.dumps(one_seed(args.worker, args.max_seconds, args.preset, settings,
                                  lengths)))
        return
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    results, running = [], []
    base = [sys.executable, __file__, "--preset", args.preset, "--max-seconds",
            str(args.max_seconds), "--lengths", args.lengths] + \
        [x for pair in args.settings for x in ("--set", pair)]
    print(f"preset {args.preset} {settings or ''}: {len(seeds)} seeds x {args.max_seconds:g} s, "
          f"{args.parallel} at a time", flush=True)
    while seeds or running:
        while seeds and len(running) < args.parallel:
            s = seeds.pop(0)
            running.append(subprocess.Popen(base + ["--worker", str(s)], stdout=subprocess.PIPE,
                                            text=True))
        done = running.pop(0)
        out, _ = done.communicate()
        results.append(json.loads(out.strip().splitlines()[-1]))
    results.sort(key=lambda r: r["seed"])
    cols = [f"{a}{n}" for a in ("soft", "hard") for n in lengths]
    print(f"{'seed':>4} {'conv s':>7} {'conv seq':>9} {'sequences':>10} "
          + " ".join(f"{c:>8}" for c in cols) + f" {'read H':>7} {'write H':>7}")
    for r in results:
        cs = "-" if r["converged_s"] is None else f"{r['converged_s']:.0f}"
        cq = "-" if r["converged_seq"] is None else f"{r['converged_seq']:,}"
        print(f"{r['seed']:>4} {cs:>7} {cq:>9} {r['sequences']:>10,} "
              + " ".join(f"{r['exact'][c]:>8.2f}" for c in cols)
              + f" {r['read_H']:>7.3f} {r['write_H']:>7.3f}")
    conv = [r for r in results if r["converged_s"] is not None]
    secs = sorted(r["converged_s"] if r["converged_s"] is not None else float("inf")
                  for r in results)
    seqs = sorted(r["converged_seq"] if r["converged_seq"] is not None else float("inf")
                  for r in results)
    far = max(lengths)
    print(f"converged {len(conv)}/{len(results)}; median {statistics.median(secs):.0f} s, "
          f"{statistics.median(seqs):,.0f} sequences; exact >= 0.9 at length {far}: soft "
          f"{sum(r['exact'][f'soft{far}'] >= 0.9 for r in results)}/{len(results)}, hard "
          f"{sum(r['exact'][f'hard{far}'] >= 0.9 for r in results)}/{len(results)}")


if __name__ == "__main__":
    main()
