"""The text being scanned, with the cheap shared look-ups every recognizer needs.

Everything here is computed lazily and at most once per scan: the lower-cased text, the
positions of an anchor literal, the hits of a pre-filter regex, line bounds. A recognizer whose
anchors never occur costs one `str.find`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_WORD_CHAR = re.compile(r"\w")
_COMPUTED: dict[str, tuple[re.Pattern[bytes], int, int]] = {}


def _regex_width(pattern: str) -> tuple[int, int]:
    """Shortest and longest match of a regex (the stdlib parser's own computation)."""
    try:
        parser: Any = importlib.import_module("re._parser")  # Python 3.11+
    except ImportError:  # pragma: no cover - older layout
        parser = importlib.import_module("sre_parse")
    lo, hi = parser.parse(pattern).getwidth()
    return int(lo), int(hi)


# bytes.translate table: ASCII letters and digits survive, everything else becomes a space.
_WORD_TABLE = bytes(c if (48 <= c <= 57 or 97 <= c <= 122) else 32 for c in range(256))


@dataclass(frozen=True, slots=True)
class Prefilter:
    """A whole-text regex whose hit positions trigger recognizers. It runs only if one of its
    `gate` entries holds: a word of the text, or "#N" (some number of exactly N digits)."""

    regex: re.Pattern[str]
    gate: tuple[bytes, ...] = ()


def lower_same_length(text: str) -> str:
    """`text.lower()` with offsets preserved (a few characters, like 'İ', lower to two)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def merge_windows(windows: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


class ScanDoc:
    """One text under scan. Offsets are always offsets into `text`."""

    __slots__ = (
        "_anchor_cache",
        "_low",
        "_prefilter_cache",
        "_prefilters",
        "_words",
        "cache",
        "health_vocabulary",
        "text",
    )

    def __init__(
        self,
        text: str,
        prefilters: dict[str, Prefilter],
        health_vocabulary: frozenset[bytes] = frozenset(),
    ) -> None:
        self.text = text
        # clinical words (as the word set stores them), for the "@health" requirement
        self.health_vocabulary = health_vocabulary
        self._prefilters = prefilters
        self._low: str | None = None
        self._words: frozenset[bytes] | None = None
        self._anchor_cache: dict[str, list[int]] = {}
        self._prefilter_cache: dict[str, list[int]] = {}
        # Results shared between recognizers of one scan (e.g. the label key hits).
        self.cache: dict[Any, Any] = {}

    @property
    def low(self) -> str:
        if self._low is None:
            self._low = lower_same_length(self.text)
        return self._low

    @property
    def words(self) -> frozenset[bytes]:
        """The set of lower-case ASCII alphanumeric words of the text (one C-speed pass):
        `patient_id` gives patient and id, `firstName` gives firstname."""
        if self._words is None:
            raw = self.low.encode("utf-8", "replace").translate(_WORD_TABLE)
            self._words = frozenset(raw.split())
        return self._words

    def _gate(self, gate: bytes) -> bool:
        if gate.startswith(b"#") and gate[1:].isdigit():
            return self.requirement_met(frozenset({gate}))
        return gate in self.words

    def has_word(self, word: str) -> bool:
        return word.encode() in self.words

    def has(self, literal: str) -> bool:
        """`literal` occurs in the lower-cased text. A plain word is answered from the word
        set alone (so "patient" is true only for the whole word)."""
        if literal.isascii() and literal.isalnum():
            return literal.encode() in self.words
        return self._words_present(literal) and literal in self.low

    def _words_present(self, literal: str) -> bool:
        """The words of `literal` that must be whole words of the text when the literal occurs
        are all there (O(1) each): the runs bounded by non-alphanumerics inside the literal,
        and the leading run (anchors start at a word start: "year-old", "PID|", "Re: ").
        The trailing run may be part of a longer word ("/patient" in "/patients")."""
        parts = literal.lower().encode("utf-8", "replace").translate(_WORD_TABLE).split(b" ")
        words = self.words
        return all(w in words for w in parts[:-1] if w)

    def positions(self, anchor: str) -> list[int]:
        """Start offsets of an anchor: a lower-case literal (searched in the lower-cased text;
        an alphanumeric one only if it is also a whole word somewhere, which the word set
        answers in O(1)), "=Literal" (case-sensitive), or "<name>" (a shared pre-filter)."""
        cached = self._anchor_cache.get(anchor)
        if cached is not None:
            return cached
        if anchor.startswith("<") and anchor.endswith(">") and len(anchor) > 2:
            found = self._prefilter(anchor[1:-1])
        elif anchor.startswith("~"):
            found = self._computed(anchor[1:])
        elif not self._words_present(anchor.lstrip("=")):
            found = []  # a word of the literal never occurs: no need to scan for it
        elif anchor.startswith("="):
            found = self._find_all(self.text, anchor[1:])
        else:
            found = self._find_all(self.low, anchor)
        self._anchor_cache[anchor] = found
        return found

    def _computed(self, pattern: str) -> list[int]:
        """Positions of the text's words that fully match `pattern` (lower-case): e.g. every
        11-character word shaped like a Medicare MBI, found from the word set in O(words)."""
        entry = _COMPUTED.get(pattern)
        if entry is None:
            compiled = re.compile(pattern.encode())
            lo, hi = _regex_width(pattern)
            entry = _COMPUTED.setdefault(pattern, (compiled, lo, min(hi, 64)))
        regex, lo, hi = entry
        out: list[int] = []
        by_len = self.digit_words_by_len
        for length in range(lo, hi + 1):
            for word in by_len.get(length, ()):
                if regex.fullmatch(word):
                    out.extend(self._find_all(self.low, word.decode()))
        return sorted(set(out))

    @property
    def digit_words(self) -> list[bytes]:
        """Words that start with a digit (a small part of the word set)."""
        cached: list[bytes] | None = self.cache.get("digit_words")
        if cached is None:
            cached = [w for w in self.words if 48 <= w[0] <= 57]
            self.cache["digit_words"] = cached
        return cached

    @property
    def digit_words_by_len(self) -> dict[int, list[bytes]]:
        cached: dict[int, list[bytes]] | None = self.cache.get("digit_words_by_len")
        if cached is None:
            cached = {}
            for w in self.digit_words:
                cached.setdefault(len(w), []).append(w)
            self.cache["digit_words_by_len"] = cached
        return cached

    def requirement_met(self, group: frozenset[bytes]) -> bool:
        """Any entry of the group holds: a word of the text, "#N" (a number of N digits),
        "~regex" (a word matching it), "@health" (some clinical vocabulary word)."""
        words = self.words
        for g in group:
            if g == b"@health":
                if not self.health_vocabulary.isdisjoint(words):
                    return True
            elif g[:1] == b"~":
                if self._computed(g[1:].decode()):
                    return True
            elif g[:1] == b"#":
                if self.digit_words_by_len.get(int(g[1:])) and any(
                    w.isdigit() for w in self.digit_words_by_len[int(g[1:])]
                ):
                    return True
            elif g in words:
                return True
        return False

    def _prefilter(self, name: str) -> list[int]:
        cached = self._prefilter_cache.get(name)
        if cached is None:
            pre = self._prefilters[name]
            if pre.gate and not any(self._gate(g) for g in pre.gate):
                cached = []
            else:
                cached = [m.start() for m in pre.regex.finditer(self.text)]
            self._prefilter_cache[name] = cached
        return cached

    @staticmethod
    def _find_all(haystack: str, needle: str) -> list[int]:
        out: list[int] = []
        if not needle or needle not in haystack:
            return out
        find = haystack.find
        i = find(needle)
        while i != -1:
            out.append(i)
            i = find(needle, i + 1)
        return out

    def line_numbers(self, offsets: Iterable[int]) -> dict[int, int]:
        """1-based line of each offset, counting newlines incrementally (no full line index)."""
        out: dict[int, int] = {}
        line, last = 1, 0
        for off in sorted(set(offsets)):
            line += self.text.count("\n", last, off)
            last = off
            out[off] = line
        return out

    def line_start(self, pos: int) -> int:
        return self.text.rfind("\n", 0, pos) + 1

    def line_end(self, pos: int) -> int:
        end = self.text.find("\n", pos)
        return len(self.text) if end == -1 else end

    def window(self, pos: int, before: int, after: int) -> tuple[int, int]:
        """[pos-before, pos+after] clipped to pos's line and widened so it never cuts a token
        (a regex must not see a truncated number as a whole one)."""
        text = self.text
        start = max(self.line_start(pos), pos - before)
        end = min(self.line_end(pos), pos + after)
        n = len(text)
        limit = end + 64
        while end < n and end < limit and text[end] not in "\n\r" and _WORD_CHAR.match(text, end):
            end += 1
        return start, end

    def windows(self, anchors: tuple[str, ...], before: int, after: int) -> list[tuple[int, int]]:
        """Merged windows around every occurrence of any of `anchors` (cached per scan:
        recognizers with the same anchors share them)."""
        key = ("windows", anchors, before, after)
        cached: list[tuple[int, int]] | None = self.cache.get(key)
        if cached is None:
            spans: list[tuple[int, int]] = []
            for anchor in anchors:
                spans.extend(self.window(p, before, after) for p in self.positions(anchor))
            cached = merge_windows(spans)
            self.cache[key] = cached
        return cached
