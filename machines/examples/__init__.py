"""Example programs bundled with tapelab."""
from pathlib import Path

HERE = Path(__file__).parent


def path(name: str) -> Path:
    """The path of a bundled example program."""
    p = HERE / name
    if not p.is_file():
        known = ", ".join(sorted(f.name for f in HERE.iterdir() if f.suffix in (".yaml", ".txt")))
        raise FileNotFoundError(f"no bundled example {name!r}; there are: {known}")
    return p
