"""The report's figures: one function per figure, each drawing from evaluation records (or
a run directory) into a PNG and returning its path (None when there is nothing to draw).

Every machine has one colour in every figure (its registry entry's); tasks are told apart by
marker where runs of many tasks share a plot.
"""
from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from analysis.layout import RUNS
from machines import registry

MARKERS = "osD^v<>pP*XhH8d"      # one per task, in the order the tasks are given


def _colour(machine: str) -> str | None:
    """The machine's colour in every figure (its registry entry's)."""
    return registry.get(machine).colour if machine in registry.names() else None


def family(machine: str) -> str | None:
    """The machine's registry family (None for a name the registry does not know)."""
    return registry.get(machine).family if machine in registry.names() else None


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _write(fig, path: Path, dpi: int = 110, rect: tuple = (0, 0, 1, 1)) -> Path:
    """Tight layout (within ``rect`` of the figure), PNG, close."""
    fig.tight_layout(rect=rect)
    fig.savefig(path, dpi=dpi)
    _plt().close(fig)
    return path


def _save(fig, ax, path: Path, *, beside: bool = False) -> Path:
    """Grid, legend (when something is labelled; ``beside`` the plot rather than over it),
    then :func:`_write`."""
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**dict(fontsize=7, bbox_to_anchor=(1.02, 1), loc="upper left") if beside
                  else dict(fontsize=8))
    return _write(fig, path)


def fig_accuracy(rows: list[dict], task: str, path: Path) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for s in rows:
        if s["task"] != task:
            continue
        xs = sorted(s["exact_match"], key=int)
        ax.plot([int(x) for x in xs], [s["exact_match"][x] for x in xs],
                **_accuracy_style(s), label=f"{s['machine']} ({s['addressing']})")
    ax.set(xlabel="input length", ylabel="exact match", ylim=(-0.05, 1.05),
           title=f"{task}: accuracy against length")
    many = len(ax.get_lines()) > 4      # many lines: the key beside the plot, not over it
    if many:
        fig.set_size_inches(7.6, 3.6)
    return _save(fig, ax, path, beside=many)


def _accuracy_style(row: dict) -> dict:
    """How one summary row is drawn: soft addressing as a solid line with filled circles,
    argmax addressing dashed with hollow squares, the classical reference as a thin dotted
    line with crosses, so that lines lying on one another (all at 1.00) stay told apart."""
    colour = _colour(row["machine"])
    if family(row["machine"]) == "classical":
        return dict(color=colour, ls=":", lw=1, marker="x", ms=7, zorder=3)
    if row["addressing"] == "hard":
        return dict(color=colour, ls="--", marker="s", ms=8, mfc="none", zorder=2)
    return dict(color=colour, ls="-", marker="o", ms=4, zorder=2)


def _no_entropy_note(machines: list[str]) -> str:
    """Why a training plot has no entropy curve, machine by machine: the machine has no
    addressing (the LSTM), or it has some but does not log its entropy while it trains."""
    def why(machine: str) -> str:
        heads = registry.get(machine).heads if machine in registry.names() else ()
        return "no addressing" if not heads else "logs none while it trains"

    return "no entropy to show: " + "; ".join(f"{m}: {why(m)}" for m in machines)


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
    if max(r["bits"] for ev in curves for r in ev["curve"]) > 10:
        a.set_yscale("symlog")          # logarithmic above 1 error, linear below
    else:
        a.set_ylim(bottom=0)
    b.set(xlabel="sequences seen", ylabel="normalized entropy", ylim=(-0.02, 1.02),
          title="read / write entropy during training")
    silent = sorted({ev["machine"] for ev in curves
                     if not any(k in r for r in ev["curve"]
                                for k in ("entropy_read0", "entropy_write0"))})
    for ax in (a, b):
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    if silent:                          # centred on an empty plot, else out of the curves' way
        drawn = bool(b.get_legend_handles_labels()[0])
        b.text(0.03 if drawn else 0.5, 0.95 if drawn else 0.5, _no_entropy_note(silent),
               ha="left" if drawn else "center", va="top" if drawn else "center",
               transform=b.transAxes, fontsize=7 if drawn else 8)
    return _write(fig, path)


