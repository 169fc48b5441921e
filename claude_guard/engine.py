"""The decision engine: event + effective policy → decision (Open Policy Agent style).

The engine reads the event, the policy and the filesystem as it is now. The only thing it
writes is session memory (placeholders, what the session has seen, tainted copies), which later
decisions of the same session depend on. Rendering the decision for Claude Code and logging it
are separate stages.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from claude_guard.contentpolicy import judge_contents, summarise
from claude_guard.detect.scanner import ContentScanner, FingerprintedFinding
from claude_guard.models import (
    BUILTIN_TOOL_INPUTS,
    AnyEvent,
    PostToolUse,
    PreToolUse,
    SessionEnd,
    SessionStart,
    UserPromptSubmit,
    is_mcp_tool,
    parse_tool_input,
)
from claude_guard.pathrules import PathMatch, PathRuleSet
from claude_guard.paths import home_dir, is_within, normalise
from claude_guard.policy.loader import guard_home
from claude_guard.policy.merge import EffectivePolicy
from claude_guard.policy.schema import Access, Action, Mode
from claude_guard.redact import redact_tool_response
from claude_guard.session import Session, end_session, maybe_sweep
from claude_guard.shell import analyse
from claude_guard.touches import TouchContext, TouchSet, touches_of_prompt, touches_of_tool


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
    # PostToolUse: the tool's output with protected values replaced, in the tool's own shape.
    updated_output: Any = None

    @property
    def verdict(self) -> str:
        """The audit record's `decision`: what Claude Code was told, `redact` included."""
        if self.updated_output is not None and self.mode is Mode.ENFORCE:
            return "redact"
        return self.enforced.value

    @property
    def enforced(self) -> Action:
        """What Claude Code is told. Monitor mode records the decision but lets the call run."""
        return Action.ALLOW if self.mode is Mode.MONITOR else self.action


ScannerFactory = Callable[[], ContentScanner]


def _ephemeral_scanner() -> ContentScanner:
    # Fingerprints only correlate within this process; the hook passes the installation's key.
    return ContentScanner.default(secrets.token_bytes(32))


