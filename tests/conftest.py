"""Shared fixtures: the public corpus of example programs, shipped in tests/data/corpus.

turingmachine.io's examples (BSD-3-Clause) and Morphett's samples (public domain), each folder
with its LICENSE. A missing corpus is an error, not a skip: a clean clone runs every test.
"""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "tests" / "data" / "corpus"


def corpus_files(kind: str) -> list[Path]:
    folder = CORPUS / kind
    files = sorted(p for p in folder.iterdir() if p.name != "LICENSE" and p.is_file())
    if not files:
        raise FileNotFoundError(f"no corpus at {folder}: the repository ships it")
    return files


def corpus_params(kind: str):
    return [pytest.param(p, id=p.name) for p in corpus_files(kind)]


@pytest.fixture
def corpus() -> Path:
    return CORPUS


def cli_process(*args, preexec_fn=None, **kw) -> subprocess.Popen:
    """``tapelab ARGS`` in a process of its own, its output captured. Ctrl-C (SIGINT) reaches
    it as at a terminal even where the test runner was started in the background, which
    leaves SIGINT ignored (and a Python started that way never raises KeyboardInterrupt)."""
    def child() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if preexec_fn is not None:
            preexec_fn()
    return subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=child, **kw)
