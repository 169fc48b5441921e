"""Review findings in the content detectors: chunk boundaries, the scan cache, digit parsing,
a failing detector, partial scans in the content policy, and quadratic PHI work."""

from __future__ import annotations

import base64
import codecs
import dataclasses
import itertools
import json
import random
import time
from pathlib import Path

import pytest

from claude_guard.answer.redaction import WITHHELD, redact_tool_response
from claude_guard.decide.content import judge_contents
from claude_guard.detect import scanner as scanner_module
from claude_guard.detect.findings import Finding, dedupe_overlapping
from claude_guard.detect.phi import validators as v
from claude_guard.detect.phi.detector import PhiDetector
from claude_guard.detect.scanner import (
    CHUNK_CHARS,
    ContentScanner,
    ScanCache,
    ScanLimits,
    ScanResult,
    ScanStatus,
)
from claude_guard.detect.secrets import WINDOW_AFTER, WINDOW_BEFORE, SecretDetector, luhn_ok
from claude_guard.entry.warm import WarmState
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


REPO = Path(__file__).resolve().parents[2]


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


def test_scanners_with_different_keys_never_share_cached_results(
    detection: EffectiveDetection,
) -> None:
    layer = load_layer_file("default", REPO / "claude_guard" / "data" / "policies" / "default.yaml")
    policy = merge_layers([layer])
    warm = WarmState()
    first = warm.scanner(b"a" * 32, policy)
    second = warm.scanner(b"b" * 32, policy)
    assert first.cache is not None and second.cache is not None
    assert first.cache is not second.cache
    text = _secret_text()
    assert len(text) >= ScanCache.MIN_CHARS
    one = first.scan_text(text)
    two = second.scan_text(text)
    assert [f.fingerprint for f in one.findings] == [first.fingerprint(AWS_KEY_ID)]
    assert [f.fingerprint for f in two.findings] == [second.fingerprint(AWS_KEY_ID)]
    assert first.scan_text(text).findings == one.findings  # a hit, its own result
    status = warm.cache_stats()
    assert (status["entries"], status["hits"], status["misses"]) == (2, 1, 2)


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


def test_non_ascii_digits_never_crash_the_validators() -> None:
    weird = [
        "12\u00b2456789",
        "9\u00b2",
        "\u0661\u0662\u0663\u0664\u0665\u0666\u0667",
        "\u00b9\u00b2",
    ]
    validators = [fn for name, fn in v.VALIDATORS.items() if name != "person_name"]
    more = [
        "DE8\u00b2370400440532013000",
        "AB12\u00b24563",
        "(01)1234567890123\u00b2",
    ]
    for value in [*weird, *more]:
        for validator in validators:
            validator(value)  # must not raise
    assert v.age_over_89("9\u00b2") is v.Verdict.INVALID
    assert v.us_ssn("12\u00b2456789") is v.Verdict.INVALID
    assert v.gtin_ok("1234567\u00b2") is False
    assert v.iban("D\u00e989370400440532013000") is v.Verdict.INVALID
    assert luhn_ok("4\u00b2\u00b2\u00b2") is False
    assert v.age_over_89("93") is v.Verdict.VALID  # ASCII still parses


@pytest.mark.parametrize(
    "text",
    [
        "PID|1||||||||||||||||||12\u00b2456789|",
        "PID|1||||||||||||||||||12\u00b2456789|\nage: 9\u00b2",
        "Patient DOB: 1\u00b2/0\u00b9/1950, MRN 00\u00b248291, SSN 53\u00b2-22-8726",
    ],
)
def test_superscript_digits_in_records_do_not_crash_the_scan(
    scanner: ContentScanner, text: str
) -> None:
    PhiDetector.default().scan(text)
    assert scanner.scan_text(text).status is ScanStatus.COMPLETE


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


