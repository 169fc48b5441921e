"""Redact a tool's output after it ran, in the tool's own response shape.

PostToolUse cannot stop a tool, only replace what the model sees, and Claude Code accepts the
replacement (`hookSpecificOutput.updatedToolOutput`) only when it parses against that tool's
output schema; anything else is dropped with an error line and the ORIGINAL output reaches the
model. So redaction never restructures a response: it keeps every key, type and number and
rewrites string leaves only, replacing each counted finding with a session-stable placeholder
such as `<US_SSN_3>`.

Shapes seen on the real client (v2.1.197; tests/e2e/test_redaction_e2e.py replays some):

    Bash          {stdout, stderr, interrupted, isImage, noOutputExpected}  (stderr arrives
                  merged into stdout; over ~30 KB the client persists the ORIGINAL to
                  tool-results/<id>.txt before hooks run and shows the model a 2 KB preview)
    Read text     {type:"text", file:{filePath, content, numLines, startLine, totalLines}}
    Read notebook {type:"notebook", file:{filePath, cells:[{cellType, source, cell_id, language}]}}
    Write         {type:"create"|"update", filePath, content, structuredPatch, originalFile,
                   userModified}
    Edit          {filePath, oldString, newString, originalFile, structuredPatch:[{oldStart,
                   oldLines, newStart, newLines, lines:[…]}], userModified, replaceAll}
    NotebookEdit  {new_source, old_source, cell_type, language, edit_mode, cell_id, error,
                   notebook_path, original_file, updated_file}
    WebFetch      {bytes, code, codeText, result, durationMs, url}
    Agent         {status, prompt, agentId, agentType, content:[{type:"text", text}],
                   resolvedModel, totalDurationMs, totalTokens, totalToolUseCount, usage, toolStats}
    MCP           a list of content blocks [{type:"text", text}, …], or a string (when the
                  server also sent structuredContent); MCP replacements are not schema-checked
Grep and Glob (not offered by v2.1.197, schemas read from the client) are
{mode?, numFiles, filenames, content?, numLines?, …} and {durationMs, numFiles, filenames,
truncated, …}; WebSearch was not exercised.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from claude_guard.detect.scanner import (
    ContentScanner,
    FingerprintedFinding,
    ScanLimits,
    ScanStatus,
)
from claude_guard.policy.merge import EffectiveDetection
from claude_guard.policy.schema import Action
from claude_guard.session import Session, Sighting

# What stands in for text that could not be scanned completely (too large, out of time, nested
# beyond reason): withholding it is the only answer that cannot leak.
WITHHELD = "[claude-guard: output withheld, it could not be scanned completely]"
MAX_DEPTH = 64

Path = tuple[str | int, ...]


class RedactionError(Exception):
    """Input redaction cannot handle. The message names types only, never a value."""


@dataclass(frozen=True)
class RedactionResult:
    updated: Any | None  # the replacement output, or None when nothing had to change
    replaced: int  # spans replaced by placeholders
    findings: list[FingerprintedFinding]  # counted findings (positions are per string leaf)
    shape: str  # e.g. "Bash", "Read:text", "MCP:blocks", "unknown:dict"
    fallback: bool  # the shape was not recognised: generic redaction, caller should log it
    withheld: int = 0  # string leaves replaced whole because they could not be fully scanned


# ---------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class Shape:
    name: str
    known: bool
    skip: frozenset[Path] = field(default_factory=frozenset)  # leaves not to scan
    # A built-in tool's keys are its schema's field names, never data; scanning them could only
    # break the shape (a key withheld for lack of time). MCP and unknown outputs may key by data.
    scan_keys: bool = True


# Base64 image data is not text the model reads; detectors cannot see inside encoded pixels,
# and a chance match would only corrupt the image.
_READ_IMAGE_SKIP = frozenset({("file", "base64")})
_SIMPLE_SHAPES: dict[str, tuple[str, ...]] = {
    # tool name -> keys its response always has (checked before trusting the shape)
    "Bash": ("stdout", "stderr"),
    "Write": ("filePath", "content", "structuredPatch"),
    "Edit": ("filePath", "structuredPatch"),
    "MultiEdit": ("filePath", "structuredPatch"),
    "NotebookEdit": ("notebook_path", "new_source"),
    "Grep": ("numFiles", "filenames"),
    "Glob": ("numFiles", "filenames"),
    "WebFetch": ("result", "url"),
    "WebSearch": ("query", "results"),
    "Agent": ("content",),
    "Task": ("content",),
}


def classify(tool_name: str, response: Any) -> Shape:
    """Name the response's shape; `known=False` means generic (fallback) redaction."""
    if tool_name.startswith("mcp__"):
        return Shape(f"MCP:{_mcp_kind(response)}", known=True)
    if tool_name in ("Read", "NotebookRead") and isinstance(response, dict):
        kind = response.get("type")
        if isinstance(kind, str) and isinstance(response.get("file"), dict):
            skip = _READ_IMAGE_SKIP if kind == "image" else frozenset()
            return Shape(f"Read:{kind}", True, skip, scan_keys=False)
    required = _SIMPLE_SHAPES.get(tool_name)
    if required and isinstance(response, dict) and all(k in response for k in required):
        return Shape(tool_name, True, scan_keys=False)
    return Shape(f"unknown:{type(response).__name__}", known=False)


