"""Secrets detector: provider token formats, private keys, credentials in URLs, generic assignments.

Rules are data (``claude_guard/data/secrets/*.yaml``); this module loads and validates them once,
compiles every regex once, and scans text many times. The hot path is shaped for speed on
source code:

1. **Keyword pre-filter.** Every rule names cheap case-insensitive keywords; a rule's regex runs
   only if one of them occurs. All keywords of all rules are located together: the text is
   encoded 1:1 to ASCII bytes and one ``bytes.translate`` lower-cases it and maps rare "anchor"
   characters (and the separators ``_-.``) to sentinel bytes; a regex whose first character is
   the literal sentinel (CPython's fastest search path) checks each keyword around every
   sentinel, separator-anchored keywords (``ghp_``, ``glpat-``, ``hvs.``) in the reversed bytes.
   The few keywords made only of common letters use plain substring search. Per-call cost is a
   handful of C-speed passes, independent of the number of rules.
2. **Rule regexes.** ``scope: text`` rules (distinctive literal prefixes) run over the whole text;
   ``scope: line`` rules (context-driven: ``password = "..."``) run only over the lines around
   their keyword hits, each window bounded in length so minified one-line files stay linear.
3. **Validation.** Word boundaries, entropy floor, named checksums/structure validators,
   rule allow-lists and global allow-lists (placeholders, templates, env look-ups, public keys,
   lock-file hashes, UUIDs, git SHAs).

Findings carry positions and types only. Nothing here ever logs, formats or raises with a
matched value: error messages name rules and files, never text.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from claude_guard.detect.checksums import ascii_digits, luhn_valid
from claude_guard.detect.findings import (
    CATEGORY_SECRET,
    Finding,
    LineIndex,
    dedupe_overlapping,
)

DETECTOR_NAME = "secrets"
RULES_DIR = Path(__file__).resolve().parent.parent / "data" / "secrets"

# Line-scope windows: how far around a keyword hit a context rule may look. Bounded so that a
# single 5 MB minified line is scanned in windows, never as a whole once per hit.
WINDOW_BEFORE = 256
WINDOW_AFTER = 1024
# Longest stretch a line-scope match may extend past its keyword (URL user:password@host).
MATCH_REACH = 700

# Marks the expected secret inside a positive example: "token = '«ghp_...»'".
EXAMPLE_OPEN = "\u00ab"
EXAMPLE_CLOSE = "\u00bb"


# libyaml's safe loader is ~10x faster than the pure-Python one; both are safe loaders.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SecretRulesError(ValueError):
    """A rules file is missing, malformed or invalid. Messages name files and rule ids only."""


# --------------------------------------------------------------------------------------------
# Value checks: entropy and named validators
# --------------------------------------------------------------------------------------------


def shannon_entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character (0.0 for an empty string)."""
    if not value:
        return 0.0
    n = len(value)
    return -sum((c / n) * math.log2(c / n) for c in Counter(value).values())


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE62_INDEX = {ch: i for i, ch in enumerate(_BASE62)}


def _base62_decode(text: str) -> int | None:
    n = 0
    for ch in text:
        digit = _BASE62_INDEX.get(ch)
        if digit is None:
            return None
        n = n * 62 + digit
    return n


def base62_crc32_suffix_ok(token: str) -> bool:
    """GitHub/npm style: ``prefix_`` + 30 random base62 chars + base62(CRC32(random)) in 6 chars."""
    body = token.rsplit("_", 1)[-1]
    if len(body) != 36:
        return False
    expected = _base62_decode(body[30:])
    return expected is not None and zlib.crc32(body[:30].encode("ascii")) == expected


def luhn_ok(value: str) -> bool:
    """Luhn mod-10 over the digits of ``value`` (non-digits ignored; needs at least 2 digits)."""
    digits = ascii_digits(value)
    return len(digits) >= 2 and luhn_valid(digits)


_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values: Sequence[int]) -> int:
    generators = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= generators[i] if ((top >> i) & 1) else 0
    return chk


def bech32_ok(value: str) -> bool:
    """BIP-173 bech32 checksum (used by age: ``AGE-SECRET-KEY-1…``)."""
    lowered = value.lower()
    sep = lowered.rfind("1")
    if sep < 1 or sep + 7 > len(lowered):
        return False
    hrp, data = lowered[:sep], lowered[sep + 1 :]
    try:
        values = [_BECH32_CHARSET.index(ch) for ch in data]
    except ValueError:
        return False
    expanded = [ord(ch) >> 5 for ch in hrp] + [0] + [ord(ch) & 31 for ch in hrp]
    return _bech32_polymod(expanded + values) == 1


