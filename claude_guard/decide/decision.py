"""A decision, and the effects it asks for: values, never actions taken.

The engine is pure: it returns what the policy says about one event and, as data, what should
change because of it (claude_guard/session/effects.py). The entry applies the effects after
deciding; a dry run (`claude-guard check`, `scan`) simply does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from claude_guard.detect.scanner import FingerprintedFinding
from claude_guard.policy.schema import Action, Mode
from claude_guard.session.effects import Effects

if TYPE_CHECKING:
    from claude_guard.decide.output_scan import RedactionPlan


@dataclass(frozen=True)
class Decision:
    """What the policy says about one event, with everything needed to explain it."""

    action: Action  # what the policy decided
    mode: Mode
    reason: str
    rule_ids: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()  # paths that matched a rule (never contents)
    notes: tuple[str, ...] = field(default=())
    findings: tuple[FingerprintedFinding, ...] = ()  # positions and fingerprints, no values
    # PostToolUse: where the tool's output must change, rendered once placeholders are known.
    redaction: RedactionPlan | None = None
    effects: Effects = field(default_factory=Effects)
    # SessionStart: what the user (and the model) is told as the session opens, e.g. that the
    # installation is broken or the client too old. Shown, never blocking.
    notice: str | None = None

    @property
    def verdict(self) -> str:
        """The audit record's `decision`: what Claude Code was told, `redact` included."""
        if self.redaction is not None and self.mode is Mode.ENFORCE:
            return "redact"
        return self.enforced.value

    @property
    def enforced(self) -> Action:
        """What Claude Code is told. Monitor mode records the decision but lets the call run."""
        return Action.ALLOW if self.mode is Mode.MONITOR else self.action
