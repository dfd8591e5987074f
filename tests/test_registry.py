"""The machine registry: one entry makes a new machine trainable, comparable and reportable,
with no other module touched; and no two modules import each other."""
from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from torch import nn

from cli import cli
from conftest import ROOT
from machines import registry


@dataclass
class ToyConfig:
    input_size: int
    output_size: int
    hidden_size: int = 16


class ToyGRU(nn.Module):
    """A one-layer GRU: the smallest sequence machine the registry can take."""

    def __init__(self, config: ToyConfig) -> None:
        super().__init__()
        self.gru = nn.GRU(config.input_size, config.hidden_size, batch_first=True)
        self.out = nn.Linear(config.hidden_size, config.output_size)

    def forward(self, inputs, *, hard: bool = False, return_trace: bool = False):
        hidden, _ = self.gru(inputs)
        return self.out(hidden), None


TOY = registry.MachineEntry("toygru", "sequence", "a toy GRU", "#9467bd", ToyConfig,
                            lambda i, o, settings: ToyGRU(ToyConfig(i, o, **settings)))


def test_a_registered_toy_machine_runs_through_compare_and_report(tmp_path):
    out = tmp_path / "cmp"
    with registry.registered(TOY):
        r = CliRunner().invoke(cli, ["compare", "invert", "--machines", "classical,toygru",
                                     "--budget", "5", "--samples", "4", "--lengths", "3,6",
                                     "--out", str(out)])
        assert r.exit_code == 0, r.output
        report = json.loads((out / "report.json").read_text())
        assert report["machines"] == ["classical", "toygru"]
        rows = [s for s in report["summary"] if s["machine"] == "toygru"]
        assert rows and rows[0]["read_entropy"] is None and set(rows[0]["exact_match"]) == {
            "3", "6"}
        r = CliRunner().invoke(cli, ["report", str(out)])
        assert r.exit_code == 0 and json.loads((out / "report.json").read_text()) == report
    assert "toygru" not in registry.names()


def test_the_registry_refuses_what_it_cannot_run():
    with pytest.raises(ValueError, match="family"):
        registry.MachineEntry("x", "quantum", "", "#000000")
    with pytest.raises(ValueError, match="needs a config and a build"):
        registry.MachineEntry("x", "sequence", "", "#000000")
    with pytest.raises(ValueError, match="registered already"):
        registry.register(registry.get("ntm"))
    with pytest.raises(ValueError, match="unknown machine 'tape'; the machines are"):
        registry.get("tape")
    assert registry.names("sequence") == ("ntm", "lstm", "stackrnn", "tapernn", "transformer")
    assert registry.get("lstm").addressing is False and registry.get("ntm").hard


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` except those under ``if TYPE_CHECKING:`` (type-only imports)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _imports(path: Path, package_root: Path) -> set[str]:
    """The project modules that ``path`` imports when it runs (absolute imports only: the
    project uses no relative ones)."""
    out = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in out if (package_root / (m.replace(".", "/") + ".py")).is_file()}


def test_no_two_modules_import_each_other():
    modules = {}
    for package in ("machines", "tasks", "analysis"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = _imports(path, ROOT)
    graph = {m: {d for d in deps if d in modules and d != m} for m, deps in modules.items()}
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path + [m, d]))
            if d not in state:
                visit(d, path + [m])
        state[m] = 2
    for m in sorted(graph):
        if m not in state:
            visit(m, [])
