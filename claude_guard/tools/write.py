"""Write: a whole file's new content.

It counts as a read as well as a write: its response carries the file's original content
(`originalFile`), so overwriting a secret file would show it to the model.
"""

from __future__ import annotations

from typing import Any

from claude_guard.tools.base import Tool, ToolInput, register
from claude_guard.touches.touchset import READ_WRITE, TouchContext, TouchSet


class WriteInput(ToolInput):
    file_path: str
    content: str


class FileEdit(Tool):
    """A tool that rewrites one file: the file is read and written, new text is scanned."""

    path_key: str = "file_path"
    content_keys: tuple[str, ...] = ()

    def touches(self, tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        found.add(str(tool_input.get(self.path_key, "")), ctx.cwd, READ_WRITE, self.path_key)
        for key in self.content_keys:
            found.add_text(key, tool_input.get(key))


@register
class Write(FileEdit):
    """Response: {type:"create"|"update", filePath, content, structuredPatch, originalFile,
    userModified}."""

    names = ("Write",)
    input_model = WriteInput
    content_keys = ("content",)
    output_keys = ("filePath", "content", "structuredPatch")
