"""The content scanner: every detector over a text or a file, in bounded chunks.

Built once and called many times (a long-running service keeps one warm). It returns findings
with positions and keyed fingerprints; the matched text itself never leaves this module.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from claude_guard.detect.findings import Detector, Finding, LineIndex, dedupe_overlapping

if TYPE_CHECKING:
    from claude_guard.policy.merge import EffectiveDetection

CHUNK_CHARS = 256 * 1024
# Chunks overlap so that a value straddling a boundary is seen whole in one of them.
CHUNK_OVERLAP = 4 * 1024
BINARY_SNIFF_BYTES = 8192


class ScanStatus(StrEnum):
    COMPLETE = "complete"
    TOO_LARGE = "too_large"  # over the policy's size limit: not scanned
    BINARY = "binary"  # not text: not scanned
    INCOMPLETE = "incomplete"  # the time budget ran out part-way
    UNREADABLE = "unreadable"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class FingerprintedFinding:
    finding: Finding
    fingerprint: str  # HMAC of the matched text under the installation's key (truncated)

    def to_record(self) -> dict[str, object]:
        f = self.finding
        return {
            "category": f.category,
            "type": f.type,
            "line": f.line,
            "start": f.start,
            "end": f.end,
            "score": round(f.score, 3),
            "detector": f.detector,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class ScanResult:
    status: ScanStatus
    findings: list[FingerprintedFinding] = field(default_factory=list)
    size: int = 0


@dataclass(frozen=True)
class ScanLimits:
    max_bytes: int = 20 * 1024 * 1024
    seconds: float = 5.0


class ScanCache:
    """Complete scan results by the SHA-256 of the scanned text, least recently used first out.

    Keyed by content alone, never by a file's name, inode or mtime: timestamps are coarser than
    writes, so a file rewritten within one tick could look unchanged. A changed byte is a
    different key, so nothing changed can skip its scan. Only findings are kept, not the text.
    """

    MIN_CHARS = 4096  # below this a scan is cheaper than remembering it

    def __init__(self, max_entries: int = 1024) -> None:
        self._entries: OrderedDict[bytes, tuple[FingerprintedFinding, ...]] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()  # a service scans from several threads
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: bytes) -> tuple[FingerprintedFinding, ...] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: bytes, findings: Sequence[FingerprintedFinding]) -> None:
        with self._lock:
            self._entries[key] = tuple(findings)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)


class ContentScanner:
    def __init__(
        self,
        detectors: Sequence[Detector],
        fingerprint_key: bytes,
        notes: Sequence[str] = (),
        cache: ScanCache | None = None,
    ) -> None:
        self.detectors = list(detectors)
        self._key = fingerprint_key
        self.notes = tuple(notes)  # e.g. a configured stage that is not available here
        self.cache = cache  # kept by a long-running service; a one-shot hook has none

    @classmethod
    def default(
        cls, fingerprint_key: bytes, presidio: bool = False, nlp_pipeline: str | None = None
    ) -> ContentScanner:
        # Imported here: the detectors compile their rules on construction.
        from claude_guard.detect.phi.detector import PhiDetector
        from claude_guard.detect.secrets import SecretDetector

        phi = PhiDetector.default()
        detectors: list[Detector] = [SecretDetector.default(), phi]
        notes: list[str] = []
        if presidio:
            try:
                from claude_guard.detect.phi.presidio_engine import (
                    PresidioConfig,
                    PresidioDetector,
                )

                stage = PresidioDetector(PresidioConfig(nlp_pipeline=nlp_pipeline), phi)
                detectors.append(stage)
                notes.append(f"presidio stage: {stage.pipeline.describe()}")
            except ImportError:
                notes.append("presidio stage configured but presidio-analyzer is not installed")
            except Exception as exc:  # a named pipeline that is not installed, say
                notes.append(f"presidio stage unavailable ({type(exc).__name__})")
        return cls(detectors, fingerprint_key, notes)

    @classmethod
    def for_policy(
        cls,
        fingerprint_key: bytes,
        detection: EffectiveDetection,
        cache: ScanCache | None = None,
    ) -> ContentScanner:
        """The scanner a policy's detection settings ask for."""
        scanner = cls.default(
            fingerprint_key,
            presidio=detection.presidio_enabled,
            nlp_pipeline=detection.nlp_pipeline,
        )
        scanner.cache = cache
        return scanner

    def fingerprint(self, value: str) -> str:
        return hmac.new(
            self._key, value.encode("utf-8", "surrogatepass"), hashlib.sha256
        ).hexdigest()[:24]

    def scan_text(self, text: str, limits: ScanLimits | None = None) -> ScanResult:
        limits = limits or ScanLimits()
        if len(text) > limits.max_bytes:
            return ScanResult(ScanStatus.TOO_LARGE, size=len(text))
        if self.cache is None or len(text) < ScanCache.MIN_CHARS:
            return self._scan(text, limits)
        key = ScanCache.key(text)
        cached = self.cache.get(key)
        if cached is not None:
            return ScanResult(ScanStatus.COMPLETE, list(cached), size=len(text))
        result = self._scan(text, limits)
        if result.status is ScanStatus.COMPLETE:  # a partial scan must be redone next time
            self.cache.put(key, result.findings)
        return result

    def _scan(self, text: str, limits: ScanLimits) -> ScanResult:
        deadline = time.monotonic() + limits.seconds
        found: list[Finding] = []
        status = ScanStatus.COMPLETE
        for start, chunk in _chunks(text):
            if time.monotonic() > deadline:
                status = ScanStatus.INCOMPLETE
                break
            for detector in self.detectors:
                found.extend(_shift(f, start) for f in detector.scan(chunk))
        lines = LineIndex(text)
        unique = dedupe_overlapping(_fix_lines(found, lines))
        return ScanResult(
            status,
            [FingerprintedFinding(f, self.fingerprint(text[f.start : f.end])) for f in unique],
            size=len(text),
        )

    def scan_file(self, path: str, limits: ScanLimits | None = None) -> ScanResult:
        limits = limits or ScanLimits()
        try:
            size = os.path.getsize(path)
            if size > limits.max_bytes:
                return ScanResult(ScanStatus.TOO_LARGE, size=size)
            with open(path, "rb") as handle:
                data = handle.read(limits.max_bytes + 1)
        except FileNotFoundError:
            return ScanResult(ScanStatus.MISSING)
        except (IsADirectoryError, PermissionError, OSError):
            return ScanResult(ScanStatus.UNREADABLE)
        if is_binary(data):
            return ScanResult(ScanStatus.BINARY, size=len(data))
        return self.scan_text(data.decode("utf-8", errors="replace"), limits)


