"""The comparison report, rebuilt from a compare directory on disk (no retraining).

Writes ``report.json`` (every number), ``figures/*.png``, ``report.md`` and ``index.html`` (one
self-contained page, images embedded).
"""
from __future__ import annotations

import json
import platform
from dataclasses import asdict
from pathlib import Path
from typing import NamedTuple

import numpy as np

from analysis import dynamics, figures as F, tempering
from analysis.compare import Job, unfinished
from analysis.document import Block, Figure, Heading, Paragraph, Table, markdown, page
from analysis.headline import headline
from analysis.layout import (COMPARE, REPORT, RUNS, compare_kind, load_evaluations,
                             read_failures, read_json, read_skipped)
from analysis.protocol import PUBLISHED_LABEL, SOLVED, protocol_table
from analysis.statistics import (FIT, GENERALISES, best_measures, measure_aucs,
                                 sharpness_correlations)
from machines import registry
from machines.display import counted
from machines.files import write_atomic
from tasks.suite import get_task

TITLE = "tapelab comparison report"
# every report has these sections, in this order (a section with nothing to show says so)
FIGURE_SECTIONS = ("Accuracy against length", "Training curves", "Addressing heatmaps",
                   "Sharpness and generalisation", "State diagrams")   # figures only
SECTIONS = ("What this comparison found", "Summary", "Sharpness statistics",
            "Sharpening at test time", "Entropy during training", *FIGURE_SECTIONS)
