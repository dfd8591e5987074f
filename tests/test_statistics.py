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