def is_binary(data: bytes) -> bool:
    """NUL bytes in the first few KB, as git and grep decide. UTF-16 text counts as binary."""
    return b"\x00" in data[:BINARY_SNIFF_BYTES]


def _chunks(text: str) -> list[tuple[int, str]]:
    if len(text) <= CHUNK_CHARS:
        return [(0, text)]
    chunks = []
    start = 0
    while start < len(text):
        end = min(len(text), start + CHUNK_CHARS)
        if end < len(text):
            # End on a line break where one is near, so records are not cut in half.
            newline = text.rfind("\n", start + CHUNK_CHARS // 2, end)
            end = newline + 1 if newline != -1 else end
        chunks.append((start, text[start : min(len(text), end + CHUNK_OVERLAP)]))
        start = end
    return chunks


def _shift(finding: Finding, offset: int) -> Finding:
    if offset == 0:
        return finding
    return Finding(
        finding.category,
        finding.type,
        finding.start + offset,
        finding.end + offset,
        finding.line,
        finding.score,
        finding.detector,
    )


def _fix_lines(findings: list[Finding], lines: LineIndex) -> list[Finding]:
    """Line numbers relative to the whole text (detectors saw only their chunk)."""
    return [
        Finding(f.category, f.type, f.start, f.end, lines.line_of(f.start), f.score, f.detector)
        for f in findings
    ]
