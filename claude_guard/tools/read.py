"""Read: one file (text, notebook, image, PDF), or a window of its lines."""

from __future__ import annotations

from typing import Any, ClassVar

from claude_guard.policy.schema import Access
from claude_guard.tools.base import Tool, ToolInput, register
from claude_guard.tools.output import Shape, unknown_shape
from claude_guard.touches.touchset import TouchContext, TouchSet


class ReadInput(ToolInput):
    file_path: str
    offset: int | None = None
    limit: int | None = None
    pages: str | None = None


# Base64 image data is not text the model reads; detectors cannot see inside encoded pixels,
# and a chance match would only corrupt the image.
_IMAGE_SKIP = frozenset({("file", "base64")})


class FileRead(Tool):
    """A tool that shows the model one file (or the window of it that offset/limit name)."""

    path_key = "file_path"

    def touches(self, tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        key = self.path_key
        path = found.add(str(tool_input.get(key, "")), ctx.cwd, (Access.READ,), key)
        if path is not None:
            found.add_file(key, path, *_line_window(tool_input))


@register
class Read(FileRead):
    """Response: {type:"text", file:{filePath, content, numLines, startLine, totalLines}};
    {type:"notebook", file:{filePath, cells:[…]}}; {type:"image", file:{base64, …}}."""

    names = ("Read",)
    input_model: ClassVar[type[ToolInput] | None] = ReadInput

    def output_shape(self, response: Any) -> Shape:
        if isinstance(response, dict):
            kind = response.get("type")
            if isinstance(kind, str) and isinstance(response.get("file"), dict):
                skip = _IMAGE_SKIP if kind == "image" else frozenset()
                return Shape(f"Read:{kind}", True, skip, scan_keys=False)
        return unknown_shape(response)


def _line_window(tool_input: dict[str, Any]) -> tuple[int, int | None]:
    offset, limit = tool_input.get("offset"), tool_input.get("limit")
    first = offset if isinstance(offset, int) and offset > 0 else 1
    return first, limit if isinstance(limit, int) and limit > 0 else None
