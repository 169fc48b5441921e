"""Content → decision: scan what a call would show the model or write, and let the policy's
detection settings turn the findings into an action with a value-free explanation."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from claude_guard.detect.scanner import (
    ContentScanner,
    FingerprintedFinding,
    ScanLimits,
    ScanResult,
    ScanStatus,
)
from claude_guard.policy.merge import EffectiveDetection
from claude_guard.policy.schema import Action
from claude_guard.touches.touchset import ContentTarget

# What Claude Code's Read returns when no limit is given: the window a big file is scanned in.
READ_DEFAULT_LINES = 2000
MAX_FINDINGS_RECORDED = 50
# Scans that did not see all of the content: what was found counts, and the policy's
# `incomplete` action covers the rest. (A file that exists but cannot be read is no cleaner
# than one scanned part-way; only a missing file has no content at all.)
PARTIAL = frozenset({ScanStatus.INCOMPLETE, ScanStatus.TOO_LARGE, ScanStatus.UNREADABLE})


@dataclass(frozen=True)
class ContentVerdict:
    action: Action
    reason: str = ""
    rule_ids: tuple[str, ...] = ()
    findings: tuple[FingerprintedFinding, ...] = ()
    paths: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what went wrong in a scan, by type only (for the audit)


@dataclass(frozen=True)
class _Judged:
    target: ContentTarget
    action: Action
    rule_id: str
    findings: tuple[FingerprintedFinding, ...]
    status: ScanStatus
    notes: tuple[str, ...] = ()


def judge_contents(
    targets: Sequence[ContentTarget],
    scanner: ContentScanner,
    detection: EffectiveDetection,
    route: str | None = None,
) -> ContentVerdict:
    """The strictest verdict over `targets`; `route` is the model route the content would take
    (a category the policy keeps off that route is denied)."""
    deadline = time.monotonic() + detection.scan_seconds
    judged = [_judge_one(t, scanner, detection, deadline, route) for t in targets]
    strictest = Action.strictest(*(j.action for j in judged))
    notes = tuple(dict.fromkeys(n for j in judged for n in j.notes))
    if strictest is Action.ALLOW:
        return ContentVerdict(Action.ALLOW, findings=_all_findings(judged), notes=notes)
    deciding = [j for j in judged if j.action is strictest]
    return ContentVerdict(
        strictest,
        _explain(deciding, strictest, route),
        tuple(dict.fromkeys(j.rule_id for j in deciding)),
        _all_findings(deciding),
        tuple(dict.fromkeys(j.target.path.lexical for j in deciding if j.target.path)),
        notes,
    )


def _judge_one(
    target: ContentTarget,
    scanner: ContentScanner,
    detection: EffectiveDetection,
    deadline: float,
    route: str | None,
) -> _Judged:
    limits = ScanLimits.for_policy(detection, deadline - time.monotonic())
    result = _scan(target, scanner, limits)
    if result.status is ScanStatus.BINARY:
        return _Judged(target, detection.binary, "detection:binary", (), result.status)
    judged = [
        (f, a) for f in result.findings if (a := detection.action_for(f.finding, route)) is not None
    ]
    counted = tuple(f for f, _ in judged)
    action = Action.strictest(*(a for _, a in judged))
    deciding = [f for f, a in judged if a is action]
    categories = sorted({f.finding.category for f in deciding}) or ["none"]
    rule_id = f"detection:{'+'.join(categories)}"
    if (
        route is not None
        and deciding
        and all(_denied_by_route(f, detection, route) for f in deciding)
    ):
        # Denied only because of where it would go: the rule is the policy's `routes`.
        rule_id = f"routes:{'+'.join(categories)}"
    if result.status in PARTIAL:
        # The findings so far count as they would in a complete scan (a deny-level secret in
        # a file too slow to finish is still denied), and `incomplete` covers what was not
        # seen: the stricter of the two decides.
        if not counted or detection.incomplete.rank > action.rank:
            rule_id = "detection:incomplete"
        action = Action.strictest(action, detection.incomplete)
    return _Judged(target, action, rule_id, counted, result.status, result.notes)


def _scan(target: ContentTarget, scanner: ContentScanner, limits: ScanLimits) -> ScanResult:
    if target.text is not None:
        return scanner.scan_text(target.text, limits)
    if target.path is None or target.path.is_dir or not target.path.exists:
        return ScanResult(ScanStatus.MISSING)
    result = scanner.scan_file(target.path.real, limits)
    if result.status is ScanStatus.TOO_LARGE:
        # Too big to scan whole: scan exactly the window the tool will return, never less.
        window = _read_window(target, limits.max_bytes)
        if window is not None:
            return scanner.scan_text(window, limits)
    return result


def _read_window(target: ContentTarget, max_bytes: int) -> str | None:
    assert target.path is not None
    count = target.line_limit or READ_DEFAULT_LINES
    lines: list[str] = []
    size = 0
    try:
        with open(target.path.real, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if number < target.first_line:
                    continue
                if number >= target.first_line + count:
                    break
                size += len(line)
                if size > max_bytes:
                    return None
                lines.append(line)
    except OSError:
        return None
    return "".join(lines)


def _denied_by_route(
    finding: FingerprintedFinding, detection: EffectiveDetection, route: str
) -> bool:
    return detection.off_route(finding.finding, route) and (
        detection.action_for(finding.finding) is not Action.DENY
    )


def _all_findings(judged: Sequence[_Judged]) -> tuple[FingerprintedFinding, ...]:
    return tuple(f for j in judged for f in j.findings)


def _explain(deciding: Sequence[_Judged], action: Action, route: str | None) -> str:
    verb = {"deny": "denied", "ask": "needs approval"}.get(action.value, "allowed")
    if route is not None and all(j.rule_id.startswith("routes:") for j in deciding):
        verb = f"denied on model route {route}, which the policy's routes do not allow for it"
    parts = []
    for judged in deciding[:3]:
        where = judged.target.path.lexical if judged.target.path else judged.target.via
        if judged.status is ScanStatus.BINARY:
            parts.append(f"{where} is not text and cannot be scanned")
        elif judged.status in PARTIAL and judged.findings:
            parts.append(
                f"{where} contains {summarise(judged.findings)} and could not be scanned completely"
            )
        elif judged.status is ScanStatus.UNREADABLE:
            parts.append(f"{where} could not be read to be scanned")
        elif judged.status in PARTIAL:
            parts.append(f"{where} could not be scanned completely within the limits")
        else:
            parts.append(f"{where} contains {summarise(judged.findings)}")
    more = f" (and {len(deciding) - 3} more)" if len(deciding) > 3 else ""
    return f"{'; '.join(parts)}{more} — {verb} by the detection policy"


def summarise(findings: Sequence[FingerprintedFinding], limit: int = 4) -> str:
    """`phi US_SSN x3 (lines 2, 5, 9), secret GITHUB_TOKEN (line 14)` — types and places only."""
    by_kind: Counter[tuple[str, str]] = Counter()
    lines: dict[tuple[str, str], list[int]] = {}
    for f in findings:
        key = (f.finding.category, f.finding.type)
        by_kind[key] += 1
        lines.setdefault(key, []).append(f.finding.line)
    parts = []
    for key, count in by_kind.most_common(limit):
        shown = sorted(set(lines[key]))
        where = ", ".join(str(n) for n in shown[:3]) + (", …" if len(shown) > 3 else "")
        label = "lines" if len(shown) > 1 else "line"
        times = f" x{count}" if count > 1 else ""
        parts.append(f"{key[0]} {key[1]}{times} ({label} {where})")
    if len(by_kind) > limit:
        parts.append(f"{len(by_kind) - limit} more kinds")
    return ", ".join(parts)


def records(findings: Sequence[FingerprintedFinding]) -> list[dict[str, object]]:
    return [f.to_record() for f in findings[:MAX_FINDINGS_RECORDED]]