def _mcp_kind(response: Any) -> str:
    if isinstance(response, str):
        return "text"
    if isinstance(response, list) and all(isinstance(b, dict) for b in response):
        return "blocks"
    return type(response).__name__


# ---------------------------------------------------------------------------- the walk


# Discriminator and enum fields of built-in shapes (Read/Write `type`, Agent `status`, Grep
# `mode`, NotebookEdit `cell_type`/`edit_mode`, content blocks' `type`). The client checks them
# against fixed value sets, so they cannot carry data, and withholding one for lack of time
# would break the shape and let the ORIGINAL output through.
_ENUM_KEYS = frozenset({"type", "status", "mode", "cell_type", "cellType", "edit_mode"})
_ENUM_VALUE = re.compile(r"^[a-z][a-z_/-]{0,31}$")


def _is_enum_leaf(value: Any, shape: Shape, path: Path) -> bool:
    return (
        not shape.scan_keys
        and bool(path)
        and path[-1] in _ENUM_KEYS
        and isinstance(value, str)
        and bool(_ENUM_VALUE.match(value))
    )


class TextHandler(Protocol):
    def __call__(self, texts: list[str]) -> list[str]: ...

    def withhold(self) -> str: ...


def _walk(value: Any, on_text: TextHandler, shape: Shape, path: Path = ()) -> Any:
    """Rebuild `value` with every string (and string-list) unit passed through `on_text`.

    Both passes (scan, then replace) use this same traversal, so they see units in one order.
    A list made only of strings is one unit: a diff's `lines` split a PEM block or a CSV record
    across items, and a detector must see them joined to recognise them.
    """
    if path in shape.skip or _is_enum_leaf(value, shape, path):
        return value
    if len(path) > MAX_DEPTH:
        return on_text.withhold()
    if isinstance(value, str):
        return on_text([value])[0]
    if isinstance(value, list):
        if value and all(isinstance(v, str) for v in value):
            return on_text(list(value))
        return [_walk(v, on_text, shape, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {
            _key(k, on_text, shape): _walk(v, on_text, shape, (*path, k)) for k, v in value.items()
        }
    if value is None or isinstance(value, bool | int | float):
        return value
    raise RedactionError(f"unsupported value type in tool response: {type(value).__name__}")


def _key(key: Any, on_text: TextHandler, shape: Shape) -> Any:
    # Keys are part of the shape: they change only when one itself holds a finding.
    return on_text([key])[0] if shape.scan_keys and isinstance(key, str) else key


# ---------------------------------------------------------------------------- scanning


@dataclass
class _Unit:
    findings: list[FingerprintedFinding]
    complete: bool


@dataclass
class _Scan:
    scanner: ContentScanner
    detection: EffectiveDetection
    deadline: float
    units: list[_Unit] = field(default_factory=list)

    def __call__(self, texts: list[str]) -> list[str]:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.units.append(_Unit([], complete=False))
            return texts
        limits = ScanLimits.for_policy(self.detection, remaining)
        result = self.scanner.scan_text("\n".join(texts), limits)
        complete = result.status is ScanStatus.COMPLETE
        counted = [f for f in result.findings if must_redact(f, self.detection)]
        self.units.append(_Unit(counted, complete))
        return texts

    def withhold(self) -> str:
        self.units.append(_Unit([], complete=False))
        return WITHHELD


def must_redact(finding: FingerprintedFinding, detection: EffectiveDetection) -> bool:
    """A finding the policy keeps from the model: at or above its min_score, action deny.
    (`ask` has no meaning once the tool has run, and the PreToolUse decision already asked.)"""
    return detection.action_for(finding.finding) is Action.DENY


# ---------------------------------------------------------------------------- replacing


@dataclass
class _Replace:
    units: list[_Unit]
    placeholders: dict[str, str]
    index: int = 0
    replaced: int = 0
    withheld: int = 0

    def __call__(self, texts: list[str]) -> list[str]:
        unit = self.units[self.index]
        self.index += 1
        if not unit.complete:
            self.withheld += len(texts)
            return [WITHHELD] * len(texts)
        spans = _merge_spans(unit.findings, self.placeholders)
        self.replaced += len(spans)
        return _apply(texts, spans) if spans else texts

    def withhold(self) -> str:
        self.index += 1
        self.withheld += 1
        return WITHHELD


def _merge_spans(
    findings: Sequence[FingerprintedFinding], placeholders: dict[str, str]
) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, placeholder) spans. Findings of different categories may
    overlap (detectors dedupe within a category only); the union is replaced as one, named by
    the highest-scoring finding in it."""
    ordered = sorted(findings, key=lambda x: (x.finding.start, -x.finding.score))
    spans: list[tuple[int, int, str, float]] = []
    for item in ordered:
        f = item.finding
        label = placeholders[item.fingerprint]
        if spans and f.start < spans[-1][1]:
            start, end, best, score = spans[-1]
            name = label if f.score > score else best
            spans[-1] = (start, max(end, f.end), name, max(score, f.score))
        else:
            spans.append((f.start, f.end, label, f.score))
    return [(s, e, name) for s, e, name, _ in spans]


def _apply(texts: list[str], spans: list[tuple[int, int, str]]) -> list[str]:
    """Replace spans given in the joined text ("\\n" between items) inside each item."""
    out: list[str] = []
    offset = 0
    for text in texts:
        end = offset + len(text)
        pieces: list[str] = []
        cursor = offset
        for s, e, name in spans:
            if e <= offset or s >= end:
                continue
            pieces += [text[cursor - offset : max(s, offset) - offset], name]
            cursor = min(e, end)
        pieces.append(text[cursor - offset :])
        out.append("".join(pieces))
        offset = end + 1
    return out


# ---------------------------------------------------------------------------- entry points


def redact_tool_response(
    tool_name: str,
    tool_response: Any,
    scanner: ContentScanner,
    detection: EffectiveDetection,
    session: Session,
) -> RedactionResult:
    """Scan every string the tool returned and replace counted findings with placeholders."""
    shape = classify(tool_name, tool_response)
    scan = _Scan(scanner, detection, time.monotonic() + detection.scan_seconds)
    _walk(tool_response, scan, shape)
    findings = [f for unit in scan.units for f in unit.findings]
    if not findings and all(unit.complete for unit in scan.units):
        return RedactionResult(None, 0, [], shape.name, not shape.known)
    placeholders = session.placeholders_for(
        [Sighting(f.fingerprint, f.finding.category, f.finding.type) for f in findings]
    )
    replace = _Replace(scan.units, placeholders)
    updated = _walk(tool_response, replace, shape)
    return RedactionResult(
        updated, replace.replaced, findings, shape.name, not shape.known, replace.withheld
    )


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
        return _walk(tool_response, _WithholdAll(), classify(tool_name, tool_response))
    except Exception:
        return WITHHELD


def post_tool_use_answer(result: RedactionResult) -> dict[str, Any] | None:
    """The JSON Claude Code acts on to replace the output, or None to let it through as is."""
    if result.updated is None:
        return None
    return updated_output_answer(result.updated)


def updated_output_answer(updated: Any) -> dict[str, Any]:
    return {"hookSpecificOutput": {"hookEventName": "PostToolUse", "updatedToolOutput": updated}}
