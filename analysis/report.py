"""The comparison report, rebuilt from a compare directory on disk (no retraining).

Writes ``report.json`` (every number), ``figures/*.png``, ``report.md`` and ``index.html`` (one
self-contained page, images embedded).
"""
from __future__ import annotations

import base64
from dataclasses import asdict
import html
import json
import platform
import warnings
import zipfile
from pathlib import Path

import numpy as np

from analysis.layout import (COMPARE, RUNS, load_evaluations, read_failures, read_json,
                             read_skipped)
from analysis.protocol import PUBLISHED_LABEL, protocol_table
from analysis.statistics import FIT, sharpness_correlations
from machines import registry
from machines.files import write_atomic

SECTIONS = ("Summary", "Accuracy against length", "Training curves", "Addressing heatmaps",
            "Sharpness and generalisation", "State diagrams")


def _colour(machine: str) -> str | None:
    """The machine's colour in every figure (its registry entry's)."""
    return registry.get(machine).colour if machine in registry.names() else None


def _family(machine: str) -> str | None:
    return registry.get(machine).family if machine in registry.names() else None


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
            if _family(machine) == "classical" else None,
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


# ------------------------------------------------------------------------------ figures
def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(fig, ax, path: Path) -> Path:
    """Grid, legend (when something is labelled), tight layout, PNG, close."""
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _plt().close(fig)
    return path


def fig_accuracy(rows: list[dict], task: str, path: Path) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for s in rows:
        if s["task"] != task:
            continue
        xs = sorted(s["exact_match"], key=int)
        style = "-" if s["addressing"] == "soft" or _family(s["machine"]) == "classical" \
            else "--"
        ax.plot([int(x) for x in xs], [s["exact_match"][x] for x in xs], style, marker="o",
                color=_colour(s["machine"]), label=f"{s['machine']} ({s['addressing']})")
    ax.set(xlabel="input length", ylabel="exact match", ylim=(-0.05, 1.05),
           title=f"{task}: accuracy against length")
    return _save(fig, ax, path)


