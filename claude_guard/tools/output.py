"""The shape of a tool's output, and one walk over its text.

PostToolUse cannot stop a tool, only replace what the model sees, and Claude Code accepts the
replacement (`hookSpecificOutput.updatedToolOutput`) only when it parses against that tool's
output schema; anything else is dropped and the ORIGINAL output reaches the model. So a
rewrite never restructures a response: it keeps every key, type and number and rewrites string
leaves only. Both passes over an output (finding what to redact while deciding, replacing it
when answering) go through `walk`, so they see the same text units in the same order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

MAX_DEPTH = 64

Path = tuple[str | int, ...]


class OutputShapeError(Exception):
    """An output the walk cannot handle. The message names types only, never a value."""


@dataclass(frozen=True)
class Shape:
    name: str
    known: bool
    skip: frozenset[Path] = field(default_factory=frozenset)  # leaves not to scan
    # A built-in tool's keys are its schema's field names, never data; scanning them could only
    # break the shape (a key withheld for lack of time). MCP and unknown outputs may key by data.
    scan_keys: bool = True


def unknown_shape(response: Any) -> Shape:
    """Generic handling of every string, keys included: the caller notes the fallback."""
    return Shape(f"unknown:{type(response).__name__}", known=False)


# Discriminator and enum fields of built-in shapes (Read/Write `type`, Agent `status`, Grep
# `mode`, NotebookEdit `cell_type`/`edit_mode`, content blocks' `type`). The client checks them
# against fixed value sets, so they cannot carry data, and withholding one for lack of time
# would break the shape and let the ORIGINAL output through.
_ENUM_KEYS = frozenset({"type", "status", "mode", "cell_type", "cellType", "edit_mode"})
_ENUM_VALUE = re.compile(r"^[a-z][a-z_/-]{0,31}$")


def _is_enum_leaf(value: Any, shape: Shape, path: Path) -> bool:
    return (
        not shape.scan_keys
        and bool(path)
        and path[-1] in _ENUM_KEYS
        and isinstance(value, str)
        and bool(_ENUM_VALUE.match(value))
    )


class TextHandler(Protocol):
    def __call__(self, texts: list[str]) -> list[str]: ...

    def withhold(self) -> str: ...


def walk(value: Any, on_text: TextHandler, shape: Shape, path: Path = ()) -> Any:
    """Rebuild `value` with every string (and string-list) unit passed through `on_text`.

    A list made only of strings is one unit: a diff's `lines` split a PEM block or a CSV record
    across items, and a detector must see them joined to recognise them.
    """
    if path in shape.skip or _is_enum_leaf(value, shape, path):
        return value
    if len(path) > MAX_DEPTH:
        return on_text.withhold()
    if isinstance(value, str):
        return on_text([value])[0]
    if isinstance(value, list):
        if value and all(isinstance(v, str) for v in value):
            return on_text(list(value))
        return [walk(v, on_text, shape, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {
            _key(k, on_text, shape): walk(v, on_text, shape, (*path, k)) for k, v in value.items()
        }
    if value is None or isinstance(value, bool | int | float):
        return value
    raise OutputShapeError(f"unsupported value type in tool response: {type(value).__name__}")


def _key(key: Any, on_text: TextHandler, shape: Shape) -> Any:
    # Keys are part of the shape: they change only when one itself holds a finding.
    return on_text([key])[0] if shape.scan_keys and isinstance(key, str) else key
