"""The ContentScanner: chunk boundaries and their overlap, the scan cache, a failing detector,
UTF-16 and binary files, and the policy's scan limits for every caller."""

from __future__ import annotations

import base64
import codecs
import dataclasses
import itertools
import random
from pathlib import Path

import pytest

from claude_guard.answer.redaction import WITHHELD, redact_tool_response
from claude_guard.decide.content import judge_contents
from claude_guard.detect import scanner as scanner_module
from claude_guard.detect.findings import Finding
from claude_guard.detect.phi.detector import PhiDetector
from claude_guard.detect.scanner import (
    CHUNK_CHARS,
    ContentScanner,
    ScanCache,
    ScanLimits,
    ScanResult,
    ScanStatus,
)
from claude_guard.detect.secrets import WINDOW_AFTER, WINDOW_BEFORE, SecretDetector
from claude_guard.paths import NormalPath
from claude_guard.policy.loader import load_layer_file
from claude_guard.policy.merge import EffectiveDetection, merge_layers
from claude_guard.policy.schema import Action
from claude_guard.session.store import Session
from claude_guard.touches.touchset import ContentTarget

SECRET_REACH = SecretDetector.max_match_chars  # the chunk overlap the secret rules get


try:
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_parse  # type: ignore[no-redef]


REPO = Path(__file__).resolve().parents[3]

KEY = b"k" * 32

AWS_KEY_ID = "AKIA" + "QX7TZ2MB5KD4WRJ6"

FILLER_LINE = "result = compute_total(items, rate)  # sum\n"


@pytest.fixture(scope="module")
def detection() -> EffectiveDetection:
    layer = load_layer_file("default", REPO / "claude_guard" / "data" / "policies" / "default.yaml")
    return merge_layers([layer]).detection


@pytest.fixture(scope="module")
def scanner() -> ContentScanner:
    return ContentScanner.default(KEY)


