"""The content scanner: every detector over a text or a file, in bounded chunks.

Built once and called many times (a long-running service keeps one warm). It returns findings
with positions and keyed fingerprints; the matched text itself never leaves this module.
"""

from __future__ import annotations

import codecs
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from claude_guard.detect.findings import Detector, Finding, LineIndex, dedupe_overlapping

if TYPE_CHECKING:
    from claude_guard.policy.merge import EffectiveDetection

CHUNK_CHARS = 256 * 1024
# Each chunk runs on past its end by the detector's `max_match_chars`, so a value that starts
# in a chunk is seen whole in it (with the context that decides it); a shorter overlap would
# let a value straddling a boundary be missed by both chunks. Each detector names its own
# reach, so the fast secret rules can reach far (private keys are long) without making the
# slow PHI stage scan most of the text twice.
BINARY_SNIFF_BYTES = 8192
_BOMS = (
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


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
    # What went wrong, by type only (`detector phi failed (ValueError)`): never a message or
    # a value, which could quote the scanned text.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScanLimits:
    max_bytes: int = 20 * 1024 * 1024
    seconds: float = 5.0

    @classmethod
    def for_policy(cls, detection: EffectiveDetection, seconds: float | None = None) -> ScanLimits:
        """The policy's size limit with its time budget, or with `seconds` (what is left of the
        budget) when given: every caller scans under the same limits."""
        budget = detection.scan_seconds if seconds is None else max(0.0, seconds)
        return cls(detection.max_scan_bytes, budget)


class ScanCache:
    """Complete scan results of ONE scanner by the SHA-256 of the scanned content (salted per
    scanner), least recently used first out.

    Keyed by content alone, never by a file's name, inode or mtime: timestamps are coarser than
    writes, so a file rewritten within one tick could look unchanged. A changed byte is a
    different key, so nothing changed can skip its scan. Only findings are kept, not the text.
    Scanners differ in detectors and fingerprint key, so each has its own cache (and salt): a
    scanner must never be answered with another's findings.
    """

    MIN_CHARS = 4096  # below this a scan is cheaper than remembering it

    def __init__(self, max_entries: int = 1024) -> None:
        self._entries: OrderedDict[bytes, tuple[FingerprintedFinding, ...]] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()  # a service scans from several threads
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(salt: bytes, data: bytes) -> bytes:
        """The key of content given as its UTF-8 bytes (a file's bytes, or a text encoded)."""
        digest = hashlib.sha256(salt)
        digest.update(data)
        return digest.digest()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: bytes) -> tuple[FingerprintedFinding, ...] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
            else:
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
        # Salts this scanner's cache keys: even a cache handed to two scanners cannot answer
        # one with the other's findings.
        self._cache_salt = secrets.token_bytes(16)

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
        return self._scan_cached(text, limits or ScanLimits(), None)

    def _scan_cached(self, text: str, limits: ScanLimits, utf8: bytes | None) -> ScanResult:
        """`utf8`, when given, is `text` encoded (a file's bytes): hashed as they are."""
        if len(text) > limits.max_bytes:
            return ScanResult(ScanStatus.TOO_LARGE, size=len(text))
        if self.cache is None or len(text) < ScanCache.MIN_CHARS:
            return self._scan(text, limits)
        if utf8 is None:
            utf8 = text.encode("utf-8", "surrogatepass")
        key = ScanCache.key(self._cache_salt, utf8)
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
        notes: dict[str, None] = {}
        for detector in self.detectors:
            for start, chunk in _chunks(text, detector.max_match_chars):
                if time.monotonic() > deadline:
                    status = ScanStatus.INCOMPLETE
                    break
                try:
                    found.extend(_shift(f, start) for f in detector.scan(chunk))
                except Exception as exc:  # a detector's bug must not end the scan, nor leak
                    # What that detector would have found is unknown: the scan is incomplete,
                    # and the policy's `incomplete` action decides. The exception's message is
                    # dropped unread (it may quote the text); its type name is enough to debug.
                    status = ScanStatus.INCOMPLETE
                    notes[f"detector {detector.name} failed ({type(exc).__name__})"] = None
        lines = LineIndex(text)
        unique = dedupe_overlapping(_fix_lines(found, lines))
        return ScanResult(
            status,
            [FingerprintedFinding(f, self.fingerprint(text[f.start : f.end])) for f in unique],
            size=len(text),
            notes=tuple(notes),
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
        if len(data) > limits.max_bytes:  # grew since its size was read
            return ScanResult(ScanStatus.TOO_LARGE, size=len(data))
        wide = _decode_bom(data)
        if wide is not None:  # UTF-16/32 text is full of NULs, but it is text all the same
            if "\x00" in wide[:BINARY_SNIFF_BYTES]:
                return ScanResult(ScanStatus.BINARY, size=len(data))
            return self._scan_cached(wide, limits, None)
        if is_binary(data):
            return ScanResult(ScanStatus.BINARY, size=len(data))
        try:
            # Valid UTF-8 (nearly every file): the bytes are the text's encoding, so they are
            # hashed for the cache as read, with the key scan_text gives the same text.
            return self._scan_cached(data.decode("utf-8"), limits, data)
        except UnicodeDecodeError:
            return self._scan_cached(data.decode("utf-8", errors="replace"), limits, None)


def is_binary(data: bytes) -> bool:
    """NUL bytes in the first few KB, as git and grep decide. (`scan_file` decodes text that
    starts with a UTF-16 or UTF-32 byte-order mark before asking.)"""
    return b"\x00" in data[:BINARY_SNIFF_BYTES]


def _decode_bom(data: bytes) -> str | None:
    """The text of UTF-16/UTF-32 data that starts with its byte-order mark, else None."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")  # the codec reads and drops the mark
    return None


def _chunks(text: str, overlap: int) -> Iterator[tuple[int, str]]:
    """(offset, chunk) pieces of about CHUNK_CHARS, each running `overlap` past its end so
    that any match starting in it is seen whole; the chunk that reaches the end of the text is
    the last (what follows it would only repeat its tail)."""
    start = 0
    n = len(text)
    while True:
        end = start + CHUNK_CHARS
        if end + overlap >= n:
            yield start, text[start:] if start else text
            return
        # End on a line break where one is near, so records are not cut in half.
        newline = text.rfind("\n", start + CHUNK_CHARS // 2, end)
        end = newline + 1 if newline != -1 else end
        yield start, text[start : end + overlap]
        start = end


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
