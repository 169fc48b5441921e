"""The decision engine: event + effective policy + session memory -> decision (Open Policy Agent
style).

Deciding has no side effects: the engine reads the event, the policy, a snapshot of the
session's memory and the files it judges, and returns a `Decision` that names the effects it
wants (what the session should remember, placeholders for redacted values) as data. The entry
applies them, renders the answer and writes the record; a dry run does none of that.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import secrets
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from claude_guard.decide.client import ClientFacts
from claude_guard.decide.content import judge_contents, summarise
from claude_guard.decide.decision import Decision
from claude_guard.decide.output_scan import scan_output
from claude_guard.decide.session_rules import judge_session
from claude_guard.detect.scanner import ContentScanner, FingerprintedFinding
from claude_guard.event.models import (
    AnyEvent,
    PostToolUse,
    PreToolUse,
    SessionEnd,
    SessionStart,
    UserPromptSubmit,
)
from claude_guard.paths import is_within, normalise
from claude_guard.policy.merge import EffectivePolicy
from claude_guard.policy.path_rules import PathMatch, PathRuleSet
from claude_guard.policy.schema import Access, Action
from claude_guard.session.effects import Effects
from claude_guard.session.store import SessionMemory
from claude_guard.shell import analyse
from claude_guard.tools import lookup
from claude_guard.touches.prompt import touches_of_prompt
from claude_guard.touches.touchset import TouchContext, TouchSet

ScannerFactory = Callable[[], ContentScanner]


def _ephemeral_scanner() -> ContentScanner:
    # Fingerprints only correlate within this process; the entry passes the installation's key.
    return ContentScanner.default(secrets.token_bytes(32))


class DecisionEngine:
    """Built once per policy and project; decides any number of events. `with_session` gives
    the same engine reading one session's memory."""

    def __init__(
        self,
        policy: EffectivePolicy,
        project_root: str,
        home: str,
        guard_home: Path,
        scanner_factory: ScannerFactory | None = None,
    ) -> None:
        self.policy = policy
        self.project_root = project_root
        self.home = home  # the user's home
        self.guard_home = guard_home  # claude-guard's own (its files are protected, built in)
        self.rules = PathRuleSet(policy.path_rules, self.home, project_root)
        self._scanner_factory = scanner_factory or _ephemeral_scanner
        self.memory = SessionMemory.empty()
        self.route: str | None = None  # the model route of the call (route.py)
        self.client = ClientFacts()

    @cached_property
    def scanner(self) -> ContentScanner:
        """Built on first use: calls with nothing to scan never pay for the detectors."""
        return self._scanner_factory()

    def with_session(
        self, memory: SessionMemory, route: str | None = None, client: ClientFacts | None = None
    ) -> DecisionEngine:
        """This engine (its compiled rules and scanner) deciding one call: with `memory` as
        what the session remembers, for content that would take the model `route`, from the
        `client` the entry found. Cheap: a shallow copy."""
        bound = object.__new__(DecisionEngine)
        bound.__dict__.update(self.__dict__)
        bound.memory = memory
        bound.route = route
        bound.client = client or ClientFacts()
        return bound

    def decide(self, event: AnyEvent) -> Decision:
        minimum = self.policy.client_min_version
        too_old = self.policy.client_too_old(self.client.version)
        if too_old and minimum and isinstance(event, PreToolUse | UserPromptSubmit):
            # Checked first: an old client may not honour what the rest relies on.
            return self._decision(
                Action.DENY, self.client.too_old_reason(minimum), ("client:min_version",)
            )
        if isinstance(event, PreToolUse):
            return self._pre_tool_use(event)
        if isinstance(event, UserPromptSubmit):
            return self._prompt(event)
        if isinstance(event, PostToolUse):
            return self._post_tool_use(event)
        if isinstance(event, SessionEnd):
            effects = Effects(end_session=True)  # forget placeholders and state
        elif isinstance(event, SessionStart):
            # Sessions that never ended (killed terminals) are swept; broken posture is told.
            return dataclasses.replace(
                self._allow(f"{event.hook_event_name} recorded"),
                effects=Effects(sweep_sessions=True),
                notice=self._session_notice(),
            )
        else:  # pragma: no cover - the event union is closed
            effects = Effects()
        return dataclasses.replace(
            self._allow(f"{event.hook_event_name} recorded"), effects=effects
        )

    def _session_notice(self) -> str | None:
        lines = [f"{p.detail}; fix: {p.fix}" for p in self.client.posture]
        minimum = self.policy.client_min_version
        if minimum and self.policy.client_too_old(self.client.version):
            lines.insert(
                0,
                f"{self.client.too_old_reason(minimum)}; until then every tool call "
                "and prompt is denied",
            )
        if not lines:
            return None
        return "claude-guard: " + " | ".join(lines)

    # ------------------------------------------------------------------------- events

    def _pre_tool_use(self, event: PreToolUse) -> Decision:
        tool = lookup(event.tool_name)
        verdict = self.policy.tool_verdict(tool.name, known=not tool.needs_policy_word())
        if verdict.action is not Action.ALLOW:
            where = (
                f"{verdict.layer} policy, tools.{verdict.pattern}"
                if verdict.layer
                else ("built-in default for tools claude-guard does not know")
            )
            rule = (
                f"{verdict.layer}:tools.{verdict.pattern}"
                if verdict.layer
                else "default:unknown_tool"
            )
            reason = f"tool {tool.name} is not allowed ({where})"
            return self._decision(verdict.action, reason, (rule,))
        tool.validate(event.tool_input)
        found = TouchSet(self.home)
        tool.touches(event.tool_input, self._touch_context(event.cwd), found)
        remembered = judge_session(self.memory, found, self.policy.session, self.rules)
        decision = self._judge_touches(found, tool.name)
        if remembered is not None and remembered.action.rank > decision.action.rank:
            reason = f"{tool.name}: {remembered.reason}"
            return self._decision(remembered.action, reason, remembered.rule_ids)
        return decision

    def _touch_context(self, cwd: str) -> TouchContext:
        return TouchContext(
            cwd,
            self.home,
            self.policy.limits.max_walk_entries,
            self.policy.detection.max_scan_bytes,
        )

    def _prompt(self, event: UserPromptSubmit) -> Decision:
        found = touches_of_prompt(event.prompt, event.cwd, self.home)
        return self._judge_touches(found, "prompt")

    def _post_tool_use(self, event: PostToolUse) -> Decision:
        """The second line: whatever the first let through, protected values in the output are
        replaced before the model sees them. Runs even when the pre-check allowed the call."""
        tainted = self._taint_copies(event) if event.tool_name == "Bash" else ()
        shape = lookup(event.tool_name).output_shape(event.tool_response)
        plan = scan_output(
            event.tool_name,
            event.tool_response,
            shape,
            self.scanner,
            self.policy.detection,
            self.route,
        )
        notes = [*self.scanner.notes]
        if not shape.known:
            notes.append(f"unknown output shape {shape.name}: generic redaction")
        if plan is not None and plan.withheld:
            notes.append(f"{plan.withheld} output text(s) withheld: could not be scanned in time")
        if self.memory.storage_error:
            notes.append(f"session state not stored ({self.memory.storage_error})")
        if plan is None:
            return Decision(
                Action.ALLOW,
                self.policy.mode,
                f"{event.tool_name} output: nothing to redact",
                notes=tuple(notes),
                effects=Effects(tainted=tainted),
            )
        return Decision(
            Action.ALLOW,
            self.policy.mode,
            f"{event.tool_name} output: {plan.replaced} value(s) redacted — "
            f"{summarise(plan.findings)}",
            ("detection:redact",),
            notes=tuple(notes),
            findings=tuple(plan.findings),
            redaction=plan,
            effects=Effects(sightings=plan.sightings, tainted=tainted),
        )

    def _taint_copies(self, event: PostToolUse) -> tuple[tuple[str, str], ...]:
        """A command that read protected (or already tainted) data and wrote files made those
        files carriers of it: `cp .env x` (let through by monitor mode, say), then `cat x`."""
        analysis = analyse(str(event.tool_input.get("command", "")), event.cwd, self.home)
        tainted = self.memory.state.tainted
        sources = []
        for access in analysis.accesses:
            if access.mode != "read":
                continue
            path = normalise(access.path, event.cwd, self.home)
            protected = any(m.action is Action.DENY for m in self.rules.matches(path, Access.READ))
            if protected or any(s in tainted for s in path.spellings()):
                sources.append(path.lexical)
        if not sources:
            return ()
        return tuple(
            (normalise(access.path, event.cwd, self.home).lexical, sources[0])
            for access in analysis.accesses
            if access.mode == "write"
        )

    # ------------------------------------------------------------------------- judging

    def _judge_touches(self, found: TouchSet, subject: str) -> Decision:
        """Path rules, the fallback for what could not be worked out, and the content scan each
        give a verdict; the strictest wins (the first named, on a tie). Content is scanned
        unless something already denies: an `ask` for an unanalysable part must not hide a
        secret that would be denied."""
        verdicts = [self._path_verdict(found, subject)]
        own = self._guard_home_verdict(found, subject)
        if own is not None:
            verdicts.append(own)
        if found.unresolved:
            verdicts.append(
                self._decision(
                    self.policy.defaults.unanalysable_command,
                    f"{subject}: cannot verify what it touches: {found.unresolved[0]}",
                    ("default:unanalysable",),
                )
            )
        content_findings: tuple[FingerprintedFinding, ...] = ()
        scan_notes: tuple[str, ...] = ()
        if found.contents and max(v.action.rank for v in verdicts) < Action.DENY.rank:
            content = judge_contents(
                found.contents, self.scanner, self.policy.detection, self.route
            )
            content_findings, scan_notes = content.findings, content.notes
            verdicts.append(
                self._decision(
                    content.action,
                    f"{subject}: {content.reason or 'no rule matched'}",
                    content.rule_ids,
                    content.paths,
                )
            )
        chosen = max(verdicts, key=lambda v: v.action.rank)  # max keeps the first of equals
        notes = (
            *found.unresolved,
            *scan_notes,
            *(self.scanner.notes if content_findings else ()),
        )
        return dataclasses.replace(chosen, notes=notes, findings=content_findings)

    def _path_verdict(self, found: TouchSet, subject: str) -> Decision:
        matches: list[PathMatch] = []
        for touch in found.touches:
            matches.extend(
                dataclasses.replace(m, via=touch.via)
                for m in self.rules.matches(touch.path, touch.access)
            )
        strictest = Action.strictest(*(m.action for m in matches))
        if strictest is Action.ALLOW:
            return self._allow(f"{subject}: no rule matched")
        deciding = [m for m in matches if m.action is strictest]
        return self._decision(
            strictest,
            _explain(subject, deciding),
            tuple(dict.fromkeys(m.rule.qualified_id for m in deciding)),
            paths=tuple(dict.fromkeys(m.path for m in deciding)),
        )

    def _guard_home_verdict(self, found: TouchSet, subject: str) -> Decision | None:
        """Built in, whatever the policy says: claude-guard's own home (its policies, audit
        log, sessions) cannot be written, nor its key read. The default policy names
        ~/.claude-guard; this also covers a home moved with CLAUDE_GUARD_HOME."""
        home = os.path.realpath(self.guard_home)
        keys = posixpath.join(home, "keys")
        for touch in found.touches:
            spellings = touch.path.spellings()
            if any(is_within(s, keys) for s in spellings):
                what = "installation key"
            elif touch.access is Access.WRITE and any(is_within(s, home) for s in spellings):
                what = "home"
            else:
                continue
            return self._decision(
                Action.DENY,
                f"{subject}: {touch.path.lexical} is claude-guard's own {what}",
                ("builtin:guard-home",),
                paths=(touch.path.lexical,),
            )
        return None

    def _allow(self, reason: str, notes: tuple[str, ...] = ()) -> Decision:
        return Decision(Action.ALLOW, self.policy.mode, reason, notes=notes)

    def _decision(
        self,
        action: Action,
        reason: str,
        rule_ids: tuple[str, ...],
        paths: tuple[str, ...] = (),
        notes: tuple[str, ...] = (),
    ) -> Decision:
        return Decision(action, self.policy.mode, reason, rule_ids, paths, notes)


def _explain(subject: str, matches: list[PathMatch]) -> str:
    first = matches[0]
    rule = first.rule.rule
    verb = {"deny": "denied", "ask": "needs approval", "allow": "allowed"}[first.action.value]
    what = rule.description or f"matches {', '.join(rule.patterns[:3])}"
    more = f" (and {len(matches) - 1} more)" if len(matches) > 1 else ""
    via = f" ({first.via})" if subject == "prompt" and first.via else ""
    return (
        f"{subject}: {first.access.value} of {first.path}{via} {verb} by rule "
        f"{first.rule.qualified_id} — {what}{more}"
    )
