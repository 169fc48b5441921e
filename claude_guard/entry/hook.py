"""One hook call from raw stdin bytes to the answer Claude Code reads, failing closed.

The walk is one way: parse the event, build the call's context, load the policy and the
session's memory, decide (pure), claim the call, apply the decision's effects, write the record,
render the answer. Every stage that can fail turns its failure into a deny with a reason that
says what went wrong without quoting the event (it may hold secrets); after a tool ran, a
failure withholds the output instead. The caller (the stdlib-only hook script, or the service)
sends the answer; the hook script adds its own deny for anything that escapes here.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from claude_guard.answer.answer import HookAnswer, failure_answer, render
from claude_guard.answer.redaction import render_redaction
from claude_guard.context import CallContext, Environment
from claude_guard.decide.client import ClientFacts
from claude_guard.decide.decision import Decision
from claude_guard.decide.engine import DecisionEngine
from claude_guard.detect.scanner import ContentScanner
from claude_guard.entry.client_version import client_version
from claude_guard.entry.posture import session_posture
from claude_guard.entry.warm import WarmState
from claude_guard.event.models import (
    AnyEvent,
    PostToolUse,
    PreToolUse,
    SessionStart,
    ValidationError,
)
from claude_guard.event.models import describe_validation_error as describe
from claude_guard.event.parse import HookFailure, decode_event, validate_event
from claude_guard.home import GuardHome, derive_key
from claude_guard.managed import ManagedLayout
from claude_guard.policy.effective import effective_policy
from claude_guard.policy.loader import PolicyError, load_layers
from claude_guard.policy.merge import EffectivePolicy
from claude_guard.record.audit_log import AuditError
from claude_guard.record.record import (
    Claim,
    ClaimedElsewhere,
    Decider,
    decision_record,
    failure_record,
    take_claim,
    write_record,
)
from claude_guard.session.store import AppliedEffects, SessionMemory, apply_effects, memory_of

# Appends one audit record (the record, when the call started); raises AuditError.
Recorder = Callable[[dict[str, Any], float], None]


def run_hook(
    raw: bytes,
    env: Mapping[str, str] | None = None,
    warm: WarmState | None = None,
    claim: Claim | None = None,
    hook_pid: int | None = None,
    decision_id: str | None = None,
    event_kind: str | None = None,
    fingerprint_key: bytes | None = None,
    recorder: Recorder | None = None,
    environment: Environment | None = None,
    layout: ManagedLayout | None = None,
) -> HookAnswer:
    """Evaluate one event. Never raises: every failure is a deny with a reason.

    `warm` is the long-running service's state (parsed policies, built detectors, scan cache);
    without it everything is built for this one call. `claim` is called right before the
    decision takes effect: the service and a hook client that gave up waiting on it both decide
    the same call, and only the one that claims it first applies, records and answers it (see
    service.py). `decision_id` is the id the hook client made for the call. `event_kind` is
    the event its registration names (the hook's argument): a PostToolUse that cannot be
    parsed still gets its output withheld, not a deny that would let the output through.

    A managed system service decides as the user but keeps the keys and the trail to itself:
    it passes the `fingerprint_key` and a `recorder` that hands each record back to it. Without
    them the guard home's installation key keys both and the record goes to the home's trail.
    It also passes the user's `environment` as a managed machine defines it. `layout` is where
    a managed install would be, for SessionStart's posture check (tests use a temporary one).
    """
    started = time.monotonic()
    environment = environment or Environment.from_env(env)
    decider = Decider("hook" if warm is None else "service", decision_id, hook_pid)
    payload: dict[str, Any] = {"hook_event_name": event_kind} if event_kind else {}
    try:
        payload = decode_event(raw)
        event = validate_event(payload)
        ctx = environment.for_call(event.cwd)
        policy = _load_policy(ctx, warm)
        _check_size(raw, policy)
        if fingerprint_key is None:
            # Once a call: it keys the fingerprints and the home's audit chain.
            key = ctx.guard_home.load_key()
            fingerprint_key = derive_key(key, "fingerprint")
            recorder = recorder or _home_recorder(ctx.guard_home, key)
        engine = _engine(ctx, policy, warm, fingerprint_key)
        client = _client_facts(event, environment, hook_pid, layout)
        engine = engine.with_session(_memory(ctx, event), ctx.route, client)
        decision = engine.decide(event)
    except HookFailure as failure:
        return fail(environment, payload, str(failure), started, decider, claim, recorder)
    except ValidationError as exc:  # a known tool with an input it does not accept
        reason = f"invalid tool input ({describe(exc)})"
        return fail(environment, payload, reason, started, decider, claim, recorder)
    except Exception as exc:
        return fail(environment, payload, internal_error(exc), started, decider, claim, recorder)
    recorder = recorder or _home_recorder(ctx.guard_home)
    try:
        return _take_effect(ctx, event, policy, decision, started, decider, claim, recorder, client)
    except ClaimedElsewhere:
        raise
    except Exception as exc:  # after the claim: this process answers and records the failure
        return fail(environment, payload, internal_error(exc), started, decider, None, recorder)


# ----------------------------------------------------------------------------- stages


def _home_recorder(home: GuardHome, key: bytes | None = None) -> Recorder:
    """Records go to the guard home's own trail, chained with its installation key."""

    def record(entry: dict[str, Any], started: float) -> None:
        write_record(home, entry, started, key)

    return record


def _load_policy(ctx: CallContext, warm: WarmState | None) -> EffectivePolicy:
    sources = ctx.policy_sources()
    try:
        if warm is not None:
            return warm.policy(sources)
        return effective_policy(load_layers(sources))
    except PolicyError as exc:
        raise HookFailure(f"policy error: {exc}") from None


def _check_size(raw: bytes, policy: EffectivePolicy) -> None:
    limit = policy.limits.max_event_bytes
    if len(raw) > limit:
        raise HookFailure(f"event of {len(raw)} bytes exceeds the policy limit of {limit} bytes")


def _engine(
    ctx: CallContext, policy: EffectivePolicy, warm: WarmState | None, key: bytes
) -> DecisionEngine:
    """`key` is the fingerprint key, read here at the entry: deciding does no I/O of its own."""
    home = ctx.guard_home
    if warm is None:

        def scanner() -> ContentScanner:  # built only when a call has something to scan
            return ContentScanner.for_policy(key, policy.detection)

        return DecisionEngine(policy, ctx.project_root, ctx.user_home, home.root, scanner)
    return warm.engine(policy, ctx.project_root, ctx.user_home, home.root, key)


def _client_facts(
    event: AnyEvent, environment: Environment, hook_pid: int | None, layout: ManagedLayout | None
) -> ClientFacts:
    """The client's version (from the hook's ancestors: a service is given the hook's pid, an
    in-process decision runs in a child of the hook), and at SessionStart the posture."""
    version = client_version(hook_pid or os.getpid(), environment.client_agent)
    if not isinstance(event, SessionStart):
        return ClientFacts(version)
    return ClientFacts(version, tuple(session_posture(layout or ManagedLayout.system())))


def _memory(ctx: CallContext, event: AnyEvent) -> SessionMemory:
    """What the session remembers, for the events whose decision depends on it."""
    if isinstance(event, PreToolUse | PostToolUse):
        return memory_of(event.session_id, ctx.guard_home.root)
    return SessionMemory.empty()


def _take_effect(
    ctx: CallContext,
    event: AnyEvent,
    policy: EffectivePolicy,
    decision: Decision,
    started: float,
    decider: Decider,
    claim: Claim | None,
    recorder: Recorder,
    client: ClientFacts,
) -> HookAnswer:
    take_claim(claim)
    applied = apply_effects(event.session_id, ctx.guard_home.root, decision.effects)
    record = decision_record(event, policy, decision, applied.notes, decider, ctx.route, client)
    try:
        recorder(record, started)
    except AuditError as exc:
        reason = f"{exc}; the call is denied because it could not be recorded"
        # After a tool ran a deny would only add feedback: its output is withheld instead.
        return failure_answer(reason, _response_of(event))
    return render(event.hook_event_name, decision, _updated_output(decision, applied))


def _updated_output(decision: Decision, applied: AppliedEffects) -> Any:
    if decision.redaction is None:
        return None
    return render_redaction(decision.redaction, applied.placeholders)


def _response_of(event: AnyEvent) -> dict[str, Any]:
    """As much of the event as a failure answer needs to withhold a tool's output."""
    fields = {"hook_event_name": event.hook_event_name}
    if isinstance(event, PostToolUse):
        return {**fields, "tool_name": event.tool_name, "tool_response": event.tool_response}
    return fields


# ----------------------------------------------------------------------------- failures


def fail(
    environment: Environment,
    payload: dict[str, Any],
    message: str,
    started: float,
    decider: Decider,
    claim: Claim | None = None,
    recorder: Recorder | None = None,
) -> HookAnswer:
    """Deny (or withhold the output after a tool ran), and record that it happened."""
    answer = failure_answer(message, payload)
    take_claim(claim)
    record = failure_record(payload, message, bool(answer.stdout), decider, environment.route)
    try:
        (recorder or _home_recorder(environment.guard_home))(record, started)
    except AuditError as exc:
        return failure_answer(f"{message}; also {exc}", payload)
    return answer


def internal_error(exc: BaseException) -> str:
    """The exception type and where it happened: never its message or local variables."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"internal error ({type(exc).__name__}{where})"
