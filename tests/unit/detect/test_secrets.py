"""Every secret rule on its own examples, the global allow-lists, and scanning invariants.

All secret-looking values here and in the rules files are synthetic.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import random
import string
import time
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_guard.detect.findings import CATEGORY_SECRET, Detector, Finding
from claude_guard.detect.secrets import (
    KeywordIndex,
    SecretDetector,
    SecretRule,
    base62_crc32_suffix_ok,
    bech32_ok,
    credential_like,
    globally_allowed,
    jwt_header_ok,
    luhn_ok,
    shannon_entropy,
    split_marked_example,
)

DETECTOR = SecretDetector.default()
RULES = {rule.id: rule for rule in DETECTOR.rules}
POSITIVES = [
    pytest.param(rule, example, id=f"{rule.id}+{n}")
    for rule in DETECTOR.rules
    for n, example in enumerate(rule.examples.positive)
]
NEGATIVES = [
    pytest.param(rule, example, id=f"{rule.id}-{n}")
    for rule in DETECTOR.rules
    for n, example in enumerate(rule.examples.negative)
]
_SINGLE: dict[str, SecretDetector] = {}


def single(rule: SecretRule) -> SecretDetector:
    if rule.id not in _SINGLE:
        _SINGLE[rule.id] = SecretDetector([rule])
    return _SINGLE[rule.id]


def spans(findings: list[Finding]) -> set[tuple[str, int, int]]:
    return {(f.type, f.start, f.end) for f in findings}


# ------------------------------------------------------------------ rule examples


@pytest.mark.parametrize(("rule", "example"), POSITIVES)
def test_positive_example_is_found_at_its_exact_offsets(rule: SecretRule, example: str) -> None:
    text, start, end = split_marked_example(example)
    assert (rule.type, start, end) in spans(single(rule).scan(text))
    assert (rule.type, start, end) in spans(DETECTOR.scan(text))


@pytest.mark.parametrize(("rule", "example"), NEGATIVES)
def test_negative_example_produces_no_finding(rule: SecretRule, example: str) -> None:
    assert DETECTOR.scan(example) == []


@pytest.mark.parametrize(("rule", "example"), POSITIVES)
def test_finding_lines_and_fields(rule: SecretRule, example: str) -> None:
    text, start, _ = split_marked_example(example)
    prefixed = "# header line\n\n" + text
    findings = [f for f in DETECTOR.scan(prefixed) if f.start == start + 15]
    assert findings
    for finding in findings:
        assert finding.category == CATEGORY_SECRET
        assert finding.line == prefixed.count("\n", 0, finding.start) + 1
        assert finding.detector.startswith("secrets:")
        assert 0.0 < finding.score <= 1.0


def test_detector_implements_the_protocol() -> None:
    assert isinstance(DETECTOR, Detector)
    assert DETECTOR.name == "secrets"
    assert DETECTOR.scan("") == []


# ------------------------------------------------------------------ global allow-lists

SYNTHETIC_TOKEN = "Zq7" + "xK2mN8pR4vT6wY9" + "bC3dF5gH1jL0"  # random-looking, built at runtime


@pytest.mark.parametrize(
    "text",
    [
        # placeholders, whole value or obviously marked
        'password = "changeme"',
        "API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        'api_key = "<your-token>"',
        'api_key = "your_api_key_here"',
        'secret = "dummy"',
        'secret = "example-secret-value-123"',
        'password = "test"',
        'token = "fake-token-Xy12345678"',
        'client_secret = "sample_client_secret_9"',
        "password: '********'",
        # documented example keys
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        # template variables
        "password: ${DB_PASSWORD}",
        'password: "{{ db_password }}"',
        'password = "%(password)s"',
        "API_TOKEN=$API_TOKEN",
        "password = {password}",
        # environment look-ups
        'password = os.environ["DB_PASSWORD"]',
        'token = os.getenv("GITHUB_TOKEN")',
        "const secret = process.env.CLIENT_SECRET;",
        'secret_key = ENV["SECRET_KEY"]',
        'String pw = System.getenv("DB_PASSWORD");',
        # public keys and certificates
        "ssh_public_key: ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7vbqajDhA dev@host",
        "-----BEGIN PUBLIC KEY-----\n"
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n"
        "-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\n"
        "MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n"
        "-----END CERTIFICATE-----",
        # lock-file integrity hashes
        '"integrity": "sha512-' + base64.b64encode(bytes(range(64))).decode() + '",',
        "  integrity sha512-AIzaSy"
        + "B" * 35
        + "abcdefghABCDEFGH012345678901234567890123456789012345678==",
        "requests==2.31.0 --hash=sha256:" + "0123456789abcdef" * 4,
        "golang.org/x/text v0.14.0 h1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=",
        # UUIDs and git SHAs
        'secret_id = "3f2c8a4e-9b1d-4c7e-8f6a-2d5b7c9e1a30"',
        'token = "9fceb02d0ae598e95dc970b74767f19372d61af8"',
    ],
)
def test_global_allow_lists(text: str) -> None:
    assert DETECTOR.scan(text) == []


def test_the_same_names_with_real_looking_values_are_found() -> None:
    for text in (
        f'password = "{SYNTHETIC_TOKEN}"',
        f"API_KEY={SYNTHETIC_TOKEN}",
        f'token = "{SYNTHETIC_TOKEN}"',
        f'secret_key = "{SYNTHETIC_TOKEN}"',
    ):
        findings = DETECTOR.scan(text)
        assert [text[f.start : f.end] for f in findings] == [SYNTHETIC_TOKEN], text


@pytest.mark.parametrize(
    "value",
    ["changeme", "<token>", "${X}", "{{ x }}", "AKIAIOSFODNN7EXAMPLE", "sha512-abc+/=="],
)
def test_globally_allowed_values(value: str) -> None:
    assert globally_allowed(value)


def test_uuid_and_sha_shapes_can_be_kept_by_a_rule() -> None:
    uuid = "3f2c8a4e-9b1d-4c7e-8f6a-2d5b7c9e1a30"
    assert globally_allowed(uuid)
    assert not globally_allowed(uuid, keep_shapes=["uuid"])
    sha = "9fceb02d0ae598e95dc970b74767f19372d61af8"
    assert globally_allowed(sha)
    assert not globally_allowed(sha, keep_shapes=["git_sha"])


# ------------------------------------------------------------------ validators


def _github_style(prefix: str, body: str) -> str:
    checksum = zlib.crc32(body.encode())
    alphabet = string.digits + string.ascii_uppercase + string.ascii_lowercase
    digits = ""
    while checksum:
        checksum, r = divmod(checksum, 62)
        digits = alphabet[r] + digits
    return prefix + body + digits.rjust(6, "0")


def test_github_crc32_checksum() -> None:
    rng = random.Random(7)
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(30))
    token = _github_style("ghp_", body)
    assert base62_crc32_suffix_ok(token)
    assert not base62_crc32_suffix_ok(token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert not base62_crc32_suffix_ok("ghp_short")


def test_checksum_failure_means_no_token() -> None:
    rng = random.Random(8)
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(30))
    good = _github_style("ghp_", body)
    bad = good[:-2] + ("zz" if good[-2:] != "zz" else "yy")
    [valid] = DETECTOR.scan(f"GITHUB_TOKEN={good}")
    assert valid.type == "GITHUB_PERSONAL_ACCESS_TOKEN"
    # Neither the GitHub rule nor the generic assignment rule reports a token GitHub rejects.
    assert DETECTOR.scan(f"GITHUB_TOKEN={bad}") == []
    assert DETECTOR.scan(f'NOT_A_TOKEN = "{bad}"') == []


def test_checksum_miss_score_keeps_a_lower_confidence_finding() -> None:
    base = RULES["github-pat"]
    lenient = SecretRule.model_validate(
        {**base.model_dump(), "id": "github-pat-lenient", "checksum_miss_score": 0.4}
    )
    rng = random.Random(9)
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(30))
    good = _github_style("ghp_", body)
    bad = good[:-2] + ("zz" if good[-2:] != "zz" else "yy")
    detector = SecretDetector([lenient])
    assert [f.score for f in detector.scan(f"T={good}")] == [base.score]
    assert [f.score for f in detector.scan(f"T={bad}")] == [0.4]


def test_luhn() -> None:
    assert luhn_ok("4539 1488 0343 6467")
    assert not luhn_ok("4539 1488 0343 6468")
    assert not luhn_ok("7")


def test_bech32() -> None:
    assert bech32_ok("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
    assert not bech32_ok("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8q")
    assert not bech32_ok("noseparator")


def _b64url(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def test_jwt_header() -> None:
    assert jwt_header_ok(f"{_b64url({'alg': 'RS256'})}.{_b64url({'sub': '1'})}.c2ln")
    assert not jwt_header_ok(f"{_b64url({'typ': 'JWT'})}.{_b64url({'sub': '1'})}.c2ln")
    assert not jwt_header_ok("not.a.jwt")
    assert not jwt_header_ok("only.two")


def test_entropy_and_credential_shape() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == pytest.approx(2.0)
    assert credential_like("Zq7xK2mN8pR4")
    for value in (
        "self.api_key",
        "MY_SECRET_NAME",
        "some-words-here",
        "/usr/local/bin/x",
        "src/main/java/com/example/MyApplicationController",
        "getHTTPResponseHandlerFactory",
    ):
        assert not credential_like(value), value


@pytest.mark.parametrize(
    "value",
    [
        # Random base64 can contain '/' (looks like a path) or no digit at all (looks like a
        # name); both shapes turned up in generated canaries that the generic rule missed.
        "KgXXJeznEiQJUhmEkrhHqrDHza/upunjD5/i5maj",
        "q8Zt/Hw2/PmN4rXv9KbLc7Yd1FsGa3JeUo6TiWnQ",
        "dWbUlShNwBPydVILYQCmmqmdoEKvCbxKgAliGjdf",
    ],
)
def test_random_values_are_credential_like_whatever_their_shape(value: str) -> None:
    assert credential_like(value)


# ------------------------------------------------------------------ scanning invariants


def test_offsets_are_in_characters_for_non_ascii_text() -> None:
    text = f"# Schlüssel für die Datenbank — ünïcödé ✓\npassword = '{SYNTHETIC_TOKEN}'"
    [finding] = DETECTOR.scan(text)
    assert text[finding.start : finding.end] == SYNTHETIC_TOKEN
    assert finding.line == 2


def test_findings_never_carry_the_value() -> None:
    text = f'api_key = "{SYNTHETIC_TOKEN}"'
    [finding] = DETECTOR.scan(text)
    assert SYNTHETIC_TOKEN not in repr(finding)
    assert all(SYNTHETIC_TOKEN not in str(value) for value in dataclasses.astuple(finding))


def test_keyword_index_finds_every_occurrence_case_insensitively() -> None:
    index = KeywordIndex(["ghp_", "token", "q~", "secret", "://", "xoxb-", "asia"])
    text = "TOKEN token ToKeN ghp_ GHP_ q~ Q~ Secret ://x xoxb- ASIA tokens"
    hits = index.find(text)
    for keyword in ("ghp_", "token", "q~", "secret", "://", "xoxb-", "asia"):
        expected = [i for i in range(len(text)) if text.lower().startswith(keyword, i)]
        assert hits.get(keyword) == expected, keyword


@given(
    st.lists(st.sampled_from(sorted(DETECTOR._index.keywords)), max_size=6), st.text(max_size=80)
)
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_keyword_index_matches_naive_search(keywords: list[str], filler: str) -> None:
    text = filler.join(k.upper() if i % 2 else k for i, k in enumerate(keywords)) + filler
    hits = DETECTOR._index.find(text)
    lowered = "".join(ch.lower() if ch.isascii() else "?" for ch in text)
    for keyword in DETECTOR._index.keywords:
        expected = [i for i in range(len(text)) if lowered.startswith(keyword, i)]
        assert hits.get(keyword, []) == expected, keyword


TOKENISH = st.sampled_from(
    [
        "password = ",
        "api_key: ",
        "token=",
        "ghp_",
        "AKIA",
        "sk-proj-",
        "-----BEGIN PRIVATE KEY-----\n",
        "-----END PRIVATE KEY-----",
        "postgres://u:",
        "@host/db",
        "eyJhbGciOi",
        ".",
        '"',
        "'",
        "\n",
        "\u00e9",
        "\U0001f600",
        "AGE-SECRET-KEY-1",
        "xoxb-",
    ]
)


@given(st.lists(st.one_of(TOKENISH, st.text(max_size=30)), max_size=40))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_random_text_never_raises_and_offsets_are_sound(parts: list[str]) -> None:
    text = "".join(parts)
    for finding in DETECTOR.scan(text):
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.line == text.count("\n", 0, finding.start) + 1
        assert finding.category == CATEGORY_SECRET


def test_long_minified_line_is_scanned_linearly() -> None:
    token = "glpat-" + "Ab3dE6gH9jK2mN5pQ8sT"
    chunk = "var a={password:x,token:y,secret:z,api_key:w};" * 20
    line = chunk * 2000 + f'var k="{token}";' + chunk * 2000
    started = time.perf_counter()
    findings = DETECTOR.scan(line)
    elapsed = time.perf_counter() - started
    assert any(line[f.start : f.end] == token for f in findings)
    assert elapsed < 60  # "finishes": a quadratic scan of 3.7 MB would not


ADVERSARIAL_FILLERS = {
    "a": "a" * 100_000,
    "=": "=" * 100_000,
    "base64": ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" * 1600)[:100_000],
    "hex": ("0123456789abcdef" * 6250),
    "dash": "-" * 100_000,
    "lines": "x\n" * 50_000,
    "quotes": "'\"" * 50_000,
}


@pytest.mark.parametrize("rule", DETECTOR.rules, ids=lambda r: r.id)
def test_no_catastrophic_backtracking(rule: SecretRule) -> None:
    detector = single(rule)
    started = time.perf_counter()
    for filler in ADVERSARIAL_FILLERS.values():
        for keyword in rule.keywords:
            detector.scan(keyword + filler)
            detector.scan(filler + keyword + filler[:1000] + keyword.upper())
        list(rule.pattern.finditer(filler))
    assert time.perf_counter() - started < 120  # generous: only "it finishes"
