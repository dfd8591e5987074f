"""The command line: output shapes, exit codes, and what it imports."""
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cli import cli
from conftest import ROOT

BB4 = "1RB1LB_1LA0LC_1RZ1LD_1RD0RA"
EXAMPLE = str(ROOT / "machines/examples/binary_increment.yaml")


def invoke(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_run_json_is_exactly_one_object():
    r = invoke("run", BB4, "--json")
    assert r.exit_code == 0
    obj = json.loads(r.stdout)
    assert obj == {"program": BB4, "halted": True, "reason": "halt-state", "state": "Z",
                   "steps": 107, "head": -9, "tape": "10111111111111", "tape_offset": -10,
                   "tape_runs": [["1", 1], ["0", 1], ["1", 12]], "tape_cells": 14,
                   "nonblank": 13}


def test_run_people_output_and_input_option():
    r = invoke("run", EXAMPLE, "--input", "111")
    assert r.exit_code == 0
    assert "halted" in r.stdout and "·[·]1000·" in r.stdout and "from cell -1" in r.stdout


def test_trace_marks_the_head():
    r = invoke("run", EXAMPLE, "--trace")
    lines = r.stdout.splitlines()
    assert r.exit_code == 0 and lines[0].split() == ["0", "right", "·[1]011·"]
    assert lines[8].split() == ["8", "done", "·[1]100·"]


def test_exit_codes():
    assert invoke("run", BB4, "--max-steps", "10").exit_code == 3
    assert invoke("run", "no/such/file.yaml").exit_code == 2
    assert invoke("run", BB4, "--max-steps", "-1").exit_code == 2
    assert invoke("run", BB4, "--format", "klingon").exit_code == 2


def test_invalid_program_is_one_line_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("blank: ' '\nstart state: a\ntable:\n  a:\n    x: {write: y, R: b}\n")
    r = invoke("run", str(bad))
    assert r.exit_code == 1
    assert r.stderr.strip() == (f"error: {bad}:5, state 'a', symbol 'x': "
                                "undeclared target state 'b'")
    assert "Traceback" not in r.output


def test_breakpoints_stop_a_non_interactive_trace(tmp_path):
    prog = tmp_path / "b.txt"
    prog.write_text("0 1 1 r 0\n0 0 0 r 0 !\n0 _ _ * halt\n")
    r = invoke("run", str(prog), "--input", "1101", "--trace", "--break", "--json")
    assert r.exit_code == 5
    assert json.loads(r.stdout)["reason"] == "breakpoint" and json.loads(r.stdout)["steps"] == 2
    assert "<- breakpoint (line 2)" in r.stderr
    assert invoke("run", str(prog), "--input", "1101", "--trace").exit_code == 0


def test_convert_between_formats(tmp_path):
    out = tmp_path / "bb4.yaml"
    assert invoke("convert", BB4, "--to", "yaml", "-o", str(out)).exit_code == 0
    back = invoke("convert", str(out), "--to", "bb")
    assert back.exit_code == 0 and back.stdout.strip() == BB4
    wild = tmp_path / "w.txt"
    wild.write_text("0 * 1 r halt\n")
    r = invoke("convert", str(wild), "--to", "bb")
    assert r.exit_code == 1 and "wildcard" in r.stderr
    r = invoke("convert", str(wild), "--to", "yaml", "--expand-wildcards")
    assert r.exit_code == 0 and "table:" in r.stdout


def test_diagram_dot_and_png(tmp_path):
    dot = tmp_path / "d.dot"
    assert invoke("diagram", EXAMPLE, "-o", str(dot)).exit_code == 0
    text = dot.read_text()
    assert text.startswith("digraph") and "carry" in text and "1→0,L" in text
    png = tmp_path / "d.png"
    assert invoke("diagram", BB4, "-o", str(png)).exit_code == 0
    import matplotlib.image

    pixels = matplotlib.image.imread(png)
    assert pixels.shape[0] > 200 and pixels.std() > 0.05          # a picture, not a blank
    assert invoke("diagram", BB4, "-o", str(tmp_path / "d.gif")).exit_code == 2


@pytest.mark.parametrize("args", [["run", BB4], ["run", EXAMPLE, "--trace"],
                                  ["convert", BB4, "--to", "morphett"]])
def test_classical_commands_import_neither_torch_nor_numpy(args):
    proc = subprocess.run([sys.executable, "-X", "importtime", str(ROOT / "cli.py"), *args],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert not {m for m in imported if m.split(".")[0] in ("torch", "numpy", "networkx")}


def test_python_cli_py_help_teaches():
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "run", "--help"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "Exit codes" in proc.stdout and "--max-steps" in proc.stdout
