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
