"""One hook call from raw stdin bytes to the answer Claude Code reads, failing closed.

Every stage that can fail turns its failure into a deny with a reason that says what went
wrong, without quoting the event (it may hold secrets). The caller (the stdlib-only hook script)
writes the answer and exits with its code; it adds its own deny for anything that escapes here.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from claude_guard.audit import AuditError, derive_key, load_or_create_key
from claude_guard.contentpolicy import records
from claude_guard.detect.scanner import ContentScanner
from claude_guard.engine import Decision, DecisionEngine
from claude_guard.failclosed import (
    _ID_FIELDS,
    EXIT_ALLOW,
    Claim,
    HookAnswer,
    audit,
    block,
    fail,
    fail_without_record,
    identifiers,
    internal_error,
    is_client_event,
    safe_id,
)
from claude_guard.models import (
    KNOWN_EVENTS,
    AnyEvent,
    PostToolUse,
    ValidationError,
    describe_validation_error,
    parse_event,
)
from claude_guard.paths import find_project_root, home_dir
from claude_guard.policy.loader import PolicyError, guard_home, layer_sources, load_layers
from claude_guard.policy.merge import EffectivePolicy, merge_layers
from claude_guard.policy.schema import Action
from claude_guard.redact import updated_output_answer
from claude_guard.warm import WarmState


class HookFailure(Exception):
    """A failure with a message that is safe to show and to log."""


def run_hook(
    raw: bytes,
    env: Mapping[str, str] | None = None,
    warm: WarmState | None = None,
    claim: Claim | None = None,
    hook_pid: int | None = None,
) -> HookAnswer:
    """Evaluate one event. Never raises: every failure is a deny with a reason.

    `warm` is the long-running service's state (parsed policies, built detectors, scan cache);
    without it everything is built for this one call. `claim` is called right before the audit
    record is written: the service and a hook client that gave up waiting on it both decide the
    same call, and only the one that claims it first records and answers (see service.py).
    """
    started = time.monotonic()
    environ: Mapping[str, str] = os.environ if env is None else env
    home = guard_home(environ)
    decided_by: dict[str, Any] = {"decided_by": "hook" if warm is None else "service"}
    if hook_pid is not None:  # the service records which hook process asked
        decided_by["hook_pid"] = hook_pid
    context: dict[str, Any] = dict(decided_by)
    payload: dict[str, Any] = {}
    try:
        payload = decode_event(raw)
        context = {**identifiers(payload), **decided_by}
        event = validate_event(payload)
        policy, project_root = _load_policy(event.cwd, environ, warm)
        _check_size(raw, policy)
        decision = _engine(policy, project_root, home, warm).decide(event)
    except HookFailure as failure:
        return fail(home, context, str(failure), started, payload, claim)
    except ValidationError as exc:  # a known tool with an input it does not accept
        reason = f"invalid tool input ({describe_validation_error(exc)})"
        return fail(home, context, reason, started, payload, claim)
    except Exception as exc:
        return fail(home, context, internal_error(exc), started, payload, claim)
    return _finish(home, event, policy, decision, started, claim, decided_by)


def _engine(
    policy: EffectivePolicy, project_root: str, home: Path, warm: WarmState | None
) -> DecisionEngine:
    if warm is None:
        return DecisionEngine(
            policy, project_root, scanner_factory=_scanner(home, policy), guard_home=home
        )
    key = derive_key(load_or_create_key(home / "keys" / "installation.key"), "fingerprint")
    return warm.engine(policy, project_root, home_dir(), home, key)


# ----------------------------------------------------------------------------- stages


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
        raise HookFailure(f"malformed {name} event ({describe_validation_error(exc)})") from None


def _load_policy(
    cwd: str, env: Mapping[str, str], warm: WarmState | None
) -> tuple[EffectivePolicy, str]:
    project_root = find_project_root(cwd, env)
    sources = layer_sources(project_root, env)
    try:
        if warm is not None:
            return warm.policy(sources), project_root
        return merge_layers(load_layers(sources)), project_root
    except PolicyError as exc:
        raise HookFailure(f"policy error: {exc}") from None


def _scanner(home: Path, policy: EffectivePolicy) -> Callable[[], ContentScanner]:
    def build() -> ContentScanner:
        key = load_or_create_key(home / "keys" / "installation.key")
        return ContentScanner.for_policy(derive_key(key, "fingerprint"), policy.detection)

    return build


def _check_size(raw: bytes, policy: EffectivePolicy) -> None:
    limit = policy.limits.max_event_bytes
    if len(raw) > limit:
        raise HookFailure(f"event of {len(raw)} bytes exceeds the policy limit of {limit} bytes")


def _finish(
    home: Path,
    event: AnyEvent,
    policy: EffectivePolicy,
    decision: Decision,
    started: float,
    claim: Claim | None,
    context: dict[str, Any],
) -> HookAnswer:
    record = {
        **_event_fields(event),
        **context,
        "decision": decision.verdict,
        "policy_decision": decision.action.value,
        "mode": decision.mode.value,
        "rule_ids": list(decision.rule_ids),
        "reason": decision.reason,
        "paths": list(decision.paths),
        "notes": list(decision.notes),
        "findings": records(decision.findings),
        "policy_hash": policy.content_hash,
        "policy_version": policy.version,
    }
    try:
        audit(home, record, started, claim)
    except AuditError as exc:
        reason = f"{exc}; the call is denied because it could not be recorded"
        # After a tool ran a deny would only add feedback: its output is withheld instead.
        return fail_without_record(reason, _response_of(event))
    return render(event.hook_event_name, decision)


def _response_of(event: AnyEvent) -> dict[str, Any]:
    """As much of the event as a fail answer needs to withhold a tool's output."""
    fields = {"hook_event_name": event.hook_event_name}
    if isinstance(event, PostToolUse):
        return {**fields, "tool_name": event.tool_name, "tool_response": event.tool_response}
    return fields


def _event_fields(event: AnyEvent) -> dict[str, Any]:
    fields = {k: safe_id(getattr(event, k, None)) for k in _ID_FIELDS}
    fields["event"] = event.hook_event_name
    fields["tool"] = safe_id(getattr(event, "tool_name", None))
    return fields


# What the reader of a block should do next: the user for a prompt, the model for a tool call.
NEXT_STEP = {
    "UserPromptSubmit": (
        ". Nothing was sent to the model. Remove or mask these values (or point to de-identified"
        " data) and send the prompt again; `claude-guard check` explains the rule."
    ),
    "PreToolUse": (
        ". Do not try to reach this content another way; if the task needs it, ask the user."
    ),
}


def render(event_name: str, decision: Decision) -> HookAnswer:
    """The answer in the form Claude Code acts on for this event."""
    action = decision.enforced
    if decision.verdict == "redact":
        return HookAnswer(
            EXIT_ALLOW, stdout=json.dumps(updated_output_answer(decision.updated_output))
        )
    if action is Action.ALLOW:
        # No output: defer to Claude Code's own permission flow (an explicit "allow" would
        # skip the user's permission prompts).
        return HookAnswer(EXIT_ALLOW)
    if action is Action.ASK and event_name == "PreToolUse":
        answer = {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "ask",
                "permissionDecisionReason": f"claude-guard: {decision.reason}",
            }
        }
        return HookAnswer(EXIT_ALLOW, stdout=json.dumps(answer))
    # Deny — and `ask` where the event has no way to ask. Exit 2 blocks tool calls and prompts.
    return block(decision.reason + NEXT_STEP.get(event_name, ""))
