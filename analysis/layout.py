"""The compare directory, owned here: its layout and the records in it.

``tapelab compare`` writes it and ``tapelab report`` reads it, both through this module:

```
OUT/compare.json              {"kind": "tapelab-compare", "settings": {...}, "created": "...",
                               "seeds_added": [{"from", "to", "at"}, ...] (after more --seeds),
                               "extended": [{"from", "to", "at"}, ...] (after --extend; from
                               and to: {"budget", "steps"})}
OUT/skipped.json              [{"task", "machine", "reason"}, ...]   pairs that do not apply
OUT/runs/NAME/evaluation.json one finished run (see check_evaluation); NAME is
                              TASK-MACHINE (classical) or TASK-MACHINE-sSEED
OUT/runs/NAME/failed.json     a job that failed past its retries: {"job", "attempts", "error"}
OUT/runs/NAME/evaluating.json while the job evaluates: where it stands (EvaluationProgress);
                              removed when the job ends
OUT/runs/NAME/...             what the run needs besides: config.json, checkpoint.pt,
                              metrics.jsonl, heatmap.npz, hardened.yaml, programs/
OUT/report.json, report.md, index.html, figures/   the report (analysis.report)
```

A run whose ``evaluation.json`` exists is finished. Every reader checks what it reads and
says which file is damaged (:class:`DamagedCompareDirectory`).
"""
from __future__ import annotations

import json
from pathlib import Path

COMPARE = "compare.json"
SKIPPED = "skipped.json"
RUNS = "runs"
EVALUATION = "evaluation.json"
EVALUATING = "evaluating.json"     # while a job evaluates: where it stands (a progress line)
FAILED = "failed.json"
REPORT = "report.json"


def run_dir(out: Path, name: str) -> Path:
    """The directory of run ``name`` in compare directory ``out``."""
    return out / RUNS / name


def write_json(path: Path, data: object) -> None:
    """Write a record of the directory atomically."""
    from machines.files import write_atomic

    text = json.dumps(data, indent=1)
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def evaluation_log(run: Path, lengths: int, every: float = 1.0):
    """An ``on_length`` for :func:`analysis.evaluate.evaluate` that keeps ``run``'s
    ``evaluating.json`` (an :class:`~analysis.evaluate.EvaluationProgress`) up to date,
    rewriting it at most once every ``every`` seconds, so that the sweep's status lines can
    say how far a long evaluation has come. The job removes the file when it ends."""
    import time
    from dataclasses import asdict

    from analysis.evaluate import EvaluationProgress

    now = EvaluationProgress(lengths)
    written = float("-inf")

    def on_length(row) -> None:
        nonlocal now, written
        now = now.after(row)
        if time.monotonic() - written >= every:
            write_json(run / EVALUATING, asdict(now))
            written = time.monotonic()
    return on_length


def evaluation_line(run: Path) -> str | None:
    """Where ``run``'s evaluation stands (``hard, length 238 (120 of 460 lengths)``); None
    when it is not evaluating, or its file cannot be read (it may be being replaced)."""
    from analysis.evaluate import EvaluationProgress

    try:
        return EvaluationProgress(**json.loads((run / EVALUATING).read_text("utf-8"))).line()
    except (OSError, ValueError, TypeError, KeyError):
        return None


