"""Every `tapelab ...` command of the README's classical section runs as written from a clean
clone: no missing file, no traceback, and an exit code the README documents for it."""
from __future__ import annotations

import os
import re
import shlex

import pytest
from click.testing import CliRunner

from cli import cli
from conftest import ROOT

DOCUMENTED = {0, 3, 4, 5}     # halted, step limit, never halts, breakpoint


def classical_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Run classical Turing machines", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    lines = [line.split("  #", 1)[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith("tapelab ")]


def test_the_section_has_commands():
    assert len(classical_commands()) >= 6


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A folder where commands may write (bb4.yaml, bb4.png), seeing the repository's files
    under the same relative paths as in a clone."""
    d = tmp_path_factory.mktemp("readme")
    for name in ("machines", "tests"):
        os.symlink(ROOT / name, d / name)
    return d


@pytest.mark.parametrize("command", classical_commands())
def test_readme_command_runs_as_written(command, scratch, monkeypatch):
    monkeypatch.chdir(scratch)
    r = CliRunner().invoke(cli, shlex.split(command)[1:])
    assert r.exit_code in DOCUMENTED, f"{command}\n{r.output}"
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output


def test_the_readme_command_for_deletangs_budget_plans_their_grid(tmp_path, monkeypatch):
    """The Scaling section's command for Delétang et al.'s budget parses as written and plans
    their grid: nine tasks, four trained machines x 10 seeds, and the classical reference."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Scaling", 1)[1].split("\n## ", 1)[0]
    command = re.search(r"^(tapelab compare parity .*?--out \S+)$",
                        section.replace("\\\n", " "), re.M).group(1)
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, [*shlex.split(command)[1:], "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "369 jobs, 0 done already, 369 to run" in r.stdout


def test_every_compare_command_of_the_scaling_section_plans_as_written(tmp_path, monkeypatch):
    """Each `tapelab compare` of the Scaling section (one machine, a GPU box, a cluster,
    Delétang et al.'s budget) parses and plans as written: a dry run, which starts no Ray."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Scaling", 1)[1].split("\n## ", 1)[0].replace("\\\n", " ")
    commands = re.findall(r"^(tapelab compare .*)$", section, re.M)
    assert len(commands) >= 4 and any("device=cuda" in c for c in commands)
    monkeypatch.chdir(tmp_path)
    for command in commands:
        words = shlex.split(command.split("  #", 1)[0])[1:]
        r = CliRunner().invoke(cli, [*words, "--dry-run"])
        assert r.exit_code == 0, f"{command}\n{r.output}"
