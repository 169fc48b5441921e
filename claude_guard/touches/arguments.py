"""Arguments of tools whose input claude-guard does not model (MCP servers, helper tools, tools
new to the client): any argument that looks like a path may be read or written, and every string
may carry data out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from claude_guard.touches.touchset import READ_WRITE, TouchContext, TouchSet


def generic_touches(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
    for via, value in _path_like_arguments(tool_input, "tool_input", found.unresolved):
        # A tool that reads a file returns its contents: scan it like a Read.
        found.add_readable(value, ctx.cwd, READ_WRITE, via)
    found.add_text("arguments", "\n".join(_string_leaves(tool_input, 0, found.unresolved)))


_PATH_KEY = re.compile(
    r"(^|_)(path|paths|file|files|filename|filepath|dir|directory|folder|uri|source|target|dest|"
    r"destination|src|dst|root|cwd)s?$",
    re.IGNORECASE,
)


# Arguments beyond these bounds are not checked, and say so in `unresolved`, which the policy's
# unanalysable default then decides (deny by default): never a silent skip.
MAX_ARGUMENT_ITEMS = 1000
MAX_ARGUMENT_DEPTH = 20


def _path_like_arguments(
    value: Any, via: str, skipped: list[str], depth: int = 0
) -> Iterator[tuple[str, str]]:
    if depth > MAX_ARGUMENT_DEPTH:
        skipped.append(f"{via}: nested deeper than {MAX_ARGUMENT_DEPTH} levels; not checked")
    elif isinstance(value, dict):
        for key, item in value.items():
            sub = f"{via}.{key}" if _safe_key(key) else f"{via}.?"
            if isinstance(item, str) and (_PATH_KEY.search(str(key)) or _looks_like_path(item)):
                yield sub, item
            else:
                yield from _path_like_arguments(item, sub, skipped, depth + 1)
    elif isinstance(value, list):
        if len(value) > MAX_ARGUMENT_ITEMS:
            skipped.append(f"{via}: more than {MAX_ARGUMENT_ITEMS} items; the rest not checked")
        for index, item in enumerate(value[:MAX_ARGUMENT_ITEMS]):
            yield from _path_like_arguments(item, f"{via}[{index}]", skipped, depth + 1)
    elif isinstance(value, str) and _looks_like_path(value):
        yield via, value


def _string_leaves(value: Any, depth: int, skipped: list[str]) -> Iterator[str]:
    if depth > MAX_ARGUMENT_DEPTH:
        skipped.append(f"arguments nested deeper than {MAX_ARGUMENT_DEPTH} levels; not scanned")
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_leaves(key, depth + 1, skipped)
            yield from _string_leaves(item, depth + 1, skipped)
    elif isinstance(value, list):
        for item in value:
            yield from _string_leaves(item, depth + 1, skipped)


def _looks_like_path(value: str) -> bool:
    return len(value) < 4096 and value.startswith(("/", "~", "./", "../", "file:", "$HOME"))


def _safe_key(key: object) -> bool:
    return isinstance(key, str) and re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", key) is not None
