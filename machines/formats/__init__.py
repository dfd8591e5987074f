"""Program formats: one module each, all producing and consuming :class:`~machines.program.Program`.

>>> from machines.formats import load, dumps
>>> bb4 = load("1RB1LB_1LA0LC_1RZ1LD_1RD0RA")        # a bbchallenge string
>>> print(dumps(bb4, "yaml"))                          # doctest: +SKIP
"""
from __future__ import annotations

import importlib
import os
import re
import sys
from pathlib import Path
from types import ModuleType

from machines.errors import ProgramError
from machines.formats import bbchallenge
from machines.program import Program

# Modules are imported on first use, so that running a bbchallenge string never imports PyYAML.
_MODULES = {"yaml": "turingmachine_io", "morphett": "morphett", "bb": "bbchallenge"}
NAMES = tuple(_MODULES)
EXTENSIONS = {"yaml": (".yaml", ".yml"), "morphett": (".txt", ".tm"), "bb": (".bb",)}


def module(format: str) -> ModuleType:
    """The parser/writer module of ``format``."""
    if format not in _MODULES:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(NAMES)}")
    return importlib.import_module(f"machines.formats.{_MODULES[format]}")


def detect(text: str, path: str | None = None) -> str:
    """The format of a program: from its content where that is certain, else its extension."""
    if bbchallenge.looks_like(text):
        return "bb"
    suffix = Path(path).suffix.lower() if path else ""
    for name, suffixes in EXTENSIONS.items():
        if suffix in suffixes:
            return name
    if re.search(r"^(table|start state|blank)\s*:", text, re.M):
        return "yaml"
    return "morphett"


def is_bb_string(arg: str) -> bool:
    return bbchallenge.looks_like(arg) and not os.path.exists(arg)


def load(path_or_text: str | os.PathLike, format: str = "auto", **options) -> Program:
    """Load a program from a file path, a bbchallenge string, program text, or ``-``
    (standard input, read to its end).

    ``format`` is ``auto`` (detected from the extension or the content), ``yaml``, ``morphett``
    or ``bb``. ``options`` go to the parser (Morphett takes ``start``). Raises ``ProgramError``
    for an invalid program and ``FileNotFoundError`` for a path that does not exist.
    """
    arg = os.fspath(path_or_text)
    if arg == "-":
        try:
            text = sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError as err:
            raise ProgramError(f"not a text file ({err.reason})", file="<stdin>") from None
        return loads(text, format, name="stdin", source="<stdin>", **options)
    if not arg.strip():
        raise FileNotFoundError("empty; give a program file, a bbchallenge string such as "
                                "1RB1LB_1LA1RZ, or - to read standard input")
    if isinstance(path_or_text, os.PathLike) or ("\n" not in arg and not is_bb_string(arg)):
        path = Path(arg)
        if not path.exists() and format in ("auto", "bb") and bbchallenge.resembles(arg):
            return loads(arg, "bb", **options)          # a mistyped machine: say where
        if path.is_dir():
            raise ProgramError("is a directory, not a program file", file=arg)
        if path.exists() and not path.is_file():
            raise ProgramError("not a regular file (a device, a pipe or a socket); pipe a "
                               "program to - instead", file=arg)
        if not path.is_file():
            raise FileNotFoundError(f"{arg}: no such program file (nor a bbchallenge string "
                                    "such as 1RB1LB_1LA1RZ)")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise ProgramError(f"not a text file ({err.reason})", file=arg) from None
        except OSError as err:
            raise ProgramError(f"cannot read it ({err.strerror or err})", file=arg) from None
        return loads(text, format, name=path.stem, source=arg, **options)
    return loads(arg, format, **options)


def loads(text: str, format: str = "auto", *, name: str | None = None,
          source: str | None = None, **options) -> Program:
    """Parse program ``text`` in ``format`` (``auto`` detects it)."""
    if format == "auto":
        format = detect(text, source)
    parser = module(format)
    kw = dict(source=source, **options)
    if name is not None or format != "bb":
        kw["name"] = name or "program"
    return parser.parse(text, **kw)


def dumps(program: Program, format: str) -> str:
    """Write ``program`` in ``format``; ``ProgramError`` where that format cannot express it."""
    return module(format).dump(program)