def compare_record(out: Path) -> dict | None:
    """``out/compare.json`` (kind, settings, created, seeds_added, extended), if it is a comparison
    tapelab made."""
    try:
        record = json.loads((out / COMPARE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("settings"), dict) \
            or record.get("kind", "tapelab-compare") != "tapelab-compare":
        return None
    return record


def compare_settings(out: Path) -> dict | None:
    """The settings recorded in ``out/compare.json``, if it is a comparison tapelab made."""
    record = compare_record(out)
    return None if record is None else record["settings"]


def compare_kind(out: Path) -> str | None:
    """``"a tapelab comparison"`` if ``out`` holds one (see :func:`compare_settings`)."""
    settings = compare_settings(out)
    if settings is None:
        return None
    return f"a tapelab comparison of {', '.join(map(str, settings.get('tasks', [])))}"



class NotACompareDirectory(FileNotFoundError):
    pass


def report_only(out: Path) -> str:
    """A hint for a folder that holds a report but not the runs it came from (a committed
    results/ folder): where to find how to make them again; "" for any other folder."""
    if not (out / REPORT).is_file() or (out / COMPARE).is_file():
        return ""
    made = out / "COMMAND.md"
    return ("; it holds a report without its runs" + (f", and {made} gives the command that "
            "made them" if made.is_file() else ""))


class DamagedCompareDirectory(ValueError):
    """A compare directory with a file tapelab cannot read; the message names the file."""


def read_skipped(out: Path) -> list[dict]:
    """``skipped.json``: the (task, machine) pairs that do not apply, with the reason."""
    path = out / SKIPPED
    skipped = read_json(path) if path.is_file() else []
    if not isinstance(skipped, list) or not all(
            isinstance(x, dict) and all(isinstance(x.get(k), str)
                                        for k in ("task", "machine", "reason")) for x in skipped):
        raise DamagedCompareDirectory(f"{path}: not a list of skipped runs; delete it and run "
                                      "the compare again")
    return skipped


def load_evaluations(out: Path) -> list[dict]:
    """Every finished run's ``evaluation.json`` in ``out``, each checked (see
    :func:`check_evaluation`) and named by its run directory (``run``)."""
    if not (out / COMPARE).is_file():
        raise NotACompareDirectory(f"{out}: not a tapelab compare directory (no {COMPARE})"
                                   + (report_only(out) or "; make one with tapelab compare"))
    if compare_settings(out) is None:
        raise DamagedCompareDirectory(f"{out / COMPARE}: not a comparison that tapelab wrote "
                                      "(not valid JSON, or no settings in it)")
    runs = sorted((out / RUNS).glob(f"*/{EVALUATION}"))
    if not runs:
        raise NotACompareDirectory(f"{out}: no finished runs to report")
    return [dict(check_evaluation(read_json(p), p), run=p.parent.name) for p in runs]


def read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise DamagedCompareDirectory(f"{path}: not valid JSON ({err}); delete that run's "
                                      "directory and run the compare again to redo it") from None


_NUMBER = (int, float)
_RESULT_KEYS = {"length": int, "addressing": str, "exact_match": _NUMBER,
                "symbol_accuracy": _NUMBER, "read_entropy": (*_NUMBER, type(None)),
                "write_entropy": (*_NUMBER, type(None))}


def check_evaluation(data: object, path: Path) -> dict:
    """``data`` if it is an evaluation record as :func:`analysis.compare.run_job` writes it:
    ``task`` (a suite task), ``machine``, ``seed``, ``results`` (rows with the keys of
    ``_RESULT_KEYS``, and optionally ``sharpness``: measure -> number), optional
    ``temperatures`` (rows as ``results``, with their ``temperature``), ``training`` (an
    object) and ``curve`` (rows with ``sequences`` and ``bits``). Else :class:`DamagedCompareDirectory` naming the file and the fault."""
    from tasks.suite import NAMES

    def bad(what: str) -> DamagedCompareDirectory:
        return DamagedCompareDirectory(f"{path}: {what}; delete that run's directory and run "
                                       "the compare again to redo it")

    if not isinstance(data, dict):
        raise bad("not a JSON object")
    for key, kind in (("task", str), ("machine", str), ("seed", int), ("results", list)):
        if not isinstance(data.get(key), kind):
            raise bad(f"no {key!r} of the right type")
    if data["task"] not in NAMES:
        raise bad(f"unknown task {data['task']!r}")
    if not isinstance(data.get("temperatures", []), list):
        raise bad("'temperatures' is not a list")
    restarts = data.get("restarts", [])
    if not isinstance(restarts, list) or not all(
            isinstance(r, dict) and isinstance(r.get("restart"), int)
            and isinstance(r.get("length"), int) and all(
                isinstance(r.get(k), _NUMBER) and not isinstance(r.get(k), bool)
                for k in ("symbol_accuracy", "exact_match", "read_entropy"))
            for r in restarts):
        raise bad("'restarts' is not a list of rows with restart, length, accuracy, "
                  "exact match and read entropy")
    for row in data["results"] + data.get("temperatures", []):
        if not isinstance(row, dict):
            raise bad("a result row is not an object")
        for key, kind in _RESULT_KEYS.items():
            if not isinstance(row.get(key), kind) or isinstance(row.get(key), bool):
                raise bad(f"a result row has no {key!r} of the right type")
        measures = row.get("sharpness", {})
        if not isinstance(measures, dict) or not all(
                v is None or (isinstance(v, _NUMBER) and not isinstance(v, bool))
                for v in measures.values()):
            raise bad("a result row's 'sharpness' is not an object of numbers")
    synthesis = data.get("synthesis", {"head": [], "rows": []})
    if not (isinstance(synthesis, dict) and isinstance(synthesis.get("head"), list)
            and isinstance(synthesis.get("rows"), list)
            and all(isinstance(c, str) for c in synthesis["head"])
            and all(isinstance(row, list) and len(row) == len(synthesis["head"])
                    and all(isinstance(c, str) for c in row) for row in synthesis["rows"])):
        raise bad("'synthesis' is not a table of strings (head and rows)")
    if not isinstance(data.get("training", {}), dict):
        raise bad("'training' is not an object")
    curve = data.get("curve", [])
    if not isinstance(curve, list) or not all(
            isinstance(r, dict) and isinstance(r.get("sequences"), _NUMBER)
            and isinstance(r.get("bits"), _NUMBER) for r in curve):
        raise bad("'curve' is not a list of rows with 'sequences' and 'bits'")
    return data


def read_failures(out: Path) -> list[dict]:
    """The jobs whose last try failed (``failed.json`` and no evaluation), by name."""
    rows = []
    for path in sorted((out / RUNS).glob(f"*/{FAILED}")):
        if (path.parent / EVALUATION).is_file():
            continue
        record = read_json(path)
        if not isinstance(record, dict) or not isinstance(record.get("error"), str):
            raise DamagedCompareDirectory(f"{path}: not a failure record; delete it")
        rows.append({"job": path.parent.name, "attempts": record.get("attempts"),
                     "error": record["error"].strip().splitlines()[-1]
                     if record["error"].strip() else ""})
    return rows
