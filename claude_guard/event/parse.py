"""Raw stdin bytes to a validated event, with failures that are safe to show and to log: they
name positions and field locations, never the event's text (it may hold secrets)."""

from __future__ import annotations

import json
from typing import Any

from claude_guard.event.models import (
    KNOWN_EVENTS,
    AnyEvent,
    ValidationError,
    is_client_event,
    parse_event,
)
from claude_guard.event.models import describe_validation_error as describe


class HookFailure(Exception):
    """A failure with a message that is safe to show and to log."""


def decode_event(raw: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise HookFailure(f"event is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise HookFailure(
            f"event is not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise HookFailure("event JSON is nested too deeply") from None
    if not isinstance(payload, dict):
        raise HookFailure("event is not a JSON object")
    return payload


def validate_event(payload: dict[str, Any]) -> AnyEvent:
    name = payload.get("hook_event_name")
    if not isinstance(name, str) or name not in KNOWN_EVENTS:
        shown = name if is_client_event(name) else "?"
        raise HookFailure(f"unknown hook event {shown!r}")
    try:
        return parse_event(payload)
    except ValidationError as exc:
        raise HookFailure(f"malformed {name} event ({describe(exc)})") from None