class Window(NamedTuple):
    """A circular span of memory cells: its first cell and how many cells it holds."""
    first: int
    count: int


def _circular_window(used: np.ndarray, margin: int = 2) -> Window:
    """The shortest circular span holding every used cell, plus a margin: memory is
    circular, so a head that moves left from cell 0 wraps to N-1."""
    n = len(used)
    idx = np.nonzero(used)[0]
    if idx.size == 0:
        return Window(0, n)
    gaps = np.diff(np.concatenate([idx, [idx[0] + n]]))      # distance to the next used cell
    k = int(np.argmax(gaps))                                  # the largest unused stretch
    first = int(idx[(k + 1) % idx.size])
    count = n - int(gaps[k]) + 1
    first, count = first - margin, min(n, count + 2 * margin)
    return Window(first if count < n else 0, count)


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
        panels = [ax]
    else:
        fig, panels = plt.subplots(1, 2, figsize=(10, 3.8))
        both = np.maximum(data["write"].max(0), data["read"].max(0))
        first, count = _circular_window(both > 0.01)
        for ax, key in zip(panels, ("write", "read")):
            w = np.roll(data[key], -first, axis=1)[:, :count]
            im = ax.imshow(w.T, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1,
                           extent=(-0.5, w.shape[0] - 0.5, first - 0.5, first + count - 0.5))
            ax.axvline(int(data["input_steps"]) - 0.5, color="w", lw=0.8, ls=":")
            ax.set(xlabel="step (dotted: delimiter)", ylabel=f"memory cell (mod {len(both)})",
                   title=f"{ev['task']}: {ev['machine']} {key} weighting (seed {ev['seed']})")
            fig.colorbar(im, ax=ax, fraction=0.04)
    from matplotlib.ticker import MaxNLocator

    for ax in panels:                                   # steps and cells are whole numbers
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _write(fig, path)


def fig_sharpness(evaluations: list[dict], path: Path) -> Path | None:
    """Every run with a read head as a point: read entropy at the training length against
    per-token accuracy at the longest length (the pair the statistics rank), coloured by
    machine, marked by task."""
    from analysis.statistics import FIT, fits, run_points

    points = run_points(evaluations)
    if not points:
        return None
    tasks = list(dict.fromkeys(p["task"] for p in points))
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4.4))
    for p in points:
        ax.scatter(p["sharpness"], p["accuracy"], color=_colour(p["machine"]), s=36,
                   marker=MARKERS[tasks.index(p["task"]) % len(MARKERS)],
                   facecolors=None if fits(p) else "none")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    key = [Patch(color=_colour(m), label=m) for m in sorted({p["machine"] for p in points})]
    key += [Line2D([], [], color="grey", ls="", marker=MARKERS[i % len(MARKERS)], label=task)
            for i, task in enumerate(tasks)]         # colour: the machine; marker: the task
    right = max(p["sharpness"] for p in points)
    zoom = right < 0.3                  # every head nearly one-hot: spread them out
    ax.set(xlabel="read entropy at the training length (0 = one-hot head"
                  + ("; axis zoomed to the runs)" if zoom else ")"),
           xlim=(-0.01, max(0.1, 1.15 * right)) if zoom else (-0.02, 1.02),
           ylabel="accuracy at the longest length", ylim=(-0.05, 1.05),
           title=f"Every run (hollow: did not fit training, acc < {FIT}"
                 + (", or untested)" if any(p["fit"] is None for p in points) else ")"))
    ax.grid(alpha=0.3)
    ax.legend(handles=key, fontsize=7, ncol=2, bbox_to_anchor=(1.02, 1), loc="upper left")
    return _write(fig, path)


