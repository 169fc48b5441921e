"""PhiDetector: claude-guard's own PHI/PII detection, fast enough for every hook call.

Pure regex + context from recognizers.yaml: no Presidio, no spaCy, no network. Built once
(`PhiDetector.default()`), then `scan(text)` is a pure function of the text.

Cost model: each recognizer runs only where its anchors occur (cheap `str.find` on the
lower-cased text, or one shared pre-filter regex pass), so source code without candidates
costs a few memory scans. Health context is evaluated only when there are candidates, and only
in windows around them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from claude_guard.detect.findings import (
    CATEGORY_PHI,
    CATEGORY_PII,
    Finding,
    dedupe_overlapping,
)
from claude_guard.detect.phi import validators as v
from claude_guard.detect.phi.context import HealthContextRules, RecordRules
from claude_guard.detect.phi.recognizers import (
    AnyRecognizer,
    Candidate,
    Identifier,
    PatternRecognizer,
    RecognizerRegistry,
)
from claude_guard.detect.phi.text import ScanDoc

DETECTOR_PREFIX = "phi:"


class PhiDetector:
    """Finds HIPAA Safe Harbor identifiers: category "phi" in health context, "pii" otherwise."""

    name = "phi"
    # Records and their context stay within a few KB; a FHIR bracket is followed for 20,000
    # characters at most.
    max_match_chars = 24 * 1024

    def __init__(self, registry: RecognizerRegistry) -> None:
        self.registry = registry
        self.settings = registry.settings
        self.health = HealthContextRules(registry.health)
        self.records = RecordRules(registry.records)
        # Pattern recognizers whose anchors are all words are skipped with one set test when
        # none of those words occurs (most recognizers, on most source files).
        self._gates: list[tuple[AnyRecognizer, frozenset[bytes], bool]] = []
        for rec in registry.recognizers:
            if isinstance(rec, PatternRecognizer) and not rec.may_apply_always():
                self._gates.append((rec, rec.anchor_words(), False))
            else:
                self._gates.append((rec, frozenset(), True))

    @classmethod
    def default(cls) -> PhiDetector:
        return _default_detector()

    def scan(self, text: str) -> list[Finding]:
        return _resolve_overlaps(self.scan_all(text))

    def scan_all(self, text: str) -> list[Finding]:
        """Every recognizer's findings, overlaps included (for tests and `explain`)."""
        if not text:
            return []
        doc = ScanDoc(text, self.registry.prefilters, self.health.vocabulary)
        candidates = self.candidates(doc)
        if not candidates:
            return []
        in_health = self.health.evaluate(doc, candidates)
        in_record = self.records.evaluate(doc, candidates)
        lines = doc.line_numbers(c.start for c in candidates)
        return [
            f
            for c, h, r in zip(candidates, in_health, in_record, strict=True)
            if (f := self._finding(c, h, r, lines)) is not None
        ]

    def candidates(self, doc: ScanDoc) -> list[Candidate]:
        out: list[Candidate] = []
        words = doc.words
        for rec, anchor_words, always in self._gates:
            if always or not anchor_words.isdisjoint(words):
                out.extend(rec.find(doc))
        return out

    def _finding(
        self, c: Candidate, in_health: bool, in_record: bool, lines: dict[int, int]
    ) -> Finding | None:
        s = self.settings
        if c.verdict is v.Verdict.RESERVED and not in_record:
            return None  # a placeholder (Jane Doe, 1970-01-01, 10.0.0.5) on its own
        if c.identifier is Identifier.HEALTH:
            category, score = CATEGORY_PHI, c.score
        elif in_health or in_record:
            category, score = CATEGORY_PHI, min(1.0, c.score + s.health_boost)
        else:
            category = CATEGORY_PII
            score = (
                c.score if c.identifier is Identifier.STRONG else min(c.score, s.weak_pii_max_score)
            )
        if score < s.min_score:
            return None
        return Finding(
            category=category,
            type=c.entity,
            start=c.start,
            end=c.end,
            line=lines[c.start],
            score=round(score, 3),
            detector=DETECTOR_PREFIX + c.recognizer,
        )


_CATEGORY_RANK = {CATEGORY_PHI: 0, CATEGORY_PII: 1}


def _resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per span: phi over pii, then the higher score, then the longer span."""
    return dedupe_overlapping(findings, _overlap_rank, per_category=False)


def _overlap_rank(f: Finding) -> tuple[int, float, int]:
    return (_CATEGORY_RANK.get(f.category, 2), -f.score, f.start - f.end)


@functools.lru_cache(maxsize=1)
def _default_detector() -> PhiDetector:
    return PhiDetector(RecognizerRegistry.default())