def fig_training(evaluations: list[dict], task: str, path: Path) -> Path | None:
    curves = [ev for ev in evaluations if ev["task"] == task and ev.get("curve")]
    if not curves:
        return None
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    for ev in curves:
        c = ev["curve"]
        x = [r["sequences"] for r in c]
        label = f"{ev['machine']} s{ev['seed']}"
        a.plot(x, [r["bits"] for r in c], color=_colour(ev["machine"]), label=label)
        for key, ls in (("entropy_read0", "-"), ("entropy_write0", "--")):
            if any(key in r for r in c):
                b.plot([r["sequences"] for r in c if key in r], [r[key] for r in c if key in r],
                       ls, color=_colour(ev["machine"]), label=f"{label} {key[8:]}")
    a.set(xlabel="sequences seen", ylabel="errors per sequence", title=f"{task}: training")
    a.set_yscale("symlog")
    b.set(xlabel="sequences seen", ylabel="normalized entropy", ylim=(-0.02, 1.02),
          title="read / write entropy during training")
    for ax in (a, b):
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
        else:
            ax.text(0.5, 0.5, "no addressing to show (LSTM, soft TM)", ha="center",
                    transform=ax.transAxes, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _circular_window(used: np.ndarray, margin: int = 2) -> tuple[int, int]:
    """(first cell, number of cells) of the shortest circular span holding every used cell,
    plus a margin: memory is circular, so a head that moves left from cell 0 wraps to N-1."""
    n = len(used)
    idx = np.nonzero(used)[0]
    if idx.size == 0:
        return 0, n
    gaps = np.diff(np.concatenate([idx, [idx[0] + n]]))      # distance to the next used cell
    k = int(np.argmax(gaps))                                  # the largest unused stretch
    first = int(idx[(k + 1) % idx.size])
    count = n - int(gaps[k]) + 1
    first, count = first - margin, min(n, count + 2 * margin)
    return (first if count < n else 0), count


def fig_heatmap(run_dir: Path, ev: dict, path: Path) -> Path | None:
    data_path = run_dir / "heatmap.npz"
    if not data_path.is_file():
        return None
    try:                   # allow_pickle stays off: a pickled object array is refused, not run
        with np.load(data_path) as npz:
            data = {k: np.asarray(npz[k], dtype=float) for k in npz.files}
        if not ({"head", "classical"} <= set(data) or {"read", "write", "input_steps"}
                <= set(data)):
            raise ValueError("it lacks the weightings")
    except (OSError, ValueError, TypeError, EOFError, zipfile.BadZipFile) as err:
        warnings.warn(f"{data_path}: left out of the report, not a heatmap tapelab wrote "
                      f"({str(err).splitlines()[0] if str(err) else type(err).__name__})")
        return None
    plt = _plt()
    if "head" in data:
        heads, classical = data["head"], data["classical"]
        fig, ax = plt.subplots(figsize=(6, 3.8))
        im = ax.imshow(heads.T, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1)
        ax.plot(range(len(classical)), classical, "r.--", lw=1, ms=4, label="classical head")
        ax.set(xlabel="step", ylabel="cell", title=f"{ev['task']}: soft TM head (seed "
               f"{ev['seed']}) and the classical head path")
        ax.legend(fontsize=8, loc="upper left")
        fig.colorbar(im, ax=ax, fraction=0.04)
    else:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
        both = np.maximum(data["write"].max(0), data["read"].max(0))
        first, count = _circular_window(both > 0.01)
        for ax, key in zip(axes, ("write", "read")):
            w = np.roll(data[key], -first, axis=1)[:, :count]
            im = ax.imshow(w.T, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1,
                           extent=(-0.5, w.shape[0] - 0.5, first - 0.5, first + count - 0.5))
            ax.axvline(int(data["input_steps"]) - 0.5, color="w", lw=0.8, ls=":")
            ax.set(xlabel="step (dotted: delimiter)", ylabel=f"memory cell (mod {len(both)})",
                   title=f"{ev['task']}: NTM {key} weighting (seed {ev['seed']})")
            fig.colorbar(im, ax=ax, fraction=0.04)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def fig_sharpness(evaluations: list[dict], path: Path) -> Path | None:
    points = []
    for ev in evaluations:
        soft = [r for r in ev["results"] if r["addressing"] == "soft"
                and r["read_entropy"] is not None]
        if not soft:
            continue
        lengths = sorted({r["length"] for r in soft})
        first = [r for r in soft if r["length"] == lengths[0]][0]
        last = [r for r in soft if r["length"] == lengths[-1]][0]
        points.append((first["read_entropy"], last["exact_match"], ev["machine"], ev["task"],
                       lengths[-1] / lengths[0]))
    if not points:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    for x, y, machine, task, factor in points:
        ax.scatter(x, y, color=_colour(machine), s=40)
        ax.annotate(f"{task}", (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
    for machine in sorted({p[2] for p in points}):
        ax.scatter([], [], color=_colour(machine), label=machine)
    ax.set(xlabel="read entropy at the training length (0 = one-hot head)",
           ylabel="exact match at the longest length", xlim=(-0.02, 1.02), ylim=(-0.05, 1.05),
           title="Does a sharper head generalise further?")
    return _save(fig, ax, path)


def fig_diagrams(out: Path, task: str, figures: Path) -> list[tuple[Path, str]]:
    from analysis.diagrams import draw, same_machine
    from machines.errors import ProgramError
    from machines.formats import load
    from tasks.suite import get_task

    reference = get_task(task).reference
    pics = [(draw(reference, figures / f"diagram_{task}_reference.png",
                  title=f"{task}: reference program"), f"{task}: reference program")]
    for hardened in sorted((out / RUNS).glob(f"{task}-softtm-s*/hardened.yaml")):
        try:
            program = load(hardened)
        except (ProgramError, OSError) as err:
            warnings.warn(f"{hardened}: left out of the report ({err})")
            continue
        verdict = "the same machine as the reference" if same_machine(program, reference) \
            else "a different machine from the reference"
        name = hardened.parent.name
        title = f"{name}: hardened soft TM, {verdict}"
        pics.append((draw(program, figures / f"diagram_{name}.png", title=title), title))
    return pics


# ------------------------------------------------------------------------------ the report
def build_report(out: str | Path) -> dict:
    """(Re)build report.json, figures, report.md and index.html from ``out``."""
    out = Path(out)
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
                                            "induce") if k in ev} for ev in evaluations}
    report = {"tasks": tasks, "machines": machines, "results": results, "summary": rows,
              "training": {ev["run"]: ev.get("training", {}) for ev in evaluations},
              "soft_tm": {k: v for k, v in extra.items() if v}, "skipped": skipped,
              "created": meta["created"], "versions": _versions()}
    protocol = protocol_table(evaluations)
    if protocol:
        report["protocol"] = {"label": PUBLISHED_LABEL, "rows": protocol}
    report["failed"] = read_failures(out)
    report["sharpness_statistics"] = [asdict(c) for c in sharpness_correlations(evaluations)]
    seconds = [ev.get("training", {}).get("seconds") or 0.0 for ev in evaluations]
    report["training_cost"] = {"runs": len(evaluations), "seconds": round(sum(seconds), 1)}
    figures = out / "figures"
    figures.mkdir(exist_ok=True)
    images: dict[str, list[tuple[Path, str]]] = {s: [] for s in SECTIONS}
    for task in tasks:
        images["Accuracy against length"].append(
            (fig_accuracy(rows, task, figures / f"accuracy_{task}.png"), task))
        p = fig_training(evaluations, task, figures / f"training_{task}.png")
        if p:
            images["Training curves"].append((p, task))
        for ev in evaluations:
            if ev["task"] == task and ev["machine"] in registry.names() \
                    and registry.get(ev["machine"]).addressing:
                p = fig_heatmap(out / RUNS / ev["run"], ev,
                                figures / f"heatmap_{ev['run']}.png")
                if p:
                    images["Addressing heatmaps"].append((p, ev["run"]))
        images["State diagrams"] += fig_diagrams(out, task, figures)
    p = fig_sharpness(evaluations, figures / "sharpness.png")
    if p:
        images["Sharpness and generalisation"].append((p, "all runs"))
    for name, text in (("report.json", json.dumps(report, indent=1, default=str)),
                       ("report.md", _markdown(report, images, out)),
                       ("index.html", _html(report, images))):
        write_atomic(out / name, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
    return report


def summary_table(report: dict) -> list[str]:
    """The summary as plain text lines (the terminal and report.md both show it)."""
    lines = []
    for s in report["summary"]:
        cells = "  ".join(f"{n}:{v:.2f}" for n, v in sorted(s["exact_match"].items(),
                                                               key=lambda kv: int(kv[0])))
        ent = "" if s["read_entropy"] is None else f"  H(read) {s['read_entropy']:.3f}"
        lines.append(f"{s['task']:<17} {s['machine']:<9} {s['addressing']:<4}  exact@length "
                     f"{cells}{ent}")
    return lines


def _fmt(x, digits=2):
    return "–" if x is None else f"{x:.{digits}f}"


def _protocol_rows(report: dict) -> tuple[list[str], list[list[str]]]:
    """Delétang et al.'s score per (task, machine), ours beside theirs."""
    head = ["task", "machine", "score max %", "score median %", "seeds", "test lengths",
            "published %"]
    body = [[r["task"], r["machine"], f"{r['max']:.1f}", f"{r['median']:.1f}", str(r["seeds"]),
             ",".join(map(str, r["lengths"])),
             "" if r["published"] is None else f"{r['published']:.1f}"]
            for r in report.get("protocol", {}).get("rows", [])]
    return head, body


def _statistics_rows(report: dict) -> tuple[list[str], list[list[str]]]:
    """Spearman's rho of read entropy at the training length against accuracy at the longest
    length, per machine and pooled, all runs and fitted runs."""
    head = ["machine", "runs", "which runs", "Spearman rho", "95% bootstrap interval"]
    body = [[c["group"], str(c["runs"]), f"fit training (acc >= {FIT})" if c["fitted"]
             else "all", _fmt(c["rho"]), f"{_fmt(c['low'])} .. {_fmt(c['high'])}"]
            for c in report.get("sharpness_statistics", [])]
    return head, body


STATISTICS_INTRO = ("Sharpness against generalisation: Spearman's rho between each run's read "
                    "entropy at the training length (0 = a one-hot head) and its per-token "
                    "accuracy at the longest tested length. Negative: sharper heads generalise "
                    "further.")


def _cost_line(report: dict) -> str:
    cost = report["training_cost"]
    return (f"Training cost: {cost['runs']} runs, {cost['seconds']:,.0f} s of training in all "
            "(seconds per run in the summary's `training s` column and in report.json's "
            "`training`).")


PROTOCOL_INTRO = ("Delétang et al.'s score: per-output-token accuracy averaged over the test "
                  "lengths beyond the training range, max and median over seeds, soft addressing "
                  "as trained.")


def _summary_rows(report: dict) -> tuple[list[str], list[list[str]]]:
    head = ["task", "machine", "addressing", "exact match by length", "symbol accuracy by length",
            "classical steps by length", "training s", "sequences", "read H", "write H",
            "soft−hard gap"]
    body = []
    for s in report["summary"]:
        def by_length(d):
            return " · ".join(f"{n}: {_fmt(v)}" for n, v in sorted(d.items(),
                                                                    key=lambda kv: int(kv[0])))
        body.append([s["task"], s["machine"], s["addressing"], by_length(s["exact_match"]),
                     by_length(s["symbol_accuracy"]),
                     by_length({k: v for k, v in s["steps"].items()}) if s["steps"] else "",
                     _fmt(s["training_seconds"], 0), _fmt(s["sequences"], 0),
                     _fmt(s["read_entropy"], 3), _fmt(s["write_entropy"], 3),
                     by_length(s["hard_soft_gap"]) if s.get("hard_soft_gap") else ""])
    return head, body


def _markdown(report: dict, images: dict, out: Path) -> str:
    head, body = _summary_rows(report)
    md = ["# tapelab comparison report", "",
          f"Tasks: {', '.join(report['tasks'])}. Machines: {', '.join(report['machines'])}. "
          f"Created {report['created']}.", "", "## Summary", "",
          "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    md += ["| " + " | ".join(row) + " |" for row in body]
    md += ["", _cost_line(report)]
    for f in report["failed"]:
        md.append(f"\nFailed: {f['job']} after {f['attempts']} attempt(s): {f['error']} "
                  "(its failed.json holds the traceback).")
    p_head, p_body = _protocol_rows(report)
    if p_body:
        md += ["", "## Delétang et al.'s protocol", "", PROTOCOL_INTRO,
               f"Published: {report['protocol']['label']}.", "",
               "| " + " | ".join(p_head) + " |", "|" + "---|" * len(p_head)]
        md += ["| " + " | ".join(row) + " |" for row in p_body]
    s_head, s_body = _statistics_rows(report)
    if s_body:
        md += ["", "## Sharpness statistics", "", STATISTICS_INTRO, "",
               "| " + " | ".join(s_head) + " |", "|" + "---|" * len(s_head)]
        md += ["| " + " | ".join(row) + " |" for row in s_body]
    for s in report["skipped"]:
        md.append(f"\nSkipped: {s['machine']} on {s['task']}: {s['reason']}.")
    for run, info in report["soft_tm"].items():
        if "isomorphic_to_reference" in info:
            md.append(f"\n{run}: hardened program "
                      f"{'is' if info['isomorphic_to_reference'] else 'is not'} the reference "
                      f"machine up to renaming; head mass on the classical head's cell by length: "
                      + ", ".join(f"{n}: {v:.3f}" for n, v in
                                  info["mass_on_classical_head"].items()))
    for section in SECTIONS[1:]:
        md += ["", f"## {section}", ""]
        if not images[section]:
            md.append("(nothing to show for these runs)")
        for path, caption in images[section]:
            md.append(f"![{caption}]({path.relative_to(out).as_posix()})")
    return "\n".join(md) + "\n"


def _html(report: dict, images: dict) -> str:
    head, body = _summary_rows(report)
    esc = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>tapelab report</title>",
             "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}"
             "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;"
             "padding:3px 6px}th{background:#f3f3f3}img{max-width:100%;margin:8px 0}</style>",
             "</head><body><h1>tapelab comparison report</h1>",
             f"<p>Tasks: {esc(', '.join(report['tasks']))}. Machines: "
             f"{esc(', '.join(report['machines']))}. Created {esc(report['created'])}.</p>",
             "<h2>Summary</h2><table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head)
             + "</tr>"]
    parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in body]
    parts.append("</table>")
    parts.append(f"<p>{esc(_cost_line(report))}</p>")
    for f in report["failed"]:
        parts.append(f"<p><b>Failed:</b> {esc(f['job'])} after {f['attempts']} attempt(s): "
                     f"{esc(f['error'])} (its failed.json holds the traceback).</p>")
    p_head, p_body = _protocol_rows(report)
    if p_body:
        parts += ["<h2>Delétang et al.'s protocol</h2>", f"<p>{esc(PROTOCOL_INTRO)} Published: "
                  f"{esc(report['protocol']['label'])}.</p><table><tr>"
                  + "".join(f"<th>{esc(h)}</th>" for h in p_head) + "</tr>"]
        parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                  for row in p_body]
        parts.append("</table>")
    s_head, s_body = _statistics_rows(report)
    if s_body:
        parts += ["<h2>Sharpness statistics</h2>", f"<p>{esc(STATISTICS_INTRO)}</p><table><tr>"
                  + "".join(f"<th>{esc(h)}</th>" for h in s_head) + "</tr>"]
        parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                  for row in s_body]
        parts.append("</table>")
    for s in report["skipped"]:
        parts.append(f"<p>Skipped: {esc(s['machine'])} on {esc(s['task'])}: "
                     f"{esc(s['reason'])}.</p>")
    for section in SECTIONS[1:]:
        parts.append(f"<h2>{esc(section)}</h2>")
        if not images[section]:
            parts.append("<p>(nothing to show for these runs)</p>")
        for path, caption in images[section]:
            data = base64.b64encode(path.read_bytes()).decode()
            parts.append(f"<figure><img alt='{esc(caption)}' src='data:image/png;base64,{data}'>"
                         f"<figcaption>{esc(caption)}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts)
