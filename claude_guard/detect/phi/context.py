"""Health context: is there evidence near a candidate that the text is about a patient?

Evidence (weights from recognizers.yaml `health_context`):
- clinical words and phrases, whole lower-cased tokens in prose positions only — `class Patient(`,
  `self.patient`, `patient_id`, `PatientRecord`, `def diagnosis` are code identifiers, not prose;
- markers (regexes): HL7 segments and FHIR resources count for the whole text, labelled ICD-10
  codes, vitals and doses count within the window;
- candidates whose identifier class is `health` (MRN, MBI, NPI...).

Two sums are kept per candidate: all evidence, and prose-only evidence (words that are not
part of a code identifier). Strong identifiers need `threshold_strong` of all evidence (a real
SSN in `PatientServiceTest.java` is a patient's); weak ones need `threshold_weak` of prose
evidence (an e-mail in a docstring of a `Patient` model is not).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from claude_guard.detect.phi.recognizers import Candidate, ConfigError, Identifier
from claude_guard.detect.phi.text import ScanDoc, merge_windows
from claude_guard.detect.phi.validators import Verdict

# Words, with camelCase split ("PatientRecord" -> Patient, Record); whether one is in a prose
# position is checked only for vocabulary hits.
_TOKEN = re.compile(
    r"[A-Z]?[a-z][a-z0-9'&]*(?:-[a-z0-9]+)*|[A-Z][A-Z0-9]*[a-z0-9]*(?![a-z])(?:-[0-9]+)*"
)
_GLUE_BEFORE = frozenset("_.$@#/\\-") | frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_GLUE_AFTER = frozenset("_(\\") | frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_ASSIGNED = re.compile(r"[ \t]*=(?!=)")
_CODE_KEYWORDS = (
    "class ",
    "def ",
    "function ",
    "interface ",
    "struct ",
    "enum ",
    "type ",
    "new ",
    "import ",
    "from ",
    "extends ",
    "implements ",
)
HEALTH_CANDIDATE_WEIGHT = 3
# clinical words inside code identifiers count only from this length on (PatientServiceTest)
MIN_CODE_WORD = 5


@dataclass(frozen=True, slots=True)
class Marker:
    id: str
    anchors: tuple[str, ...]
    regex: re.Pattern[str]
    weight: int
    whole_text: bool


def _reaches(
    evidence: Sequence[tuple[int, str, int, bool]], lo: int, hi: int, need: int, prose_only: bool
) -> bool:
    """Whether distinct evidence items in evidence[lo:hi] weigh at least `need` (stops early)."""
    best: dict[str, int] = {}
    total = 0
    for i in range(lo, hi):
        _, key, weight, is_prose = evidence[i]
        if prose_only and not is_prose:
            continue
        old = best.get(key, 0)
        if weight > old:
            best[key] = weight
            total += weight - old
            if total >= need:
                return True
    return False


class HealthContextRules:
    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.window = int(spec["window"])
        self.threshold_strong = int(spec["threshold_strong"])
        self.threshold_weak = int(spec["threshold_weak"])
        self.words: dict[str, int] = {}
        for weight, blob in spec["words"].items():
            for word in str(blob).lower().split():
                self.words[word] = max(self.words.get(word, 0), int(weight))
        for weight, phrases in (spec.get("phrases") or {}).items():
            for phrase in phrases:
                key = " ".join(str(phrase).lower().split())
                self.words[key] = max(self.words.get(key, 0), int(weight))
        self.max_ngram = max(len(w.split()) for w in self.words)
        self.first_words = frozenset(w.split()[0] for w in self.words)
        # Triggers: one word per entry as the text's word set stores it (the longest part of
        # "x-ray", of "chest pain"); a window is tokenized only on lines holding a trigger.
        self.triggers = frozenset(
            max(re.split(r"[^a-z0-9]+", w), key=len).encode() for w in self.words
        )
        # For the "@health" requirement: single clinical words of 4+ letters ("rx", "pt",
        # "dr", "mg" are words in plenty of source code).
        self.vocabulary = frozenset(
            w.encode() for w in self.words if " " not in w and w.isalnum() and len(w) >= 4
        )
        self.markers: list[Marker] = []
        for m in spec.get("markers", ()):
            try:
                regex = re.compile(str(m["regex"]))
            except re.error as exc:
                raise ConfigError(f"health marker {m.get('id')}: {exc}") from exc
            scope = str(m.get("scope", "window"))
            if scope not in ("text", "window"):
                raise ConfigError(f"health marker {m.get('id')}: scope must be text or window")
            self.markers.append(
                Marker(
                    str(m["id"]),
                    tuple(str(a) for a in m["anchors"]),
                    regex,
                    int(m["weight"]),
                    scope == "text",
                )
            )

    def evaluate(self, doc: ScanDoc, candidates: Sequence[Candidate]) -> list[bool]:
        """For each candidate, whether health context is near it."""
        base = 0
        for marker in self.markers:
            if marker.whole_text and self._anchored(doc, marker) and marker.regex.search(doc.text):
                base += marker.weight
        if base >= max(self.threshold_strong, self.threshold_weak):
            return [True] * len(candidates)
        n = len(doc.text)
        windows = merge_windows(
            (max(0, c.start - self.window), min(n, c.end + self.window)) for c in candidates
        )
        evidence: list[tuple[int, str, int, bool]] = []
        window_markers = [m for m in self.markers if not m.whole_text and self._anchored(doc, m)]
        vocab = not self.triggers.isdisjoint(doc.words)
        for ws, we in windows:
            if vocab:  # no clinical word anywhere in the text: nothing to tokenize
                evidence.extend(self._words(doc, ws, we))
            for marker in window_markers:
                evidence.extend(
                    (m.start(), marker.id, marker.weight, True)
                    for m in marker.regex.finditer(doc.text, ws, we)
                )
        evidence.extend(
            (c.start, "health:" + c.entity, HEALTH_CANDIDATE_WEIGHT, True)
            for c in candidates
            if c.identifier is Identifier.HEALTH and c.verdict is not Verdict.RESERVED
        )
        evidence.sort()
        positions = [e[0] for e in evidence]
        out = []
        for c in candidates:
            lo = bisect.bisect_left(positions, c.start - self.window)
            hi = bisect.bisect_right(positions, c.end + self.window)
            weak = c.identifier is Identifier.WEAK
            need = (self.threshold_weak if weak else self.threshold_strong) - base
            out.append(need <= 0 or _reaches(evidence, lo, hi, need, prose_only=weak))
        return out

    @staticmethod
    def _anchored(doc: ScanDoc, marker: Marker) -> bool:
        return any(doc.has(a) for a in marker.anchors)

    def _words(self, doc: ScanDoc, ws: int, we: int) -> list[tuple[int, str, int, bool]]:
        """Vocabulary hits in [ws, we): (position, word or phrase, weight, in prose).

        Tokenizes only the lines that hold a clinical word (found from the word set), so a
        window full of code costs little."""
        text = doc.text
        low = doc.low
        present = self.triggers & doc.words
        if not present:
            return []
        lines: set[int] = set()
        for w in present:
            word = w.decode()
            n = len(word)
            i = low.find(word, ws, we)
            while i != -1:
                j = i + n
                glued_left = i > 0 and low[i - 1].isalnum() and not text[i].isupper()
                glued_right = (
                    j < len(low)
                    and low[j].isalnum()
                    and not (text[j].isupper() and text[j - 1].islower())
                )
                if not (glued_left or glued_right):  # "rn" in "return" is not a word
                    lines.add(doc.line_start(i))
                i = low.find(word, i + 1, we)
        words = self.words
        firsts = self.first_words
        out: list[tuple[int, str, int, bool]] = []
        for ls in sorted(lines):
            le = min(doc.line_end(ls), we)
            tokens = [
                (m.start(), m.end(), m.group().lower())
                for m in _TOKEN.finditer(text, max(ls, ws), le)
            ]
            for i, (s, e, tok) in enumerate(tokens):
                if tok not in firsts:
                    continue
                prose = self._prose(low, s, e)
                if not prose and len(tok) < MIN_CODE_WORD:
                    continue  # `np.array`, `do_x`, `dr_mode`: abbreviations count only in prose
                w = words.get(tok)
                if w:
                    out.append((s, tok, w, prose))
                phrase = tok
                end = e
                for k in range(1, self.max_ngram):
                    if i + k >= len(tokens) or tokens[i + k][0] - end > 3:
                        break
                    phrase += " " + tokens[i + k][2]
                    end = tokens[i + k][1]
                    w = words.get(phrase)
                    if w:
                        out.append(
                            (s, phrase, w, prose and self._prose(low, tokens[i + k][0], end))
                        )
        return out

    @staticmethod
    def _prose(low: str, s: int, e: int) -> bool:
        """Not glued into an identifier (`patient_id`, `self.patient`, `Patient(`), not a
        declared name (`class Patient`, `def diagnosis`)."""
        if s > 0 and low[s - 1] in _GLUE_BEFORE:
            return False
        if e < len(low):
            nxt = low[e]
            if nxt in _GLUE_AFTER or (nxt == "." and low[e + 1 : e + 2].isalnum()):
                return False
            if _ASSIGNED.match(low, e):  # `diagnosis = Column(...)`, `patient=p`
                return False
        return not low.endswith(_CODE_KEYWORDS, max(0, s - 11), s)


class RecordRules:
    """Identity records: two or more identifiers of one person side by side.

    A candidate is in a record when, on its line or within `window` characters, there is a
    candidate of another identifier group, at least one of the two groups is a `core` identifier
    (date of birth, SSN, MRN, plan ID, account number, street address...), and at least one
    of the pair is not a placeholder. Such records are what Safe Harbor de-identification is
    about: `Tomas Abernathy,6/1/1974` is a patient row, `Teresa <teresa@...>` is an author line.
    """

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.window = int(spec["window"])
        self.core = frozenset(str(e) for e in spec["core"])
        self.group_of: dict[str, str] = {}
        for group, members in (spec.get("groups") or {}).items():
            for member in members:
                self.group_of[str(member)] = str(group)

    def group(self, entity: str) -> str:
        return self.group_of.get(entity, entity)

    def evaluate(self, doc: ScanDoc, candidates: Sequence[Candidate]) -> list[bool]:
        """Real (non-placeholder) candidates pair up first; a placeholder value is then in a
        record only if it sits inside one (`jane.doe@example.com` alone is documentation;
        next to a real name and DOB it is that patient's e-mail).

        Two candidates are side by side when their starts are within `window` of each other,
        or when both lie on one line (no line break from the first start to the last end).
        Partners are looked up by bisection in sorted lists per kind of partner, never one
        by one: a minified JSON line of thousands of candidates that do not pair (names and
        e-mails, no core identifier) took O(n^2) tests, 10 s for 160 KB.
        """
        text = doc.text
        groups = [self.group(c.entity) for c in candidates]
        one_line = [text.find("\n", c.start, c.end) == -1 for c in candidates]
        out = [False] * len(candidates)
        # Real pass: a partner is real, of another group, and one of the two is core.
        real: dict[tuple[str, bool], _Positions] = {}
        for i, c in enumerate(candidates):
            if c.verdict is not Verdict.RESERVED:
                kind = (groups[i], c.entity in self.core)
                real.setdefault(kind, _Positions()).append(c.start, one_line[i])
        for positions in real.values():
            positions.sort()
        for i, c in enumerate(candidates):
            if c.verdict is Verdict.RESERVED:
                continue
            core = c.entity in self.core
            out[i] = any(
                group != groups[i] and (core or partner_core) and self._near(doc, c, one_line[i], p)
                for (group, partner_core), p in real.items()
            )
        # Placeholder pass: a partner is of another group and in a record, including
        # placeholders found to be in one earlier in this pass.
        in_record: dict[str, _Positions] = {}
        for i, c in enumerate(candidates):
            if out[i]:
                in_record.setdefault(groups[i], _Positions()).append(c.start, one_line[i])
        for positions in in_record.values():
            positions.sort()
        for i, c in enumerate(candidates):
            if c.verdict is not Verdict.RESERVED:
                continue
            if any(
                group != groups[i] and self._near(doc, c, one_line[i], p)
                for group, p in in_record.items()
            ):
                out[i] = True
                in_record.setdefault(groups[i], _Positions()).add(c.start, one_line[i])
        return out

    def _near(self, doc: ScanDoc, c: Candidate, c_one_line: bool, partners: _Positions) -> bool:
        """Whether a partner starts within `window` of c, or shares c's line: starts on it and
        ends on it (then no line break lies between the first start and the last end)."""
        if partners.any_between(c.start - self.window, c.start + self.window, one_line=False):
            return True
        if not c_one_line:
            return False
        return partners.any_between(doc.line_start(c.start), doc.line_end(c.start), one_line=True)


class _Positions:
    """Start offsets of candidates, kept sorted: all of them, and those within one line."""

    __slots__ = ("_all", "_one_line")

    def __init__(self) -> None:
        self._all: list[int] = []
        self._one_line: list[int] = []

    def append(self, start: int, one_line: bool) -> None:
        """Add a start while building (then `sort`)."""
        self._all.append(start)
        if one_line:
            self._one_line.append(start)

    def sort(self) -> None:
        self._all.sort()
        self._one_line.sort()

    def add(self, start: int, one_line: bool) -> None:
        """Add a start, keeping the lists sorted."""
        bisect.insort(self._all, start)
        if one_line:
            bisect.insort(self._one_line, start)

    def any_between(self, lo: int, hi: int, *, one_line: bool) -> bool:
        """Whether some start lies in [lo, hi] (only of one-line candidates if `one_line`)."""
        starts = self._one_line if one_line else self._all
        i = bisect.bisect_left(starts, lo)
        return i < len(starts) and starts[i] <= hi
