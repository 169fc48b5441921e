"""What a hook answers when it cannot decide: a deny, or, after a tool ran, the tool's output
withheld. Light on imports on purpose (no engine, no shell parser): the hook's parent process
uses it when the evaluating child died, so it must not die of the same cause."""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claude_guard.audit import AuditError, open_audit_log
from claude_guard.models import KNOWN_EVENTS
from claude_guard.policy.loader import guard_home
from claude_guard.redact import updated_output_answer, withhold_all

EXIT_ALLOW = 0
EXIT_BLOCK = 2
# Events Claude Code has but claude-guard is not registered for: named in the error when seen.
# Any other value is not echoed (it could be anything, a secret included).
_OTHER_CLIENT_EVENTS = frozenset(
    {"Stop", "SubagentStop", "SubagentStart", "Notification", "PreCompact", "PermissionRequest"}
)
_ID_FIELDS = ("session_id", "prompt_id", "tool_use_id", "agent_id", "agent_type")


@dataclass(frozen=True)
class HookAnswer:
    exit_code: int
    stdout: str = ""
    stderr: str = ""


def identifiers(payload: dict[str, Any]) -> dict[str, Any]:
    """IDs for the audit record of a failed call, kept only if they look like IDs."""
    found = {k: v for k in _ID_FIELDS if _is_identifier(v := payload.get(k))}
    name = payload.get("hook_event_name")
    if is_client_event(name):
        found["event"] = name
    tool = payload.get("tool_name")
    if _is_identifier(tool):
        found["tool"] = tool
    return found


def is_client_event(name: object) -> bool:
    return isinstance(name, str) and (name in KNOWN_EVENTS or name in _OTHER_CLIENT_EVENTS)


def safe_id(value: object) -> str | None:
    if value is None:
        return None
    return value if _is_identifier(value) else "<invalid>"  # type: ignore[return-value]


def _is_identifier(value: object) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= 128
        and all(c.isalnum() or c in "-_.:" for c in value)
    )


# ----------------------------------------------------------------------------- answers


def internal_error(exc: BaseException) -> str:
    """The exception type and where it happened: never its message or local variables."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"internal error ({type(exc).__name__}{where})"


# Called right before a decision's audit record is written; False means another process has
# already taken this call over (it records and answers it), so this one must do neither.
Claim = Callable[[], bool]


class ClaimedElsewhere(Exception):
    """Another process decides this call: write nothing, answer nothing."""


def fail(
    home: Path,
    context: dict[str, Any],
    message: str,
    started: float,
    payload: dict[str, Any],
    claim: Claim | None = None,
) -> HookAnswer:
    withheld = withheld_output(payload)
    verdict = "deny" if withheld is None else "redact"
    record = {**context, "decision": verdict, "reason": message, "error": message.split(" (")[0]}
    try:
        audit(home, record, started, claim)
    except AuditError as exc:
        message = f"{message}; also {exc}"
    return _fail_answer(message, withheld)


def fail_without_record(message: str, payload: dict[str, Any]) -> HookAnswer:
    """A deny; or, after a tool ran, its whole output withheld in the tool's own shape: there
    exit 2 only adds feedback, and the output would still reach the model."""
    return _fail_answer(message, withheld_output(payload))


def _fail_answer(message: str, withheld: dict[str, Any] | None) -> HookAnswer:
    if withheld is not None:
        return HookAnswer(
            EXIT_ALLOW, stdout=json.dumps(withheld), stderr=f"claude-guard: {message}\n"
        )
    return block(message)


def withheld_output(payload: dict[str, Any]) -> dict[str, Any] | None:
    if payload.get("hook_event_name") != "PostToolUse" or "tool_response" not in payload:
        return None
    tool = payload.get("tool_name")
    withheld = withhold_all(tool if isinstance(tool, str) else "", payload["tool_response"])
    return updated_output_answer(withheld)


def audit(home: Path, record: dict[str, Any], started: float, claim: Claim | None = None) -> None:
    if claim is not None and not claim():
        raise ClaimedElsewhere
    record["duration_ms"] = round((time.monotonic() - started) * 1000, 3)
    open_audit_log(home).record(**record)


def block(reason: str) -> HookAnswer:
    return HookAnswer(EXIT_BLOCK, stderr=f"claude-guard: {reason}\n")


def fail_answer(raw: bytes, message: str, record: bool = True) -> HookAnswer:
    """The answer for a call whose evaluation died: decoded only as far as plain JSON goes.
    `record=False` where another process (the service that claimed the call) records it."""
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    if not record:
        return fail_without_record(message, payload)
    return fail(guard_home(), identifiers(payload), message, time.monotonic(), payload)
