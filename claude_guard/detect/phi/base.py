"""Shared types of the PHI recognizers: candidates, identifier classes, value kinds, settings.

A recognizer proposes `Candidate`s; the detector turns them into `Finding`s. A `ValueKind` is
what a labelled value or a table cell must look like (a regex matched at its first character,
then a validator from `validators.py`).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from claude_guard.detect.phi import validators as v
from claude_guard.detect.phi.text import ScanDoc

__all__ = [
    "Candidate",
    "ConfigError",
    "Example",
    "Identifier",
    "Recognizer",
    "Settings",
    "ValueKind",
    "compile_pattern",
    "context_tokens",
    "examples_of",
    "expand_macros",
    "normalise_label",
]


class Identifier(enum.StrEnum):
    """How much a value says about a person by itself (see recognizers.yaml)."""

    HEALTH = "health"
    STRONG = "strong"
    WEAK = "weak"


@dataclass(frozen=True, slots=True)
class Candidate:
    entity: str
    start: int
    end: int
    score: float
    recognizer: str
    identifier: Identifier
    verdict: v.Verdict = v.Verdict.VALID


class Recognizer(Protocol):
    """The one interface every recognizer kind implements."""

    id: str
    entities: tuple[str, ...]

    def find(self, doc: ScanDoc) -> Iterable[Candidate]: ...


class ConfigError(ValueError):
    """The recognizer data is malformed (raised at load time, never during a scan)."""


# ---------------------------------------------------------------------------------------------
# Settings, value kinds
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settings:
    min_score: float
    weak_pii_max_score: float
    health_boost: float
    context_before: int
    context_after: int
    anchor_before: int
    anchor_after: int


_TOKEN = re.compile(r"[a-z0-9][a-z0-9#'&]*(?:[-/][a-z0-9#]+)*")


def context_tokens(doc: ScanDoc, start: int, end: int, settings: Settings) -> set[str]:
    """Whole lower-cased words around [start, end) — context is matched on these, never on
    substrings (so "lic" never matches "duplicate")."""
    lo = max(doc.line_start(start) - 1, start - settings.context_before, 0)
    hi = min(len(doc.text), end + settings.context_after)
    low = doc.low
    return {m.group() for m in _TOKEN.finditer(low, lo, hi) if not (start <= m.start() < end)}


_NAME_PIECE = re.compile(r"[^\s,]+")
_AFTER_VALUE_OK = frozenset(" \t\r\n,;|\"'`)]}<>/&")


@dataclass(slots=True)
class ValueKind:
    """What a value must look like: a regex matched at its first character and a validator."""

    name: str
    regex: re.Pattern[str]
    validator: Callable[[str], v.Verdict]
    trim: bool
    stopwords: frozenset[str] = field(repr=False)
    entity: str | None = None  # reported type when this kind matches (overrides the label's)

    def extract(
        self, text: str, pos: int, end: int, quote: str | None
    ) -> tuple[int, int, v.Verdict] | None:
        m = self.regex.match(text, pos, end)
        if m is None:
            return None
        s, e = m.span()
        if self.trim:
            e = self._trim(text, s, e)
            if e <= s:
                return None
        nxt = text[e] if e < len(text) else "\n"
        if quote:
            close = text.find(quote, e, end)
            if close == -1:
                return None
            rest = text[e:close]
            if not self.trim and rest.strip(" \t.,;"):
                return None
        elif not self.trim:
            # the value must end at a delimiter: "536-22-8726x" or "0048291a" is something else
            ends_cleanly = nxt in _AFTER_VALUE_OK or (
                nxt == "." and not text[e + 1 : e + 2].isalnum()
            )
            if not ends_cleanly and not (nxt == ":" and self.name in ("date", "birth_date")):
                return None
        elif nxt in "(_[" or (nxt == "." and text[e + 1 : e + 2].isalnum()):
            return None
        verdict = self.validator(text[s:e])
        if verdict is v.Verdict.INVALID:
            return None
        return s, e, verdict

    def _trim(self, text: str, s: int, e: int) -> int:
        """Keep the leading name tokens; stop at a stopword or at the next label ("DOB:")."""
        kept = s
        for m in _NAME_PIECE.finditer(text, s, e):
            bare = m.group().rstrip(".").lower()
            if bare in self.stopwords:
                break
            after = m.end()
            while after < len(text) and text[after] in " \t":
                after += 1
            if after < len(text) and text[after] in ":=" and m.start() > s:
                break
            kept = m.end()
        while kept > s and text[kept - 1] in " \t,":
            kept -= 1
        return kept


# ---------------------------------------------------------------------------------------------
# Loading helpers
# ---------------------------------------------------------------------------------------------


_MACRO = re.compile(r"<<([A-Z_]+)>>")


def expand_macros(pattern: str, macros: Mapping[str, str]) -> str:
    for _ in range(8):  # macros may refer to macros
        new = _MACRO.sub(lambda m: _macro(m.group(1), macros), pattern)
        if new == pattern:
            return new
        pattern = new
    raise ConfigError(f"macro expansion does not terminate: {pattern[:60]}")


def _macro(name: str, macros: Mapping[str, str]) -> str:
    if name not in macros:
        raise ConfigError(f"unknown macro <<{name}>>")
    return macros[name]


def compile_pattern(pattern: str, macros: Mapping[str, str], where: str) -> re.Pattern[str]:
    try:
        return re.compile(expand_macros(pattern, macros))
    except re.error as exc:
        raise ConfigError(f"{where}: bad regex: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    category: str | None = None


def examples_of(raw: Mapping[str, Any] | None) -> tuple[tuple[Example, ...], tuple[Example, ...]]:
    def conv(items: Sequence[Any]) -> tuple[Example, ...]:
        out = []
        for item in items or ():
            if isinstance(item, str):
                out.append(Example(item))
            else:
                out.append(Example(str(item["text"]), item.get("category")))
        return tuple(out)

    raw = raw or {}
    return conv(raw.get("positive", ())), conv(raw.get("negative", ()))


_NORM_DROP = str.maketrans("", "", " _-.'\u2019\t")


def normalise_label(label: str) -> str:
    """'First Name', 'first_name', 'firstName', 'FIRST-NAME' -> 'firstname'."""
    return label.lower().translate(_NORM_DROP)
