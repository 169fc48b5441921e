"""`claude-guard check`: decide one event exactly as the hook would, and change nothing.

The decision is the engine's, with the session's memory read as it is now; its effects are
worked out on a copy (so a redaction shows the placeholders the hook would use) and never
applied. Nothing is recorded, no session state is written or removed, and no key is created:
the guard home is left byte for byte as it was.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from claude_guard.answer.redaction import render_redaction
from claude_guard.context import CallContext
from claude_guard.decide.decision import Decision
from claude_guard.decide.engine import DecisionEngine
from claude_guard.detect.scanner import ContentScanner
from claude_guard.event.models import AnyEvent, PostToolUse, PreToolUse
from claude_guard.home import derive_key
from claude_guard.policy.merge import EffectivePolicy
from claude_guard.session.store import SessionMemory, memory_of, preview_effects


@dataclass(frozen=True)
class DryRun:
    decision: Decision
    updated_output: Any = None  # what the model would see of a redacted output


def dry_run(ctx: CallContext, policy: EffectivePolicy, event: AnyEvent) -> DryRun:
    home = ctx.guard_home
    # The installation's key when there is one (fingerprints and placeholders then match the
    # hook's); never a new one.
    key = home.existing_key() or secrets.token_bytes(32)

    def scanner() -> ContentScanner:
        return ContentScanner.for_policy(derive_key(key, "fingerprint"), policy.detection)

    engine = DecisionEngine(policy, ctx.project_root, ctx.user_home, home.root, scanner)
    memory = (
        memory_of(event.session_id, home.root)
        if isinstance(event, PreToolUse | PostToolUse)
        else SessionMemory.empty()
    )
    bound = engine.with_session(memory, ctx.route)
    decision = bound.decide(event)
    if decision.redaction is None:
        return DryRun(decision)
    preview = preview_effects(memory, decision.effects)
    return DryRun(decision, render_redaction(decision.redaction, preview.placeholders))
