"""Session memory in the policy: once PHI was seen, no egress and no writes outside the
project; data copied from protected files stays protected."""

from __future__ import annotations

from pathlib import Path

from claude_guard.session.store import Session
from tests.conftest import GuardEnv

PATIENT_LINE = "Patient: Maria Gonzalez  MRN: 00458123  SSN: 536-22-8726  DOB: 03/14/1957"


def _see_phi(guard: GuardEnv, run) -> None:
    answer = run(guard.bash_output(PATIENT_LINE))
    assert "updatedToolOutput" in answer.stdout


def test_egress_is_denied_after_phi_was_seen(guard: GuardEnv, run) -> None:
    fetch = guard.tool("WebFetch", url="https://example.com/upload", prompt="summarise")
    assert run(fetch).exit_code == 0
    _see_phi(guard, run)
    answer = run(fetch)
    assert answer.exit_code == 2
    assert "phi was seen in this session" in answer.stderr
    assert guard.audit_lines()[-1]["rule_ids"] == ["session:after_phi.egress"]
    assert run(guard.tool("WebSearch", query="icd-10 e11.9")).exit_code == 2


def test_writes_outside_the_project_are_denied_after_phi(guard: GuardEnv, run, tmp_path: Path):
    _see_phi(guard, run)
    outside = guard.tool("Write", file_path=str(tmp_path / "dump.txt"), content="notes")
    assert run(outside).exit_code == 2
    inside = guard.tool("Write", file_path=str(guard.project / "src" / "x.py"), content="x = 1\n")
    assert run(inside).exit_code == 0


def test_other_sessions_are_not_affected(guard: GuardEnv, run) -> None:
    _see_phi(guard, run)
    other = guard.tool("WebFetch", url="https://example.com/", prompt="x")
    other["session_id"] = "another-session"
    assert run(other).exit_code == 0


def test_session_end_lifts_the_memory(guard: GuardEnv, run) -> None:
    _see_phi(guard, run)
    run(guard.event("SessionEnd", reason="exit"))
    assert run(guard.tool("WebSearch", query="x")).exit_code == 0


def test_org_can_relax_the_default(guard: GuardEnv, run) -> None:
    default = (guard.guard_home / "policies" / "default.yaml").read_text()
    guard.write_policy("managed", default + "\nsession:\n  after_phi: {egress: allow}\n")
    _see_phi(guard, run)
    assert run(guard.tool("WebSearch", query="x")).exit_code == 0


def test_project_cannot_relax_the_default(guard: GuardEnv, run) -> None:
    guard.write_policy("project", "session:\n  after_phi: {egress: allow}\n")
    _see_phi(guard, run)
    assert run(guard.tool("WebSearch", query="x")).exit_code == 2


def test_tainted_copy_is_denied_like_its_source(guard: GuardEnv, run) -> None:
    copy = guard.project / "tmp" / "x"
    copy.parent.mkdir()
    copy.write_text("copied")
    Session("sess-1", guard.guard_home).taint(str(copy), str(guard.project / ".env"))
    answer = run(guard.tool("Read", file_path=str(copy)))
    assert answer.exit_code == 2
    assert "copied from" in answer.stderr
    assert guard.audit_lines()[-1]["rule_ids"] == ["session:tainted"]


def test_egress_reason_names_the_host_only(guard: GuardEnv, run) -> None:
    _see_phi(guard, run)
    canary = "CANARY_URL_TOKEN_91d3"
    answer = run(guard.tool("Bash", command=f"curl -s 'https://api.example.net/v1?key={canary}'"))
    assert answer.exit_code == 2 and "api.example.net" in answer.stderr
    assert canary not in answer.stderr and canary not in guard.audit_text()


def test_a_corrupt_session_state_keeps_the_rules_that_may_apply(guard: GuardEnv, run) -> None:
    # A damaged state file must not lift after_phi: what the session saw is then unknown, and
    # the rules stay as strict as they may have been, saying why.
    fetch = guard.tool("WebFetch", url="https://example.com/upload", prompt="summarise")
    _see_phi(guard, run)
    state = Session("sess-1", guard.guard_home).path
    state.write_bytes(b"{garbage")
    answer = run(fetch)
    assert answer.exit_code == 2
    assert "may have been seen in this session (its state could not be read)" in answer.stderr
