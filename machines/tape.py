"""The tape records of classical runs, unbounded both ways: :class:`Tape` holds the non-blank
span as a string (a trace's configurations); :class:`RunTape` holds it as runs of equal
symbols with exact counts of any size (a run's result)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tape:
    """A tape that is blank outside ``text``.

    ``text[0]`` lies at cell ``offset``; cell 0 is the cell the head started on. ``text`` runs
    from the leftmost to the rightmost non-blank cell (blanks inside it written as ``blank``),
    and is empty for an all-blank tape.
    """

    blank: str
    offset: int
    text: str

    @classmethod
    def from_cells(cls, blank: str, cells: "list[str] | str", origin: int = 0) -> "Tape":
        """Trim ``cells`` (``cells[i]`` at cell ``i - origin``) to its non-blank span."""
        text = cells if isinstance(cells, str) else "".join(cells)
        left = len(text) - len(text.lstrip(blank))
        text = text.strip(blank)
        return cls(blank, left - origin if text else 0, text)

    def __getitem__(self, cell: int) -> str:
        i = cell - self.offset
        return self.text[i] if 0 <= i < len(self.text) else self.blank

    def __str__(self) -> str:
        return self.text

    def window(self, lo: int, hi: int) -> str:
        """Cells ``lo`` .. ``hi - 1`` as a string."""
        return "".join(self[i] for i in range(lo, hi))

    @property
    def end(self) -> int:
        """One past the rightmost non-blank cell (``offset`` for a blank tape)."""
        return self.offset + len(self.text)

    def nonblank(self) -> int:
        """How many cells hold something other than the blank."""
        return len(self.text) - self.text.count(self.blank)


TEXT_LIMIT = 10_000_000   # cells a run's tape is written out as one string at most


class TapeTooLarge(ValueError):
    """A tape too long to write out cell by cell; its runs are still exact."""


@dataclass(frozen=True)
class RunTape:
    """A run's final tape as runs: ``runs[0]`` starts at cell ``offset`` (cell 0: the head's
    start cell), each a (block, count) pair: ``count`` copies of ``block``, a string of one
    symbol or more (a macro machine's block: ``("10", 95524075)`` is 191,048,150 cells of
    1010...), counts exact Python integers of any size. Blank outside the runs; no blank run at
    either end, no two neighbours alike, a block of one symbol repeated is a one-symbol run and
    a block that occurs once is its cells (so tapes written the same way are equal records).
    It answers what :class:`Tape` answers (``offset``, ``end``, ``nonblank``, ``tape[cell]``,
    ``window``), and ``text`` for tapes up to ``TEXT_LIMIT`` cells (:class:`TapeTooLarge`
    beyond)."""

    blank: str
    offset: int
    runs: tuple[tuple[str, int], ...]

    @classmethod
    def from_runs(cls, blank: str, offset: int, runs) -> "RunTape":
        """Canonical form of ``runs`` from cell ``offset``: empty runs dropped, blocks of one
        symbol made one-symbol runs and blocks that occur once split into their cells, equal
        neighbours merged, blank ends trimmed (a block run at an end turned so that it
        starts, or ends, with a non-blank cell)."""
        merged: list[list] = []

        def add(block: str, n: int) -> None:
            if n <= 0 or not block:
                return
            root = _root(block)
            block, n = root, n * (len(block) // len(root))
            if len(block) > 1 and n == 1:
                for c in block:
                    add(c, 1)
                return
            if merged and merged[-1][0] == block:
                merged[-1][1] += n
            else:
                merged.append([block, n])
        for block, n in runs:
            add(block, n)
        while merged and blank in merged[0][0][0]:
            block, n = merged.pop(0)
            if len(block) == 1:
                offset += n
                continue
            lead = len(block) - len(block.lstrip(blank))
            offset += lead
            rest = merged
            merged = []
            add(block[lead:] + block[:lead], n - 1)
            add(block[lead:], 1)
            for b, k in rest:
                add(b, k)
        while merged and blank in merged[-1][0][-1]:
            block, n = merged.pop()
            if len(block) == 1:
                continue
            trail = len(block) - len(block.rstrip(blank))
            add(block[:len(block) - trail], 1)
            add(block[len(block) - trail:] + block[:len(block) - trail], n - 1)
        merged = _absorb(merged)
        return cls(blank, offset if merged else 0, tuple((s, n) for s, n in merged))

    @classmethod
    def from_text(cls, blank: str, offset: int, text: str) -> "RunTape":
        """The runs of ``text`` (``text[0]`` at cell ``offset``)."""
        import re

        return cls.from_runs(blank, offset, ((m.group(1), m.end() - m.start())
                                             for m in re.finditer(r"(.)\1*", text, re.S)))

    @property
    def size(self) -> int:
        """Cells from the first to the last non-blank cell."""
        return sum(len(b) * n for b, n in self.runs)

    @property
    def end(self) -> int:
        return self.offset + self.size

    def nonblank(self) -> int:
        return sum(n * (len(b) - b.count(self.blank)) for b, n in self.runs)

    @property
    def text(self) -> str:
        if self.size > TEXT_LIMIT:
            raise TapeTooLarge(f"the tape spans {self.size:,} cells, more than the "
                               f"{TEXT_LIMIT:,} written out as text; use its runs")
        return "".join(b * n for b, n in self.runs)

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        """Equal tapes are equal, however their runs are cut: ``(001)^2`` is ``0 0 1 0 0 1``.
        Runs of blocks are compared a period at a time, so a tape of 10^1000 cells compares in
        time proportional to its runs."""
        if not isinstance(other, RunTape):
            return NotImplemented
        if (self.blank, self.offset, self.size) != (other.blank, other.offset, other.size):
            return False
        if self.runs == other.runs:
            return True
        return _same_cells(self.runs, other.runs)

    def __hash__(self) -> int:
        return hash((self.blank, self.offset, self.size, self.nonblank()))

    def _starts(self) -> list[int]:
        starts, at = [], self.offset
        for b, n in self.runs:
            starts.append(at)
            at += len(b) * n
        return starts

    def _at(self, starts: list[int], cell: int) -> str:
        import bisect

        if not self.runs or cell < self.offset or cell >= self.end:
            return self.blank
        i = bisect.bisect_right(starts, cell) - 1
        block = self.runs[i][0]
        return block[(cell - starts[i]) % len(block)]

    def __getitem__(self, cell: int) -> str:
        return self._at(self._starts(), cell)

    def window(self, lo: int, hi: int) -> str:
        """Cells ``lo`` .. ``hi - 1`` as a string (a few cells: it looks each one up)."""
        starts = self._starts()
        return "".join(self._at(starts, cell) for cell in range(lo, hi))


def _root(block: str) -> str:
    """The shortest string whose repetition is ``block`` ("1010" -> "10")."""
    n = len(block)
    for p in range(1, n):
        if n % p == 0 and block[:p] * (n // p) == block:
            return block[:p]
    return block


def _absorb(runs: list[list]) -> list[list]:
    """``runs`` with the cells beside a block run that repeat its block taken into it (a run
    finished cell by cell beside a run of blocks: ``1 0 1 0 (10)^n`` is ``(10)^(n+2)``)."""
    if all(len(b) == 1 for b, _ in runs):
        return runs
    out: list[list] = []
    anchor = -1                  # index in ``out`` of the last block run, while cells may fold
    for block, n in runs:
        if len(block) > 1:
            while _takes(out, block):
                n += 1
        if out and out[-1][0] == block:
            out[-1][1] += n
        else:
            out.append([block, n])
        if len(block) > 1:
            anchor = len(out) - 1
        elif anchor >= 0:
            if len(out) - anchor - 1 > len(out[anchor][0]):
                anchor = -1      # more cells than a block after it, and they did not fold
            else:
                _close(out, anchor)
    return out


def _cells(runs: list[list], width: int, from_end: bool) -> str:
    """Up to ``width`` cells of the one-symbol runs at the end (or start) of ``runs``."""
    cells = ""
    for b, n in (reversed(runs) if from_end else runs):
        if len(b) > 1 or len(cells) >= width:
            break
        take = min(n, width - len(cells))
        cells = b * take + cells if from_end else cells + b * take
    return cells


def _drop(runs: list[list], k: int, from_end: bool) -> None:
    """Remove ``k`` cells of one-symbol runs from the end (or start) of ``runs``."""
    i = len(runs) - 1 if from_end else 0
    while k:
        take = min(k, runs[i][1])
        runs[i][1] -= take
        k -= take
        if runs[i][1] == 0:
            del runs[i]
            i = len(runs) - 1 if from_end else i


def _takes(out: list[list], block: str) -> bool:
    """Take the cells spelling ``block`` off the end of ``out``, if they do."""
    if _cells(out, len(block), True) != block:
        return False
    _drop(out, len(block), True)
    return True


def _close(out: list[list], j: int) -> None:
    """Fold the one-symbol runs after the block run ``out[j]`` into it while they spell its
    block."""
    block, tail = out[j][0], out[j + 1:]
    while _cells(tail, len(block), False) == block:
        _drop(tail, len(block), False)
        out[j][1] += 1
    out[j + 1:] = tail


def _same_cells(a: tuple, b: tuple) -> bool:
    """Whether two run lists of the same length in cells spell the same cells. Where both
    stand in runs of blocks of one length that agree from here (a rotation of one another),
    the shorter remainder is skipped at once; otherwise cells are compared one by one, at most
    the two block lengths' worth before one run ends (two primitive blocks of different
    lengths cannot agree for longer)."""
    i = j = 0
    p = q = 0                                # cells used of a[i], b[j]
    while i < len(a) and j < len(b):
        (x, n), (y, m) = a[i], b[j]
        left_a, left_b = len(x) * n - p, len(y) * m - q
        if len(x) == len(y) and (x[p % len(x):] + x[:p % len(x)]) == \
                (y[q % len(y):] + y[:q % len(y)]):
            k = min(left_a, left_b)
        else:
            k = min(left_a, left_b, len(x) + len(y))
            for t in range(k):
                if x[(p + t) % len(x)] != y[(q + t) % len(y)]:
                    return False
        p, q = p + k, q + k
        if p == len(x) * n:
            i, p = i + 1, 0
        if q == len(y) * m:
            j, q = j + 1, 0
    return i == len(a) and j == len(b)