class DecisionEngine:
    """Built once per policy and project; decides any number of events."""

    def __init__(
        self,
        policy: EffectivePolicy,
        project_root: str,
        home: str | None = None,
        scanner_factory: ScannerFactory | None = None,
        guard_home: Path | None = None,
    ) -> None:
        self.policy = policy
        self.project_root = project_root
        self.home = home or home_dir()
        self.rules = PathRuleSet(policy.path_rules, self.home, project_root)
        self._scanner_factory = scanner_factory or _ephemeral_scanner
        self.guard_home = guard_home  # where session state lives (None: the default home)

    @cached_property
    def scanner(self) -> ContentScanner:
        """Built on first use: calls with nothing to scan never pay for the detectors."""
        return self._scanner_factory()

    def decide(self, event: AnyEvent) -> Decision:
        if isinstance(event, PreToolUse):
            return self._pre_tool_use(event)
        if isinstance(event, UserPromptSubmit):
            return self._prompt(event)
        if isinstance(event, PostToolUse):
            return self._post_tool_use(event)
        if isinstance(event, SessionEnd):
            end_session(event.session_id, self.guard_home)  # forget placeholders and state
        elif isinstance(event, SessionStart):
            maybe_sweep(home=self.guard_home)  # sessions that never ended (killed terminals)
        return self._allow(f"{event.hook_event_name} recorded")

    # ------------------------------------------------------------------------- events

    def _pre_tool_use(self, event: PreToolUse) -> Decision:
        tool = event.tool_name
        known = tool in BUILTIN_TOOL_INPUTS
        verdict = self.policy.tool_verdict(tool, known=known or is_mcp_tool(tool))
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
            return self._decision(verdict.action, f"tool {tool} is not allowed ({where})", (rule,))
        # Known tools must have the shape we expect: a Read without file_path is not "no path".
        parse_tool_input(tool, event.tool_input)
        ctx = TouchContext(
            event.cwd,
            self.policy.limits.max_walk_entries,
            self.policy.detection.max_scan_bytes,
        )
        found = touches_of_tool(tool, event.tool_input, ctx)
        remembered = self._session_rules(event.session_id, found, tool)
        decision = self._judge_touches(found, f"{tool}")
        if remembered is not None and remembered.action.rank > decision.action.rank:
            return remembered
        return decision

    def _session_rules(self, session_id: str, found: TouchSet, subject: str) -> Decision | None:
        """Policy that depends on what this session already touched (session memory)."""
        session = Session(session_id, self.guard_home)
        state = session.load()
        seen_how = (
            "may have been seen in this session (its state could not be read)"
            if session.history_unknown
            else "was seen in this session"
        )
        rules = self.policy.session
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
            if t.access is Access.WRITE and not self.rules.is_inside_project(t.path.real)
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
                        f"{kind} {seen_how}, and this call writes outside the project "
                        f"({outside[0]})",
                    )
                )
        strictest = Action.strictest(*(h[0] for h in hits))
        if strictest is Action.ALLOW:
            return None
        deciding = [h for h in hits if h[0] is strictest]
        return self._decision(
            strictest,
            f"{subject}: {deciding[0][2]}",
            tuple(dict.fromkeys(h[1] for h in deciding)),
        )

    def _prompt(self, event: UserPromptSubmit) -> Decision:
        found = touches_of_prompt(event.prompt, event.cwd, self.home)
        return self._judge_touches(found, "prompt")

    def _post_tool_use(self, event: PostToolUse) -> Decision:
        """The second line: whatever the first let through, protected values in the output are
        replaced before the model sees them. Runs even when the pre-check allowed the call."""
        session = Session(event.session_id, self.guard_home)
        if event.tool_name == "Bash":
            self._taint_copies(event, session)
        result = redact_tool_response(
            event.tool_name, event.tool_response, self.scanner, self.policy.detection, session
        )
        notes = [*self.scanner.notes]
        if result.fallback:
            notes.append(f"unknown output shape {result.shape}: generic redaction")
        if result.withheld:
            notes.append(f"{result.withheld} output text(s) withheld: could not be scanned in time")
        if session.storage_error:
            notes.append(f"session state not stored ({session.storage_error})")
        if result.updated is None:
            return Decision(
                Action.ALLOW,
                self.policy.mode,
                f"{event.tool_name} output: nothing to redact",
                notes=tuple(notes),
            )
        return Decision(
            Action.ALLOW,
            self.policy.mode,
            f"{event.tool_name} output: {result.replaced} value(s) redacted — "
            f"{summarise(result.findings)}",
            ("detection:redact",),
            notes=tuple(notes),
            findings=tuple(result.findings),
            updated_output=result.updated,
        )

    def _taint_copies(self, event: PostToolUse, session: Session) -> None:
        """A command that read protected (or already tainted) data and wrote files made those
        files carriers of it: `cp .env x` (let through by monitor mode, say), then `cat x`."""
        analysis = analyse(str(event.tool_input.get("command", "")), event.cwd, self.home)
        tainted = session.load().tainted
        sources = []
        for access in analysis.accesses:
            if access.mode != "read":
                continue
            path = normalise(access.path, event.cwd)
            protected = any(m.action is Action.DENY for m in self.rules.matches(path, Access.READ))
            if protected or any(s in tainted for s in path.spellings()):
                sources.append(path.lexical)
        if not sources:
            return
        for access in analysis.accesses:
            if access.mode == "write":
                session.taint(normalise(access.path, event.cwd).lexical, sources[0])

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
            content = judge_contents(found.contents, self.scanner, self.policy.detection)
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
        home = os.path.realpath(self.guard_home or guard_home())
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
