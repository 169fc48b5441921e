"""judge_contents: the content policy's verdict on scans that are incomplete, too large,
unreadable or missing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from claude_guard.decide.content import judge_contents
from claude_guard.detect.findings import Finding
from claude_guard.detect.scanner import (
    ContentScanner,
    ScanStatus,
)
from claude_guard.detect.secrets import SecretDetector
from claude_guard.paths import NormalPath
from claude_guard.policy.loader import load_layer_file
from claude_guard.policy.merge import EffectiveDetection, merge_layers
from claude_guard.policy.schema import Action
from claude_guard.touches.touchset import ContentTarget

REPO = Path(__file__).resolve().parents[3]

KEY = b"k" * 32

AWS_KEY_ID = "AKIA" + "QX7TZ2MB5KD4WRJ6"


@pytest.fixture(scope="module")
def detection() -> EffectiveDetection:
    layer = load_layer_file("default", REPO / "claude_guard" / "data" / "policies" / "default.yaml")
    return merge_layers([layer]).detection


@pytest.fixture(scope="module")
def scanner() -> ContentScanner:
    return ContentScanner.default(KEY)


class _Boom:
    name = "boom"
    max_match_chars = 4096

    def scan(self, text: str) -> list[Finding]:
        raise ValueError(f"cannot parse {text[:40]!r}")


def _booming() -> ContentScanner:
    return ContentScanner([SecretDetector.default(), _Boom()], KEY)


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
