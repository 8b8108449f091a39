"""Positions of YAML values in their file.

PyYAML's composed nodes know where each value starts; this module turns that into `Mark`s,
including, for a condition string, where every one of its characters sits, so an error found
inside a quoted, escaped or folded `when` still points at the right column of the file.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

import yaml

from arrears.strategy.diagnostics import Diagnostic, StrategyError
from arrears.strategy.model import Mark

_SPACE = " \t\r\n"
_ESCAPE_WIDTH = {"x": 4, "u": 6, "U": 10}


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def compose(
    text: str,
    source: str,
    loader: type[yaml.SafeLoader] = yaml.SafeLoader,
    error: type[StrategyError] = StrategyError,
) -> tuple[yaml.Node, Any]:
    """The file's node tree (with positions) and its data; an empty file or a YAML syntax
    error raises `error` with the position."""
    try:
        reader = loader(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control code)
        line, column = _position(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = f"the character U+{code:04X} is not allowed in YAML"
        raise error([Diagnostic(source, line, column, message, "error", "yaml")]) from None
    try:
        root = reader.get_single_node()
        if root is None:
            raise error([Diagnostic(source, 1, 1, "the file is empty", "error", "yaml")])
        data = reader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        context = exc.context_mark
        if exc.problem and exc.context and context is not None and context is not mark:
            problem += f" ({exc.context} started at line {context.line + 1}, "
            problem += f"column {context.column + 1})"
        raise error(
            [Diagnostic(source, line, column, f"YAML syntax: {problem}", "error", "yaml")]
        ) from None
    finally:
        reader.dispose()
    return root, data


def duplicate_keys(root: yaml.Node, source: str) -> list[Diagnostic]:
    """PyYAML keeps the last of two equal keys without a word; the author must know."""
    out: list[Diagnostic] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                name = str(key.value)
                if name in seen:
                    mark = mark_of(key)
                    message = f"duplicate key '{name}': only the last one would be used"
                    out.append(Diagnostic(source, mark.line, mark.column, message, "error", "yaml"))
                seen.add(name)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return out


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest of `choices`, or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def mark_of(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def node_at(root: yaml.Node, path: Sequence[Any]) -> tuple[yaml.Node | None, yaml.Node]:
    """The key node (if the last step is a mapping key) and value node at a data path.

    Stops at the deepest node that exists, so an error about a missing part still points at
    its would-be parent.
    """
    node, key_node = root, None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if str(k.value) == str(part)), None)
            if found is None:
                break
            key_node, node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            key_node, node = None, node.value[part]
        else:
            break
    return key_node, node


def flat_marks(node: yaml.Node, skip: frozenset[str] = frozenset()) -> dict[str, Mark]:
    """Marks of a subtree by `/`-joined path (`channel`, `days/2`, `overrides/A.1`).

    `path#key` is the mark of a mapping key itself, where a message is about the name.
    The subtree's own mark is under "".
    """
    out: dict[str, Mark] = {"": mark_of(node)}

    def visit(n: yaml.Node, prefix: str) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                name = str(k.value)
                if not prefix and name in skip:
                    continue
                path = f"{prefix}/{name}" if prefix else name
                out[path] = mark_of(v)
                out[path + "#key"] = mark_of(k)
                visit(v, path)
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                path = f"{prefix}/{i}" if prefix else str(i)
                out[path] = mark_of(item)
                visit(item, path)

    visit(node, "")
    return out


def scalar_mark(node: yaml.Node, text: str) -> Mark:
    """The node's mark with the file position of each character of its value, when traceable."""
    base = mark_of(node)
    if not isinstance(node, yaml.ScalarNode) or not isinstance(node.value, str):
        return base
    return Mark(base.line, base.column, _char_positions(node, text))


def _char_positions(node: yaml.ScalarNode, text: str) -> tuple[tuple[int, int], ...]:
    start, end = node.start_mark, node.end_mark
    raw = text[start.index : end.index]
    value: str = node.value
    positions: list[tuple[int, int]] = []
    line, col = start.line + 1, start.column + 1
    for ch in raw:
        positions.append((line, col))
        line, col = (line + 1, 1) if ch == "\n" else (line, col + 1)
    style = node.style
    j = 0
    if style in ("|", ">"):
        j = raw.find("\n") + 1
    elif style in ("'", '"'):
        j = 1
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(value) and j < len(raw):
        ch = raw[j]
        if style == "'" and value[i] == "'" and raw.startswith("''", j):
            out.append(positions[j])
            i, j = i + 1, j + 2
        elif style == '"' and ch == "\\":
            nxt = raw[j + 1] if j + 1 < len(raw) else ""
            if nxt == "\n":
                j += 2
                continue
            out.append(positions[j])
            i, j = i + 1, j + _ESCAPE_WIDTH.get(nxt, 2)
        elif value[i] == ch:
            out.append(positions[j])
            i, j = i + 1, j + 1
        elif ch in _SPACE:
            j += 1
        elif value[i] in " \n" and j > 0 and raw[j - 1] == "\n":
            out.append(positions[j - 1])  # a folded line break with no indentation after it
            i += 1
        else:
            return ()  # lost track: callers fall back to the start of the scalar
    return tuple(out) if i == len(value) else ()
