"""The tape record returned by classical runs: unbounded both ways, stored as its non-blank span."""
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