def test_findings_of_an_incomplete_scan_still_count(detection: EffectiveDetection) -> None:
    lenient = dataclasses.replace(detection, incomplete=Action.ASK)
    target = ContentTarget("Write", text=f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n")
    verdict = judge_contents([target], _booming(), lenient)
    assert verdict.action is Action.DENY  # not lowered to `ask` by the incomplete scan
    assert [f.finding.type for f in verdict.findings] == ["AWS_ACCESS_KEY_ID"]
    assert "AWS_ACCESS_KEY_ID" in verdict.reason and "completely" in verdict.reason
    assert AWS_KEY_ID not in verdict.reason


def test_an_incomplete_scan_without_findings_takes_the_incomplete_action(
    detection: EffectiveDetection,
) -> None:
    for incomplete in (Action.ASK, Action.DENY):
        strict = dataclasses.replace(detection, incomplete=incomplete)
        verdict = judge_contents([ContentTarget("Write", text="hello\n")], _booming(), strict)
        assert verdict.action is incomplete
        assert verdict.rule_ids == ("detection:incomplete",)
        # The audit record says why, by type only.
        assert verdict.notes == ("detector boom failed (ValueError)",)


def test_too_large_takes_the_stricter_of_incomplete_and_findings(
    scanner: ContentScanner, detection: EffectiveDetection
) -> None:
    small = dataclasses.replace(detection, max_scan_bytes=64, incomplete=Action.ASK)
    verdict = judge_contents([ContentTarget("Write", text="x" * 200)], scanner, small)
    assert verdict.action is Action.ASK and verdict.rule_ids == ("detection:incomplete",)


def test_an_unreadable_file_is_not_clean(
    scanner: ContentScanner, detection: EffectiveDetection, tmp_path: Path
) -> None:
    # A "file" that exists but cannot be read as one (here: a directory, which open() refuses).
    real = str(tmp_path)
    path = NormalPath(raw=real, lexical=real, real=real, is_dir=False, exists=True)
    assert scanner.scan_file(real).status is ScanStatus.UNREADABLE
    for incomplete in (Action.ASK, Action.DENY):
        strict = dataclasses.replace(detection, incomplete=incomplete)
        verdict = judge_contents([ContentTarget("Read", path=path)], scanner, strict)
        assert verdict.action is incomplete
        assert "could not be read" in verdict.reason


def test_a_missing_file_stays_clean(
    scanner: ContentScanner, detection: EffectiveDetection, tmp_path: Path
) -> None:
    gone = str(tmp_path / "gone.txt")
    path = NormalPath(raw=gone, lexical=gone, real=gone, is_dir=False, exists=False)
    assert judge_contents([ContentTarget("Read", path=path)], scanner, detection).action is (
        Action.ALLOW
    )
    assert scanner.scan_file(gone).status is ScanStatus.MISSING


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


def _finding(category: str, type_: str, score: float) -> Finding:
    return Finding(category, type_, 0, 4, 1, score, "test")


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


def test_dedupe_overlapping_by_rank_across_categories() -> None:
    phi = Finding("phi", "PERSON", 0, 10, 1, 0.6, "a")
    pii = Finding("pii", "PERSON", 2, 12, 1, 0.9, "b")
    other = Finding("pii", "EMAIL_ADDRESS", 20, 30, 1, 0.5, "c")
    assert dedupe_overlapping([phi, pii, other]) == [phi, pii, other]
    rank = {"phi": 0, "pii": 1}
    kept = dedupe_overlapping(
        [pii, other, phi], lambda f: (rank[f.category], -f.score), per_category=False
    )
    assert kept == [phi, other]


def test_a_minified_json_of_users_is_linear() -> None:
    rng = random.Random(3)
    users = [
        {
            "id": i,
            "name": f"{rng.choice(['Maria', 'Tomas', 'Priya', 'Jonas'])} "
            f"{rng.choice(['Gonzalez', 'Abernathy', 'Quintero', 'Okafor'])}",
            "email": f"user{rng.randint(10, 99_999)}@mailbox.org",
        }
        for i in range(2500)
    ]
    text = json.dumps(users, separators=(",", ":"))
    assert len(text) > 150_000
    started = time.perf_counter()
    findings = PhiDetector.default().scan(text)
    assert time.perf_counter() - started < 3.0  # was ~10 s
    assert findings


def test_repeated_fhir_identifier_arrays_are_linear() -> None:
    text = '{"resourceType":"Patient",' + '"identifier":[' * 13_000
    started = time.perf_counter()
    PhiDetector.default().scan(text)
    assert time.perf_counter() - started < 3.0  # was ~16 s


def test_fhir_identifiers_are_still_found() -> None:
    text = json.dumps(
        {
            "resourceType": "Patient",
            "identifier": [
                {"type": {"coding": [{"code": "MR"}]}, "value": "00482913"},
                {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "536-22-8726"},
            ],
            "name": [{"text": "Tomas Abernathy"}],
        }
    )
    types = {f.type for f in PhiDetector.default().scan(text)}
    assert {"MEDICAL_RECORD_NUMBER", "US_SSN", "PERSON"} <= types


def test_scan_result_notes_default_empty() -> None:
    assert ScanResult(ScanStatus.COMPLETE).notes == ()
