"""NotebookEdit: one cell of a notebook (read and written, like Write)."""

from __future__ import annotations

from claude_guard.tools.base import ToolInput, register
from claude_guard.tools.write import FileEdit


class NotebookEditInput(ToolInput):
    notebook_path: str
    new_source: str = ""
    cell_id: str | None = None
    cell_type: str | None = None
    edit_mode: str | None = None


@register
class NotebookEdit(FileEdit):
    """Response: {new_source, old_source, cell_type, language, edit_mode, cell_id, error,
    notebook_path, original_file, updated_file}."""

    names = ("NotebookEdit",)
    input_model = NotebookEditInput
    path_key = "notebook_path"
    content_keys = ("new_source",)
    output_keys = ("notebook_path", "new_source")
