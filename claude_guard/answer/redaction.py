"""Render a redaction: the tool's output with each value the decision found replaced by its
session placeholder (such as `<US_SSN_3>`), in the tool's own response shape.

Shapes seen on the real client (v2.1.197; tests/e2e/test_redaction_e2e.py replays some) are
written down with each tool (claude_guard/tools/). Text that could not be scanned completely
(too large, out of time, nested beyond reason) is withheld whole: the only answer that cannot
leak.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from claude_guard.decide.output_scan import RedactionPlan, Span, TextUnit, scan_output
from claude_guard.detect.scanner import ContentScanner, FingerprintedFinding
from claude_guard.policy.merge import EffectiveDetection
from claude_guard.session.store import Session
from claude_guard.tools import lookup
from claude_guard.tools.output import walk

WITHHELD = "[claude-guard: output withheld, it could not be scanned completely]"


def render_redaction(plan: RedactionPlan, placeholders: Mapping[str, str]) -> Any:
    """The plan's output with its spans replaced by `placeholders` (fingerprint -> text)."""
    return walk(plan.response, _Replace(list(plan.units), placeholders), plan.shape)


@dataclass
class _Replace:
    units: list[TextUnit]
    placeholders: Mapping[str, str]
    index: int = 0

    def __call__(self, texts: list[str]) -> list[str]:
        unit = self.units[self.index]
        self.index += 1
        if not unit.complete:
            return [WITHHELD] * len(texts)
        spans = unit.spans()
        return _apply(texts, spans, self.placeholders) if spans else texts

    def withhold(self) -> str:
        self.index += 1
        return WITHHELD


def _apply(texts: list[str], spans: list[Span], placeholders: Mapping[str, str]) -> list[str]:
    """Replace spans given in the joined text ("\\n" between items) inside each item."""
    out: list[str] = []
    offset = 0
    for text in texts:
        end = offset + len(text)
        pieces: list[str] = []
        cursor = offset
        for span in spans:
            if span.end <= offset or span.start >= end:
                continue
            pieces += [
                text[cursor - offset : max(span.start, offset) - offset],
                placeholders[span.fingerprint],
            ]
            cursor = min(span.end, end)
        pieces.append(text[cursor - offset :])
        out.append("".join(pieces))
        offset = end + 1
    return out


class _WithholdAll:
    """Every string becomes the withheld notice; enum fields keep their values (the shape)."""

    def __call__(self, texts: list[str]) -> list[str]:
        return [WITHHELD for _ in texts]

    def withhold(self) -> str:
        return WITHHELD


def withhold_all(tool_name: str, tool_response: Any) -> Any:
    """The output with every text replaced: what the model gets when redaction itself failed.
    Never raises; a response it cannot walk becomes the notice alone."""
    try:
        return walk(tool_response, _WithholdAll(), lookup(tool_name).output_shape(tool_response))
    except Exception:
        return WITHHELD


def updated_output_answer(updated: Any) -> dict[str, Any]:
    """The JSON that replaces what the model sees of a tool's output."""
    return {"hookSpecificOutput": {"hookEventName": "PostToolUse", "updatedToolOutput": updated}}


# ----------------------------------------------------------------------------- in one step


@dataclass(frozen=True)
class RedactionResult:
    updated: Any | None  # the replacement output, or None when nothing had to change
    replaced: int  # spans replaced by placeholders
    findings: list[FingerprintedFinding] = field(default_factory=list)
    shape: str = ""  # e.g. "Bash", "Read:text", "MCP:blocks", "unknown:dict"
    fallback: bool = False  # the shape was not recognised: generic redaction
    withheld: int = 0  # string leaves replaced whole because they could not be fully scanned


def redact_tool_response(
    tool_name: str,
    tool_response: Any,
    scanner: ContentScanner,
    detection: EffectiveDetection,
    session: Session,
) -> RedactionResult:
    """Scan, assign placeholders in `session`, render: the decision, its effect and the answer
    of a PostToolUse in one call (for tools and tests that need no policy around them)."""
    shape = lookup(tool_name).output_shape(tool_response)
    plan = scan_output(tool_name, tool_response, shape, scanner, detection)
    if plan is None:
        return RedactionResult(None, 0, [], shape.name, not shape.known)
    placeholders = session.placeholders_for(plan.sightings)
    return RedactionResult(
        render_redaction(plan, placeholders),
        plan.replaced,
        plan.findings,
        shape.name,
        not shape.known,
        plan.withheld,
    )


def post_tool_use_answer(result: RedactionResult) -> dict[str, Any] | None:
    """The JSON Claude Code acts on to replace the output, or None to let it through as is."""
    return None if result.updated is None else updated_output_answer(result.updated)
