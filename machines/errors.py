"""The one exception family for bad programs, and the warning for questionable ones.

Every parser and every validation step raises :class:`ProgramError`; its message names the
place of the fault (file, line, state, symbol) so a user can go straight to it.
"""
from __future__ import annotations


def _where(file: str | None, line: int | None, state: str | None, symbol: str | None) -> str:
    parts = []
    if file is not None or line is not None:
        parts.append(f"{file or '<text>'}" + (f":{line}" if line is not None else ""))
    if state is not None:
        parts.append(f"state {state!r}")
    if symbol is not None:
        parts.append(f"symbol {symbol!r}")
    return ", ".join(parts)


class ProgramError(ValueError):
    """An invalid Turing machine program.

    ``str(err)`` is one line: ``file:line, state 'q', symbol 's': what is wrong``.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 state: str | None = None, symbol: str | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.state = state
        self.symbol = symbol
        where = _where(file, line, state, symbol)
        super().__init__(f"{where}: {message}" if where else message)

    def located(self, file: str | None) -> "ProgramError":
        """The same error with the file name filled in (parsers of text know no file)."""
        if self.file is not None or file is None:
            return self
        return ProgramError(self.message, file=file, line=self.line, state=self.state,
                            symbol=self.symbol)


class ProgramWarning(UserWarning):
    """Something legal but probably unintended, e.g. a Morphett rule overridden by a later line."""


class InputError(ValueError):
    """A tape input the program cannot run on; ``str(err)`` says where in the input."""
