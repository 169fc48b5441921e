"""The warm state a service keeps between calls: one scan cache, never shared across keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_guard.detect.scanner import (
    ScanCache,
)
from claude_guard.entry.warm import WarmState
from claude_guard.policy.loader import load_layer_file
from claude_guard.policy.merge import EffectiveDetection, merge_layers

REPO = Path(__file__).resolve().parents[3]

AWS_KEY_ID = "AKIA" + "QX7TZ2MB5KD4WRJ6"

FILLER_LINE = "result = compute_total(items, rate)  # sum\n"


@pytest.fixture(scope="module")
def detection() -> EffectiveDetection:
    layer = load_layer_file("default", REPO / "claude_guard" / "data" / "policies" / "default.yaml")
    return merge_layers([layer]).detection


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
