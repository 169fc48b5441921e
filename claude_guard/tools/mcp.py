"""MCP tools (`mcp__<server>__<tool>`): server-defined inputs, handled generically, and allowed
unless the policy says otherwise (the default policy names them `mcp__*`)."""

from __future__ import annotations

from typing import Any

from claude_guard.tools.base import Tool, register_family
from claude_guard.tools.output import Shape


@register_family
class McpTool(Tool):
    """Response: a list of content blocks [{type:"text", text}, …], or a string (when the
    server also sent structuredContent). MCP replacements are not schema-checked."""

    @classmethod
    def claims(cls, name: str) -> bool:
        return name.startswith("mcp__")

    def needs_policy_word(self) -> bool:
        # mcp__<server>__<tool>; a bare `mcp__x` names no server's tool and is not allowed as one.
        return self.name.count("__") < 2

    def output_shape(self, response: Any) -> Shape:
        return Shape(f"MCP:{_kind(response)}", known=True)


def _kind(response: Any) -> str:
    if isinstance(response, str):
        return "text"
    if isinstance(response, list) and all(isinstance(b, dict) for b in response):
        return "blocks"
    return type(response).__name__
