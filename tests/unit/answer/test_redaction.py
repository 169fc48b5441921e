"""Output redaction: every known response shape keeps its structure with values replaced by
session-stable placeholders; unknown shapes fall back to generic redaction; no value ever
lands in the session file, the result metadata or an exception message."""

from __future__ import annotations

import dataclasses
import json
import random
import secrets
import string
from pathlib import Path
from typing import Any

import pytest

from claude_guard.answer.redaction import (
    WITHHELD,
    RedactionResult,
    post_tool_use_answer,
    redact_tool_response,
)
from claude_guard.detect.findings import Finding
from claude_guard.detect.scanner import ContentScanner
from claude_guard.policy.loader import load_layer_file
from claude_guard.policy.merge import EffectiveDetection, merge_layers
from claude_guard.session.store import Session
from claude_guard.tools import lookup
from claude_guard.tools.output import OutputShapeError

REPO = Path(__file__).resolve().parents[3]
KEY = b"k" * 32


@dataclasses.dataclass(frozen=True)
class Canaries:
    ssn: str
    mrn: str
    key_id: str
    secret: str

    def all(self) -> list[str]:
        return [self.ssn, self.mrn, self.key_id, self.secret]

    @property
    def patient(self) -> str:
        return (
            f"Patient: Maria Gonzalez   MRN: {self.mrn}   DOB: 03/14/1957\n"
            f"SSN on file: {self.ssn}\n"
        )

    @property
    def creds(self) -> str:
        return f"AWS_ACCESS_KEY_ID={self.key_id}\nAWS_SECRET_ACCESS_KEY={self.secret}\n"


def make_canaries() -> Canaries:
    rng = random.Random(secrets.randbits(64))
    return Canaries(
        ssn=f"{rng.randint(100, 665):03d}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
        mrn=str(rng.randint(10**7, 10**8 - 1)),
        key_id="AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16)),
        secret="".join(rng.choice(string.ascii_letters + string.digits + "/+") for _ in range(40)),
    )


@pytest.fixture(scope="module")
def scanner() -> ContentScanner:
    return ContentScanner.default(KEY)


@pytest.fixture(scope="module")
def detection() -> EffectiveDetection:
    layer = load_layer_file("default", REPO / "claude_guard" / "data" / "policies" / "default.yaml")
    return merge_layers([layer]).detection


@pytest.fixture
def c() -> Canaries:
    return make_canaries()


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return Session("sess-1", tmp_path)


def redact(
    tool: str, response: Any, scanner: ContentScanner, detection: EffectiveDetection, s: Session
) -> RedactionResult:
    return redact_tool_response(tool, response, scanner, detection, s)


def assert_clean(value: Any, c: Canaries) -> None:
    text = json.dumps(value, ensure_ascii=False)
    for canary in c.all():
        assert canary not in text


def same_structure(a: Any, b: Any) -> bool:
    """Same keys, list lengths and non-string leaves; strings may differ."""
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and list(a) == list(b)
            and all(same_structure(a[k], b[k]) for k in a)
        )
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same_structure, a, b))
    if isinstance(a, str):
        return isinstance(b, str)
    return a == b and type(a) is type(b)


# ---------------------------------------------------------------------------- shapes


