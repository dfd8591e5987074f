"""Sweeps on the local pool and on a real Ray instance: the same report either way, resume
after an interruption, failures retried and recorded without stopping the others, and a
two-node Ray cluster on this machine."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis.compare import CompareConfig, compare
from analysis.report import build_report
from analysis.sweep import SweepOptions
from cli import cli
from conftest import cli_process

ray = pytest.importorskip("ray", reason="the Ray tests need the ray extra (pip install -e '.[dev]')")

GRID = dict(tasks=["invert", "parity"], machines=["classical", "lstm"], seeds=2, steps=6,
            lengths=[3, 6], samples=4)
TIMINGS = {"seconds", "seq_per_s", "training_seconds", "created", "versions"}


def _without_timings(x):
    if isinstance(x, dict):
        return {k: _without_timings(v) for k, v in x.items() if k not in TIMINGS}
    if isinstance(x, list):
        return [_without_timings(v) for v in x]
    return x


def _grid_report(out: Path, options: SweepOptions) -> dict:
    outcomes = compare(CompareConfig(**GRID), out, options=options, log=lambda m: None)
    assert [o.status for o in outcomes] == ["done"] * 6
    return build_report(out)


def test_ray_gives_the_local_backends_report(tmp_path):
    local = _grid_report(tmp_path / "local", SweepOptions(jobs=2))
    on_ray = _grid_report(tmp_path / "ray", SweepOptions(backend="ray", ray_cpus=2))
    assert _without_timings(json.loads(json.dumps(on_ray, default=str))) == \
        _without_timings(json.loads(json.dumps(local, default=str)))
    files = sorted(p.relative_to(tmp_path / "ray").as_posix()
                   for p in (tmp_path / "ray" / "runs").rglob("*") if p.is_file())
    assert "runs/invert-lstm-s1/checkpoint.pt" in files        # the run came back whole


def test_a_failing_job_is_retried_recorded_and_does_not_stop_the_others(tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("TAPELAB_FAULT", "parity-lstm-s1")
    out = tmp_path / "faulty"
    logs: list[str] = []
    outcomes = compare(CompareConfig(**GRID), out, log=logs.append,
                       options=SweepOptions(backend="ray", ray_cpus=2, retries=2))
    status = {o.name: (o.status, o.attempts) for o in outcomes}
    assert status["parity-lstm-s1"] == ("failed", 3)
    assert all(s == "done" for name, (s, _) in status.items() if name != "parity-lstm-s1")
    record = json.loads((out / "runs" / "parity-lstm-s1" / "failed.json").read_text())
    assert "injected fault" in record["error"] and "Traceback" in record["error"]
    assert any("retrying parity-lstm-s1" in line for line in logs)
    report = build_report(out)
    assert [f["job"] for f in report["failed"]] == ["parity-lstm-s1"]
    assert "Failed: parity-lstm-s1" in (out / "report.md").read_text()
    monkeypatch.delenv("TAPELAB_FAULT")               # the same command tries it again
    outcomes = compare(CompareConfig(**GRID), out, log=logs.append,
                       options=SweepOptions(jobs=1))
    assert {o.name: o.status for o in outcomes}["parity-lstm-s1"] == "done"
    assert sum(o.status == "cached" for o in outcomes) == 5
    assert not (out / "runs" / "parity-lstm-s1" / "failed.json").exists()


def test_the_report_names_the_runs_a_stopped_sweep_did_not_finish(tmp_path):
    out = tmp_path / "stopped"
    report = _grid_report(out, SweepOptions(jobs=1))
    assert report["unfinished"] == [] and "Not finished" not in (out / "report.md").read_text()
    (out / "runs" / "parity-lstm-s1" / "evaluation.json").unlink()  # stopped in its evaluation
    report = build_report(out)
    assert report["unfinished"] == ["parity-lstm-s1"]
    assert "Not finished: 1 run(s) of this comparison's grid (parity-lstm-s1)" in \
        (out / "report.md").read_text()


def test_a_worker_process_that_dies_fails_its_job_and_the_sweep_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("TAPELAB_FAULT", "parity-lstm-s0:die")   # as the out-of-memory killer
    out = tmp_path / "killed"
    logs: list[str] = []
    outcomes = compare(CompareConfig(**GRID), out, log=logs.append,
                       options=SweepOptions(jobs=2, retries=1))
    status = {o.name: (o.status, o.attempts) for o in outcomes}
    assert status.pop("parity-lstm-s0") == ("failed", 2)
    # the jobs that shared its pool were rerun alone, not charged a try
    assert all(s == ("done", 1) for s in status.values()), status
    record = json.loads((out / "runs" / "parity-lstm-s0" / "failed.json").read_text())
    assert "worker process died" in record["error"]
    assert any(line.startswith("FAILED parity-lstm-s0") for line in logs)


_cli = cli_process


GRID_ARGS = ["invert", "parity", "--machines", "classical,lstm", "--seeds", "2", "--steps", "6",
             "--lengths", "3,6", "--samples", "4"]


def test_an_interrupted_ray_sweep_resumes_with_what_is_missing(tmp_path):
    out = tmp_path / "cut"
    p = _cli("compare", *GRID_ARGS, "--backend", "ray", "--out", out)
    deadline = time.monotonic() + 120
    while not list(out.glob("runs/*/evaluation.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=60)
    first = {e.parent.name: e.stat().st_mtime for e in out.glob("runs/*/evaluation.json")}
    assert first and len(first) < 6
    r = CliRunner().invoke(cli, ["compare", *GRID_ARGS, "--backend", "ray", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert f"{len(first)} done before, {6 - len(first)} to run" in r.stderr
    assert all(out.joinpath("runs", name, "evaluation.json").stat().st_mtime == stamp
               for name, stamp in first.items())


def test_extend_on_ray_trains_the_runs_on_from_the_drivers_checkpoints(tmp_path):
    """A Ray worker starts from the run directory's files: `--extend` on Ray continues the
    run (its first metrics lines, timings included, are the driver's) and gives what a local
    comparison trained that long outright gives."""
    args = ["compare", "invert", "--machines", "lstm", "--samples", "4", "--lengths", "3,6",
            "--temperatures", "none"]
    grown, straight = tmp_path / "grown", tmp_path / "straight"
    assert CliRunner().invoke(cli, [*args, "--steps", "40", "--out", str(grown)]).exit_code == 0
    metrics = grown / "runs" / "invert-lstm-s0" / "metrics.jsonl"
    before = metrics.read_text().splitlines()
    assert [json.loads(line)["step"] for line in before] == [20, 40]
    r = CliRunner().invoke(cli, [*args, "--steps", "60", "--extend", "--backend", "ray",
                                 "--out", str(grown)])
    assert r.exit_code == 0 and "training 1 finished run on" in r.stderr, r.output
    after = metrics.read_text().splitlines()
    assert after[:2] == before and json.loads(after[-1])["step"] == 60    # resumed, not redone
    assert CliRunner().invoke(cli, [*args, "--steps", "60", "--out", str(straight)]).exit_code == 0
    got, want = (json.loads((out / "runs" / "invert-lstm-s0" / "evaluation.json").read_text())
                 for out in (grown, straight))
    assert got["results"] == want["results"]


def test_dry_run_prints_the_grid_and_the_cost(tmp_path):
    r = CliRunner().invoke(cli, ["compare", "invert", "parity", "--machines", "classical,lstm",
                                 "--seeds", "2", "--budget", "30", "--jobs", "2", "--dry-run",
                                 "--out", str(tmp_path / "none")])
    assert r.exit_code == 0, r.output
    assert "6 jobs, 0 done already, 6 to run" in r.stdout and "invert-lstm-s1" in r.stdout
    assert "about 1.0 min of training with 2 jobs at a time" in r.stdout
    assert r.stdout.endswith("evaluation: 4 lengths x 50 examples per run, a pass for each "
                             "way it is scored: classical, soft\n")   # an LSTM has no heads
    assert not (tmp_path / "none").exists()
    r = CliRunner().invoke(cli, ["compare", "invert", "--machines", "lstm,tapernn", "--dry-run"])
    assert r.stdout.endswith("evaluation: 4 lengths x 50 examples per run, a pass for each way "
                             "it is scored: soft, argmax, 4 test-time temperatures "
                             "(--temperatures none drops them)\n")   # 1 and 0: soft, argmax
    r = CliRunner().invoke(cli, ["compare", "invert", "--machines", "tapernn", "--lengths",
                                 "41-500", "--temperatures", "none", "--dry-run"])
    assert r.stdout.endswith("evaluation: 460 lengths x 50 examples per run, a pass for each "
                             "way it is scored: soft, argmax\n")


def test_pairs_choose_cells_of_the_grid(tmp_path):
    args = ["compare", "--pairs", "reverse:stackrnn,duplicate:tapernn,reverse:tapernn",
            "--seeds", "2", "--budget", "30", "--dry-run", "--out", str(tmp_path / "none")]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert "6 jobs, 0 done already, 6 to run" in r.stdout
    jobs = {words[0] for words in map(str.split, r.stdout.splitlines())
            if words and words[0].rsplit("-", 1)[-1] in ("s0", "s1")}
    assert jobs == {f"{p}-s{s}" for p in ("reverse-stackrnn", "duplicate-tapernn",
                                          "reverse-tapernn") for s in (0, 1)}
    # with TASK names and --machines given, the pairs pick cells of that grid
    r = CliRunner().invoke(cli, ["compare", "reverse", "duplicate", "--machines",
                                 "classical,tapernn", "--pairs", "reverse:classical",
                                 "--dry-run", "--out", str(tmp_path / "none")])
    assert r.exit_code == 0 and "1 job, 0 done already, 1 to run" in r.stdout, r.output


@pytest.mark.parametrize("args, message", [
    (["--pairs", "reverse"], "give TASK:MACHINE pairs"),
    (["--pairs", "reverse:"], "give TASK:MACHINE pairs"),
    (["--pairs", "reverse:ntm", "--machines", "lstm"], "pair reverse:ntm: ntm is not one of"),
    (["parity", "--pairs", "reverse:lstm"], "reverse is not one of the tasks"),
    (["--pairs", "nosuch:lstm"], "unknown task 'nosuch'"),
    (["--pairs", "reverse:nosuch"], "nosuch"),
    ([], "give TASK names, --all or --pairs"),
])
def test_bad_pairs_are_one_line_errors(tmp_path, args, message):
    r = CliRunner().invoke(cli, ["compare", *args, "--dry-run", "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output, r.output


def test_the_cost_counts_each_machines_own_time_budget(tmp_path):
    from analysis.compare import CompareConfig

    r = CliRunner().invoke(cli, ["compare", "invert", "--machines", "classical,lstm,stackrnn",
                                 "--budget", "30", "--set", "lstm.time_budget=90", "--dry-run",
                                 "--out", str(tmp_path / "none")])
    assert r.exit_code == 0, r.output
    assert "about 2.0 min of training with 1 job at a time" in r.stdout   # 90 s + 30 s
    config = CompareConfig(["invert"], ["classical", "lstm", "stackrnn"], budget=30,
                           machine_settings={"lstm": {"train": {"time_budget": 90}}})
    assert [config.seconds(m) for m in config.machines] == [None, 90, 30]
    assert config.train_settings("stackrnn")["time_budget"] == 30
    assert CompareConfig(["invert"], ["lstm"], steps=100).seconds("lstm") is None


def test_the_ray_backend_without_ray_says_how_to_install_it(monkeypatch):
    import analysis.sweep as sweep

    monkeypatch.setitem(sys.modules, "ray", None)       # an environment without Ray
    with pytest.raises(ValueError, match=r"pip install -e '\.\[ray\]'"):
        sweep._start_ray(SweepOptions(backend="ray"))


def test_a_two_node_cluster_on_this_machine(tmp_path):
    port = 6391
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    head = ["ray", "start", "--head", f"--port={port}", "--num-cpus=1", "--include-dashboard=false",
            "--disable-usage-stats"]
    worker = ["ray", "start", f"--address=127.0.0.1:{port}", "--num-cpus=1"]
    try:
        subprocess.run(head, check=True, capture_output=True, env=env, timeout=120)
        subprocess.run(worker, check=True, capture_output=True, env=env, timeout=120)
        out = tmp_path / "cluster"
        r = CliRunner().invoke(cli, ["compare", *GRID_ARGS, "--backend", "ray", "--address",
                                     f"127.0.0.1:{port}", "--out", str(out)])
        assert r.exit_code == 0, r.output
        assert len(list(out.glob("runs/*/evaluation.json"))) == 6
    finally:
        subprocess.run(["ray", "stop", "--force"], capture_output=True, env=env, timeout=120)


def test_a_job_no_node_can_run_is_an_error_not_a_silent_wait(tmp_path):
    """Ray keeps a job that asks for more than any node has waiting for ever, silently: on a
    local instance of ours, where no node will join, compare refuses it."""
    from analysis.sweep import _no_node_fits

    r = CliRunner().invoke(cli, ["compare", "reverse", "--machines", "classical", "--lengths",
                                 "3", "--samples", "2", "--backend", "ray", "--cpus-per-job",
                                 "1024", "--out", str(tmp_path / "big")])
    assert r.exit_code == 2, r.output
    assert "no node of the Ray cluster has 1024 CPUs and 0 GPUs for a job (its nodes have " \
        in r.stderr and "lower --cpus-per-job or --gpus-per-job" in r.stderr, r.output
    nodes = [{"Alive": True, "Resources": {"CPU": 8.0}},
             {"Alive": True, "Resources": {"CPU": 2.0, "GPU": 1.0}},
             {"Alive": False, "Resources": {"CPU": 64.0, "GPU": 8.0}}]     # a node lost
    assert _no_node_fits(nodes, 2, 0.25) is None and _no_node_fits(nodes, 8, 0) is None
    assert _no_node_fits(nodes, 4, 1) == ("no node of the Ray cluster has 4 CPUs and 1 GPUs "
                                          "for a job (its nodes have 8 CPUs and 0 GPUs, 2 CPUs "
                                          "and 1 GPUs)")
    assert _no_node_fits([], 1, 0).endswith("(it has no node)")


def test_a_ray_sweep_prints_where_its_running_jobs_stand(tmp_path):
    """On Ray, each job trains in a scratch folder on its node: the driver printed nothing
    between a job's start and its end (hours, at Delétang et al.'s budget)."""
    lines: list[str] = []
    # a metrics line every step (not every 20th), so that a loaded machine, which trains
    # fewer than 20 steps in 6 s, has a status to show too
    config = CompareConfig(tasks=["invert"], machines=["lstm"], budget=6, lengths=[3],
                           samples=2, temperatures=[],
                           machine_settings={"lstm": {"train": {"log_every": 1}}})
    outcomes = compare(config, tmp_path / "cmp", log=lines.append,
                       options=SweepOptions(backend="ray", ray_cpus=2, heartbeat=0.5))
    assert [o.status for o in outcomes] == ["done"]
    status = [line for line in lines if line.startswith("training: invert-lstm-s0 ")]
    assert status and all(" s left, loss " in line for line in status), lines
