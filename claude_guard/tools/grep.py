"""Grep: a search of one file, or of every file under a directory that passes its glob."""

from __future__ import annotations

from typing import Any

from claude_guard.policy.schema import Access
from claude_guard.tools.base import Tool, ToolInput, register
from claude_guard.touches.recursive import include_spec, recursive_read
from claude_guard.touches.touchset import TouchContext, TouchSet


class GrepInput(ToolInput):
    pattern: str
    path: str | None = None
    glob: str | None = None
    type: str | None = None
    output_mode: str | None = None


@register
class Grep(Tool):
    """Response: {mode?, numFiles, filenames, content?, numLines?, …}."""

    names = ("Grep",)
    input_model = GrepInput
    output_keys = ("numFiles", "filenames")

    def touches(self, tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        raw = str(tool_input.get("path") or ctx.cwd)
        start = found.add(raw, ctx.cwd, (Access.READ,), "path")
        if start is None:
            return
        if not start.is_dir:
            found.add_file("path", start)
            return
        recursive_read(start, ctx, found, include_spec(tool_input.get("glob")), "path")
