"""Overlap resolution between findings: the fast version must keep exactly what the obvious
quadratic one keeps."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from claude_guard.detect.findings import Finding, dedupe_overlapping, sort_findings


def _naive(findings: list[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    for f in sorted(findings, key=lambda f: (-f.score, f.start)):
        if not any(k.category == f.category and k.start < f.end and f.start < k.end for k in kept):
            kept.append(f)
    return sort_findings(kept)


@st.composite
def findings(draw: st.DrawFn) -> Finding:
    start = draw(st.integers(0, 60))
    return Finding(
        category=draw(st.sampled_from(["phi", "secret"])),
        type=draw(st.sampled_from(["A", "B", "C"])),
        start=start,
        end=start + draw(st.integers(0, 15)),
        line=1,
        score=draw(st.sampled_from([0.3, 0.5, 0.8, 1.0])),
        detector="test",
    )


@settings(max_examples=400)
@given(st.lists(findings(), max_size=40))
def test_same_result_as_checking_every_kept_span(found: list[Finding]) -> None:
    assert dedupe_overlapping(found) == _naive(found)


def test_dense_findings_are_resolved_in_near_linear_time() -> None:
    # 20,000 adjacent findings plus 20,000 overlapping duplicates: quadratic would be 4e8 checks.
    dense = [Finding("phi", "A", i * 10, i * 10 + 9, 1, 0.8, "t") for i in range(20_000)]
    dupes = [Finding("phi", "B", i * 10 + 2, i * 10 + 5, 1, 0.5, "t") for i in range(20_000)]
    assert dedupe_overlapping(dense + dupes) == dense


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
