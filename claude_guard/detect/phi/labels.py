"""Labels: one shared scanner finds "key <separator> value" for every labelled recognizer.

A label ("MRN", "first_name", "Date of Birth", "<LastName>", "patient_mrn") is normalised
(lower-case, no spaces/underscores/hyphens/dots/apostrophes) and owned by one recognizer. The
scanner looks only where an anchor word of some label occurs (an O(1) word-set test first),
matches the labels containing that anchor with one trie-shaped regex in a small window, then
parses the separator (':', '=', '|', '#', XML, `("Label"), "value"`) and where the value starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from claude_guard.detect.phi import validators as v
from claude_guard.detect.phi.base import (
    Candidate,
    ConfigError,
    Example,
    Identifier,
    ValueKind,
    normalise_label,
)
from claude_guard.detect.phi.text import ScanDoc

__all__ = ["KeyHit", "LabelIndex", "LabelledRecognizer", "split_words"]

# an ALL-CAPS identifier: in a ("KEY", "VALUE") pair it is a key name, not a value
_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*")


# ---------------------------------------------------------------------------------------------
# Labels: one shared scanner finds "key <separator> value" for every labelled recognizer
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyHit:
    """A label found in the text: its span, the owning recognizer, and what follows it.

    sep is "strong" (':' '=' '=>' '|' '#' '-' or XML), "loose" (whitespace only, for labels with
    bare_separator) or None (no value follows). header_cell: the key starts a delimited cell
    (CSV/TSV/Markdown header candidate)."""

    recognizer: LabelledRecognizer
    key_start: int
    key_end: int
    value_start: int
    quote: str | None
    sep: str | None
    header_cell: bool
    identifier: Identifier


_KEY_CLASS = r"[A-Za-z0-9_\-. '\u2019/#+]"
_LEFT_RUN = re.compile(_KEY_CLASS + r"*\Z")
_RIGHT_RUN = re.compile(_KEY_CLASS + r"*")
_KEY_JOINERS = frozenset("_-. '\u2019/")
_SEP_START = frozenset(":=#|>-,;\t\r\n*\"' ")
_CELL_BEFORE = frozenset(",;|\t\"'\n")
_MAX_KEY = 44
_KEY_OR_SEP = (
    frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    | frozenset("_-. '\u2019/#+")
    | _SEP_START
)


class LabelIndex:
    """All labels of all labelled recognizers, normalised, with cheap anchor words.

    Anchors are chosen so that few, specific words trigger the key parser: one-word labels are
    their own anchor; a multi-word label reuses an anchor another label already has, else takes
    its longest word that is not in `avoid` (generic words such as "code" or "number" that
    would fire all over source code). The compound ("firstname") is always an anchor too, for
    camelCase keys; labels with inner punctuation ("s/n", "d.o.b") are also literal anchors.
    Word anchors cost an O(1) lookup in the text's word set unless present.

    Each anchor owns one compiled regex: the alternation of the labels that contain it (longest
    first, words joined by optional '_', '-', '.', space or apostrophe, case-insensitive),
    searched only in a small window around each anchor occurrence."""

    def __init__(
        self,
        recognizers: Sequence[LabelledRecognizer],
        avoid: Iterable[str] = (),
        health_words: Iterable[str] = (),
        loose_last_words: Iterable[str] = (),
        no_prefix: Iterable[str] = (),
    ) -> None:
        self.by_label: dict[str, LabelledRecognizer] = {}
        # labels naming the patient's own data -> identifier class `health`
        self.health_labels: set[str] = set()
        # labels that may be followed by their value without ':' / '='
        self.loose_labels: set[str] = set()
        avoid_set = frozenset(avoid)
        health_set = frozenset(health_words)
        self.health_words = health_set
        loose_set = frozenset(loose_last_words)
        # generic labels never matched as the tail of a longer key: `max_age`, `file_name`
        self.no_prefix = frozenset(normalise_label(x) for x in no_prefix)
        labels: list[tuple[list[str], str]] = []
        for rec in recognizers:
            for label in rec.labels:
                key = normalise_label(label)
                other = self.by_label.get(key)
                if other is not None and other is not rec:
                    raise ConfigError(f"label {label!r} is claimed by {other.id} and {rec.id}")
                self.by_label[key] = rec
                words = [w for w in re.split(r"[^a-z0-9]+", label.lower()) if w]
                if not words:
                    raise ConfigError(f"{rec.id}: empty label")
                labels.append((words, label.lower()))
                if health_set & set(words):
                    self.health_labels.add(key)
                last = "#" if label.rstrip().endswith("#") else words[-1]
                if rec.bare_separator or last in loose_set:
                    self.loose_labels.add(key)
        word_anchors: set[str] = {words[0] for words, _ in labels if len(words) == 1}
        literal_anchors: set[str] = set()
        for words, label in sorted(labels, key=lambda x: len(x[0])):
            word_anchors.add("".join(words))
            if len(words) > 1 and all(len(w) < 3 for w in words):
                if any(len(w) == 1 for w in words):
                    literal_anchors.add(label)  # "s/n", "d.o.b": single letters are no anchor
                else:
                    word_anchors.add(words[0])  # "mr no", "pt id": a rare short word
            if len(words) == 1 or any(w in word_anchors for w in words):
                continue
            usable = [w for w in words if len(w) >= 3 and w not in avoid_set]
            if usable:
                word_anchors.add(max(usable, key=len))
        # anchor -> the labels it can start the search for
        owners: dict[str, set[str]] = {a: set() for a in word_anchors | literal_anchors}
        for words, label in labels:
            for key in {label, "".join(words), *words}:
                if key in owners:
                    owners[key].add(label)
        self._owners = {a: frozenset(o) for a, o in owners.items()}
        # compiled on first use (a scan needs a few dozen of several hundred): fast start-up
        self._regex_of: dict[str, re.Pattern[str]] = {}
        # how far a label can extend left / right of its anchor (joiners count 2 chars each)
        self.reach: dict[str, tuple[int, int]] = {}
        # the words that can follow an anchor inside one of its labels ("name" -> of, first...),
        # and whether a label can end at the anchor with a bare-whitespace separator
        self.tails: dict[str, frozenset[str]] = {}
        self.loose_end: dict[str, bool] = {}
        for anchor, owned in owners.items():
            tails: set[str] = set()
            loose_end = False
            for lbl in owned:
                words = [w for w in re.split(r"[^a-z0-9#+]+", lbl) if w]
                flat = "".join(words)
                for i, w in enumerate(words):
                    if anchor in (w, flat) or anchor == lbl:
                        if anchor in (flat, lbl) or i == len(words) - 1:
                            if normalise_label(lbl) in self.loose_labels:
                                loose_end = True
                        elif i + 1 < len(words):
                            tails.add(words[i + 1])
                            if normalise_label(lbl) in self.loose_labels:
                                loose_end = True
            self.tails[anchor] = frozenset(tails)
            self.loose_end[anchor] = loose_end
        for anchor, owned in owners.items():
            left = right = 0
            for lbl in owned:
                flat = re.sub(r"[^a-z0-9#+]+", "  ", lbl)
                k = flat.replace(" ", "").find(anchor.replace(" ", ""))
                pos = _flat_index(flat, k) if k >= 0 else len(flat)
                left = max(left, pos)
                right = max(right, len(flat) - pos)
            self.reach[anchor] = (left + 1, right + 1)
        self.word_anchors = frozenset(a.encode() for a in word_anchors)
        self.literal_anchors = tuple(sorted(literal_anchors))
        self.anchors = tuple(sorted(word_anchors | literal_anchors))

    def regex_of(self, anchor: str) -> re.Pattern[str]:
        """The labels an anchor can start, as one trie-shaped regex (compiled once)."""
        regex = self._regex_of.get(anchor)
        if regex is None:
            regex = re.compile(_trie_regex(self._owners[anchor]) + r"(?![a-z0-9])")
            self._regex_of[anchor] = regex
        return regex

    def lookup(self, text: str) -> LabelledRecognizer | None:
        return self.by_label.get(normalise_label(text))

    def identifier_of(self, label_text: str, rec: LabelledRecognizer) -> Identifier:
        if normalise_label(label_text) in self.health_labels:
            return Identifier.HEALTH
        if self.health_words & set(split_words(label_text)):
            return Identifier.HEALTH
        return rec.identifier

    def lookup_cell(self, cell: str) -> tuple[LabelledRecognizer, Identifier, str] | None:
        """A header cell or column name: the whole of it, or its longest tail that is a label
        ("patient_mrn" -> mrn, "pickup_address" -> address), never a generic tail alone."""
        words = split_words(cell)
        for i in range(len(words)):
            key = "".join(words[i:])
            rec = self.by_label.get(key)
            if rec is not None and (i == 0 or key not in self.no_prefix):
                return rec, self.identifier_of(cell, rec), key
        return None

    def hits(self, doc: ScanDoc) -> list[KeyHit]:
        cached: list[KeyHit] | None = doc.cache.get("label_hits")
        if cached is not None:
            return cached
        found: dict[tuple[int, int], KeyHit] = {}
        present = [w.decode() for w in self.word_anchors & doc.words]
        present.extend(a for a in self.literal_anchors if doc.has(a))
        text = doc.text
        low = doc.low
        n = len(text)
        for anchor in present:
            regex = self.regex_of(anchor)
            length = len(anchor)
            reach_left, reach_right = self.reach[anchor]
            tails = self.tails[anchor]
            loose_end = self.loose_end[anchor]
            for p in doc.positions(anchor):
                q = p + length
                if q < n:
                    after = text[q]
                    if after not in _KEY_OR_SEP or (after.isalnum() and not after.isupper()):
                        continue  # `name)`, `names`, `named`: not this key
                if (
                    p > 0
                    and text[p - 1].isalnum()
                    and not (text[p - 1].islower() and text[p].isupper())
                ):
                    continue  # inside a word: "rename", "filename"
                if not loose_end and not _may_end_key(text, low, q, tails):
                    continue  # "the name of", "name)": no separator and no label goes on
                lo = max(p - reach_left, 0)
                hi = min(p + reach_right, n)
                for m in regex.finditer(low, lo, hi):
                    s, e = m.span()
                    if e <= p or s > p or (s, e) in found:
                        continue
                    key = normalise_label(m.group())
                    rec = self.by_label.get(key)
                    if rec is None:
                        continue
                    ident = Identifier.HEALTH if key in self.health_labels else rec.identifier
                    if s > 0 and (text[s - 1].isalnum() or text[s - 1] in "_-"):
                        # the tail of a longer key: `escalation_member_id`, `claimantTaxId`;
                        # generic tails (`max_age`, `file_name`) are not labels
                        camel = text[s - 1].islower() and text[s].isupper()
                        if key in self.no_prefix or not (camel or text[s - 1] in "_-"):
                            continue
                        if self.health_words & set(split_words(_key_prefix(text, s))):
                            ident = Identifier.HEALTH
                    hit = _separator(doc, rec, s, e, ident, key in self.loose_labels)
                    if hit is not None:
                        found[(s, e)] = hit
                        break
        out = sorted(found.values(), key=lambda h: h.key_start)
        doc.cache["label_hits"] = out
        return out

    def hits_for(self, doc: ScanDoc, rec: LabelledRecognizer) -> list[KeyHit]:
        """The key hits owned by one labelled recognizer (grouped once per scan)."""
        by_rec: dict[str, list[KeyHit]] | None = doc.cache.get("label_hits_by_rec")
        if by_rec is None:
            by_rec = {}
            for hit in self.hits(doc):
                by_rec.setdefault(hit.recognizer.id, []).append(hit)
            doc.cache["label_hits_by_rec"] = by_rec
        return by_rec.get(rec.id, [])

    def header_lines(self, doc: ScanDoc) -> list[int]:
        return sorted({doc.line_start(h.key_start) for h in self.hits(doc) if h.header_cell})


_SPLIT_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+|#")


_TAIL_WORD = re.compile(r"[ _.\-'\u2019/]{0,2}([a-z0-9#+]+)")


def _may_end_key(text: str, low: str, q: int, tails: frozenset[str]) -> bool:
    """Cheap necessary condition at the end of an anchor: a separator follows (after an
    optional closing quote, Markdown '*', spaces, an abbreviation dot), or the next word is one
    that continues one of the anchor's labels."""
    n = len(text)
    i = q
    if i < n and text[i] in "\"'*.":
        i += 1
    while i < n and text[i] in " \t*":
        i += 1
    if i >= n or text[i] in ":=|#>,;\t\r\n)-\"'<{":
        return True
    if tails:
        m = _TAIL_WORD.match(low, q)
        if m and m.group(1) in tails:
            return True
        if q < n and text[q].isupper():  # camelCase continuation: firstName
            m = _TAIL_WORD.match(low, q)
            return bool(m)
    return False


