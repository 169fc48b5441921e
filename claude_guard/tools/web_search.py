"""WebSearch: a query sent to a search engine."""

from __future__ import annotations

from typing import Any

from claude_guard.tools.base import Tool, ToolInput, register
from claude_guard.touches.touchset import TouchContext, TouchSet


class WebSearchInput(ToolInput):
    query: str
    allowed_domains: list[str] | None = None
    blocked_domains: list[str] | None = None


@register
class WebSearch(Tool):
    names = ("WebSearch",)
    input_model = WebSearchInput
    output_keys = ("query", "results")

    def touches(self, tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        found.add_text("query", tool_input.get("query"))
        found.egress.append("WebSearch")
