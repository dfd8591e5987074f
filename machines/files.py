"""Writing without losing anything: output files, replaceable directories, atomic writes.

Every command that writes goes through here, so that the same three rules hold everywhere:

* an existing file is replaced only when the caller says so (``force``), and never when it is
  not a regular file (``/dev/full``, ``/proc/version``);
* a directory is removed only when tapelab made it: the caller passes a check that reads the
  directory's own record (a run's ``config.json``, a comparison's ``compare.json``) and says
  what it is; the working directory and its parents are never removed;
* a file is written to a temporary name beside it and renamed, so an interruption leaves the
  old file or the new one, never half of one.

Failures are :class:`OutputError` (:class:`Refused` where the path was the wrong choice), whose
message is one line naming the path and the reason.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable


class OutputError(Exception):
    """A path that cannot or may not be written; ``str(err)`` names it and says why."""


class Refused(OutputError):
    """A write refused because it would lose something (an existing file, a directory that
    tapelab did not make, the working directory): the caller chose the wrong path."""


class TooLarge(ValueError):
    """Work whose estimated memory exceeds what this machine has free; names the option."""


def reason_of(err: OSError) -> str:
    """The human part of an ``OSError`` ("No space left on device")."""
    return err.strerror or str(err)


def holds_working_dir(path: Path) -> bool:
    """Whether ``path`` is the working directory or one of its parents."""
    try:
        target, here = path.resolve(), Path.cwd().resolve()
    except OSError:
        return True                       # cannot tell: treat as precious
    return target == here or target in here.parents


def check_new_file(path: Path, force: bool) -> None:
    """Refuse to write ``path`` where that would lose something (see the module docstring)."""
    if path.is_dir():
        raise Refused(f"{path}: is a directory; give a file name")
    if path.exists() or path.is_symlink():
        if not path.is_file():
            raise Refused(f"{path}: exists and is not a regular file; give another name")
        if not force:
            raise Refused(f"{path}: exists; give another name, or --force to replace it")


def write_text(path: Path, text: str, *, force: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically, creating missing parent directories."""
    check_new_file(path, force)
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_atomic(path: Path, writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp)`` on a temporary file beside ``path``, then rename it to ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as err:
        raise OutputError(f"cannot write {path}: cannot create a file in {path.parent} "
                          f"({reason_of(err)})") from None
    tmp = Path(name)
    try:
        writer(tmp)
        os.chmod(tmp, 0o666 & ~_umask())       # mkstemp makes 0600; give what open() would
        os.replace(tmp, path)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {reason_of(err)}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def prepare_dir(path: Path, *, force: bool, what: str,
                kind_of: Callable[[Path], str | None], hint: str = "") -> bool:
    """Make ``path`` ready to be filled as a new ``what``; returns whether it was replaced.

    An empty or missing directory is fine (the writers make it when they first write). A directory that ``kind_of`` recognises as one of
    tapelab's own (it returns a description, else None) is removed with ``force`` and refused
    without it. Anything else is refused whatever ``force`` says, as is the working directory
    or a parent of it.
    """
    if path.exists() and not path.is_dir():
        raise Refused(f"{path}: exists and is not a directory")
    if not path.exists() or not any(path.iterdir()):
        return False
    if holds_working_dir(path):
        raise Refused(f"{path}: is the working directory or holds it; tapelab never "
                          f"replaces it: give another directory")
    ours = kind_of(path)
    if ours is None:
        raise Refused(f"{path}: holds files that tapelab did not make (no {what} record "
                          f"there); it is left alone: give another directory")
    if not force:
        raise Refused(f"{path}: holds {ours}; {hint or 'give another directory'}, or "
                          f"--force to replace it")
    try:
        shutil.rmtree(path)
    except OSError as err:
        raise OutputError(f"cannot replace {path}: {reason_of(err)}") from None
    return True


def available_memory() -> int:
    """Bytes of memory available to a new allocation (Linux's MemAvailable, else all RAM)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 2**40


def check_memory(estimate: int, option: str) -> None:
    """Refuse work whose estimated peak memory ``estimate`` (bytes) exceeds what is free."""
    have = available_memory()
    if estimate > have:
        raise TooLarge(f"that needs about {estimate / 2**30:.1f} GiB but "
                          f"{have / 2**30:.1f} GiB are free: lower {option}")
