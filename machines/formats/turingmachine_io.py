"""turingmachine.io YAML: the native format of tapelab (``.yaml`` / ``.yml``).

Follows the rules of turingmachine.io's parser: top-level keys ``input`` (optional), ``blank``,
``start state``, ``table`` and optional ``synonyms``. An instruction is ``L`` or ``R`` (move only,
stay in the state), a synonym's name, or a mapping with an optional ``write`` and exactly one of
``L`` / ``R`` whose value is the next state (null: stay in this state). A key may be a list of
symbols (``[0,1]: R``). A state without a body has no rules and is a halting state.
Extension: ``S`` (stay) as a third direction.

PyYAML implements YAML 1.1, whose implicit types would change programs (``input: 0101`` would
be the octal number 65, ``yes`` a boolean). This loader resolves every plain scalar to a string
except null, so ``0`` and ``'0'`` are the same symbol, and it accepts list keys, which
``yaml.safe_load`` rejects.
"""
from __future__ import annotations

import re
import warnings
from typing import Any, NamedTuple

import yaml

from machines.errors import ProgramError, ProgramWarning
from machines.program import Program, Rule, accept_states

TOP_KEYS = ("input", "blank", "start state", "table", "synonyms")
DIRECTIONS = ("L", "R", "S")
_NULL = "tag:yaml.org,2002:null"


class _Str(str):
    """A string that remembers the line it was written on."""

    line: int | None = None


class _Map(dict):
    """A mapping that remembers its line and the line of each key."""

    line: int | None = None
    key_lines: dict


# libyaml's parser where PyYAML was built with it (about 5x faster on large programs); the
# constructors below are Python either way.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_EXPANSION = 100_000    # nodes that aliases may add beyond the document's own


class _Loader(_Base):  # type: ignore[misc, valid-type]
    pass


# Only null (and merge keys) are resolved implicitly; every other plain scalar is a string.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag in (_NULL, "tag:yaml.org,2002:merge")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class NodeCount(NamedTuple):
    """A composed YAML document's distinct nodes, and its nodes once every alias is
    expanded."""
    distinct: int
    expanded: int


def _expanded_size(root: yaml.Node) -> NodeCount:
    """The node counts of a composed document.

    Aliases share nodes, so composing is linear; constructing, printing or walking the value
    is not: nine levels of ten aliases ("billion laughs") expand a 1 KB file to 10^9 nodes.
    Sizes are counted bottom-up over the shared graph, in time linear in the file.
    """
    size: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack, seen = [root], set()
    while stack:                                 # depth-first, children before parents
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(_children(node))
    for node in reversed(order):
        size[id(node)] = 1 + sum(size.get(id(c), 1) for c in _children(node))
    return NodeCount(len(order), size[id(root)])


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> _Str:
    s = _Str(loader.construct_scalar(node))
    s.line = node.start_mark.line + 1
    return s


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if isinstance(key_node, yaml.SequenceNode):
            key: Any = tuple(_scalar_key(loader, n) for n in key_node.value)
        elif isinstance(key_node, yaml.ScalarNode):
            key = _scalar_key(loader, key_node)
        else:
            raise ProgramError("a mapping cannot be a key", line=line)
        if key in out:
            raise ProgramError(f"duplicate key {_show(key)} (first on line {out.key_lines[key]})",
                               line=line)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = line
    return out


