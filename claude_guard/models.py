"""Event models: what Claude Code sends a hook on stdin, as pydantic models.

Every model tolerates extra fields (new client versions add them) but validates the fields the
decision depends on. A field that does not validate makes the whole event invalid, and an invalid
event is denied by the caller: never guessed at.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

__all__ = [
    "BUILTIN_TOOL_INPUTS",
    "HookEvent",
    "PostToolUse",
    "PreToolUse",
    "SessionEnd",
    "SessionStart",
    "UserPromptSubmit",
    "ValidationError",
    "parse_event",
    "parse_tool_input",
]


class _Lenient(BaseModel):
    """Base for every wire model: unknown fields are kept, not rejected."""

    model_config = ConfigDict(extra="allow", frozen=True)


# ----------------------------------------------------------------------------- tool inputs


class ReadInput(_Lenient):
    file_path: str
    offset: int | None = None
    limit: int | None = None
    pages: str | None = None


class WriteInput(_Lenient):
    file_path: str
    content: str


class EditInput(_Lenient):
    file_path: str
    old_string: str
    new_string: str
    replace_all: bool | None = None


class MultiEditOperation(_Lenient):
    old_string: str
    new_string: str
    replace_all: bool | None = None


class MultiEditInput(_Lenient):
    file_path: str
    edits: list[MultiEditOperation]


class NotebookEditInput(_Lenient):
    notebook_path: str
    new_source: str = ""
    cell_id: str | None = None
    cell_type: str | None = None
    edit_mode: str | None = None


class NotebookReadInput(_Lenient):
    notebook_path: str


class BashInput(_Lenient):
    command: str
    description: str | None = None
    timeout: int | None = None
    run_in_background: bool | None = None


class GrepInput(_Lenient):
    pattern: str
    path: str | None = None
    glob: str | None = None
    type: str | None = None
    output_mode: str | None = None


class GlobInput(_Lenient):
    pattern: str
    path: str | None = None


class LSInput(_Lenient):
    path: str
    ignore: list[str] | None = None


class WebFetchInput(_Lenient):
    url: str
    prompt: str = ""


class WebSearchInput(_Lenient):
    query: str
    allowed_domains: list[str] | None = None
    blocked_domains: list[str] | None = None


class AgentInput(_Lenient):
    prompt: str
    description: str = ""
    subagent_type: str | None = None


ToolInputModel = type[_Lenient]

# The built-in tools whose input shape we know. "Task" is the older name of "Agent".
BUILTIN_TOOL_INPUTS: dict[str, ToolInputModel] = {
    "Read": ReadInput,
    "Write": WriteInput,
    "Edit": EditInput,
    "MultiEdit": MultiEditInput,
    "NotebookEdit": NotebookEditInput,
    "NotebookRead": NotebookReadInput,
    "Bash": BashInput,
    "Grep": GrepInput,
    "Glob": GlobInput,
    "LS": LSInput,
    "WebFetch": WebFetchInput,
    "WebSearch": WebSearchInput,
    "Agent": AgentInput,
    "Task": AgentInput,
}


def parse_tool_input(tool_name: str, tool_input: dict[str, Any]) -> _Lenient | None:
    """Validate a built-in tool's input; None for tools whose shape we do not know (MCP, new)."""
    model = BUILTIN_TOOL_INPUTS.get(tool_name)
    if model is None:
        return None
    return model.model_validate(tool_input)


def is_mcp_tool(tool_name: str) -> bool:
    return tool_name.startswith("mcp__") and tool_name.count("__") >= 2


# ----------------------------------------------------------------------------- events

# Identifiers end up in the audit log; bound them so an event cannot smuggle data through them.
Identifier = Annotated[str, Field(max_length=256)]
# Tool names follow the Messages API's tool-name rule (MCP tools: mcp__<server>__<tool>).
ToolName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-.]{1,128}$")]


class _EventBase(_Lenient):
    session_id: Identifier
    transcript_path: str | None = None
    cwd: str
    prompt_id: Identifier | None = None
    permission_mode: str | None = None
    agent_id: Identifier | None = None
    agent_type: Identifier | None = None


class PreToolUse(_EventBase):
    hook_event_name: Literal["PreToolUse"]
    tool_name: ToolName
    tool_input: dict[str, Any]
    tool_use_id: Identifier | None = None


class PostToolUse(_EventBase):
    hook_event_name: Literal["PostToolUse"]
    tool_name: ToolName
    tool_input: dict[str, Any]
    tool_response: Any = None
    tool_use_id: Identifier | None = None
    duration_ms: float | None = None


class UserPromptSubmit(_EventBase):
    hook_event_name: Literal["UserPromptSubmit"]
    prompt: str


class SessionStart(_EventBase):
    hook_event_name: Literal["SessionStart"]
    source: str | None = None


class SessionEnd(_EventBase):
    hook_event_name: Literal["SessionEnd"]
    reason: str | None = None


HookEvent = Annotated[
    PreToolUse | PostToolUse | UserPromptSubmit | SessionStart | SessionEnd,
    Field(discriminator="hook_event_name"),
]

_EVENT_ADAPTER: TypeAdapter[HookEvent] = TypeAdapter(HookEvent)

KNOWN_EVENTS = ("PreToolUse", "PostToolUse", "UserPromptSubmit", "SessionStart", "SessionEnd")


AnyEvent = PreToolUse | PostToolUse | UserPromptSubmit | SessionStart | SessionEnd


def parse_event(payload: Any) -> AnyEvent:
    """Validate a decoded JSON payload into one of the event models (raises ValidationError)."""
    return _EVENT_ADAPTER.validate_python(payload)


_SAFE_LOC = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _safe_loc_part(part: object) -> str:
    if isinstance(part, int):
        return str(part)
    return part if isinstance(part, str) and _SAFE_LOC.fullmatch(part) else "?"


def describe_validation_error(error: ValidationError) -> str:
    """A one-line, value-free description of what failed: field locations and messages only.

    pydantic's own str() embeds the offending input value, which may be a secret.
    """
    parts = []
    for item in error.errors(include_url=False, include_input=False, include_context=False)[:5]:
        loc = ".".join(_safe_loc_part(p) for p in item["loc"]) or "<root>"
        # The error *type* code, not the message: some messages quote the input (a union tag).
        parts.append(f"{loc}: {item['type']}")
    more = error.error_count() - len(parts)
    if more > 0:
        parts.append(f"(+{more} more)")
    return "; ".join(parts)
