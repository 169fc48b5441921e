"""After a tool ran: find what in its output must not reach the model.

The scan walks the output in its own shape (claude_guard/tools/output.py) and keeps, per text
unit, the findings the policy redacts and whether the unit was scanned completely. The result is
a `RedactionPlan`: the answer stage renders it once the session has given each value its
placeholder, so deciding stays free of side effects.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from claude_guard.detect.scanner import ContentScanner, FingerprintedFinding, ScanLimits, ScanStatus
from claude_guard.policy.merge import EffectiveDetection
from claude_guard.policy.schema import Action
from claude_guard.session.effects import Sighting
from claude_guard.tools.output import Shape, walk


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of a unit's joined text to replace, named by the finding that wins it."""

    start: int
    end: int
    fingerprint: str


@dataclass(frozen=True)
class TextUnit:
    """One string (or list of strings, joined) of the output, as the scan saw it."""

    findings: tuple[FingerprintedFinding, ...]
    complete: bool
    size: int  # how many strings the unit stands for (all are withheld if incomplete)

    def spans(self) -> list[Span]:
        """Non-overlapping spans. Findings of different categories may overlap (detectors
        dedupe within a category only); the union is replaced as one, named by the
        highest-scoring finding in it."""
        ordered = sorted(self.findings, key=lambda x: (x.finding.start, -x.finding.score))
        merged: list[tuple[int, int, str, float]] = []
        for item in ordered:
            f = item.finding
            if merged and f.start < merged[-1][1]:
                start, end, best, score = merged[-1]
                name = item.fingerprint if f.score > score else best
                merged[-1] = (start, max(end, f.end), name, max(score, f.score))
            else:
                merged.append((f.start, f.end, item.fingerprint, f.score))
        return [Span(s, e, name) for s, e, name, _ in merged]


@dataclass(frozen=True)
class RedactionPlan:
    """Where the output must change. `units` are in walk order; the renderer walks again."""

    tool_name: str
    response: Any
    shape: Shape
    units: tuple[TextUnit, ...]

    @property
    def findings(self) -> list[FingerprintedFinding]:
        return [f for unit in self.units for f in unit.findings]

    @property
    def sightings(self) -> tuple[Sighting, ...]:
        return tuple(
            Sighting(f.fingerprint, f.finding.category, f.finding.type) for f in self.findings
        )

    @property
    def replaced(self) -> int:
        """Spans that get a placeholder (a unit not scanned completely is withheld whole)."""
        return sum(len(unit.spans()) for unit in self.units if unit.complete)

    @property
    def withheld(self) -> int:
        """Strings replaced whole because they could not be scanned completely."""
        return sum(unit.size for unit in self.units if not unit.complete)

    @property
    def needed(self) -> bool:
        return bool(self.findings) or any(not unit.complete for unit in self.units)


def scan_output(
    tool_name: str,
    response: Any,
    shape: Shape,
    scanner: ContentScanner,
    detection: EffectiveDetection,
    route: str | None = None,
) -> RedactionPlan | None:
    """Where the output must change, or None when nothing in it has to."""
    scan = _Scan(scanner, detection, time.monotonic() + detection.scan_seconds, route)
    walk(response, scan, shape)
    plan = RedactionPlan(tool_name, response, shape, tuple(scan.units))
    return plan if plan.needed else None


def must_redact(
    finding: FingerprintedFinding, detection: EffectiveDetection, route: str | None = None
) -> bool:
    """A finding the policy keeps from the model: at or above its min_score, action deny, or
    on a model route its category may not take. (`ask` has no meaning once the tool has run,
    and the PreToolUse decision already asked.)"""
    return detection.action_for(finding.finding, route) is Action.DENY


@dataclass
class _Scan:
    scanner: ContentScanner
    detection: EffectiveDetection
    deadline: float
    route: str | None = None
    units: list[TextUnit] = field(default_factory=list)

    def __call__(self, texts: list[str]) -> list[str]:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.units.append(TextUnit((), complete=False, size=len(texts)))
            return texts
        limits = ScanLimits.for_policy(self.detection, remaining)
        result = self.scanner.scan_text("\n".join(texts), limits)
        complete = result.status is ScanStatus.COMPLETE
        counted = tuple(f for f in result.findings if must_redact(f, self.detection, self.route))
        self.units.append(TextUnit(counted, complete, len(texts)))
        return texts

    def withhold(self) -> str:
        # A leaf nested beyond reason: the renderer withholds it whole.
        self.units.append(TextUnit((), complete=False, size=1))
        return ""
