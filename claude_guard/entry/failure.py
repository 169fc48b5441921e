"""The last resort: the answer for a call whose evaluation died (a crash, a timeout, a service
that claimed the call and went quiet). The hook script's parent process calls it, so it decodes
the event only as far as plain JSON goes and imports nothing that judges (no engine, no shell
parser): it must not die of the same cause as the evaluation did."""

from __future__ import annotations

import json
import time
from typing import Any

from claude_guard.answer.answer import HookAnswer, failure_answer
from claude_guard.context import Environment
from claude_guard.record.audit_log import AuditError
from claude_guard.record.record import Decider, failure_record, write_record


def fail_answer(
    raw: bytes,
    message: str,
    record: bool = True,
    decision_id: str | None = None,
    event_kind: str | None = None,
) -> HookAnswer:
    """A deny, or after a tool ran its output withheld; recorded unless `record` is False
    (the service that claimed the call records it). `event_kind` is the event the hook's
    registration names, for an event that does not parse."""
    payload = plain_payload(raw) or ({"hook_event_name": event_kind} if event_kind else {})
    answer = failure_answer(message, payload)
    if not record:
        return answer
    environment = Environment.from_env()
    withheld = bool(answer.stdout)
    entry = failure_record(
        payload, message, withheld, Decider("hook", decision_id), environment.route
    )
    try:
        write_record(environment.guard_home, entry, time.monotonic())
    except AuditError as exc:
        return failure_answer(f"{message}; also {exc}", payload)
    return answer


def plain_payload(raw: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return payload if isinstance(payload, dict) else {}
