"""Agent (formerly Task): a subagent started with a prompt. Its own tool calls reach the hook
with an `agent_id`; here only the prompt it is given is judged."""

from __future__ import annotations

from typing import Any

from claude_guard.tools.base import Tool, ToolInput, register
from claude_guard.touches.touchset import TouchContext, TouchSet


class AgentInput(ToolInput):
    prompt: str
    description: str = ""
    subagent_type: str | None = None


@register
class Agent(Tool):
    """Response: {status, prompt, agentId, agentType, content:[{type:"text", text}],
    resolvedModel, totalDurationMs, totalTokens, totalToolUseCount, usage, toolStats}."""

    names = ("Agent", "Task")
    input_model = AgentInput
    output_keys = ("content",)

    def touches(self, tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        for key in ("prompt", "description"):
            found.add_text(key, tool_input.get(key))
