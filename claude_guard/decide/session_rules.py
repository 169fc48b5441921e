"""Policy that depends on what the session already saw: copies of protected data, and egress or
writes outside the project after PHI or secrets were seen. Reads a snapshot of the session's
memory; never changes it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from claude_guard.policy.path_rules import PathRuleSet
from claude_guard.policy.schema import Access, Action
from claude_guard.session.store import SessionMemory
from claude_guard.touches.touchset import TouchSet


@dataclass(frozen=True, slots=True)
class SessionVerdict:
    action: Action
    reason: str  # without the subject: the engine names the tool
    rule_ids: tuple[str, ...]


def judge_session(
    memory: SessionMemory, found: TouchSet, rules: Mapping[str, Action], paths: PathRuleSet
) -> SessionVerdict | None:
    """The strictest session rule the call trips, or None when none does."""
    state = memory.state
    seen_how = (
        "may have been seen in this session (its state could not be read)"
        if memory.history_unknown
        else "was seen in this session"
    )
    hits: list[tuple[Action, str, str]] = []
    for touch in found.touches:
        source = next(
            (state.tainted[s] for s in touch.path.spellings() if s in state.tainted), None
        )
        if source is not None:
            hits.append(
                (
                    rules["tainted"],
                    "session:tainted",
                    f"{touch.path.lexical} holds data this session copied from {source}",
                )
            )
    outside = [
        t.path.lexical
        for t in found.touches
        if t.access is Access.WRITE and not paths.is_inside_project(t.path.real)
    ]
    for kind, seen in (("phi", state.phi_seen), ("secret", state.secret_seen)):
        if not seen:
            continue
        if found.egress:
            hits.append(
                (
                    rules[f"after_{kind}.egress"],
                    f"session:after_{kind}.egress",
                    f"{kind} {seen_how}, and this call sends data out ({found.egress[0]})",
                )
            )
        if outside:
            hits.append(
                (
                    rules[f"after_{kind}.write_outside_project"],
                    f"session:after_{kind}.write_outside_project",
                    f"{kind} {seen_how}, and this call writes outside the project ({outside[0]})",
                )
            )
    strictest = Action.strictest(*(h[0] for h in hits))
    if strictest is Action.ALLOW:
        return None
    deciding = [h for h in hits if h[0] is strictest]
    return SessionVerdict(strictest, deciding[0][2], tuple(dict.fromkeys(h[1] for h in deciding)))
