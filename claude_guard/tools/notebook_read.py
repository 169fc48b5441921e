"""NotebookRead (older clients): a notebook's cells, shaped like Read's notebook output."""

from __future__ import annotations

from claude_guard.tools.base import ToolInput, register
from claude_guard.tools.read import Read


class NotebookReadInput(ToolInput):
    notebook_path: str


@register
class NotebookRead(Read):
    names = ("NotebookRead",)
    input_model = NotebookReadInput
    path_key = "notebook_path"
