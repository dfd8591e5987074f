"""Writing without losing anything: output files, replaceable directories, atomic writes.

Every command that writes goes through here, so that the same three rules hold everywhere:

* an existing file is replaced only when the caller says so (``force``), and never when it is
  not a regular file (``/dev/full``, ``/proc/version``);
* a directory is removed only when tapelab made it: the caller passes a check that reads the
  directory's own record (a run's ``config.json``, a comparison's ``compare.json``) and says
  what it is; the working directory and its parents are never removed;
* a file is written to a temporary name beside it and renamed, so an interruption leaves the
  old file or the new one, never half of one.

A directory that a command fills over minutes or hours (a comparison, a run, an induce) is
also *claimed* while the command runs (:func:`claim`), so that a second tapelab process given
the same directory stops at once instead of training the same runs, or replacing them.

Failures are :class:`OutputError` (:class:`Refused` where the path was the wrong choice), whose
message is one line naming the path and the reason.
"""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

LOCK = ".tapelab-lock"      # in a directory a tapelab process is filling: who claims it


class OutputError(Exception):
    """A path that cannot or may not be written; ``str(err)`` names it and says why."""


class Refused(OutputError):
    """A write refused because it would lose something (an existing file, a directory that
    tapelab did not make, the working directory): the caller chose the wrong path."""


class Busy(Refused):
    """A directory that another tapelab process is filling now (:func:`claim`)."""


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


def prepare_dir(path: Path, *, force: bool, what: str, record: str,
                kind_of: Callable[[Path], str | None], hint: str = "") -> bool:
    """Make ``path`` ready to be filled as a new ``what``, whose record is the file
    ``record``; returns whether it was replaced.

    An empty or missing directory is fine (the writers make it when they first write). A
    directory that ``kind_of`` recognises as one of tapelab's own (it returns a description,
    else None) is emptied with ``force`` and refused without it. Anything else is refused
    whatever ``force`` says, as is the working directory or a parent of it. The claim of a
    process that holds ``path`` (:data:`LOCK`) is neither counted nor removed, and the record
    is removed last, so that an interrupted replacement can be replaced again.
    """
    if path.exists() and not path.is_dir():
        raise Refused(f"{path}: exists and is not a directory")
    if not path.exists() or not _entries(path):
        return False
    if holds_working_dir(path):
        raise Refused(f"{path}: is the working directory or holds it; tapelab never "
                          f"replaces it: give another directory")
    ours = kind_of(path)
    if ours is None:
        raise Refused(f"{path}: holds files but no {what} ({record}) record, so it is not "
                      "one to replace; it is left alone: give another directory")
    if not force:
        raise Refused(f"{path}: holds {ours}; {hint or 'give another directory'}, or "
                          f"--force to replace it")
    try:
        for entry in sorted(_entries(path), key=lambda p: p.name == record):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    except OSError as err:
        raise OutputError(f"cannot replace {path}: {reason_of(err)}") from None
    return True


def _entries(path: Path) -> list[Path]:
    """What directory ``path`` holds, a claim on it aside."""
    return [p for p in path.iterdir() if p.name != LOCK]


@contextlib.contextmanager
def claim(path: str | Path, *, ours: Callable[[Path], object], make: bool = True
          ) -> Iterator[None]:
    """Hold directory ``path`` for this process while the block runs: another tapelab process
    that claims it meanwhile gets :class:`Busy`, naming this one.

    The hold is an advisory lock (``flock``) on the file :data:`LOCK` in ``path``, holding
    this process's id and start time; the system drops the lock when the process ends, however
    it ends, so a killed command leaves nothing held, and the file is removed when the block
    ends. A missing ``path`` is made (with ``make``; else nothing is held) and removed again
    if it is still empty at the end. A directory that holds files but no record of
    tapelab's (``ours`` returns None), or that is not a directory, is not written to: nothing
    is held, and the caller refuses it. Where the system has no ``flock`` (Windows) or the
    file system refuses locks, nothing is held either.
    """
    try:
        import fcntl
    except ImportError:             # no flock on this system (Windows): nothing to hold
        fcntl = None
    path = Path(path)
    made = fcntl is not None and make and not path.exists()
    if made:
        try:
            path.mkdir(parents=True)
        except OSError as err:
            raise OutputError(f"cannot make {path}: {reason_of(err)}") from None
    fd = None
    try:
        if fcntl is not None and _holdable(path, ours):
            fd = _lock(path / LOCK)
        yield
    finally:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(path / LOCK)
            os.close(fd)
        if made:
            with contextlib.suppress(OSError):
                path.rmdir()            # only if nothing was written in it


def _holdable(path: Path, ours: Callable[[Path], object]) -> bool:
    """Whether :func:`claim` may write its lock in ``path``: a directory, empty or holding a
    record of tapelab's (``ours`` says which); an unreadable one is left to the caller."""
    try:
        return path.is_dir() and not (_entries(path) and ours(path) is None)
    except OSError:
        return False


def _lock(lock: Path) -> int | None:
    """An open descriptor of ``lock`` with this process's exclusive ``flock`` on it, the file
    naming this process; None where the file system has no locks. The holder removes the
    file as it lets go, so a lock taken on a file no longer at ``lock`` is let go and taken
    again on the new one."""
    import fcntl                    # claim has checked that the system has it

    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as err:
            raise OutputError(f"cannot write {lock.parent}: {reason_of(err)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            holder = os.pread(fd, 200, 0).decode(errors="replace").split()
            os.close(fd)
            if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return None             # locks not supported here: hold nothing
            who = f" (pid {holder[0]}, since {' '.join(holder[1:3])})" \
                if len(holder) >= 3 else ""
            raise Busy(f"{lock.parent}: in use by another tapelab process{who}; let it "
                       "finish, or give another directory") from None
        try:
            current = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            current = False
        if current:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()} {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
            return fd
        os.close(fd)


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