def shapes(c: Canaries) -> list[tuple[str, Any, str]]:
    """(tool, response as seen on the real client, expected shape name)."""
    patch = [
        {
            "oldStart": 1,
            "oldLines": 1,
            "newStart": 1,
            "newLines": 2,
            "lines": ["-x", *("+" + line for line in c.creds.splitlines())],
        }
    ]
    return [
        (
            "Bash",
            {
                "stdout": c.creds,
                "stderr": "",
                "interrupted": False,
                "isImage": False,
                "noOutputExpected": False,
            },
            "Bash",
        ),
        (
            "Read",
            {
                "type": "text",
                "file": {
                    "filePath": "/p/notes.txt",
                    "content": c.patient,
                    "numLines": 3,
                    "startLine": 1,
                    "totalLines": 3,
                },
            },
            "Read:text",
        ),
        (
            "Read",
            {
                "type": "notebook",
                "file": {
                    "filePath": "/p/n.ipynb",
                    "cells": [
                        {
                            "cellType": "code",
                            "source": f"key = '{c.key_id}'\nsecret = '{c.secret}'",
                            "cell_id": "c1",
                            "language": "python",
                        }
                    ],
                },
            },
            "Read:notebook",
        ),
        (
            "Write",
            {
                "type": "update",
                "filePath": "/p/a.py",
                "content": c.creds,
                "structuredPatch": patch,
                "originalFile": "x\n",
                "userModified": False,
            },
            "Write",
        ),
        (
            "Edit",
            {
                "filePath": "/p/a.txt",
                "oldString": "x",
                "newString": c.creds,
                "originalFile": c.patient,
                "structuredPatch": patch,
                "userModified": False,
                "replaceAll": False,
            },
            "Edit",
        ),
        (
            "NotebookEdit",
            {
                "new_source": c.creds,
                "old_source": "",
                "cell_type": "code",
                "language": "python",
                "edit_mode": "replace",
                "cell_id": "c1",
                "error": "",
                "notebook_path": "/p/n.ipynb",
                "original_file": json.dumps({"src": c.patient}),
                "updated_file": "{}",
            },
            "NotebookEdit",
        ),
        (
            "WebFetch",
            {
                "bytes": 41,
                "code": 200,
                "codeText": "OK",
                "result": c.creds,
                "durationMs": 55,
                "url": "https://example.invalid/x",
            },
            "WebFetch",
        ),
        (
            "Agent",
            {
                "status": "completed",
                "prompt": "look",
                "agentId": "a1",
                "agentType": "general-purpose",
                "content": [{"type": "text", "text": c.patient}],
                "totalDurationMs": 5,
                "totalTokens": 15,
                "usage": {"input_tokens": 10},
            },
            "Agent",
        ),
        (
            "Grep",
            {"mode": "content", "numFiles": 1, "filenames": [], "content": c.creds, "numLines": 2},
            "Grep",
        ),
        (
            "Glob",
            {"durationMs": 1, "numFiles": 1, "filenames": ["/p/a"], "truncated": False},
            "Glob",
        ),
        (
            "mcp__db__query",
            [{"type": "text", "text": c.patient}, {"type": "text", "text": "ok"}],
            "MCP:blocks",
        ),
        ("mcp__db__query", c.creds, "MCP:text"),
    ]


@pytest.mark.parametrize("index", range(12))
def test_each_known_shape_keeps_its_structure_and_loses_its_values(
    index: int,
    scanner: ContentScanner,
    detection: EffectiveDetection,
    session: Session,
    c: Canaries,
) -> None:
    tool, response, shape = shapes(c)[index]
    result = redact(tool, response, scanner, detection, session)
    assert result.shape == shape and not result.fallback
    if tool == "Glob":  # nothing sensitive in it: nothing to answer
        assert result.updated is None and post_tool_use_answer(result) is None
        return
    assert result.replaced >= 1 and result.findings
    assert same_structure(response, result.updated)
    assert_clean(result.updated, c)
    assert "<" in json.dumps(result.updated)


def test_bash_placeholders_are_in_place(
    scanner: ContentScanner, detection: EffectiveDetection, session: Session, c: Canaries
) -> None:
    response = {
        "stdout": "before\n" + c.creds + "after",
        "stderr": "",
        "interrupted": False,
        "isImage": False,
        "noOutputExpected": False,
    }
    result = redact("Bash", response, scanner, detection, session)
    assert result.updated == {
        **response,
        "stdout": "before\nAWS_ACCESS_KEY_ID=<AWS_ACCESS_KEY_ID_1>\n"
        "AWS_SECRET_ACCESS_KEY=<AWS_SECRET_ACCESS_KEY_1>\nafter",
    }
    assert result.replaced == 2
    assert post_tool_use_answer(result) == {
        "hookSpecificOutput": {"hookEventName": "PostToolUse", "updatedToolOutput": result.updated}
    }