def _b64url_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
        return json.loads(raw.decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def jwt_header_ok(token: str) -> bool:
    """Three base64url segments whose header decodes to a JSON object with an ``alg`` member."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    header = _b64url_json(parts[0])
    return isinstance(header, dict) and isinstance(header.get("alg"), str)


def base64_digits_ok(token: str) -> bool:
    """Discord bot tokens: the first dot-separated segment is base64 of a numeric user id."""
    first = token.split(".", 1)[0]
    padded = first + "=" * (-len(first) % 4)
    try:
        decoded = base64.urlsafe_b64decode(padded.encode("ascii"))
    except (ValueError, binascii.Error):
        return False
    return 15 <= len(decoded) <= 21 and decoded.isdigit()


def _b64decode(text: str) -> bytes | None:
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded.encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        return None


def base64_private_key_ok(blob: str) -> bool:
    """A base64 blob (Kubernetes Secret data, env var) that decodes to a PEM private key."""
    decoded = _b64decode(blob)
    return decoded is not None and b"PRIVATE KEY-----" in decoded[:80]


def base64_userpass_ok(blob: str) -> bool:
    """A base64 ``user:password`` pair (Docker config ``auth``, HTTP Basic) with a real password."""
    decoded = _b64decode(blob)
    if decoded is None or b":" not in decoded:
        return False
    try:
        user, password = decoded.decode("utf-8").split(":", 1)
    except UnicodeDecodeError:
        return False
    return bool(user) and len(password) >= 6 and password.isprintable()


def base64_json_ok(token: str) -> bool:
    """Grafana Cloud ``glc_`` tokens: the part after the prefix is base64 of a JSON object."""
    body = token.split("_", 1)[-1]
    padded = body + "=" * (-len(body) % 4)
    try:
        decoded = base64.b64decode(padded.encode("ascii"), validate=False)
        return isinstance(json.loads(decoded.decode("utf-8")), dict)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False


_IDENTIFIER_LIKE = re.compile(r"[A-Za-z_][A-Za-z_]*(?:[.\-][A-Za-z_][A-Za-z0-9_]*)*")
_DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?:\(\))?")
_PATH_LIKE = re.compile(r"(?:[~.]{0,2}/|[A-Za-z]:\\)[\w./\\-]*|[\w.-]+/[\w./-]+")
_WORDS_ONLY = re.compile(
    r"[a-z]+(?:[_\-. ][a-z]+)*|[A-Z]+(?:[_\-. ][A-Z]+)*|[A-Z]?[a-z]+(?:[A-Z][a-z]+)+"
)
_HEX_WORDISH = re.compile(r"[a-z]{3,}(?:_[a-z]+)*\d{0,2}")


def credential_like(value: str) -> bool:
    """Heuristic for values assigned to secret-sounding names: random-looking, not code.

    Rejects identifiers (``self.api_key``, ``MY_SECRET_NAME``), dotted names, file paths,
    plain words and kebab/snake phrases; accepts values that mix character classes the way
    generated secrets and human passwords do.
    """
    if _IDENTIFIER_LIKE.fullmatch(value) and not _looks_random(value):
        return False
    if "." in value and _DOTTED_NAME.fullmatch(value):
        return False
    if value.count("/") >= 2 and _PATH_LIKE.fullmatch(value) and not _has_random_segment(value):
        return False
    if _WORDS_ONLY.fullmatch(value) or _HEX_WORDISH.fullmatch(value):
        return False
    classes = sum(
        (
            any(ch.islower() for ch in value),
            any(ch.isupper() for ch in value),
            any(ch.isdigit() for ch in value),
            any(not ch.isalnum() for ch in value),
        )
    )
    return classes >= 2


def _has_random_segment(value: str) -> bool:
    """Base64 secrets contain `/` and so look like paths; a real path's segments are words,
    a secret's are long runs mixing upper case, lower case and digits."""
    return any(_looks_random(part) for part in value.split("/"))


def _looks_random(part: str) -> bool:
    if len(part) < 8:
        return False
    upper = any(c.isupper() for c in part)
    lower = any(c.islower() for c in part)
    if upper and lower and any(c.isdigit() for c in part):
        return True
    # Without digits, case flips give it away: CamelCase names flip once per word,
    # random base64 flips about every other character.
    flips = sum(
        1
        for a, b in itertools.pairwise(part)
        if a.isalpha() and b.isalpha() and a.isupper() != b.isupper()
    )
    return len(part) >= 12 and flips * 3 >= len(part)


CHECKSUMS: dict[str, Callable[[str], bool]] = {
    "github_crc32": base62_crc32_suffix_ok,
    "npm_crc32": base62_crc32_suffix_ok,
    "luhn": luhn_ok,
    "bech32": bech32_ok,
    "jwt_header": jwt_header_ok,
    "base64_digits": base64_digits_ok,
    "base64_json": base64_json_ok,
    "base64_private_key": base64_private_key_ok,
    "base64_userpass": base64_userpass_ok,
    "credential_like": credential_like,
}


# --------------------------------------------------------------------------------------------
# Global allow-lists: values that are never secrets, whatever rule matched them
# --------------------------------------------------------------------------------------------

ShapeName = Literal["uuid", "git_sha"]

_PLACEHOLDER_WHOLE = re.compile(
    r"""(?ix)
    (?:changeme|change[_-]?me|changeit|change[_-]?this|password\d*|passwd|pass|secret|token|
       api[_-]?key|key|value|string|none|null|nil|undefined|true|false|empty|redacted|removed|
       hidden|masked|omitted|placeholder|todo|tbd|fixme|dummy|example|test(?:ing)?|fake|sample|
       demo|foo|bar|baz|foobar|qwerty|letmein|admin|root|user(?:name)?|default|secret[_-]?key|
       guest|anonymous|x+|\*+|\.+|-+|_+|0+|1234\d*|abc(?:def|123)?|xyz
       |<[^<>]*>|\[[^\[\]]*\]|\{[^{}]*\}|\([^()]*\)
       |(?:your|my)[_\-]?(?:own[_\-]?)?(?:api|access|secret|private|auth|app|client|account|
          password|pass|pwd|token|key|real|db|database|bot|personal)[\w.\-]*
       |(?:enter|insert|put|replace|add)[_\-]?(?:your|here|with|me)[\w.\-]*)$"""
)
# "Obviously marked" placeholders inside an otherwise random-looking value.
_PLACEHOLDER_MARK = re.compile(
    r"""(?ix)
    x{4,}|\*{3,}|\.{3}|…
    |example|dummy|placeholder|changeme|change[_-]me|redacted|replace[_-]?me|insert[_-]?(?:your|here)
    |your[_\-]?(?:own[_\-]?)?(?:api|access|secret|private|auth|app|client|account|bot|personal|real)
    |your[_\-]|_here\b|-here\b|here[_-]?$
    |(?:^|[^a-z0-9])(?:fake|sample|test|dummy|demo|mock|bogus|invalid)(?:[^a-z0-9]|$)
    |^(?:fake|sample|test|mock|demo)[_\-]|[_\-](?:fake|sample|test|mock|demo)$
    |(?:0123456789|abcdefghij|1234567890|9876543210|qwertyuiop)
    |<[A-Za-z_][\w .:-]{0,40}>|\{[A-Za-z_][\w.]{0,40}\}
    |SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"""
)
_TEMPLATE = re.compile(
    r"\$\{|\{\{|\{%|<%|%\(|\$\(|#\{|^\$[A-Za-z_]\w*$|^%[A-Za-z_]\w*%$|^@[A-Za-z_]\w*@$|^\{[\w.]*\}$"
    r"|%[-+ #0]*\d*[sdrxf]\b|\{\d*\}"
)
_ENV_LOOKUP = re.compile(
    r"(?i)os\.environ|os\.getenv|getenv\(|process\.env|import\.meta\.env|\bENV\[|\bENV\.fetch|"
    r"System\.getenv|Environment\.GetEnvironmentVariable|\benv\(|\$env:|secrets\.|vars\.|"
    r"config\(|settings\.|getpass\("
)
_PUBLIC_KEY = re.compile(
    r"^(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com|"
    r"sk-ecdsa-sha2-nistp256@openssh\.com)\b|^AAAA(?:B3NzaC1|C3NzaC1|E2VjZHNh)"
)
_LOCKFILE_HASH = re.compile(
    r"^(?:sha(?:1|224|256|384|512)-[A-Za-z0-9+/]+={0,2}|(?:--hash=)?sha(?:1|256|384|512):[0-9a-fA-F]+|"
    r"h1:[A-Za-z0-9+/]+={0,2})$"
)
_LOCKFILE_LINE = re.compile(r"(?i)\bintegrity\b|--hash=|\bh1:[A-Za-z0-9+/]{20,}|\bresolved\b.*#")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_GIT_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_BOUNDARY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


_TOKEN_TAIL = re.compile(r"[A-Za-z0-9+/=_\-.:~]+")
# "Last non-token character, then token characters to the end": linear to search, unlike a
# bare "[token]+\Z", which would restart at every position of a long run.
_TOKEN_RUN_START = re.compile(r"[^A-Za-z0-9+/=_\-.:~][A-Za-z0-9+/=_\-.:~]*\Z")
_IDENTIFIER_START = re.compile(r"[^A-Za-z0-9_.\-][A-Za-z0-9_.\-]*\Z")


def _run_start(pattern: re.Pattern[str], text: str, floor: int, end: int) -> int:
    """Start of the run of allowed characters that ends at ``end`` (not before ``floor``)."""
    found = pattern.search(text, floor, end)
    return found.start() + 1 if found else floor


def _enclosing_token(text: str, start: int, end: int, limit: int = 512) -> str:
    """The run of token characters around [start, end): catches a match inside a bigger blob."""
    lo = _run_start(_TOKEN_RUN_START, text, max(0, start - limit), start)
    after = _TOKEN_TAIL.match(text, end, min(len(text), end + limit))
    return text[lo : after.end() if after else end]


def _line_around(text: str, start: int, end: int, limit: int = 512) -> str:
    lo = text.rfind("\n", max(0, start - limit), start) + 1 or max(0, start - limit)
    hi = text.find("\n", end, end + limit)
    if hi == -1:
        hi = min(len(text), end + limit)
    return text[lo:hi]


# Cheap substring pre-checks: the allow-list regexes above only run when one of these occurs
# (most real secrets contain none of them, and the regexes cost microseconds each).
_MARK_HINTS = (
    "xxxx", "***", "...", "\u2026", "example", "dummy", "placeholder", "chang", "redacted",
    "replace", "insert", "your", "here", "fake", "sample", "test", "demo", "mock", "bogus",
    "invalid", "0123456789", "abcdefghij", "1234567890", "9876543210", "qwertyuiop", "<", "{",
    "sflkxwrjsmekkf2qt4fwpmejf36pok6yjv_adqssw5c",
)  # fmt: skip
_TEMPLATE_HINTS = ("$", "{", "%", "<", "#", "@")
_ENV_HINTS = (
    "environ", "getenv", "env", "secrets.", "vars.", "config(", "settings.", "getpass(",
)  # fmt: skip


def globally_allowed(value: str, keep_shapes: Iterable[str] = ()) -> bool:
    """True when ``value`` is a placeholder, template, env look-up, public key or digest shape."""
    stripped = value.strip("\"'` ")
    if not stripped:
        return True
    lowered = stripped.lower()
    if _PLACEHOLDER_WHOLE.match(stripped):
        return True
    if any(hint in lowered for hint in _MARK_HINTS) and _PLACEHOLDER_MARK.search(stripped):
        return True
    if any(hint in stripped for hint in _TEMPLATE_HINTS) and _TEMPLATE.search(stripped):
        return True
    if any(hint in lowered for hint in _ENV_HINTS) and _ENV_LOOKUP.search(stripped):
        return True
    if _PUBLIC_KEY.search(stripped) or _LOCKFILE_HASH.match(stripped):
        return True
    keep = set(keep_shapes)
    if "uuid" not in keep and _UUID.fullmatch(stripped):
        return True
    return "git_sha" not in keep and bool(_GIT_SHA.fullmatch(stripped))


# --------------------------------------------------------------------------------------------
# Rule model
# --------------------------------------------------------------------------------------------

Keyword = Annotated[
    str, Field(min_length=2, max_length=64, pattern=r"^[\x20-\x7e]*[\x21-\x7e][\x20-\x7e]*$")
]


class RuleExamples(BaseModel):
    """Synthetic strings in realistic one-line contexts; positives mark the secret with «…»."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    positive: list[str] = Field(min_length=1)
    negative: list[str] = Field(min_length=1)

    @field_validator("positive")
    @classmethod
    def _one_marked_span(cls, values: list[str]) -> list[str]:
        for i, example in enumerate(values):
            if example.count(EXAMPLE_OPEN) != 1 or example.count(EXAMPLE_CLOSE) != 1:
                raise ValueError(f"positive example #{i} must mark its secret once with «…»")
            if example.index(EXAMPLE_OPEN) > example.index(EXAMPLE_CLOSE):
                raise ValueError(f"positive example #{i} has «…» in the wrong order")
        return values

    @field_validator("negative")
    @classmethod
    def _no_marks(cls, values: list[str]) -> list[str]:
        for i, example in enumerate(values):
            if EXAMPLE_OPEN in example or EXAMPLE_CLOSE in example:
                raise ValueError(f"negative example #{i} must not contain «…» marks")
        return values


def split_marked_example(example: str) -> tuple[str, int, int]:
    """``"a «b» c"`` → ``("a b c", 2, 3)``: the plain text and the expected secret span."""
    start = example.index(EXAMPLE_OPEN)
    end = example.index(EXAMPLE_CLOSE) - 1
    plain = example.replace(EXAMPLE_OPEN, "", 1).replace(EXAMPLE_CLOSE, "", 1)
    return plain, start, end


class SecretRule(BaseModel):
    """One secret format: where to look (keywords), what it looks like, and how to confirm it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)
    type: str = Field(pattern=r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$", max_length=64)
    provider: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=1)
    keywords: list[Keyword] = Field(min_length=1)
    regex: str = Field(min_length=1)
    score: float = Field(ge=0.0, le=1.0)
    scope: Literal["text", "line"] = "text"
    boundary: bool = True
    entropy_min: float | None = Field(default=None, ge=0.0, le=8.0)
    checksum: str | None = None
    checksum_miss_score: float | None = Field(default=None, ge=0.0, le=1.0)
    allow: list[str] = Field(default_factory=list)
    allow_context: list[str] = Field(default_factory=list)
    name_deny: list[str] = Field(default_factory=list)
    keep_shapes: list[ShapeName] = Field(default_factory=list)
    global_allow: bool = True
    examples: RuleExamples

    @field_validator("keywords")
    @classmethod
    def _lowercase_keywords(cls, values: list[str]) -> list[str]:
        for kw in values:
            if kw != kw.lower():
                raise ValueError("keywords must be lower-case (matching is case-insensitive)")
        return values

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"regex does not compile: {exc.msg} at position {exc.pos}") from None
        return value

    @field_validator("allow", "allow_context", "name_deny")
    @classmethod
    def _allow_compiles(cls, values: list[str]) -> list[str]:
        for i, pattern in enumerate(values):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"allow pattern #{i} does not compile: {exc.msg}") from None
        return values

    @field_validator("checksum")
    @classmethod
    def _known_checksum(cls, value: str | None) -> str | None:
        if value is not None and value not in CHECKSUMS:
            raise ValueError(f"unknown checksum {value!r}; known: {sorted(CHECKSUMS)}")
        return value

    def model_post_init(self, __context: Any) -> None:
        groups = re.compile(self.regex).groupindex
        if self.name_deny and "name" not in groups:
            raise ValueError(f"rule {self.id}: name_deny needs a (?P<name>...) group in regex")

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.regex)

    def compile(self) -> CompiledRule:
        return CompiledRule(self)