def split_words(key: str) -> list[str]:
    """'patient_MRN' / 'patientMrn' / 'Patient MRN' -> ['patient', 'mrn']."""
    return [w.lower() for w in _SPLIT_WORDS.findall(key)]


def _key_prefix(text: str, s: int) -> str:
    lo = s
    while lo > 0 and s - lo < _MAX_KEY and (text[lo - 1].isalnum() or text[lo - 1] in "_-"):
        lo -= 1
    return text[lo:s]


def _flat_index(flat: str, k: int) -> int:
    """Index in `flat` of the k-th non-space character."""
    seen = 0
    for i, ch in enumerate(flat):
        if ch != " ":
            if seen == k:
                return i
            seen += 1
    return len(flat)


_JOIN = "\x00"  # a word boundary inside a label, compiled to optional joiner characters


def _trie_regex(labels: Iterable[str]) -> str:
    """One regex for many labels, factored as a character trie so that the engine dispatches
    on the next character instead of trying every label in turn. Word boundaries inside a
    label match up to two joiners ('_', '-', '.', space, apostrophe, '/') or nothing
    (camelCase, lower-cased). Matched against the lower-cased text."""
    trie: dict[str, Any] = {}
    for label in labels:
        parts = re.findall(r"[a-z0-9]+|[#+]", label)
        node = trie
        for i, part in enumerate(parts):
            if i:
                node = node.setdefault(" ?" if part in "#+" else _JOIN, {})
            for ch in part:
                node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_to_regex(trie)


