"""What a session learns after a call (in-process hook runs): placeholders that stay the same
within a session, a copy that got through tainted like its source, and SessionEnd forgetting."""

from __future__ import annotations

import json

from claude_guard.session.store import Session
from tests.conftest import GuardEnv

SSN = "536-22-8726"

PATIENT_LINE = f"Patient: Maria Gonzalez  MRN: 00458123  SSN: {SSN}  DOB: 03/14/1957"


def _bash_output(guard: GuardEnv, stdout: str) -> dict:
    return guard.bash_output(stdout)


def test_same_value_same_placeholder_within_a_session(guard: GuardEnv, run) -> None:
    first = run(_bash_output(guard, PATIENT_LINE))
    second = run(_bash_output(guard, f"again: {PATIENT_LINE}"))
    out = [
        json.loads(a.stdout)["hookSpecificOutput"]["updatedToolOutput"]["stdout"]
        for a in (first, second)
    ]
    assert "<US_SSN_1>" in out[0] and "<US_SSN_1>" in out[1]
    session_files = list((guard.guard_home / "sessions").glob("*.json"))
    assert session_files and SSN not in session_files[0].read_text()


def test_session_end_forgets_the_session(guard: GuardEnv, run) -> None:
    run(_bash_output(guard, PATIENT_LINE))
    assert list((guard.guard_home / "sessions").glob("*.json"))
    run(guard.event("SessionEnd", reason="exit"))
    assert not list((guard.guard_home / "sessions").glob("*.json"))


def test_a_copy_that_got_through_is_tainted(guard: GuardEnv, run) -> None:
    # Monitor mode lets `cp .env x` run; the copy must then be protected like .env itself.
    default = (guard.guard_home / "policies" / "default.yaml").read_text()
    guard.write_policy("managed", default + "\nmode: monitor\n")
    copy = guard.project / "backup.txt"
    copy.write_text("copied bytes\n")  # content alone would not be flagged
    run(guard.bash_output("", command="cp .env backup.txt"))
    state = Session("sess-1", guard.guard_home).load()
    assert state.tainted == {str(copy): str(guard.project / ".env")}
    run(guard.tool("Read", file_path=str(copy)))
    record = guard.audit_lines()[-1]
    assert record["policy_decision"] == "deny" and "session:tainted" in record["rule_ids"]