class CompiledRule:
    """A rule ready to run: compiled patterns and plain attributes for the hot path."""

    __slots__ = (
        "allow",
        "allow_context",
        "boundary",
        "check",
        "checksum_miss_score",
        "detector",
        "entropy_min",
        "global_allow",
        "keep_shapes",
        "keywords",
        "name_deny",
        "pattern",
        "rule",
        "scope",
        "score",
        "secret_groups",
        "type",
    )

    def __init__(self, rule: SecretRule) -> None:
        self.rule = rule
        self.type = rule.type
        self.detector = f"{DETECTOR_NAME}:{rule.id}"
        self.keywords = tuple(rule.keywords)
        self.scope = rule.scope
        self.pattern = re.compile(rule.regex)
        self.secret_groups = tuple(g for g in self.pattern.groupindex if g.startswith("secret"))
        self.boundary = rule.boundary
        self.entropy_min = rule.entropy_min
        self.check = CHECKSUMS[rule.checksum] if rule.checksum else None
        self.checksum_miss_score = rule.checksum_miss_score
        self.score = rule.score
        self.allow = tuple(re.compile(p) for p in rule.allow)
        self.allow_context = tuple(re.compile(p) for p in rule.allow_context)
        self.name_deny = tuple(re.compile(p) for p in rule.name_deny)
        self.global_allow = rule.global_allow
        self.keep_shapes = frozenset(rule.keep_shapes)

    def secret_span(self, match: re.Match[str]) -> tuple[int, int]:
        """Span of the first participating ``secret*`` group, or of the whole match."""
        for name in self.secret_groups:
            span = match.span(name)
            if span[0] >= 0:
                return span
        return match.span()

    def _name_denied(self, text: str, match: re.Match[str]) -> bool:
        start, end = match.span("name")
        if start < 0:
            return False
        name = text[_run_start(_IDENTIFIER_START, text, max(0, start - 64), start) : end]
        return any(p.search(name) for p in self.name_deny)

    def accepts(self, text: str, match: re.Match[str]) -> tuple[int, int, float] | None:
        """Validate one regex match: (start, end, score) of the secret, or None if not one."""
        start, end = self.secret_span(match)
        if start < 0 or end <= start:
            return None
        if self.boundary:
            m_start, m_end = match.span()
            if m_start > 0 and text[m_start - 1] in _BOUNDARY_CHARS:
                return None
            if m_end < len(text) and text[m_end] in _BOUNDARY_CHARS:
                return None
        value = text[start:end]
        if self.entropy_min is not None and shannon_entropy(value) < self.entropy_min:
            return None
        score = self.score
        if self.check is not None and not self.check(value):
            if self.checksum_miss_score is None:
                return None
            score = self.checksum_miss_score
        if any(p.search(value) for p in self.allow):
            return None
        if self.name_deny and self._name_denied(text, match):
            return None
        if self.allow_context:
            context = _line_around(text, match.start(), match.end())
            if any(p.search(context) for p in self.allow_context):
                return None
        if self.global_allow:
            if globally_allowed(value, self.keep_shapes):
                return None
            enclosing = _enclosing_token(text, start, end)
            if enclosing != value and _LOCKFILE_HASH.match(enclosing):
                return None
            if _LOCKFILE_LINE.search(_line_around(text, start, end, 160)):
                return None
        return start, end, score


