"""The statistic behind "does sharper addressing generalise further?": Spearman's rho with a
bootstrap interval, per machine and pooled, over all runs and over the runs that fit."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.statistics import (bootstrap_interval, ranks, run_points,
                                 sharpness_correlations, spearman)


def test_ranks_share_ties():
    assert ranks([3.0, 1.0, 3.0, 2.0]).tolist() == [3.5, 1.0, 3.5, 2.0]


def test_a_monotone_relation_gives_rho_one_and_shuffled_data_an_interval_around_zero():
    x = np.linspace(0, 1, 30)
    assert spearman(x, x ** 3) == pytest.approx(1.0)
    assert spearman(x, -np.exp(x)) == pytest.approx(-1.0)
    rng = np.random.default_rng(0)
    y = rng.permutation(x)
    low, high = bootstrap_interval(x, y, seed=1)
    assert low < 0 < high
    assert np.isnan(spearman(x, np.ones(30)))


def _evaluation(machine, seed, entropy, fit, far):
    rows = [{"length": 10, "addressing": "soft", "read_entropy": entropy, "symbol_accuracy": fit,
             "exact_match": fit},
            {"length": 40, "addressing": "soft", "read_entropy": entropy, "symbol_accuracy": far,
             "exact_match": far}]
    return {"task": "parity", "machine": machine, "seed": seed, "train_length": 10,
            "results": rows}


def test_correlations_per_machine_pooled_and_over_fitted_runs():
    evaluations = [_evaluation("ntm", s, h, 1.0, 1.0 - h) for s, h in enumerate((0.1, 0.3, 0.5,
                                                                                0.7))]
    evaluations += [_evaluation("stackrnn", s, 0.2 * s, 0.5, 0.5) for s in range(3)]   # unfit
    evaluations.append({"task": "parity", "machine": "lstm", "seed": 0, "train_length": 10,
                        "results": [{"length": 10, "addressing": "soft", "read_entropy": None,
                                     "symbol_accuracy": 1.0, "exact_match": 1.0}]})
    assert {p["machine"] for p in run_points(evaluations)} == {"ntm", "stackrnn"}
    table = {(c.group, c.fitted): c for c in sharpness_correlations(evaluations)}
    assert table[("ntm", True)].rho == pytest.approx(-1.0) and table[("ntm", True)].runs == 4
    assert ("stackrnn", True) not in table and table[("stackrnn", False)].runs == 3
    assert table[("pooled", True)].runs == 4 and table[("pooled", False)].runs == 7


def test_a_run_not_tested_at_its_training_length_does_not_count_as_fitting_it():
    """Tested at 10 and 40 only, after training on 1-5 (as with --lengths 41-500 after
    training on 1-40): the sharpness is read at 10, and the run's fit is unknown, so the
    fitted group leaves it out however well it does at 10."""
    evaluations = [_evaluation("ntm", s, h, 1.0, 1.0 - h) for s, h in enumerate((0.1, 0.3, 0.5))]
    for ev in evaluations:
        ev["train_length"] = 5
    points = run_points(evaluations)
    assert [p["fit"] for p in points] == [None, None, None]
    assert [p["sharpness"] for p in points] == [0.1, 0.3, 0.5]
    table = {(c.group, c.fitted): c for c in sharpness_correlations(evaluations)}
    assert ("ntm", True) not in table and table[("ntm", False)].runs == 3


def test_auc_by_hand():
    from analysis.statistics import auc

    assert auc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert auc([0.1, 0.2, 0.9, 0.8], [True, True, False, False]) == 0.0
    assert auc([0.5, 0.5, 0.5], [True, False, False]) == 0.5        # ties count half
    # positives 0.6, 0.3 against negatives 0.4, 0.1: 3 of 4 pairs ranked right
    assert auc([0.6, 0.3, 0.4, 0.1], [True, True, False, False]) == 0.75
    assert np.isnan(auc([0.1, 0.2], [True, True]))


def test_the_measure_that_separates_best_is_named_per_target():
    from analysis.statistics import best_measures, measure_aucs

    evaluations = []
    for seed, (entropy, written, far, hard) in enumerate(
            [(0.5, 0.01, 1.0, 0.5), (0.4, 0.02, 1.0, 0.4), (0.1, 0.5, 0.5, 1.0),
             (0.2, 0.6, 0.4, 1.0)]):
        ev = _evaluation("ntm", seed, entropy, 1.0, far)
        for r in ev["results"]:
            r["sharpness"] = {"normalized_entropy": entropy, "written_entropy": written,
                              "max_weight": 0.5, "margin": 0.1, "mass_on_written": 0.9}
        ev["results"].append({"length": 40, "addressing": "hard", "read_entropy": 0.0,
                              "symbol_accuracy": hard, "exact_match": hard})
        evaluations.append(ev)
    table = {(a.measure, a.target, a.fitted): a for a in measure_aucs(evaluations)}
    # written-cell entropy ranks the generalising runs first; all-cell entropy the hard ones
    assert table[("written_entropy", "generalises", True)].auc == 1.0
    assert table[("normalized_entropy", "generalises", True)].auc == 0.0
    assert table[("normalized_entropy", "hard succeeds", True)].auc == 1.0
    assert table[("max_weight", "generalises", True)].auc == 0.5
    best = best_measures(measure_aucs(evaluations))
    assert best["generalises"].measure == "written_entropy"
    assert best["hard succeeds"].measure == "normalized_entropy"


def test_written_cell_entropy_ignores_blur_over_empty_cells():
    from analysis.sharpness import read_sharpness, written_cells, written_entropy

    write = np.eye(6)[[0, 1, 2, 3, 4, 5]]                 # one cell written per step
    assert written_cells(write)[3].tolist() == [True, True, True, False, False, False]
    # the read at step 3 puts 0.9 on cell 1 and 0.1 spread over the unwritten cells 3-5
    read = np.zeros((6, 6))
    read[:, 1] = 0.9
    read[:, 3:] = 0.1 / 3
    h = written_entropy(read, written_cells(write))
    assert np.isnan(h[0]) and h[2] == pytest.approx(0.0, abs=1e-9)   # only cell 1 holds mass
    s = read_sharpness({"read0": read[None, :4], "write0": write[None, :4]})
    assert s["written_entropy"] < 0.01 < s["normalized_entropy"]
    assert read_sharpness({"read0": np.full((1, 4, 4), 0.25)})["written_entropy"] == \
        pytest.approx(1.0)                               # no write head: every cell holds input


def _tempered(run, scores_by_t, train=10):
    rows = [{"length": n, "temperature": t, "symbol_accuracy": v if n > train else 1.0}
            for t, v in scores_by_t.items() for n in (10, 20, 40)]
    return {"run": run, "task": "copy", "machine": "ntm", "seed": 0, "train_length": train,
            "temperatures": rows}


def test_the_best_temperature_its_gain_and_rescue():
    from analysis.tempering import best_temperatures, curves

    blur = _tempered("blur", {1.0: 0.5, 0.5: 0.8, 0.0: 0.95, "adaptive": 0.9})
    wrong = _tempered("wrong", {1.0: 0.3, 0.5: 0.3, 0.0: 0.2})
    found = {b.run: b for b in best_temperatures([blur, wrong])}
    assert found["blur"].best == "0" and found["blur"].gain == pytest.approx(0.45)
    assert found["blur"].rescued and found["blur"].score_t1 == pytest.approx(0.5)
    assert found["wrong"].best == "1" and found["wrong"].gain == 0 \
        and not found["wrong"].rescued                # a tie goes to T = 1
    c = curves([blur])["ntm"]
    assert c["0.5"] == {1.0: 1.0, 2.0: 0.8, 4.0: 0.8} and set(c) == {"1", "0.5", "0", "adaptive"}


def test_the_held_out_choice_picks_at_the_first_length_and_scores_the_longer_ones():
    from analysis.tempering import best_temperatures

    train = 10
    acc = {(20, 1.0): 0.9, (40, 1.0): 0.5, (80, 1.0): 0.3,       # as trained: fades
           (20, 0.5): 0.95, (40, 0.5): 0.9, (80, 0.5): 0.8,      # best at 20: chosen
           (20, 0.0): 0.7, (40, 0.0): 1.0, (80, 0.0): 1.0}       # best later: not seen
    rows = [{"length": n, "temperature": t, "symbol_accuracy": v} for (n, t), v in acc.items()]
    ev = {"run": "r", "task": "copy", "machine": "ntm", "seed": 0, "train_length": train,
          "temperatures": rows}
    (b,) = best_temperatures([ev])
    assert b.best == "0" and b.chosen == "0.5"
    assert b.held_out == pytest.approx(0.85) and b.held_out_t1 == pytest.approx(0.4)
    short = {**ev, "temperatures": [r for r in rows if r["length"] == 20]}
    assert best_temperatures([short])[0].chosen is None    # one length beyond training only


def test_moments_and_lag_from_a_training_curve():
    from analysis.dynamics import all_moments, median_lags

    curve = [{"sequences": 100, "bits": 5, "entropy_read0": 0.6},
             {"sequences": 200, "bits": 3, "entropy_read0": 0.08, "probe_exact": 0.1},
             {"sequences": 300, "bits": 1, "entropy_read0": 0.05, "probe_exact": 0.95}]
    never = [{"sequences": 100, "bits": 5, "entropy_read0": 0.6, "probe_exact": 0.0}]
    evs = [{"run": "a", "task": "copy", "machine": "ntm", "seed": 0, "curve": curve},
           {"run": "b", "task": "copy", "machine": "ntm", "seed": 1, "curve": never},
           {"run": "c", "task": "copy", "machine": "lstm", "seed": 0,
            "curve": [{"sequences": 1, "bits": 1, "probe_exact": 1.0}]}]   # no entropy
    found = all_moments(evs)
    assert [(m.run, m.sharpened_at, m.generalises_at, m.lag) for m in found] == [
        ("a", 200, 300, 100), ("b", None, None, None)]
    assert median_lags(found) == {"ntm": {"runs": 2, "both": 1, "median_lag": 100.0,
                                          "sharpened_first": 1}}


def test_the_headline_takes_every_number_from_the_report():
    from analysis.headline import headline

    report = {"summary": [
        {"task": "copy", "machine": "ntm", "addressing": "soft",
         "exact_match": {"8": 1.0, "48": 0.93}},
        {"task": "copy", "machine": "lstm", "addressing": "soft",
         "exact_match": {"8": 1.0, "48": 0.0}},
        {"task": "copy", "machine": "classical", "addressing": "hard",
         "exact_match": {"8": 1.0, "48": 1.0}}],
        "sharpness_statistics": [{"group": "pooled", "fitted": True, "runs": 12, "rho": -0.61,
                                  "low": -0.85, "high": -0.2}],
        "best_measures": {"generalises": {"measure": "written_entropy", "auc": 0.83,
                                          "runs": 12, "positives": 5}},
        "temperatures": {"best": [{"run": "copy-ntm-s0", "best": "0", "score": 0.97,
                                   "score_t1": 0.4, "gain": 0.57, "rescued": True,
                                   "chosen": "0.5", "held_out": 0.95, "held_out_t1": 0.3},
                                  {"run": "copy-ntm-s1", "best": "1", "score": 0.2,
                                   "score_t1": 0.2, "gain": 0.0, "rescued": False}]},
        "dynamics": {"by_machine": {"ntm": {"runs": 3, "both": 2, "median_lag": 1500.0,
                                            "sharpened_first": 2}}}}
    text = " ".join(headline(report))
    for number in ("0.93 at length 48", "-0.61", "-0.85", "-0.20", "12 runs", "0.83",
                   "0.40 to 0.97", "rescued 1", "the ntm in 2 of 2 runs (median lag 1,500",
                   "first length beyond training alone, 1 of 1 run scores", "(0 at T = 1)"):
        assert number in text, number
    assert "lstm" in text and "sharper heads generalised further" in text
    assert "classical" not in text


def test_the_headline_counts_seeds_instead_of_averaging_them():
    from analysis.headline import generalisation

    exact = {0: (0.0, 0.0), 1: (1.0, 0.98), 2: (1.0, 1.0), 3: (1.0, 0.5)}   # seed: (20, 120)
    report = {"summary": [{"task": "copy", "machine": "ntm", "addressing": "soft",
                           "exact_match": {"20": 0.75, "120": 0.62}}],          # the means
              "results": [{"task": "copy", "machine": "ntm", "seed": seed, "length": n,
                           "addressing": addressing, "exact_match": e}
                          for seed, pair in exact.items() for n, e in zip((20, 120), pair)
                          for addressing in ("soft", "hard")]}
    text = generalisation(report)
    assert "the ntm on copy in 2 of 4 seeds (0.98-1.00 at length 120)" in text
    assert "falling short beyond them: the ntm on copy in 1 of 4 seeds (0.50 at length 120)" \
        in text
    assert "too short for them: the ntm on copy in 1 of 4 seeds (0.00 at length 20)" in text
    one = {"summary": [dict(report["summary"][0], exact_match={"20": 1.0, "120": 0.5})],
           "results": [r for r in report["results"] if r["seed"] == 3]}
    assert generalisation(one) == ("No trained machine reached exact match 0.9 at the longest "
                                   "tested length (1 machine-task pair tried). Fitting their "
                                   "training lengths but falling short beyond them: the ntm "
                                   "on copy (0.50 at length 120).")        # no "1 of 1 seeds"
    split = {"summary": report["summary"],                 # seeds 0 and 3: unfit and short
             "results": [r for r in report["results"] if r["seed"] in (0, 3)]}
    assert "(1 machine-task pair tried)" in generalisation(split)     # one pair, counted once


def test_the_headline_does_not_judge_a_fit_at_lengths_beyond_training():
    """Tested only beyond its training lengths (the protocol row's lengths hold the shortest
    tested one), a run that falls short is not called unfit, nor fitting: its fit is unknown."""
    from analysis.headline import generalisation

    results = [{"task": "odds_first", "machine": "tapernn", "seed": seed, "length": n,
                "addressing": "soft", "exact_match": 0.0} for seed in (0, 1) for n in (20, 80)]
    report = {"summary": [{"task": "odds_first", "machine": "tapernn", "addressing": "soft",
                           "exact_match": {"20": 0.0, "80": 0.0}}], "results": results,
              "protocol": {"rows": [{"task": "odds_first", "machine": "tapernn",
                                     "lengths": [20, 80]}]}}
    assert generalisation(report) == (
        "No trained machine reached exact match 0.9 at the longest tested length (1 "
        "machine-task pair tried). Falling short beyond their training lengths, which were not "
        "tested: the tapernn on odds_first in 2 of 2 seeds (0.00 at length 80).")
    report["protocol"]["rows"][0]["lengths"] = [80]       # 20 was the training length
    assert "Not even fitting their training lengths" in generalisation(report)


def test_the_headline_says_where_the_published_pattern_holds():
    from analysis.headline import published

    def row(machine, task, score, argmax, pub, agrees):
        return {"machine": machine, "task": task, "max": score, "argmax_max": argmax,
                "published": pub, "agrees": agrees}

    report = {"protocol": {"rows": [
        row("lstm", "parity", 100.0, None, 100.0, True),
        row("stackrnn", "reverse", 81.1, 100.0, 100.0, False),
        row("tapernn", "duplicate", 77.0, 54.7, 100.0, False),
        row("ntm", "parity", 100.0, 88.0, None, None)]}}
    text = published(report)
    assert "1 of 3 machine-task pairs agrees;" in text
    assert "the stackrnn on reverse (81.1, published 100.0)" in text
    assert "the tapernn on duplicate (77.0, published 100.0) do not;" in text
    assert "under argmax addressing this agrees: the stackrnn on reverse (100.0)" in text
    assert "ntm" not in text and published({"protocol": {"rows": []}}) is None
    one = published({"protocol": {"rows": report["protocol"]["rows"][2:3]}})
    assert one.endswith("0 of 1 machine-task pair agree; the tapernn on duplicate (77.0, "
                        "published 100.0) does not.")


def test_a_soft_tms_restarts_are_runs_of_their_own():
    rows = [{"restart": r, "length": n, "symbol_accuracy": acc, "exact_match": acc,
             "read_entropy": h}
            for r, (h, near, far) in enumerate([(0.05, 1.0, 1.0), (0.6, 1.0, 0.6),
                                                 (0.9, 0.5, 0.5)])
            for n, acc in ((10, near), (40, far))]
    ev = _evaluation("softtm", 0, 0.05, 1.0, 1.0)
    ev["restarts"] = rows
    points = run_points([ev])
    assert [(p["seed"], p["sharpness"], p["fit"], p["accuracy"]) for p in points] == [
        ("0.0", 0.05, 1.0, 1.0), ("0.1", 0.6, 1.0, 0.6), ("0.2", 0.9, 0.5, 0.5)]
    table = {(c.group, c.fitted): c for c in sharpness_correlations([ev])}
    assert table[("softtm", False)].runs == 3 and table[("softtm", False)].rho == -1.0


def test_the_tempering_sentence_counts_one_run_as_one():
    from analysis.headline import tempering

    def best(score_t1: float) -> dict:
        return {"run": "r", "best": "1", "score": score_t1, "score_t1": score_t1, "gain": 0.0,
                "rescued": False}

    one = tempering({"temperatures": {"best": [best(0.5)]}})
    assert "in the 1 run that falls short there: its failure is a wrong algorithm" in one
    two = tempering({"temperatures": {"best": [best(0.5), best(0.4)]}})
    assert "in any of the 2 runs that fall short there: their failure is" in two
    assert "its 1 run scored at least 0.9" in tempering({"temperatures": {"best": [best(1.0)]}})
    sharp = [best(1.0), best(0.95), best(0.92)]
    assert "both runs scored at least 0.9" in tempering({"temperatures": {"best": sharp[:2]}})
    assert "all 3 runs scored at least 0.9" in tempering({"temperatures": {"best": sharp}})