def _trie_to_regex(node: dict[str, Any]) -> str:
    alts = []
    # literal continuations before the optional joiner: the longest label wins at a start
    for key in sorted(node, key=lambda k: (k == _JOIN, k)):
        if key == "":
            continue
        if key == _JOIN:
            head = r"[ _.'\u2019/\-]{0,2}"
        elif key == " ?":
            head = " ?"
        else:
            head = re.escape(key)
        alts.append(head + _trie_to_regex(node[key]))
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return "(?:" + body + ")?" if "" in node else body


def _separator(
    doc: ScanDoc, rec: LabelledRecognizer, s: int, e: int, ident: Identifier, loose: bool
) -> KeyHit | None:
    """Parse what follows a key on its line: separator, optional quote, value start."""
    text = doc.text
    n = len(text)
    before = text[s - 1] if s > 0 else "\n"
    i = e
    word0 = s  # the start of the whole identifier (a label may be its tail: "claimantTaxId")
    while word0 > 0 and (text[word0 - 1].isalnum() or text[word0 - 1] in "_-"):
        word0 -= 1
    opening = text[word0 - 1] if word0 > 0 else ""
    key_quote = opening in ('"', "'") and i < n and text[i] == opening
    if key_quote:  # the closing quote of a quoted key
        i += 1
    elif i < n and text[i] == "." and text[i + 1 : i + 2] in (" ", "\t", ":"):
        i += 1  # an abbreviation: "Chart No. 4471902", "Tel.: ..."
    while i < n and text[i] == "*":  # Markdown: **DOB:** 03/14/1951
        i += 1
    j = i
    while j < n and text[j] in " \t":
        j += 1
    c = text[j] if j < n else "\n"
    nxt = text[j + 1 : j + 2]
    cell_start = before in _CELL_BEFORE or s == 0

    def value(k: int, sep: str, header: bool) -> KeyHit | None:
        return _with_value(doc, rec, s, e, k, sep, header, ident)

    if before == "<":  # XML element or FHIR XML attribute
        if c == ">" and j == i:
            return value(j + 1, "strong", False)
        if text.startswith(' value="', i):
            return KeyHit(rec, s, e, i + 8, '"', "strong", False, ident)
        return None
    if c == ":" and nxt not in (":", "/"):
        return value(j + 2 if nxt == "=" else j + 1, "strong", False)
    if c == "=" and nxt != "=":
        return value(j + 2 if nxt == ">" else j + 1, "strong", False)
    if c == "#" and j == i:
        return value(j + 1, "strong", False)
    if c == "{" and j > i:  # Ruby/FactoryBot: first_name { "Viktor" }
        return value(j + 1, "strong", False)
    if c == "-" and j > i and nxt in (" ", "\t"):
        return value(j + 1, "strong", False)
    if key_quote and c in "),":  # ("Date of birth"), "03/13/2002"  /  put("ssn", "...")
        k = j + 1
        if c == ")":
            while k < n and text[k] in " \t":
                k += 1
            if text[k : k + 1] != ",":
                return None
            k += 1
        while k < n and text[k] in " \t":
            k += 1
        if text[k : k + 1] in ('"', "'"):
            return value(k, "pair", False)
        if c == ",":
            return KeyHit(rec, s, e, -1, None, None, True, ident) if cell_start else None
        return None
    if c == "|":  # | DOB | 03/14/1951 |  (key/value row) or | Name | DOB |  (header)
        return value(j + 1, "strong", before in "| \t" or cell_start)
    if c in ",;" or c in "\r\n" or j >= n:
        if cell_start or doc.line_start(s) == s:
            return KeyHit(rec, s, e, -1, None, None, True, ident)
        return None
    if text[i : i + 1] == "\t":
        header = cell_start or doc.line_start(s) == s
        if loose:
            return value(j, "loose", header)
        return KeyHit(rec, s, e, -1, None, None, True, ident) if header else None
    if j > i and loose:
        return value(j, "loose", False)
    return None