def fig_protocol(rows: list[dict], path: Path, order: list[str] = ()) -> Path | None:
    """Delétang et al.'s score as a grid, tasks by machines: each cell coloured by the max over
    seeds as trained, and labelled with it, the argmax max beneath where the machine has one,
    and the published value in brackets (rows of :func:`analysis.protocol.protocol_table`);
    tasks in ``order`` first (the report's), then the rest."""
    rows = [r for r in rows if family(r["machine"]) != "classical"]
    if not rows:
        return None
    tasks = [t for t in order if any(r["task"] == t for r in rows)]
    tasks += [t for t in dict.fromkeys(r["task"] for r in rows) if t not in tasks]
    machines = [m for m in registry.names() if any(r["machine"] == m for r in rows)]
    machines += sorted({r["machine"] for r in rows} - set(machines))
    grid = np.full((len(tasks), len(machines)), np.nan)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(1.5 + 1.25 * len(machines), 0.9 + 0.62 * len(tasks)))
    for r in rows:
        i, j = tasks.index(r["task"]), machines.index(r["machine"])
        grid[i, j] = r["max"]
        text = f"{r['max']:.0f}"
        if r.get("argmax_max") is not None:
            text += f"\nargmax {r['argmax_max']:.0f}"
        if r.get("published") is not None:
            text += f"\n({r['published']:.0f})"
        ax.text(j, i, text, ha="center", va="center", fontsize=7,
                color="white" if r["max"] < 45 else "black")
    image = ax.imshow(grid, cmap="viridis", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(len(machines)), machines)
    ax.set_yticks(range(len(tasks)), tasks)
    ax.set_title("Delétang et al.'s score, max over seeds, % (published in brackets)",
                 fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    return _write(fig, path)


def fig_temperatures(machine: str, curves: dict[str, dict[float, float]],
                     path: Path) -> Path:
    """One machine's per-token accuracy against length (as a multiple of the training length)
    at each test-time temperature, averaged over its runs."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    cmap = plt.get_cmap("plasma")
    labels = list(curves)
    for i, t in enumerate(labels):
        xs = sorted(curves[t])
        ax.plot(xs, [curves[t][x] for x in xs], marker="o", lw=2 if t == "1" else 1.2,
                ls="--" if t == "adaptive" else "-",
                color="black" if t == "1" else cmap(i / max(len(labels), 1)),
                label=f"T = {t}" + (" (as trained)" if t == "1" else ""))
    ax.set(xlabel="input length / training length", ylabel="per-token accuracy",
           ylim=(-0.05, 1.05), title=f"{machine}: accuracy at each test-time temperature")
    return _save(fig, ax, path)


def fig_dynamics(evaluations: list[dict], task: str, path: Path) -> Path | None:
    """Per run of ``task`` with training-time probes: read entropy and exact match at twice
    the training length on one axis of sequences seen."""
    from analysis.dynamics import GENERALISES, SHARP, read_entropy

    runs = [ev for ev in evaluations if ev["task"] == task
            and any("probe_exact" in r for r in ev.get("curve", []))]
    if not runs:
        return None
    plt = _plt()
    cols = min(3, len(runs))
    rows = -(-len(runs) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows + 0.3), squeeze=False)
    entropy = False
    for ax, ev in zip(axes.flat, runs):
        c = ev["curve"]
        probes = [r for r in c if "probe_exact" in r]
        ax.plot([r["sequences"] for r in probes], [r["probe_exact"] for r in probes],
                color=_colour(ev["machine"]), lw=1.6, label="exact match at 2x")
        ent = [(r["sequences"], read_entropy(r)) for r in c if read_entropy(r) is not None]
        entropy = entropy or bool(ent)
        if ent:
            ax.plot(*zip(*ent), color=_colour(ev["machine"]), ls=":", lw=1.2,
                    label="read entropy")
        ax.axhline(GENERALISES, color="grey", lw=0.5)
        ax.axhline(SHARP, color="grey", lw=0.5, ls=":")
        ax.set(ylim=(-0.03, 1.03), title=f"{ev['machine']} s{ev['seed']}", xlabel="sequences")
        ax.grid(alpha=0.3)
        ax.title.set_fontsize(9)
        ax.tick_params(labelsize=7)
    from matplotlib.lines import Line2D

    key = [Line2D([], [], color="black", lw=1.6, label="exact match at 2x the training length")]
    if entropy:
        key.append(Line2D([], [], color="black", ls=":", lw=1.2, label="mean read entropy"))
    fig.legend(handles=key, loc="lower center", ncol=2, fontsize=7, frameon=False)
    for ax in list(axes.flat)[len(runs):]:
        ax.axis("off")
    fig.suptitle(f"{task}: does the head sharpen before generalisation appears?", fontsize=10)
    return _write(fig, path, dpi=100, rect=(0, 0.3 / (2.8 * rows + 0.3), 1, 1))


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
