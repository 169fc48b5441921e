"""MultiEdit (older clients): several replacements in one file."""

from __future__ import annotations

from typing import Any

from claude_guard.tools.base import ToolInput, register
from claude_guard.tools.write import FileEdit
from claude_guard.touches.touchset import TouchContext, TouchSet


class MultiEditOperation(ToolInput):
    old_string: str
    new_string: str
    replace_all: bool | None = None


class MultiEditInput(ToolInput):
    file_path: str
    edits: list[MultiEditOperation]


@register
class MultiEdit(FileEdit):
    names = ("MultiEdit",)
    input_model = MultiEditInput
    output_keys = ("filePath", "structuredPatch")

    def touches(self, tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        super().touches(tool_input, ctx, found)
        edits = tool_input.get("edits")
        for index, edit in enumerate(edits if isinstance(edits, list) else []):
            if isinstance(edit, dict):
                found.add_text(f"edits[{index}].new_string", edit.get("new_string"))
