"""Edit: one replacement in a file (read and written, like Write)."""

from __future__ import annotations

from claude_guard.tools.base import ToolInput, register
from claude_guard.tools.write import FileEdit


class EditInput(ToolInput):
    file_path: str
    old_string: str
    new_string: str
    replace_all: bool | None = None


@register
class Edit(FileEdit):
    """Response: {filePath, oldString, newString, originalFile, structuredPatch:[{oldStart,
    oldLines, newStart, newLines, lines:[…]}], userModified, replaceAll}."""

    names = ("Edit",)
    input_model = EditInput
    content_keys = ("new_string",)
    output_keys = ("filePath", "structuredPatch")
