"""LS (older clients): a directory listing."""

from __future__ import annotations

from claude_guard.tools.base import ToolInput, register
from claude_guard.tools.read import FileRead


class LSInput(ToolInput):
    path: str
    ignore: list[str] | None = None


@register
class LS(FileRead):
    """Checked like a Read of its path (a directory is never content-scanned); its output
    shape was never seen, so it is redacted generically."""

    names = ("LS",)
    input_model = LSInput
    path_key = "path"
