"""Event models: what Claude Code sends a hook on stdin, as pydantic models.

Every model tolerates extra fields (new client versions add them) but validates the fields the
decision depends on. A field that does not validate makes the whole event invalid, and an invalid
event is denied by the caller: never guessed at. Tool inputs are modelled by each tool
(claude_guard/tools/).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

__all__ = [
    "HookEvent",
    "PostToolUse",
    "PreToolUse",
    "SessionEnd",
    "SessionStart",
    "UserPromptSubmit",
    "ValidationError",
    "parse_event",
]


class _Lenient(BaseModel):
    """Base for every wire model: unknown fields are kept, not rejected."""

    model_config = ConfigDict(extra="allow", frozen=True)


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
# Events Claude Code has but claude-guard is not registered for: named in the error when seen.
# Any other value is not echoed (it could be anything, a secret included).
_OTHER_CLIENT_EVENTS = frozenset(
    {"Stop", "SubagentStop", "SubagentStart", "Notification", "PreCompact", "PermissionRequest"}
)


def is_client_event(name: object) -> bool:
    return isinstance(name, str) and (name in KNOWN_EVENTS or name in _OTHER_CLIENT_EVENTS)


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