def test_value_split_across_diff_lines_is_still_found(
    scanner: ContentScanner, detection: EffectiveDetection, session: Session
) -> None:
    body = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(64))
    lines = [
        "+-----BEGIN RSA PRIVATE KEY-----",
        f"+{body}",
        f"+{body[::-1]}",
        "+-----END RSA PRIVATE KEY-----",
    ]
    response = {
        "filePath": "/p/k",
        "structuredPatch": [
            {"oldStart": 0, "oldLines": 0, "newStart": 1, "newLines": 4, "lines": lines}
        ],
        "originalFile": None,
        "oldString": "",
        "newString": "",
        "userModified": False,
        "replaceAll": False,
    }
    result = redact("Edit", response, scanner, detection, session)
    out = result.updated["structuredPatch"][0]["lines"]
    assert len(out) == 4
    assert body not in json.dumps(out) and body[::-1] not in json.dumps(out)


def test_read_image_data_is_not_touched(
    scanner: ContentScanner, detection: EffectiveDetection, session: Session, c: Canaries
) -> None:
    response = {
        "type": "image",
        "file": {"base64": "QUtJQQ==" + c.key_id, "type": "image/png", "originalSize": 10},
    }
    assert lookup("Read").output_shape(response).name == "Read:image"
    assert redact("Read", response, scanner, detection, session).updated is None


def test_benign_output_is_left_alone(
    scanner: ContentScanner, detection: EffectiveDetection, session: Session
) -> None:
    response = {"stdout": "hello\nsrc/app.py\n", "stderr": "", "interrupted": False}
    result = redact("Bash", response, scanner, detection, session)
    assert result == RedactionResult(None, 0, [], "Bash", False)
    assert post_tool_use_answer(result) is None


def test_personal_data_the_policy_allows_is_not_redacted(
    scanner: ContentScanner, detection: EffectiveDetection, session: Session, c: Canaries
) -> None:
    # An SSN with no health context is "pii", which the default policy allows (and logs).
    result = redact("Bash", {"stdout": f"ssn {c.ssn}", "stderr": ""}, scanner, detection, session)
    assert result.updated is None


def test_a_key_holding_a_value_is_redacted_other_keys_kept(
    scanner: ContentScanner, detection: EffectiveDetection, session: Session, c: Canaries
) -> None:
    response = {"rows": {c.creds: 1, "plain": 2}}
    result = redact("mcp__s__t", response, scanner, detection, session)
    assert_clean(result.updated, c)
    assert result.updated["rows"]["plain"] == 2 and len(result.updated["rows"]) == 2


# ---------------------------------------------------------------------------- consistency


def test_same_value_same_placeholder_across_calls_and_tools(
    scanner: ContentScanner, detection: EffectiveDetection, tmp_path: Path, c: Canaries
) -> None:
    first = redact(
        "Bash", {"stdout": c.patient, "stderr": ""}, scanner, detection, Session("s1", tmp_path)
    )
    other = make_canaries()
    second = redact(
        "Read",
        {
            "type": "text",
            "file": {
                "filePath": "/p",
                "content": other.patient + c.patient,
                "numLines": 4,
                "startLine": 1,
                "totalLines": 4,
            },
        },
        scanner,
        detection,
        Session("s1", tmp_path),  # a new process, same session
    )
    ssn_first = first.updated["stdout"].split("SSN on file: ")[1].strip()
    assert ssn_first == "<US_SSN_1>"
    content = second.updated["file"]["content"]
    assert content.count("<US_SSN_1>") == 1 and "<US_SSN_2>" in content


def test_placeholders_are_per_session(
    scanner: ContentScanner, detection: EffectiveDetection, tmp_path: Path, c: Canaries
) -> None:
    other = make_canaries()
    redact(
        "Bash", {"stdout": other.patient, "stderr": ""}, scanner, detection, Session("s1", tmp_path)
    )
    in_s1 = redact(
        "Bash", {"stdout": c.patient, "stderr": ""}, scanner, detection, Session("s1", tmp_path)
    )
    in_s2 = redact(
        "Bash", {"stdout": c.patient, "stderr": ""}, scanner, detection, Session("s2", tmp_path)
    )
    assert "<US_SSN_2>" in in_s1.updated["stdout"]
    assert "<US_SSN_1>" in in_s2.updated["stdout"]


# ---------------------------------------------------------------------------- fallback


