"""Progress while a compare trains: a status line per running job (seconds left, loss), from
the metrics the job logs, in the local pool and in-process alike."""
from __future__ import annotations

import pytest

from analysis.compare import CompareConfig, compare
from analysis.sweep import SweepOptions


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_training_compare_reports_seconds_left_and_loss(tmp_path, jobs):
    lines: list[str] = []
    config = CompareConfig(tasks=["invert"], machines=["ntm", "lstm"], budget=6,
                           lengths=[3], samples=2, temperatures=[])
    outcomes = compare(config, tmp_path / "cmp", options=SweepOptions(jobs=jobs, heartbeat=0.5),
                       log=lines.append)
    assert [o.status for o in outcomes] == ["done", "done"]
    status = [line for line in lines if line.startswith("training: ")]
    assert status, lines
    assert any("invert-ntm-s0 " in line and " s left, loss " in line for line in status)
    if jobs == 2:       # both train at once: one line names both
        assert any("invert-ntm-s0" in line and "invert-lstm-s0" in line for line in status)