def _scalar_key(loader: _Loader, node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise ProgramError("a list key may only hold symbols", line=node.start_mark.line + 1)
    value = loader.construct_object(node)
    return value if value is None or isinstance(value, str) else _Str(value)


_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def _show(key: Any) -> str:
    return "[" + ", ".join(map(repr, key)) + "]" if isinstance(key, tuple) else repr(key)


def _line(x: Any, default: int | None = None) -> int | None:
    return getattr(x, "line", None) or default


def _text(value: Any, what: str, line: int | None, *, state: str | None = None) -> str:
    """A scalar as a string (explicit tags such as ``!!int 1`` give numbers: accept them)."""
    if value is None or isinstance(value, (dict, list, tuple)):
        raise ProgramError(f"{what} must be a string, got {_kind(value)}", line=_line(value, line),
                           state=state)
    return str(value)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    kind = {dict: "a mapping", _Map: "a mapping", list: "a list", tuple: "a list"}.get(
        type(value))
    if kind:
        return kind
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _symbol(value: Any, line: int | None, state: str | None) -> str:
    s = _text(value, "a symbol", line, state=state)
    if len(s) != 1:
        raise ProgramError(f"a symbol must be exactly one character, got {s!r}",
                           line=_line(value, line), state=state, symbol=s)
    return s


def parse(text: str, *, name: str = "program", source: str | None = None) -> Program:
    """Parse turingmachine.io YAML into a :class:`Program`; errors are ``ProgramError``."""
    try:
        return _parse(text, name)
    except ProgramError as err:
        raise err.located(source) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ProgramError(f"not valid YAML: {problem}", file=source,
                           line=mark.line + 1 if mark else None) from None
    except (RecursionError, ValueError, TypeError) as err:
        raise ProgramError(f"not a turingmachine.io program: {err}", file=source) from None


def _load(text: str) -> Any:
    """The document, composed first and refused if its aliases expand it too far."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        distinct, expanded = _expanded_size(node) if "&" in text else NodeCount(0, 0)
        if expanded > distinct + MAX_EXPANSION:
            raise ProgramError(f"its aliases (*name) expand {distinct:,} YAML nodes to "
                               f"{expanded:,}; tapelab allows {MAX_EXPANSION:,} more nodes "
                               "than are written: write the repeated parts out, or use "
                               "`synonyms`", line=node.start_mark.line + 1)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _parse(text: str, name: str) -> Program:
    doc = _load(text)
    if doc is None:
        raise ProgramError("empty program: the document is empty")
    if not isinstance(doc, dict):
        raise ProgramError("the document must be a mapping with the keys "
                           "`blank`, `start state` and `table`", line=_line(doc, 1))
    for key in doc:
        if key not in TOP_KEYS:
            raise ProgramError(f"unknown key {_show(key)}; the keys are " + ", ".join(TOP_KEYS),
                               line=doc.key_lines[key])
    for key in ("blank", "start state", "table"):
        if key not in doc:
            raise ProgramError(f"missing key `{key}`", line=1)
    bl = doc.key_lines["blank"]
    blank = _text(doc["blank"], "`blank`", bl)
    if len(blank) != 1:
        raise ProgramError(f"the blank must be exactly one character, got {blank!r}", line=bl)
    start = _text(doc["start state"], "`start state`", doc.key_lines["start state"])
    table = doc["table"]
    if table is None or (isinstance(table, dict) and not table):
        raise ProgramError("empty program: `table` has no states", line=doc.key_lines["table"])
    if not isinstance(table, dict):
        raise ProgramError(f"`table` must be a mapping of states, got {_kind(table)}",
                           line=doc.key_lines["table"])
    states: list[str] = []
    for q in table:
        if not isinstance(q, str):
            raise ProgramError(f"a state name must be a string, got {_show(q)}",
                               line=table.key_lines[q])
        states.append(q)
    if start not in table:
        raise ProgramError("the start state is not declared in `table`",
                           line=doc.key_lines["start state"], state=start)
    synonyms = doc.get("synonyms") or {}
    if not isinstance(synonyms, dict):
        raise ProgramError("`synonyms` must be a mapping", line=doc.key_lines["synonyms"])
    for syn, body in synonyms.items():
        if isinstance(body, str) and body not in DIRECTIONS:
            raise ProgramError(f"synonym {syn!r} must be L, R, S or an instruction mapping",
                               line=synonyms.key_lines[syn])

    rules: dict[tuple[str, str], Rule] = {}
    halting = []
    for q in states:
        body = table[q]
        if body is None:
            halting.append(q)
            continue
        if not isinstance(body, dict):
            raise ProgramError(f"the body of a state must be a mapping of symbols, got "
                               f"{_kind(body)}", line=table.key_lines[q], state=q)
        for key, instruction in body.items():
            line = body.key_lines[key]
            syms = key if isinstance(key, tuple) else (key,)
            if not syms:
                raise ProgramError("an empty list of symbols", line=line, state=q)
            for raw in syms:
                s = _symbol(raw, line, q)
                if (q, s) in rules:
                    raise ProgramError(f"conflicting rules for one symbol (first on line "
                                       f"{rules[(q, s)].line})", line=line, state=q, symbol=s)
                rules[(q, s)] = _instruction(instruction, q, s, line, synonyms, table)
    return Program.build(name=name, start=start, blank=blank, rules=rules, halting=halting,
                         states=states, accept=accept_states(halting),
                         input=None if doc.get("input") is None else
                         _text(doc["input"], "`input`", doc.key_lines["input"]))


def _instruction(value: Any, state: str, symbol: str, line: int, synonyms: dict,
                 table: dict) -> Rule:
    where = dict(line=_line(value, line), state=state, symbol=symbol)
    if isinstance(value, str):
        if value in DIRECTIONS:
            return Rule(symbol, value, state, line=line)  # type: ignore[arg-type]
        if value in synonyms:
            return _instruction(synonyms[value], state, symbol, line, {}, table)
        raise ProgramError(f"unrecognised instruction {value!r}: use L, R, S, a synonym, or a "
                           "mapping such as {write: 1, R: next}", **where)
    if not isinstance(value, dict):
        raise ProgramError(f"missing or malformed instruction: got {_kind(value)}", **where)
    for k in value:
        if k not in ("write",) + DIRECTIONS:
            raise ProgramError(f"unknown key {_show(k)} in an instruction; use write and one "
                               "of L, R, S", line=value.key_lines[k], state=state, symbol=symbol)
    moves = [k for k in DIRECTIONS if k in value]
    if not moves:
        raise ProgramError("missing direction: an instruction needs one of L, R, S", **where)
    if len(moves) > 1:
        raise ProgramError(f"conflicting directions {', '.join(moves)}", **where)
    move = moves[0]
    target = value[move]
    nxt = state if target is None else _text(target, "a next state", line, state=state)
    if nxt not in table:
        raise ProgramError(f"undeclared target state {nxt!r}", **where)
    write = symbol if "write" not in value else _symbol(value["write"], line, state)
    return Rule(write, move, nxt, line=line)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------- writing
_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_\-.]*$")
_YAML11_WORDS = {"null", "~", "true", "false", "yes", "no", "on", "off", "y", "n"}


def _q(s: str) -> str:
    """A scalar as YAML that any YAML 1.1 or 1.2 reader reads back as this string."""
    if _PLAIN.match(s) and s.lower() not in _YAML11_WORDS and not s.isdigit() or s in ("0", "1"):
        return s
    if s.isprintable():
        return "'" + s.replace("'", "''") + "'"
    import json
    return json.dumps(s)


def dump(program: Program) -> str:
    """Write ``program`` as turingmachine.io YAML (``S`` moves use the tapelab extension)."""
    if program.has_wildcards:
        raise ProgramError("wildcard rules cannot be written as turingmachine.io YAML; expand "
                           "them first (tapelab convert --expand-wildcards)", file=program.source)
    if any(r.breakpoint for r in program.rules.values()):
        warnings.warn(ProgramWarning("YAML has no breakpoints: the `!` marks are dropped"))
    lines = [f"# {program.name}"]
    if program.input is not None:
        text = program.input
        if program.head_marker and program.head_marker in text:
            if text.index(program.head_marker) != 0:
                warnings.warn(ProgramWarning("YAML has no head-start marker: the input's "
                                             f"{program.head_marker!r} is dropped"))
            text = text.replace(program.head_marker, "", 1)
        lines.append(f"input: {_q(text)}")
    lines += [f"blank: {_q(program.blank)}", f"start state: {_q(program.start)}", "table:"]
    by_state: dict[str, dict[tuple, list[str]]] = {q: {} for q in program.states}
    for (q, s), r in program.rules.items():
        key = (None if r.write == s else r.write, r.move, None if r.next == q else r.next)
        by_state[q].setdefault(key, []).append(s)
    for q in program.states:
        groups = by_state[q]
        if not groups:
            lines.append(f"  {_q(q)}:")
            continue
        lines.append(f"  {_q(q)}:")
        for (write, move, nxt), syms in groups.items():
            key = _q(syms[0]) if len(syms) == 1 else "[" + ", ".join(map(_q, syms)) + "]"
            if write is None and nxt is None:
                instr = move
            else:
                parts = [] if write is None else [f"write: {_q(write)}"]
                parts.append(move if nxt is None else f"{move}: {_q(nxt)}")
                instr = "{" + ", ".join(parts) + "}"
            lines.append(f"    {key}: {instr}")
    return "\n".join(lines) + "\n"