PROTOCOL = "Delétang et al.'s protocol"     # a section only where a task is shared with theirs


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("tapelab", "numpy", "torch", "networkx", "click", "matplotlib"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _mean(values):
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def summary(evaluations: list[dict]) -> list[dict]:
    """One row per (task, machine, addressing): means over seeds, per length."""
    groups: dict[tuple, list[dict]] = {}
    for ev in evaluations:
        for r in ev["results"]:
            groups.setdefault((ev["task"], ev["machine"], r["addressing"]), []).append(
                dict(r, _training=ev.get("training", {})))
    out = []
    for (task, machine, addressing), rows in sorted(groups.items()):
        lengths = sorted({r["length"] for r in rows})
        by = {n: [r for r in rows if r["length"] == n] for n in lengths}
        out.append({
            "task": task, "machine": machine, "addressing": addressing,
            "exact_match": {n: _mean([r["exact_match"] for r in by[n]]) for n in lengths},
            "symbol_accuracy": {n: _mean([r["symbol_accuracy"] for r in by[n]]) for n in lengths},
            "read_entropy": _mean([r["read_entropy"] for r in rows]),
            "write_entropy": _mean([r["write_entropy"] for r in rows]),
            "steps": {n: _mean([r.get("steps") for r in by[n]]) for n in lengths}
            if F.family(machine) == "classical" else None,
            "training_seconds": _mean([r["_training"].get("seconds") for r in rows]),
            "sequences": _mean([r["_training"].get("sequences") for r in rows]),
        })
    soft = {(s["task"], s["machine"]): s for s in out if s["addressing"] == "soft"}
    for s in out:
        if s["addressing"] == "hard" and (s["task"], s["machine"]) in soft:
            soft_row = soft[(s["task"], s["machine"])]
            gap = {n: soft_row["exact_match"][n] - s["exact_match"][n] for n in s["exact_match"]
                   if n in soft_row["exact_match"]}
            soft_row["hard_soft_gap"] = gap
    return out


# ------------------------------------------------------------------------------ the report
def build_report(out: str | Path) -> dict:
    """(Re)build report.json, figures, report.md and index.html from ``out``, which no other
    tapelab process may fill meanwhile (:func:`machines.files.claim`)."""
    from machines.files import claim

    out = Path(out)
    with claim(out, ours=compare_kind, make=False):
        return _build(out)


def _build(out: Path) -> dict:
    evaluations = load_evaluations(out)
    meta = read_json(out / COMPARE)
    assert isinstance(meta, dict)           # load_evaluations checked it
    meta.setdefault("created", None)
    skipped = read_skipped(out)
    order = meta["settings"].get("tasks")
    order = order if isinstance(order, list) else []
    tasks = sorted({ev["task"] for ev in evaluations},
                   key=lambda t: order.index(t) if t in order else len(order))
    machines = [m for m in registry.names() if any(ev["machine"] == m for ev in evaluations)]
    rows = summary(evaluations)
    results = [{k: r[k] for k in ("task", "machine", "seed", "length", "addressing",
                                  "exact_match", "symbol_accuracy", "read_entropy",
                                  "write_entropy")} for ev in evaluations for r in ev["results"]]
    extra = {ev["run"]: {k: ev[k] for k in ("mass_on_classical_head", "isomorphic_to_reference",
                                            "induce", "synthesis") if k in ev}
             for ev in evaluations}
    report = {"tasks": tasks, "machines": machines, "results": results, "summary": rows,
              "training": {ev["run"]: ev.get("training", {}) for ev in evaluations},
              "soft_tm": {k: v for k, v in extra.items() if v}, "skipped": skipped,
              "created": meta["created"], "versions": _versions()}
    protocol = protocol_table(evaluations)
    if protocol:
        report["protocol"] = {"label": PUBLISHED_LABEL, "rows": protocol}
    report["failed"] = read_failures(out)
    report["unfinished"] = unfinished(meta["settings"], {ev["run"] for ev in evaluations}
                                      | {f["job"] for f in report["failed"]})
    report["sharpness_statistics"] = [asdict(c) for c in sharpness_correlations(evaluations)]
    aucs = measure_aucs(evaluations)
    report["sharpness_measures"] = [asdict(a) for a in aucs]
    report["best_measures"] = {k: asdict(v) for k, v in best_measures(aucs).items()}
    report["temperatures"] = {"best": [asdict(b) for b in
                                       tempering.best_temperatures(evaluations)],
                              "curves": tempering.curves(evaluations)}
    found = dynamics.all_moments(evaluations)
    report["dynamics"] = {"runs": [asdict(m) for m in found],
                          "by_machine": dynamics.median_lags(found)}
    seconds = [ev.get("training", {}).get("seconds") or 0.0 for ev in evaluations]
    report["training_cost"] = {"runs": len(evaluations), "seconds": round(sum(seconds), 1)}
    report["headline"] = headline(report)
    images = _figures(out, report, evaluations)
    blocks = _blocks(report, images)
    for name, text in ((REPORT, json.dumps(report, indent=1, default=str)),
                       ("report.md", markdown(TITLE, blocks, out)),
                       ("index.html", page(TITLE, blocks))):
        write_atomic(out / name, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
    return report


def _figures(out: Path, report: dict, evaluations: list[dict]) -> dict[str, list[Figure]]:
    """Every figure, by the section it belongs to."""
    figures = out / "figures"
    figures.mkdir(exist_ok=True)
    images: dict[str, list[Figure]] = {s: [] for s in (*SECTIONS, PROTOCOL)}

    def add(section: str, path: Path | None, caption: str) -> None:
        if path is not None:
            images[section].append(Figure(path, caption))

    add(PROTOCOL,
        F.fig_protocol(report.get("protocol", {}).get("rows", []), figures / "protocol.png",
                       report["tasks"]),
        "the score of every machine on every task: as trained (colour), under argmax "
        "addressing, and published")
    for machine, curves in report["temperatures"]["curves"].items():
        add("Sharpening at test time",
            F.fig_temperatures(machine, curves, figures / f"temperatures_{machine}.png"),
            f"{machine}: accuracy against length at each temperature")
    for task in report["tasks"]:
        add("Entropy during training",
            F.fig_dynamics(evaluations, task, figures / f"dynamics_{task}.png"), task)
        add("Accuracy against length",
            F.fig_accuracy(report["summary"], task, figures / f"accuracy_{task}.png"), task)
        add("Training curves",
            F.fig_training(evaluations, task, figures / f"training_{task}.png"), task)
        for ev in evaluations:
            if ev["task"] == task and ev["machine"] in registry.names() \
                    and registry.get(ev["machine"]).addressing:
                add("Addressing heatmaps", F.fig_heatmap(out / RUNS / ev["run"], ev,
                                                         figures / f"heatmap_{ev['run']}.png"),
                    ev["run"])
        images["State diagrams"] += [Figure(p, c) for p, c in F.fig_diagrams(out, task, figures)]
    add("Sharpness and generalisation", F.fig_sharpness(evaluations, figures / "sharpness.png"),
        "every run: coloured by machine, marked by task")
    return images


SHOWN_LENGTHS = 8    # a table cell or a terminal line gives at most this many lengths


class ShownLengths(NamedTuple):
    items: list[tuple[str, object]]     # (length, value), in order of length
    note: str                           # " (8 of 460 lengths)" where some are left out


def shown_lengths(by_length: dict) -> ShownLengths:
    """``by_length``'s (length, value) items in order of length, at most ``SHOWN_LENGTHS`` of
    them evenly spaced from the shortest to the longest, and a note saying how many there are
    when some are left out (report.json keeps them all)."""
    items = sorted(by_length.items(), key=lambda kv: int(kv[0]))
    if len(items) <= SHOWN_LENGTHS:
        return ShownLengths(items, "")
    picks = sorted({round(i * (len(items) - 1) / (SHOWN_LENGTHS - 1))
                    for i in range(SHOWN_LENGTHS)})
    return ShownLengths([items[i] for i in picks], f" ({SHOWN_LENGTHS} of {len(items)} lengths)")


def lengths_text(lengths: list[int]) -> str:
    """``40,80,160`` as given; runs of three or more consecutive lengths as ``41-500``."""
    parts, run = [], [lengths[0]] if lengths else []
    for n in lengths[1:] + [None]:
        if n is not None and n == run[-1] + 1:
            run.append(n)
            continue
        parts += [f"{run[0]}-{run[-1]}"] if len(run) >= 3 else [str(m) for m in run]
        run = [n]
    return ",".join(parts)


def summary_table(report: dict) -> list[str]:
    """The summary as plain text lines (the terminal shows it)."""
    lines = []
    for s in report["summary"]:
        items, note = shown_lengths(s["exact_match"])
        cells = "  ".join(f"{n}:{v:.2f}" for n, v in items) + note
        ent = "" if s["read_entropy"] is None else f"  H(read) {s['read_entropy']:.3f}"
        lines.append(f"{s['task']:<17} {s['machine']:<9} {s['addressing']:<4}  exact@length "
                     f"{cells}{ent}")
    return lines


def _fmt(x, digits=2):
    return "–" if x is None or x != x else f"{x:.{digits}f}"


def _agrees(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "**no**")


def _by_length(d: dict) -> str:
    items, note = shown_lengths(d)
    return " · ".join(f"{n}: {_fmt(v)}" for n, v in items) + note


SUMMARY_HEAD = ["task", "machine", "addressing", "exact match by length",
                "symbol accuracy by length", "classical steps by length", "training s",
                "sequences", "read H", "write H", "soft−hard gap"]


def _summary_tables(report: dict) -> list[Block]:
    """The summary, one table per task family (Chomsky level), in the suite's order."""
    blocks: list[Block] = []
    levels: dict[str, list[dict]] = {}
    for s in report["summary"]:
        levels.setdefault(get_task(s["task"]).level, []).append(s)
    for level, rows in levels.items():
        blocks += [Heading(f"{level} tasks", 3), Table(SUMMARY_HEAD, [
            [s["task"], s["machine"], s["addressing"], _by_length(s["exact_match"]),
             _by_length(s["symbol_accuracy"]), _by_length(s["steps"]) if s["steps"] else "",
             _fmt(s["training_seconds"], 0), _fmt(s["sequences"], 0),
             _fmt(s["read_entropy"], 3), _fmt(s["write_entropy"], 3),
             _by_length(s["hard_soft_gap"]) if s.get("hard_soft_gap") else ""]
            for s in rows])]
    return blocks


STATISTICS_INTRO = ("Sharpness against generalisation: Spearman's rho between each run's read "
                    "entropy at the training length (0 = a one-hot head) and its per-token "
                    "accuracy at the longest tested length. Negative: sharper heads generalise "
                    "further. Each restart of a soft TM counts as a run of its own.")
MEASURES_INTRO = ("Which measure of sharpness (at the training length) tells the runs that "
                  f"generalise (accuracy at the longest length >= {GENERALISES}) from the rest, "
                  "and the runs that succeed under argmax addressing from the rest? AUC 0.5 is "
                  "chance, 1 a perfect ranking. Normalized entropy counts every cell; written "
                  "entropy only the cells that hold something when the head reads, and mass on "
                  "written the share of the read on them.")
SYNTHESIS_INTRO = ("The soft TM's programs beside those of two searches on the same training "
                   "tapes (TerpreT's comparison): Z3 (smt) and a tree search over tables "
                   "(enumerate), a few seconds each. Every program is checked classically on "
                   "held-out inputs of length 20 and 100. The last column counts the distinct "
                   "programs consistent with the examples, up to state renaming, and how many "
                   "of them are general: when it is more than one, the examples leave room for "
                   "wrong programs, whatever the learner.")
PROTOCOL_INTRO = ("Delétang et al.'s score: per-output-token accuracy averaged over the test "
                  "lengths beyond the training range, max and median over seeds, soft addressing "
                  "as trained. The argmax columns (tapelab's, not theirs) score the same runs "
                  "with argmax addressing, for the machines that have it: high there and low as "
                  "trained means the right algorithm with blurred addressing. 'As published' "
                  f"says whether the max and the published value lie on the same side of "
                  f"{SOLVED:.0f}% (solved or not).")
TEMPERATURE_INTRO = ("Each run with addressing is scored again with every head's weighting "
                     "raised to the power 1/T and renormalised (T = 1: as trained; 0: argmax; "
                     "adaptive: T from each weighting's entropy). A run's score is its per-token "
                     "accuracy averaged over the lengths beyond training. A large gain means its "
                     "failure was blur, which sharpening fixes; none, a wrong algorithm. The best "
                     "T is picked by the scores it is judged by; the held-out columns pick T by "
                     "accuracy at the first length beyond training alone and score it, and "
                     "T = 1, on the longer lengths.")
DYNAMICS_INTRO = ("During training, every probe_every steps, exact match on a fixed batch at "
                  f"twice the training length. Sharpened: mean read entropy <= {dynamics.SHARP}; "
                  f"generalised: probe exact match >= {dynamics.GENERALISES}. Lag = sequences at "
                  "generalisation - sequences at sharpening (positive: sharpened first).")


def _hardened_verdict(report: dict, run: str, info: dict) -> str:
    """Whether a soft TM run's hardened program is the reference machine up to renaming, and,
    when it is not, whether it is exact at every tested length anyway (another program for
    the task, not a wrong one)."""
    if info["isomorphic_to_reference"]:
        return "hardened program is the reference machine up to renaming"
    hard = sorted((r["length"], r["exact_match"]) for r in report["results"]
                  if r["addressing"] == "hard" and r["machine"] == "softtm"
                  and Job(r["task"], r["machine"], r["seed"]).name == run)
    if hard and all(exact == 1.0 for _, exact in hard):
        return ("hardened program is a different machine from the reference, and exact at "
                f"every tested length ({', '.join(str(n) for n, _ in hard)}): another "
                "program for the task, not a wrong one")
    return "hardened program is not the reference machine up to renaming"


def _cost_line(report: dict) -> str:
    cost = report["training_cost"]
    return (f"Training cost: {counted(cost['runs'], 'run')}, {cost['seconds']:,.0f} s of "
            "training in all (seconds per run in the summary's `training s` column and in "
            "report.json's `training`).")


def _none(what: str) -> Paragraph:
    return Paragraph(f"(nothing to show for these runs: {what})")


def _blocks(report: dict, images: dict[str, list[Figure]]) -> list[Block]:
    b: list[Block] = [
        Paragraph(f"Tasks: {', '.join(report['tasks'])}. Machines: "
                  f"{', '.join(report['machines'])}. Created {report['created']}."),
        Heading("What this comparison found"), Paragraph(" ".join(report["headline"]), lead=True),
        Heading("Summary")]
    b += _summary_tables(report)
    b.append(Paragraph(_cost_line(report)))
    b += [Paragraph(f"Failed: {f['job']} after {f['attempts']} attempt(s): {f['error']} (its "
                    "failed.json holds the traceback).") for f in report["failed"]]
    if report.get("unfinished"):
        b.append(Paragraph(f"Not finished: {len(report['unfinished'])} run(s) of this "
                           f"comparison's grid ({', '.join(report['unfinished'])}): the sweep "
                           "stopped before them, and this report leaves them out; the same "
                           "compare command finishes them."))
    b += [Paragraph(f"Skipped: {s['machine']} on {s['task']}: {s['reason']}.")
          for s in report["skipped"]]
    for run, info in report["soft_tm"].items():
        if "isomorphic_to_reference" in info:
            b.append(Paragraph(f"{run}: {_hardened_verdict(report, run, info)}; head mass on the "
                               "classical head's cell by length: " + ", ".join(
                                   f"{n}: {v:.3f}" for n, v in
                                   info["mass_on_classical_head"].items())))
    searched = {run: info["synthesis"] for run, info in report["soft_tm"].items()
                if "synthesis" in info}
    if searched:
        b += [Heading("Symbolic against differentiable induction"), Paragraph(SYNTHESIS_INTRO)]
        for run, table in searched.items():
            b += [Heading(run, 3), Table(table["head"], table["rows"])]
    rows = report.get("protocol", {}).get("rows", [])
    if rows:
        b += [Heading(PROTOCOL),
              Paragraph(f"{PROTOCOL_INTRO} Published: {report['protocol']['label']}."),
              *images[PROTOCOL],
              Table(["task", "machine", "score max %", "score median %", "argmax max %",
                     "argmax median %", "seeds", "test lengths", "published %",
                     "as published"],
                    [[r["task"], r["machine"], f"{r['max']:.1f}", f"{r['median']:.1f}",
                      _fmt(r.get("argmax_max"), 1), _fmt(r.get("argmax_median"), 1),
                      str(r["seeds"]), lengths_text(r["lengths"]),
                      _fmt(r["published"], 1), _agrees(r.get("agrees"))] for r in rows])]
    b += [Heading("Sharpness statistics"), Paragraph(STATISTICS_INTRO)]
    stats = report["sharpness_statistics"]
    b.append(Table(["machine", "runs", "which runs", "Spearman rho", "95% bootstrap interval"],
                   [[c["group"], str(c["runs"]), f"fit training (acc >= {FIT})" if c["fitted"]
                     else "all", _fmt(c["rho"]), f"{_fmt(c['low'])} .. {_fmt(c['high'])}"]
                    for c in stats]) if stats else _none("fewer than 3 runs with addressing"))
    b.append(Paragraph(MEASURES_INTRO))
    aucs = report["sharpness_measures"]
    b.append(Table(["measure", "separates", "which runs", "runs", "positive", "AUC"],
                   [[a["measure"], a["target"], "fit training" if a["fitted"] else "all",
                     str(a["runs"]), str(a["positives"]), _fmt(a["auc"])] for a in aucs])
             if aucs else _none("fewer than 2 runs with addressing"))
    b += [Heading("Sharpening at test time"), Paragraph(TEMPERATURE_INTRO)]
    best = report["temperatures"]["best"]
    b.append(Table(["run", "best T", "score at best T", "score at T = 1", "gain", "rescued",
                    "held-out T", "held-out score", "held-out at T = 1"],
                   [[t["run"], t["best"], _fmt(t["score"]), _fmt(t["score_t1"]),
                     f"{t['gain']:+.2f}", "yes" if t["rescued"] else "",
                     t.get("chosen") or "–", _fmt(t.get("held_out")),
                     _fmt(t.get("held_out_t1"))] for t in best])
             if best else _none("no run scored at test-time temperatures"))
    b += images["Sharpening at test time"]
    b += [Heading("Entropy during training"), Paragraph(DYNAMICS_INTRO)]
    found = report["dynamics"]["runs"]
    b.append(Table(["run", "sharpened at (sequences)", "generalised at (sequences)", "lag"],
                   [[m["run"], _fmt(m["sharpened_at"], 0), _fmt(m["generalises_at"], 0),
                     _fmt(m["lag"], 0)] for m in found])
             if found else _none("no run logged probes"))
    b += images["Entropy during training"]
    for section in FIGURE_SECTIONS:
        b.append(Heading(section))
        b += images[section] or [_none("no figure")]
    return b