def _with_value(
    doc: ScanDoc,
    rec: LabelledRecognizer,
    s: int,
    e: int,
    k: int,
    sep: str,
    header: bool,
    ident: Identifier,
) -> KeyHit | None:
    text = doc.text
    n = len(text)
    while k < n and text[k] in " \t*":
        k += 1
    quote = None
    if k < n and text[k] == "[":  # a JSON array of strings: take the first
        k += 1
        while k < n and text[k] in " \t":
            k += 1
        if k >= n or text[k] not in "\"'":
            return KeyHit(rec, s, e, -1, None, None, True, ident) if header else None
    if k < n and text[k] in "\"'`":
        quote = text[k]
        k += 1
    if k >= n or text[k] in "\r\n":
        return KeyHit(rec, s, e, -1, None, None, True, ident) if header else None
    return KeyHit(rec, s, e, k, quote, sep, header, ident)


@dataclass(slots=True)
class LabelledRecognizer:
    id: str
    entities: tuple[str, ...]
    identifier: Identifier
    labels: tuple[str, ...]
    value_kinds: tuple[ValueKind, ...]
    score: float
    bare_separator: bool
    index: LabelIndex | None = field(default=None, repr=False)
    examples: tuple[tuple[Example, ...], tuple[Example, ...]] = ((), ())

    def find(self, doc: ScanDoc) -> Iterator[Candidate]:
        if self.index is None:
            return
        for hit in self.index.hits_for(doc, self):
            if hit.sep is None:
                continue
            found = self.value_at(
                doc.text, hit.value_start, doc.line_end(hit.value_start), hit.quote
            )
            if found is None:
                continue
            s, e, verdict = found
            if hit.sep == "pair" and _CONSTANT.fullmatch(doc.text, s, e):
                continue  # ('LNAME', 'USERNAME'): a tuple of key names, not a key and its value
            entity = self.entity_of(doc.text, hit.value_start, e)
            yield Candidate(entity, s, e, self.score, self.id, hit.identifier, verdict)

    def entity_of(self, text: str, start: int, end: int) -> str:
        """The label's entity, unless the value is of a kind that names its own (an MBI)."""
        for kind in self.value_kinds:
            if kind.entity is not None:
                m = kind.regex.match(text, start, end)
                if (
                    m is not None
                    and m.end() == end
                    and kind.validator(m.group()) is v.Verdict.VALID
                ):
                    return kind.entity
        return self.entities[0]

    def value_at(
        self, text: str, pos: int, end: int, quote: str | None
    ) -> tuple[int, int, v.Verdict] | None:
        for kind in self.value_kinds:
            found = kind.extract(text, pos, end, quote)
            if found is not None:
                return found
        return None