def test_unknown_tool_falls_back_to_generic_redaction(
    scanner: ContentScanner, detection: EffectiveDetection, session: Session, c: Canaries
) -> None:
    response = {"a": [c.creds, {"b": c.patient, "n": 3, "ok": True, "none": None}]}
    result = redact("SomeNewTool", response, scanner, detection, session)
    assert result.fallback and result.shape == "unknown:dict"
    assert same_structure(response, result.updated)
    assert_clean(result.updated, c)


def test_known_tool_with_an_unexpected_shape_falls_back(
    scanner: ContentScanner, detection: EffectiveDetection, session: Session, c: Canaries
) -> None:
    result = redact("Bash", [c.creds], scanner, detection, session)
    assert result.fallback and result.shape == "unknown:list"
    assert isinstance(result.updated, list)
    assert_clean(result.updated, c)


def test_unknown_benign_shape_still_reports_fallback(
    scanner: ContentScanner, detection: EffectiveDetection, session: Session
) -> None:
    result = redact("Mystery", {"x": "hello"}, scanner, detection, session)
    assert result.updated is None and result.fallback


def test_out_of_time_withholds_instead_of_passing_through(
    scanner: ContentScanner, detection: EffectiveDetection, session: Session, c: Canaries
) -> None:
    hurried = dataclasses.replace(detection, scan_seconds=0.0)
    response = {"stdout": c.creds, "stderr": "", "interrupted": False}
    result = redact("Bash", response, scanner, hurried, session)
    assert result.updated == {"stdout": WITHHELD, "stderr": WITHHELD, "interrupted": False}
    assert result.withheld == 2
    # Discriminators stay, or the client would reject the shape and send the original.
    read = {
        "type": "text",
        "file": {
            "filePath": "/p",
            "content": c.patient,
            "numLines": 3,
            "startLine": 1,
            "totalLines": 3,
        },
    }
    withheld = redact("Read", read, scanner, hurried, session).updated
    assert withheld["type"] == "text" and withheld["file"]["content"] == WITHHELD


def test_absurdly_deep_nesting_is_withheld(
    scanner: ContentScanner, detection: EffectiveDetection, session: Session, c: Canaries
) -> None:
    deep: Any = c.creds
    for _ in range(100):
        deep = {"d": deep}
    result = redact("mcp__s__t", deep, scanner, detection, session)
    assert result.withheld == 1
    assert_clean(result.updated, c)


def test_overlapping_findings_become_one_placeholder(tmp_path: Path) -> None:
    class Overlap:
        name = "overlap"
        max_match_chars = 4096

        def scan(self, text: str) -> list[Finding]:
            i = text.find("VALUE")
            return (
                [
                    Finding("secret", "TOKEN_A", i, i + 5, 1, 0.9, "a"),
                    Finding("phi", "NAME_B", i + 2, i + 8, 1, 0.95, "b"),
                ]
                if i >= 0
                else []
            )

    layer = load_layer_file("default", REPO / "claude_guard" / "data" / "policies" / "default.yaml")
    det = merge_layers([layer]).detection
    result = redact_tool_response(
        "Bash",
        {"stdout": "x VALUE123 y", "stderr": ""},
        ContentScanner([Overlap()], KEY),
        det,
        Session("o", tmp_path),
    )
    assert result.updated["stdout"] == "x <NAME_B_1> y"
    assert result.replaced == 1 and len(result.findings) == 2


# ---------------------------------------------------------------------------- never the value


def test_no_value_in_session_file_or_result_metadata(
    scanner: ContentScanner, detection: EffectiveDetection, tmp_path: Path, c: Canaries
) -> None:
    s = Session("s-meta", tmp_path)
    results = [redact(tool, response, scanner, detection, s) for tool, response, _ in shapes(c)]
    stored = "\n".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    meta = repr([(r.replaced, r.findings, r.shape, r.fallback, r.withheld) for r in results])
    meta += json.dumps([[f.to_record() for f in r.findings] for r in results])
    for canary in c.all():
        assert canary not in stored
        assert canary not in meta


def test_errors_never_carry_the_value(
    scanner: ContentScanner, detection: EffectiveDetection, session: Session, c: Canaries
) -> None:
    with pytest.raises(OutputShapeError) as caught:
        redact("mcp__s__t", {"blob": c.creds.encode()}, scanner, detection, session)
    text = str(caught.value) + repr(caught.value)
    assert "bytes" in text
    for canary in c.all():
        assert canary not in text
