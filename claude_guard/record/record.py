"""One place where an outcome becomes an audit record: a decision, a failure, a withheld output.

Records carry identifiers, types, positions and keyed fingerprints, never a value: identifiers
that do not look like identifiers are replaced, findings are reduced to their record form, and
the sink (audit_log.py) keeps only the fields on its allow-list. Every record carries the
`decision_id` the hook client made for the call, so client and service records join.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from claude_guard.decide.client import ClientFacts
from claude_guard.decide.decision import Decision
from claude_guard.detect.scanner import FingerprintedFinding
from claude_guard.event.models import AnyEvent, is_client_event
from claude_guard.home import GuardHome
from claude_guard.policy.merge import EffectivePolicy
from claude_guard.record.audit_log import open_audit_log
from claude_guard.record.spool import import_quietly

ID_FIELDS = ("session_id", "prompt_id", "tool_use_id", "agent_id", "agent_type")
MAX_FINDINGS_RECORDED = 50


@dataclass(frozen=True, slots=True)
class Decider:
    """Who decided a call, for its record: the hook process or the service (and which hook
    asked it), and the id the hook client gave the call."""

    decided_by: str  # "hook" | "service"
    decision_id: str | None = None
    hook_pid: int | None = None

    def fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"decided_by": self.decided_by}
        if self.decision_id is not None:
            fields["decision_id"] = safe_id(self.decision_id)
        if self.hook_pid is not None:
            fields["hook_pid"] = self.hook_pid
        return fields


def decision_record(
    event: AnyEvent,
    policy: EffectivePolicy,
    decision: Decision,
    notes: Sequence[str],
    decider: Decider,
    route: str | None = None,
    client: ClientFacts | None = None,
) -> dict[str, Any]:
    client = client or ClientFacts()
    return {
        **_event_fields(event),
        **decider.fields(),
        "route": route,
        "client_version": client.version,
        # Failed posture checks (SessionStart): the installation, and a client below the minimum.
        "posture": _posture(event, policy, client),
        "decision": decision.verdict,
        "policy_decision": decision.action.value,
        "mode": decision.mode.value,
        "rule_ids": list(decision.rule_ids),
        "reason": decision.reason,
        "paths": list(decision.paths),
        "notes": list(dict.fromkeys((*decision.notes, *notes))),  # read and write may both fail
        "findings": finding_records(decision.findings),
        "policy_hash": policy.content_hash,
        "policy_version": policy.version,
    }


def heartbeat_record(
    policy: EffectivePolicy | None, posture: Sequence[str], decider: Decider
) -> dict[str, Any]:
    """A running service's sign of life, every `policy.heartbeat_minutes`: a SIEM that stops
    receiving them from a machine knows the guard there went silent. Host and user are added
    by the audit log; `posture` names the failed checks that do not depend on a client
    (entry/posture.py). `policy` is None when it cannot be loaded (then posture says so)."""
    return {
        "event": "heartbeat",
        **decider.fields(),
        "decision": "none",
        "posture": list(posture),
        "policy_hash": policy.content_hash if policy else None,
        "policy_version": policy.version if policy else None,
        "heartbeat_minutes": policy.heartbeat_minutes if policy else None,
    }


def _posture(event: AnyEvent, policy: EffectivePolicy, client: ClientFacts) -> list[str]:
    if event.hook_event_name != "SessionStart":
        return []
    failed = [problem.check for problem in client.posture]
    if policy.client_too_old(client.version):
        failed.append("client-version")
    return failed


def failure_record(
    payload: dict[str, Any],
    message: str,
    withheld: bool,
    decider: Decider,
    route: str | None = None,
) -> dict[str, Any]:
    """A call that could not be decided: denied, or after a tool ran its output withheld."""
    return {
        **identifiers(payload),
        **decider.fields(),
        "route": route,
        "decision": "redact" if withheld else "deny",
        "reason": message,
        "error": message.split(" (")[0],
    }


def finding_records(findings: Sequence[FingerprintedFinding]) -> list[dict[str, object]]:
    return [f.to_record() for f in findings[:MAX_FINDINGS_RECORDED]]


# ----------------------------------------------------------------------------- identifiers


def identifiers(payload: dict[str, Any]) -> dict[str, Any]:
    """IDs of an event that may not have parsed, kept only if they look like IDs."""
    found = {k: v for k in ID_FIELDS if _is_identifier(v := payload.get(k))}
    name = payload.get("hook_event_name")
    if is_client_event(name):
        found["event"] = name
    tool = payload.get("tool_name")
    if _is_identifier(tool):
        found["tool"] = tool
    return found


def _event_fields(event: AnyEvent) -> dict[str, Any]:
    fields = {k: safe_id(getattr(event, k, None)) for k in ID_FIELDS}
    fields["event"] = event.hook_event_name
    fields["tool"] = safe_id(getattr(event, "tool_name", None))
    return fields


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


# ----------------------------------------------------------------------------- writing

# Called right before a record is written; False means another process has already taken this
# call over (it records and answers it), so this one must do neither.
Claim = Callable[[], bool]


class ClaimedElsewhere(Exception):
    """Another process decides this call: write nothing, answer nothing."""


def take_claim(claim: Claim | None) -> None:
    if claim is not None and not claim():
        raise ClaimedElsewhere


def write_record(
    home: GuardHome, record: dict[str, Any], started: float, key: bytes | None = None
) -> None:
    """Append the record to the audit trail (raises AuditError: the caller then denies).
    `key` is the installation key when the caller already read it for this call."""
    record["duration_ms"] = round((time.monotonic() - started) * 1000, 3)
    log = open_audit_log(home, key)
    # Decisions the hook's last resort spooled are older than this one: they go first.
    import_quietly(home.spool_dir, log)
    log.record(**record)
