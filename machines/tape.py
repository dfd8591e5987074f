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
    start cell), each a (symbol, count) pair with counts exact Python integers of any size.
    Blank outside the runs; no blank run at either end, no two neighbours alike (so equal
    tapes are equal records). It answers what :class:`Tape` answers (``offset``, ``end``,
    ``nonblank``, ``tape[cell]``, ``window``), and ``text`` for tapes up to ``TEXT_LIMIT``
    cells (:class:`TapeTooLarge` beyond)."""

    blank: str
    offset: int
    runs: tuple[tuple[str, int], ...]

    @classmethod
    def from_runs(cls, blank: str, offset: int, runs) -> "RunTape":
        """Canonical form of ``runs`` from cell ``offset``: empty runs dropped, equal
        neighbours merged, blank ends trimmed."""
        merged: list[list] = []
        for symbol, n in runs:
            if n <= 0:
                continue
            if merged and merged[-1][0] == symbol:
                merged[-1][1] += n
            else:
                merged.append([symbol, n])
        while merged and merged[0][0] == blank:
            offset += merged.pop(0)[1]
        while merged and merged[-1][0] == blank:
            merged.pop()
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
        return sum(n for _, n in self.runs)

    @property
    def end(self) -> int:
        return self.offset + self.size

    def nonblank(self) -> int:
        return sum(n for s, n in self.runs if s != self.blank)

    @property
    def text(self) -> str:
        if self.size > TEXT_LIMIT:
            raise TapeTooLarge(f"the tape spans {self.size:,} cells, more than the "
                               f"{TEXT_LIMIT:,} written out as text; use its runs")
        return "".join(s * n for s, n in self.runs)

    def __str__(self) -> str:
        return self.text

    def _starts(self) -> list[int]:
        starts, at = [], self.offset
        for _, n in self.runs:
            starts.append(at)
            at += n
        return starts

    def __getitem__(self, cell: int) -> str:
        import bisect

        if not self.runs or cell < self.offset or cell >= self.end:
            return self.blank
        return self.runs[bisect.bisect_right(self._starts(), cell) - 1][0]

    def window(self, lo: int, hi: int) -> str:
        """Cells ``lo`` .. ``hi - 1`` as a string (a few cells: it looks each one up)."""
        import bisect

        starts = self._starts()
        out = []
        for cell in range(lo, hi):
            if not self.runs or cell < self.offset or cell >= self.end:
                out.append(self.blank)
            else:
                out.append(self.runs[bisect.bisect_right(starts, cell) - 1][0])
        return "".join(out)
