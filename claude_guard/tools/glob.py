"""Glob: names of files matching a pattern, not their contents."""

from __future__ import annotations

from typing import Any

from claude_guard.policy.schema import Access
from claude_guard.tools.base import Tool, ToolInput, register
from claude_guard.touches.touchset import TouchContext, TouchSet


class GlobInput(ToolInput):
    pattern: str
    path: str | None = None


@register
class Glob(Tool):
    """Response: {durationMs, numFiles, filenames, truncated, …}."""

    names = ("Glob",)
    input_model = GlobInput
    output_keys = ("numFiles", "filenames")

    def touches(self, tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        # The searched directory itself is what is checked, including a directory spelled
        # inside the pattern (`~/.ssh/*`).
        found.add(str(tool_input.get("path") or ctx.cwd), ctx.cwd, (Access.READ,), "path")
        prefix = _literal_prefix(str(tool_input.get("pattern", "")))
        if prefix:
            found.add(prefix, ctx.cwd, (Access.READ,), "pattern")


def _literal_prefix(pattern: str) -> str:
    parts = []
    for part in pattern.split("/"):
        if any(c in part for c in "*?[{"):
            break
        parts.append(part)
    prefix = "/".join(parts)
    if pattern.startswith("/") and not prefix:
        return "/"
    return prefix
