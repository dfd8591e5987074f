"""machines/files.py's claim on a directory: a second tapelab process that would fill a
directory another one is filling stops at once, in one line, and touches nothing."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from conftest import ROOT
from machines.files import LOCK, Busy, claim, prepare_dir

USAGE = 2
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no flock on Windows")


def ours(path: Path) -> str | None:
    return "a test record" if (path / "record.json").is_file() else None


@pytest.fixture
def holder(tmp_path):
    """Start another process that claims a directory and waits; yields (its process, the
    directory's path). The directory is made a comparison with one run first."""
    out = tmp_path / "held"
    (out / "runs" / "invert-lstm-s0").mkdir(parents=True)
    (out / "compare.json").write_text(json.dumps(
        {"kind": "tapelab-compare", "settings": {"tasks": ["invert"]}}))
    code = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from analysis.layout import compare_kind
        from machines.files import claim
        with claim({str(out)!r}, ours=compare_kind):
            print("held", flush=True)
            time.sleep(120)
    """)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "held"
    yield p, out
    p.kill()
    p.wait()


def test_a_missing_directory_is_made_and_left_clean(tmp_path):
    out = tmp_path / "a" / "b"
    with claim(out, ours=ours):
        assert (out / LOCK).is_file()
        assert (out / LOCK).read_text().split()[0] == str(os.getpid())
    assert not out.exists()                     # still empty: removed again
    with claim(out, ours=ours):
        (out / "kept.txt").write_text("x")
    assert sorted(p.name for p in out.iterdir()) == ["kept.txt"]    # the claim is gone


def test_a_second_claim_is_refused_while_the_first_holds(tmp_path):
    out = tmp_path / "d"
    with claim(out, ours=ours):
        with pytest.raises(Busy, match=rf"{out}: in use by another tapelab process \(pid "
                                       rf"{os.getpid()}, since "):
            with claim(out, ours=ours):
                pass
    with claim(out, ours=ours):                 # let go: free again
        pass


def test_a_directory_tapelab_did_not_make_is_not_written_to(tmp_path):
    (tmp_path / "theirs.txt").write_text("mine")
    with claim(tmp_path, ours=ours):
        assert not (tmp_path / LOCK).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["theirs.txt"]
    with claim(tmp_path / "missing", ours=ours, make=False):
        pass
    assert not (tmp_path / "missing").exists()


def test_a_killed_holder_leaves_nothing_held(holder):
    p, out = holder
    with pytest.raises(Busy, match=f"pid {p.pid}"):
        with claim(out, ours=lambda path: "ours"):
            pass
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert (out / LOCK).is_file()               # the file stays, its lock went with the process
    with claim(out, ours=lambda path: "ours"):
        pass
    assert not (out / LOCK).exists()


def test_replacing_a_claimed_directory_keeps_the_claim(tmp_path):
    out = tmp_path / "d"
    out.mkdir()
    (out / "record.json").write_text("{}")
    (out / "sub").mkdir()
    (out / "sub" / "f").write_text("x")
    with claim(out, ours=ours):
        assert prepare_dir(out, force=True, what="test", record="record.json", kind_of=ours)
        assert [p.name for p in out.iterdir()] == [LOCK]
        assert not prepare_dir(out, force=False, what="test", record="record.json",
                               kind_of=ours)      # empty now
        with pytest.raises(Busy):
            with claim(out, ours=ours):
                pass


@pytest.mark.parametrize("args", [
    ["compare", "invert", "--machines", "lstm", "--steps", "5", "--lengths", "3", "--out",
     "{out}"],
    ["compare", "invert", "--machines", "lstm", "--steps", "5", "--lengths", "3", "--out",
     "{out}", "--force"],
    ["report", "{out}"],
    ["train", "--resume", "{out}/runs/invert-lstm-s0", "--steps", "5"],
    ["train", "invert", "--machine", "lstm", "--steps", "5", "--out", "{out}/runs/other"],
])
def test_a_command_on_a_directory_another_process_fills_stops_in_one_line(holder, args):
    p, out = holder
    before = sorted(str(q.relative_to(out)) for q in out.rglob("*"))
    r = CliRunner().invoke(cli, [a.format(out=out) for a in args])
    assert r.exit_code == USAGE, r.output
    assert f"in use by another tapelab process (pid {p.pid}, since " in r.output
    assert "Traceback" not in r.output
    assert sorted(str(q.relative_to(out)) for q in out.rglob("*")) == before


def test_an_interrupted_replacement_can_be_replaced_again(tmp_path, monkeypatch):
    """--force removes the record last: stopped halfway, the directory is still one to
    replace, not one that holds files but no record (which is refused for good)."""
    out = tmp_path / "d"
    out.mkdir()
    for name in ("a.txt", "record.json", "z.txt"):
        (out / name).write_text("x")
    removed = []
    real = Path.unlink

    def unlink(self, *args, **kwargs):
        if removed:
            raise KeyboardInterrupt
        removed.append(self.name)
        real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", unlink)
    with pytest.raises(KeyboardInterrupt):
        prepare_dir(out, force=True, what="test", record="record.json", kind_of=ours)
    monkeypatch.setattr(Path, "unlink", real)
    assert removed != ["record.json"] and (out / "record.json").is_file()
    assert prepare_dir(out, force=True, what="test", record="record.json", kind_of=ours)
    assert list(out.iterdir()) == []


def test_without_flock_nothing_is_held(tmp_path, monkeypatch):
    """On a system without flock (Windows) a claim holds nothing and writes nothing."""
    monkeypatch.setitem(sys.modules, "fcntl", None)          # import fcntl raises ImportError
    out = tmp_path / "d"
    with claim(out, ours=ours):
        with claim(out, ours=ours):
            pass
    assert not out.exists()
