"""The report's opening paragraph, written from report.json's numbers and nothing else.

:func:`headline` reads the built report (a dict, as report.json holds it) and returns three to
five sentences: which trained machines generalised on which tasks, the sharpness correlation
with its interval, which sharpness measure separates best, whether test-time sharpening
rescued any run, and when heads sharpen against when generalisation appears in training.
A sentence whose numbers the report lacks says so instead of being left out silently.
"""
from __future__ import annotations

from typing import NamedTuple

from analysis.protocol import SOLVED, agrees

GENERALISED = 0.9     # exact match at the longest length that counts as generalising
GAIN = 0.05           # a tempered score this much above T = 1 counts as a gain
RESCUED = 0.9         # the score beyond the training length that counts as success


def _count(n: int, noun: str) -> str:
    """``1 run``, ``2 runs``: a count with its noun in the number it takes."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


class Verdict(NamedTuple):
    """One run's class (``won``, ``lost``, ``untested`` or ``unfit``; see :func:`_verdict`),
    with the length and the exact match that decide it."""
    kind: str
    length: int
    exact: float | None


def _verdict(exact: dict, beyond: set[int]) -> Verdict:
    """One run's (or one summary row's) class: ``won`` (GENERALISED exact match at the longest
    length), ``unfit`` (below it at the shortest, the training length), ``lost`` (fit there,
    short at the longest) or ``untested`` (short at the longest, where even the shortest
    length lies in ``beyond``, the lengths beyond training: its fit is not known)."""
    last = max(exact, key=lambda k: int(k))
    first = min(exact, key=lambda k: int(k))
    far = exact[last]
    if far is not None and far >= GENERALISED:
        return Verdict("won", int(last), far)
    if int(first) in beyond:
        return Verdict("untested", int(last), far)
    if exact[first] is not None and exact[first] < GENERALISED:
        return Verdict("unfit", int(first), exact[first])
    return Verdict("lost", int(last), far)


def _by_seed(report: dict) -> dict[tuple[str, str], dict[int, dict]]:
    """Each trained pair's soft exact match by seed and length, from report.json's results."""
    runs: dict[tuple[str, str], dict[int, dict]] = {}
    for r in report.get("results", []):
        if r["addressing"] == "soft" and r["machine"] != "classical":
            runs.setdefault((r["task"], r["machine"]), {}).setdefault(
                r["seed"], {})[str(r["length"])] = r["exact_match"]
    return runs


def _values(values: list[float | None]) -> str:
    known = sorted(v for v in values if v is not None)
    if not known:
        return "–"
    low, high = f"{known[0]:.2f}", f"{known[-1]:.2f}"
    return low if low == high else f"{low}-{high}"


def generalisation(report: dict) -> str:
    """Which trained machines reach GENERALISED exact match at the longest length, by task;
    a pair with several seeds is counted seed by seed ("in 4 of 5 seeds"), since their mean
    can hide that most seeds succeed, or that one does."""
    classes: dict[str, list[str]] = {"won": [], "lost": [], "untested": [], "unfit": []}
    seeds = _by_seed(report)
    beyond = {(r["task"], r["machine"]): set(r["lengths"])     # tested beyond training
              for r in report.get("protocol", {}).get("rows", [])}
    tried = 0                   # pairs, each once, though its seeds may fall in two classes
    for s in report["summary"]:
        if s["addressing"] != "soft" or s["machine"] == "classical":
            continue
        tried += 1
        runs = seeds.get((s["task"], s["machine"]), {})
        past = beyond.get((s["task"], s["machine"]), set())
        verdicts = [_verdict(e, past) for e in runs.values()] if len(runs) > 1 else \
            [_verdict(s["exact_match"], past)]
        for kind in classes:
            mine = [v for v in verdicts if v.kind == kind]
            if not mine:
                continue
            share = f" in {len(mine)} of {len(verdicts)} seeds" if len(verdicts) > 1 else ""
            classes[kind].append(f"the {s['machine']} on {s['task']}{share} "
                                 f"({_values([v.exact for v in mine])} at length "
                                 f"{mine[0].length})")
    won, lost, untested, unfit = (classes[k] for k in ("won", "lost", "untested", "unfit"))
    if not won and not lost and not untested and not unfit:
        return "No trained machine was evaluated."
    if won:
        text = (f"Exact match of at least {GENERALISED} at the longest tested length: "
                + "; ".join(won) + ".")
    else:
        text = (f"No trained machine reached exact match {GENERALISED} at the longest tested "
                f"length ({_count(tried, 'machine-task pair')} tried).")
    if lost:
        text += (" Fitting their training lengths but falling short beyond them: "
                 + ("; ".join(lost) if len(lost) <= 4 else f"{len(lost)} pairs") + ".")
    if untested:
        text += (" Falling short beyond their training lengths, which were not tested: "
                 + ("; ".join(untested) if len(untested) <= 4 else f"{len(untested)} pairs")
                 + ".")
    if unfit:
        text += (" Not even fitting their training lengths within the training budget, so "
                 "the budget was too short for them: "
                 + ("; ".join(unfit) if len(unfit) <= 4 else f"{len(unfit)} pairs") + ".")
    return text


def correlation(report: dict) -> str:
    stats = report.get("sharpness_statistics", [])
    pooled = [c for c in stats if c["group"] == "pooled"]
    chosen = next((c for c in pooled if c["fitted"]), None) or next(iter(pooled), None)
    if chosen is None:
        return ("Too few runs with addressing (fewer than 3) for a correlation between "
                "sharpness and generalisation.")
    which = "runs that fit their training range" if chosen["fitted"] else "runs"
    rho, low, high = chosen["rho"], chosen["low"], chosen["high"]
    if rho != rho:       # nan: constant sharpness or accuracy
        return (f"Over {chosen['runs']} {which}, sharpness or accuracy did not vary, so their "
                "rank correlation is undefined.")
    verdict = ("sharper heads generalised further" if high < 0 else
               "sharper heads generalised less far" if low > 0 else
               "the interval contains 0: no evidence either way")
    return (f"Over {chosen['runs']} {which}, Spearman's rho between read entropy at the "
            f"training length and accuracy at the longest length is {rho:.2f} "
            f"(95% bootstrap interval {low:.2f} to {high:.2f}): {verdict}.")


def measures(report: dict) -> str | None:
    best = report.get("best_measures", {})
    if not best:
        return None
    parts = []
    for target, phrase in (("generalises", "generalising runs from the rest"),
                           ("hard succeeds", "runs that succeed under argmax addressing")):
        if target in best:
            b = best[target]
            parts.append(f"{b['measure'].replace('_', ' ')} separates {phrase} best (AUC "
                         f"{b['auc']:.2f} over {_count(b['runs'], 'run')}, {b['positives']} "
                         "positive)")
    return "Of the sharpness measures, " + "; ".join(parts) + "."


def tempering(report: dict) -> str:
    best = report.get("temperatures", {}).get("best", [])
    if not best:
        return "No run was scored at test-time temperatures."
    gains = [b for b in best if b["gain"] >= GAIN]
    rescued = [b for b in best if b["rescued"]]
    failing = [b for b in best if b["score_t1"] < RESCUED]
    if not gains and not failing:
        every = {1: "its 1 run", 2: "both runs"}.get(len(best), f"all {len(best)} runs")
        return (f"Test-time sharpening had nothing to fix: {every} scored at least "
                f"{RESCUED} beyond the training length as trained (T = 1).")
    if not gains:
        short = (f"any of the {len(failing)} runs that fall short there: their failure is"
                 if len(failing) > 1 else "the 1 run that falls short there: its failure is")
        return (f"Test-time sharpening did not raise the score beyond the training length by "
                f"{GAIN} or more in {short} a wrong algorithm, not blur.")
    top = max(gains, key=lambda b: b["gain"])
    return (f"Test-time sharpening raised the score beyond the training length by {GAIN} or "
            f"more in {len(gains)} of {_count(len(best), 'run')} (largest: {top['run']} at "
            f"T = {top['best']}, {top['score_t1']:.2f} to {top['score']:.2f}) and rescued "
            f"{len(rescued)} (to at least {RESCUED}).{held_out(best)}")


def held_out(best: list[dict]) -> str:
    """The held-out choice of temperature, in one sentence ('' where no run has one)."""
    judged = [b for b in best if b.get("chosen") is not None]
    if not judged:
        return ""
    good = sum(b["held_out"] >= RESCUED for b in judged)
    as_trained = sum(b["held_out_t1"] >= RESCUED for b in judged)
    return (f" With T chosen at the first length beyond training alone, {good} of "
            f"{_count(len(judged), 'run')} {'scores' if good == 1 else 'score'} at least "
            f"{RESCUED} on the longer lengths ({as_trained} at T = 1).")


def dynamics(report: dict) -> str | None:
    by = report.get("dynamics", {}).get("by_machine", {})
    if not by:
        return None
    both = sum(v["both"] for v in by.values())
    if not both:
        return ("During training, no run both sharpened its read head and generalised at "
                "twice the training length, so no lag can be measured.")
    parts = [f"the {m} in {v['sharpened_first']} of {_count(v['both'], 'run')} (median lag "
             f"{v['median_lag']:,.0f} sequences)" for m, v in by.items() if v["both"]]
    return ("During training, the read head sharpened before generalisation at twice the "
            "training length appeared for " + "; ".join(parts) + ".")


def published(report: dict) -> str | None:
    """How many protocol rows agree with Delétang et al.'s published values (the same side of
    the :data:`SOLVED` line), which do not, and which of those agree under argmax addressing."""
    rows = [r for r in report.get("protocol", {}).get("rows", [])
            if r.get("agrees") is not None]
    if not rows:
        return None
    differ = [r for r in rows if not r["agrees"]]
    agreeing = len(rows) - len(differ)
    text = (f"Against Delétang et al.'s published scores (solved at {SOLVED:.0f}% or not), "
            f"{agreeing} of {_count(len(rows), 'machine-task pair')} "
            f"{'agrees' if agreeing == 1 else 'agree'}")
    if not differ:
        return text + "."
    text += "; " + ("; ".join(f"the {r['machine']} on {r['task']} ({r['max']:.1f}, published "
                              f"{r['published']:.1f})" for r in differ)
                    if len(differ) <= 4 else f"{len(differ)} pairs") \
        + (" does not" if len(differ) == 1 else " do not")
    rescued = [r for r in differ if r.get("argmax_max") is not None
               and agrees(r["argmax_max"], r["published"])]
    if rescued:
        which = "this agrees" if len(rescued) == 1 else "these agree"
        text += (f"; under argmax addressing {which}: "
                 + "; ".join(f"the {r['machine']} on {r['task']} ({r['argmax_max']:.1f})"
                             for r in rescued))
    return text + "."


def headline(report: dict) -> list[str]:
    """The sentences, in order; each from report.json's numbers."""
    sentences = [generalisation(report), published(report), correlation(report),
                 measures(report), tempering(report), dynamics(report)]
    return [s for s in sentences if s]