class RulesFile(BaseModel):
    """One YAML file: a family of rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    family: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str = ""
    rules: list[SecretRule] = Field(min_length=1)


def load_rules_file(path: Path | str, text: str | None = None) -> RulesFile:
    """Parse and validate one rules file. Errors name the file and the failing field only."""
    name = str(path)
    try:
        source = text if text is not None else Path(path).read_text(encoding="utf-8")
        raw = yaml.load(source, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except OSError as exc:
        raise SecretRulesError(f"cannot read rules file {name}: {exc.strerror}") from None
    except yaml.YAMLError:
        raise SecretRulesError(f"rules file {name} is not valid YAML") from None
    if not isinstance(raw, dict):
        raise SecretRulesError(f"rules file {name} must be a mapping with 'family' and 'rules'")
    try:
        return RulesFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise SecretRulesError(f"rules file {name} is invalid: {problems}") from None


def packaged_rule_paths() -> list[Path]:
    """Every rules file shipped in the package (``claude_guard/data/secrets``), in name order."""
    if not RULES_DIR.is_dir():
        raise SecretRulesError("packaged secret rules directory is missing")
    return sorted(p for p in RULES_DIR.iterdir() if p.suffix in (".yaml", ".yml"))


# --------------------------------------------------------------------------------------------
# Keyword pre-filter
# --------------------------------------------------------------------------------------------

# How often each printable ASCII character (lower-cased) occurs in source code, per 10,000
# characters (measured on CPython's standard library). Drives the choice of anchors below.
# fmt: off
_DENSITY: dict[str, float] = {
    "~": 0.2, "$": 0.3, "^": 0.4, "&": 1, "?": 1, "@": 1, "!": 2, "|": 2, "`": 3, ";": 4,
    "{": 4, "}": 4, "<": 5, "7": 6, "/": 7, "%": 7, "+": 7, "9": 8, "6": 9, "q": 9, "8": 9,
    "z": 9, "j": 10, "4": 10, "5": 11, "3": 11, "*": 12, "[": 14, "]": 14, "2": 19, "1": 23,
    ">": 25, "\\": 26, "k": 41, "v": 43, "#": 52, "-": 56, "w": 57, "y": 61, "=": 69, ":": 71,
    "x": 74, "0": 79, '"': 80, "b": 81, "g": 92, "(": 92, ")": 92, ",": 95, ".": 115, "h": 126,
    "'": 133, "_": 139, "m": 141, "u": 151, "p": 157, "f": 197, "c": 211, "d": 211, "l": 306,
    "o": 335, "i": 372, "n": 379, "r": 381, "a": 383, "s": 393, "t": 493, "e": 723, " ": 2971,
}
# fmt: on
# Anchors are characters at most this frequent (per 10,000) in source code.
_RARE_MAX = 60.0
_ALWAYS_RARE = 10.0
_FORWARD = 0x01  # sentinel for rare anchor characters, searched forward
_BACKWARD = 0x02  # sentinel for separators, searched in the reversed text
_SEPARATORS = frozenset("_-.")
_ASCII_LOWER = bytes(range(256)).lower()


@dataclass(frozen=True)
class KeywordPlan:
    """How each keyword is searched: anchored on a rare character (forward), anchored on a
    separator ``_-.`` in the reversed text (backward), or by plain substring search. Values
    are the index of the anchor character in the keyword."""

    forward: dict[str, int]
    backward: dict[str, int]
    plain: tuple[str, ...]


def plan_keyword_search(keywords: Iterable[str]) -> KeywordPlan:
    """Keywords with a separator after their first character (``ghp_``, ``glpat-``, ``hvs.``,
    ``--user``) anchor on their last separator in the reversed text; others anchor on their
    rarest character if it is rare enough; the few left use plain substring search."""
    forward: dict[str, int] = {}
    backward: dict[str, int] = {}
    plain: list[str] = []
    for kw in sorted(set(keywords)):
        separators = [i for i, ch in enumerate(kw) if ch in _SEPARATORS and i > 0]
        if separators:
            backward[kw] = separators[-1]
            continue
        rare = [
            i
            for i, ch in enumerate(kw)
            if _DENSITY.get(ch, 1.0) <= _RARE_MAX and ch not in _SEPARATORS
        ]
        if rare:
            # Prefer an anchor with characters after it: those fail fast in the trie, while an
            # anchor at the end leaves only a look-behind to test at every sentinel.
            forward[kw] = min(rare, key=lambda i: (i == len(kw) - 1, _DENSITY.get(kw[i], 1.0), i))
        else:
            plain.append(kw)
    # All anchor characters share one sentinel, so a keyword needs at least two other
    # characters to stay distinctive after translation ("xy:" would match "**:", "//:"), unless
    # its anchor is so rare that the odd false candidate costs nothing.
    anchors = {kw[i] for kw, i in forward.items()}
    for kw, i in list(forward.items()):
        if sum(ch not in anchors for ch in kw) < 2 and _DENSITY.get(kw[i], 1.0) > _ALWAYS_RARE:
            del forward[kw]
            plain.append(kw)
    return KeywordPlan(forward, backward, tuple(sorted(plain)))


def _trie_regex(entries: Iterable[tuple[bytes, bytes]]) -> bytes:
    """Alternation of ``(word, check)`` entries as a byte trie: every branch starts with a distinct
    literal, which sre rejects with one comparison. At the end of ``word`` the bytes ``check``
    (if not empty) must end there too: a look-behind for the part of a keyword before its
    anchor."""
    tree: dict[int, Any] = {}
    for word, check in entries:
        node = tree
        for byte in word:
            node = node.setdefault(byte, {})
        node.setdefault(-1, set()).add(check)

    def render(node: dict[int, Any]) -> bytes:
        alternatives = [
            re.escape(bytes([key])) + render(node[key])
            for key in sorted(k for k in node if k != -1)
        ]
        if -1 in node:
            checks = sorted(node[-1], key=len)
            if not checks[0]:
                alternatives.append(b"")
            else:
                alternatives.extend(b"(?<=" + re.escape(check) + b")" for check in checks)
        if len(alternatives) == 1:
            return alternatives[0]
        return b"(?:" + b"|".join(alternatives) + b")"

    return render(tree)


class KeywordIndex:
    """Finds every occurrence of a fixed set of case-insensitive ASCII keywords.

    One ``bytes.translate`` lower-cases the text and turns rare anchor characters into a
    sentinel byte (and ``_-.`` into a second one); a regex starting with the literal sentinel
    (sre's fastest search path) checks the rest of each keyword around every sentinel. Keywords
    containing ``_-.`` (most provider prefixes: ``ghp_``, ``glpat-``, ``hvs.``) are matched the
    same way in the reversed bytes, anchored on their last separator; the few left are found by
    plain substring search. Every hit is confirmed against the original bytes: results are exact
    (a property test compares them with a naive search).
    """

    def __init__(self, keywords: Iterable[str]) -> None:
        self.keywords: tuple[str, ...] = tuple(sorted({kw.lower() for kw in keywords}))
        self.plan = plan_keyword_search(self.keywords)
        table = bytearray(_ASCII_LOWER)
        table[_FORWARD] = table[_BACKWARD] = ord("?")
        for ch in {kw[i] for kw, i in self.plan.forward.items()}:
            table[ord(ch)] = _FORWARD
            table[ord(ch.upper())] = _FORWARD
        for ch in {kw[i] for kw, i in self.plan.backward.items()}:
            table[ord(ch)] = _BACKWARD
        self._table = bytes(table)

        # Keywords are indexed by (anchor character, translated rest after the anchor): the regex
        # captures the longest rest that occurs, and every keyword that occurs at that sentinel
        # has a rest that is a prefix of it (they lie on the same trie path). Backward keywords
        # are indexed the same way in the reversed bytes, where a keyword reads right to left:
        # its anchor separator is followed by the (reversed) part before it.
        self._forward_rests, self._forward = self._anchored(self.plan.forward, _FORWARD, False)
        self._backward_rests, self._backward = self._anchored(self.plan.backward, _BACKWARD, True)
        self._plain = tuple(
            (kw.encode("ascii").translate(self._table), kw) for kw in self.plan.plain
        )

    def _anchored(
        self, anchors: dict[str, int], sentinel: int, reverse: bool
    ) -> tuple[dict[tuple[int, bytes], list[tuple[bytes, int]]], re.Pattern[bytes] | None]:
        """The (anchor, rest) index and the sentinel regex for keywords anchored at `anchors`
        (keyword -> anchor index), read forwards or (`reverse`) in the reversed bytes."""
        rests: dict[tuple[int, bytes], list[tuple[bytes, int]]] = {}
        entries: list[tuple[bytes, bytes]] = []
        for kw, i in anchors.items():
            raw = kw.encode("ascii")
            translated = raw.translate(self._table)
            j = i
            if reverse:
                translated = translated[::-1]
                j = len(raw) - 1 - i
            rests.setdefault((raw[i], translated[j + 1 :]), []).append((raw, i))
            entries.append((translated[j + 1 :], translated if j else b""))
        if not entries:
            return rests, None
        return rests, re.compile(
            re.escape(bytes([sentinel])) + b"(?=(" + _trie_regex(entries) + b"))"
        )

    @staticmethod
    def _confirm(
        raw: bytes,
        pos: int,
        captured: bytes,
        rests: dict[tuple[int, bytes], list[tuple[bytes, int]]],
        found: set[tuple[bytes, int]],
    ) -> None:
        anchor = _ASCII_LOWER[raw[pos]]
        for length in range(len(captured), -1, -1):
            for word, i in rests.get((anchor, captured[:length]), ()):
                start = pos - i
                if start >= 0 and raw[start : start + len(word)].lower() == word:
                    found.add((word, start))

    def find(self, text: str) -> dict[str, list[int]]:
        """Keyword → start offsets (character offsets into ``text``) of every occurrence."""
        if not text or not self.keywords:
            return {}
        # 'replace' turns each non-ASCII code point into one '?': offsets stay 1:1.
        raw = text.encode("ascii") if text.isascii() else text.encode("ascii", "replace")
        translated = raw.translate(self._table)
        found: set[tuple[bytes, int]] = set()
        if self._forward is not None:
            for match in self._forward.finditer(translated):
                self._confirm(raw, match.start(), match.group(1), self._forward_rests, found)
        if self._backward is not None:
            last = len(raw) - 1
            for match in self._backward.finditer(translated[::-1]):
                # match.start() is the anchor separator counted from the end of the text
                self._confirm(
                    raw, last - match.start(), match.group(1), self._backward_rests, found
                )
        for needle, kw in self._plain:
            word = kw.encode("ascii")
            pos = translated.find(needle)
            while pos != -1:
                if raw[pos : pos + len(word)].lower() == word:
                    found.add((word, pos))
                pos = translated.find(needle, pos + 1)
        hits: dict[str, list[int]] = {}
        for word, start in sorted(found, key=lambda item: item[1]):
            hits.setdefault(word.decode("ascii"), []).append(start)
        return hits


# --------------------------------------------------------------------------------------------
# The detector
# --------------------------------------------------------------------------------------------


class SecretDetector:
    """Scans text for secrets with a fixed rule set. Build once (``default()``), scan many times.

    ``scan`` is pure and thread-safe: it keeps no state between calls.
    """

    name = DETECTOR_NAME
    # The longest text-scope rules are private keys, whose bodies may be string-escaped ("\\n"
    # is two characters per repetition): pgp-private-key allows 65,536 body repetitions
    # (131,146 characters in all); PuTTY, OpenSSH, PEM and service-account keys reach ~32.9 KB,
    # JWTs ~22.5 KB. Line-scope rules only run in windows around a keyword. A test checks that
    # every bounded text-scope rule fits, and that unbounded rules are line-scoped.
    max_match_chars = 132 * 1024
    category = CATEGORY_SECRET

    def __init__(self, rules: Iterable[SecretRule]) -> None:
        rule_list = list(rules)
        seen: set[str] = set()
        for rule in rule_list:
            if rule.id in seen:
                raise SecretRulesError(f"duplicate secret rule id {rule.id!r}")
            seen.add(rule.id)
        self.rules: tuple[SecretRule, ...] = tuple(rule_list)
        self._compiled = tuple(rule.compile() for rule in self.rules)
        self._index = KeywordIndex(kw for rule in self.rules for kw in rule.keywords)

    @classmethod
    def default(cls) -> SecretDetector:
        """Every rules file shipped in ``claude_guard/data/secrets``."""
        return cls.from_files(packaged_rule_paths())

    @classmethod
    def from_files(cls, paths: Iterable[Path | str]) -> SecretDetector:
        rules: list[SecretRule] = []
        for path in paths:
            rules.extend(load_rules_file(path).rules)
        return cls(rules)

    def scan(self, text: str) -> list[Finding]:
        if not text:
            return []
        hits = self._index.find(text)
        if not hits:
            return []
        raw: list[tuple[int, int, float, CompiledRule]] = []
        for rule in self._compiled:
            positions = [p for kw in rule.keywords for p in hits.get(kw, ())]
            if not positions:
                continue
            if rule.scope == "text":
                windows: Iterable[tuple[int, int]] = ((0, len(text)),)
            else:
                windows = _line_windows(text, positions)
            for lo, hi in windows:
                for match in rule.pattern.finditer(text, lo, hi):
                    accepted = rule.accepts(text, match)
                    if accepted is not None:
                        raw.append((*accepted, rule))
        if not raw:
            return []
        lines = LineIndex(text)
        findings = [
            Finding(
                category=CATEGORY_SECRET,
                type=rule.type,
                start=start,
                end=end,
                line=lines.line_of(start),
                score=score,
                detector=rule.detector,
            )
            for start, end, score, rule in raw
        ]
        return dedupe_overlapping(findings, _secret_rank)


def _secret_rank(f: Finding) -> tuple[float, int, int]:
    """The highest score wins an overlap, then the earlier start, then the shorter span."""
    return (-f.score, f.start, f.end)


def _line_windows(text: str, positions: Iterable[int]) -> list[tuple[int, int]]:
    """Merged [lo, hi) windows: each hit's line, clipped to a bounded distance around the hit."""
    n = len(text)
    windows: list[tuple[int, int]] = []
    covered = -1  # hits before this offset need no window of their own
    for pos in sorted(set(positions)):
        if pos < covered:
            continue
        floor = max(0, pos - WINDOW_BEFORE)
        lo = text.rfind("\n", floor, pos) + 1 or floor
        ceiling = min(n, pos + WINDOW_AFTER)
        hi = text.find("\n", pos, ceiling)
        if hi == -1:
            hi = ceiling
        # A later hit inside this window only matters if its own window reaches further.
        covered = hi - MATCH_REACH if hi == ceiling else hi
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], hi))
        else:
            windows.append((lo, hi))
    return windows