def pem_block(size: int, seed: int = 1, escaped: bool = False) -> str:
    """A synthetic RSA PEM block of about `size` characters: random bytes, no real key."""
    body = base64.b64encode(random.Random(seed).randbytes(size * 3 // 4)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    newline = "\\n" if escaped else "\n"
    return (
        f"-----BEGIN RSA PRIVATE KEY-----{newline}"
        + newline.join(lines)
        + f"{newline}-----END RSA PRIVATE KEY-----"
    )


@pytest.mark.parametrize("size", [6400, 12_000])
@pytest.mark.parametrize("before", [0, 100, 500, 2000, 6000, -100])
def test_a_private_key_across_the_chunk_boundary_is_found(
    scanner: ContentScanner, size: int, before: int
) -> None:
    key = pem_block(size)
    # Long enough for several chunks; the key starts `before` characters before the first
    # chunk's end (a line break, where the chunker cuts).
    filler = FILLER_LINE * ((CHUNK_CHARS + SECRET_REACH) * 2 // len(FILLER_LINE))
    cut = filler.rfind("\n", 0, CHUNK_CHARS) + 1
    pos = filler.rfind("\n", 0, cut - before) + 1 if before > 0 else cut - before
    text = filler[:pos] + key + "\n" + filler[pos:]
    assert len(text) > CHUNK_CHARS + SECRET_REACH  # really more than one chunk
    result = scanner.scan_text(text)
    assert result.status is ScanStatus.COMPLETE
    keys = [f.finding for f in result.findings if f.finding.type == "PRIVATE_KEY"]
    assert [(k.start, k.end) for k in keys] == [(pos, pos + len(key))]


def test_a_string_escaped_private_key_of_maximal_length_across_the_boundary(
    scanner: ContentScanner,
) -> None:
    # Minified JSON: no line break for the chunker to cut at, so the cut falls inside the key.
    key = pem_block(16_000, escaped=True)  # ~32 KB: "\\n" is two characters
    filler = '{"id":1,"ok":true},' * ((CHUNK_CHARS + SECRET_REACH) * 2 // 19)
    pos = CHUNK_CHARS - 300
    text = filler[:pos] + f'"private_key_pem":"{key}",' + filler[pos:]
    assert "\n" not in text
    keys = [f.finding for f in scanner.scan_text(text).findings if f.finding.type == "PRIVATE_KEY"]
    assert [(k.start, k.end) for k in keys] == [(pos + 19, pos + 19 + len(key))]


def _max_width(regex: str) -> int | None:
    width = sre_parse.parse(regex).getwidth()[1]
    return None if width >= sre_parse.MAXREPEAT else int(width)


def test_the_chunk_overlap_covers_the_longest_secret_any_rule_can_match() -> None:
    for rule in SecretDetector.default().rules:
        width = _max_width(rule.regex)
        if width is None:
            # Unbounded rules must be line-scoped: they only ever run in bounded windows.
            assert rule.scope == "line", rule.id
        elif rule.scope == "text":
            assert width <= SECRET_REACH, rule.id
    # Line-scope rules match within windows around a keyword hit, far shorter than the overlap.
    assert WINDOW_BEFORE + WINDOW_AFTER < SECRET_REACH // 8


def test_chunks_cover_the_text_and_each_reaches_past_its_successor_start() -> None:
    text = ("abc\n" * 50_000) + ("x" * 700_000)
    chunks = list(scanner_module._chunks(text, SECRET_REACH))
    assert chunks[0][0] == 0 and len(chunks) > 1
    for (start, chunk), (nxt, _) in itertools.pairwise(chunks):
        assert text[start : start + len(chunk)] == chunk
        assert start + len(chunk) >= nxt + SECRET_REACH
    last_start, last = chunks[-1]
    assert last_start + len(last) == len(text)
    assert list(scanner_module._chunks("short", SECRET_REACH)) == [(0, "short")]


def _secret_text() -> str:
    return FILLER_LINE * 120 + f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n"


def test_one_cache_shared_by_different_detector_sets_answers_each_its_own() -> None:
    shared = ScanCache()
    secrets_only = ContentScanner([SecretDetector.default()], KEY, cache=shared)
    phi_only = ContentScanner([PhiDetector.default()], KEY, cache=shared)
    text = _secret_text()
    assert [f.finding.type for f in secrets_only.scan_text(text).findings] == ["AWS_ACCESS_KEY_ID"]
    assert phi_only.scan_text(text).findings == []
    assert [f.finding.type for f in secrets_only.scan_text(text).findings] == ["AWS_ACCESS_KEY_ID"]


def test_a_file_and_the_same_text_share_one_cache_entry(tmp_path: Path) -> None:
    cached = ContentScanner([SecretDetector.default()], KEY, cache=ScanCache())
    assert cached.cache is not None
    text = _secret_text() + "caf\u00e9\n"
    path = tmp_path / "f.txt"
    path.write_bytes(text.encode("utf-8"))
    from_file = cached.scan_file(str(path))
    from_text = cached.scan_text(text)
    assert from_file.findings == from_text.findings
    assert (len(cached.cache), cached.cache.hits, cached.cache.misses) == (1, 1, 1)
    # Invalid UTF-8 is keyed by its replacement-decoded text: still one entry for both.
    path.write_bytes(text.encode("utf-8") + b"\xff\n")
    decoded = (text.encode("utf-8") + b"\xff\n").decode("utf-8", "replace")
    assert cached.scan_file(str(path)).findings == cached.scan_text(decoded).findings
    assert cached.cache.hits == 2


class _Boom:
    name = "boom"
    max_match_chars = 4096

    def scan(self, text: str) -> list[Finding]:
        raise ValueError(f"cannot parse {text[:40]!r}")


def _booming() -> ContentScanner:
    return ContentScanner([SecretDetector.default(), _Boom()], KEY)


def test_a_failing_detector_makes_the_scan_incomplete_without_its_message() -> None:
    text = f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n"
    result = _booming().scan_text(text)
    assert result.status is ScanStatus.INCOMPLETE
    assert [f.finding.type for f in result.findings] == ["AWS_ACCESS_KEY_ID"]
    assert result.notes == ("detector boom failed (ValueError)",)
    assert AWS_KEY_ID not in repr(result) and "cannot parse" not in repr(result)


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_utf16_text_is_scanned_not_passed_as_binary(
    scanner: ContentScanner, detection: EffectiveDetection, tmp_path: Path, bom: bytes, codec: str
) -> None:
    path = tmp_path / "creds.txt"
    path.write_bytes(bom + f"# creds\nAWS_ACCESS_KEY_ID={AWS_KEY_ID}\n".encode(codec))
    result = scanner.scan_file(str(path))
    assert result.status is ScanStatus.COMPLETE
    assert [f.finding.type for f in result.findings] == ["AWS_ACCESS_KEY_ID"]
    assert result.findings[0].finding.line == 2
    real = str(path)
    target = ContentTarget("Read", path=NormalPath(real, real, real, is_dir=False))
    assert judge_contents([target], scanner, detection).action is Action.DENY


def test_real_binary_stays_binary_even_behind_a_bom(
    scanner: ContentScanner, tmp_path: Path
) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    assert scanner.scan_file(str(path)).status is ScanStatus.BINARY
    path.write_bytes(codecs.BOM_UTF16_LE + b"ab\x00\x00\x00\x00cd" + bytes(32))
    assert scanner.scan_file(str(path)).status is ScanStatus.BINARY


def test_every_caller_scans_under_the_policys_limits(
    scanner: ContentScanner, detection: EffectiveDetection, tmp_path: Path
) -> None:
    limits = ScanLimits.for_policy(detection)
    assert (limits.max_bytes, limits.seconds) == (detection.max_scan_bytes, detection.scan_seconds)
    assert ScanLimits.for_policy(detection, -1.0).seconds == 0.0
    # Redaction honours the policy's size limit (it used the built-in 20 MB).
    small = dataclasses.replace(detection, max_scan_bytes=64)
    response = {"stdout": "x" * 200, "stderr": "", "interrupted": False}
    result = redact_tool_response("Bash", response, scanner, small, Session("s", tmp_path))
    assert result.updated is not None and result.updated["stdout"] == WITHHELD


def test_scan_result_notes_default_empty() -> None:
    assert ScanResult(ScanStatus.COMPLETE).notes == ()
