"""The audit record of every decision (in-process): its fields, no keys beyond the known ones,
no canary ever in the log or the answer, and a deny when the record cannot be written."""

from __future__ import annotations

import os
import stat

from claude_guard.entry.hook import run_hook
from tests.conftest import GuardEnv
from tests.unit.record.canaries import CANARY, _canary_events

REQUIRED_FIELDS = {
    "time",
    "host",
    "user",
    "session_id",
    "event",
    "decision",
    "reason",
    "policy_hash",
    "policy_version",
    "duration_ms",
    "version",
    "seq",
    "prev",
    "mac",
}


def test_every_decision_is_recorded_with_its_fields(guard: GuardEnv, run) -> None:
    events = [
        guard.event("SessionStart", source="startup"),
        guard.event("UserPromptSubmit", prompt="hi", prompt_id="p-1"),
        guard.tool("Read", file_path=str(guard.project / "src" / "app.py")),
        guard.tool("Read", file_path=str(guard.project / ".env")),
        guard.event(
            "PostToolUse",
            tool_name="Read",
            tool_input={"file_path": "x"},
            tool_response={"type": "text"},
            agent_id="agent-7",
            agent_type="general-purpose",
        ),
        guard.event("SessionEnd", reason="exit"),
    ]
    for event in events:
        run(event)
    records = guard.audit_lines()
    assert [r["event"] for r in records] == [e["hook_event_name"] for e in events]
    assert [r["decision"] for r in records] == ["allow", "allow", "allow", "deny", "allow", "allow"]
    for record in records:
        assert set(record) >= REQUIRED_FIELDS, REQUIRED_FIELDS - set(record)
    denied = records[3]
    assert denied["tool"] == "Read" and denied["tool_use_id"] == "toolu_1"
    assert denied["rule_ids"] == ["default:secrets.dotenv"]
    assert denied["paths"] == [str(guard.project / ".env")]
    assert records[1]["prompt_id"] == "p-1"
    assert records[4]["agent_id"] == "agent-7"
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))


def test_canaries_never_reach_the_log_or_the_answer(guard: GuardEnv) -> None:
    answers = [run_hook(raw) for raw in _canary_events(guard)]
    codes = [a.exit_code for a in answers]
    assert 0 in codes and 2 in codes  # both allowed and denied paths were exercised
    for answer in answers:
        assert CANARY not in answer.stdout + answer.stderr
    log = guard.audit_text()
    assert len(guard.audit_lines()) == len(answers)
    assert CANARY not in log


def test_audit_record_has_no_unexpected_keys(guard: GuardEnv, run) -> None:
    from claude_guard.record.audit_log import AUDIT_FIELDS, CHAIN_FIELDS

    run(guard.tool("Read", file_path=str(guard.project / ".env")))
    assert set(guard.audit_lines()[-1]) <= set(AUDIT_FIELDS) | set(CHAIN_FIELDS)


def test_unwritable_audit_log_denies(guard: GuardEnv, run) -> None:
    if os.geteuid() == 0:
        # root ignores permissions: make the audit directory a file instead.
        (guard.guard_home / "audit").write_text("not a directory")
    else:
        (guard.guard_home / "audit").mkdir()
        os.chmod(guard.guard_home / "audit", stat.S_IRUSR)
    answer = run(guard.tool("Read", file_path=str(guard.project / "src" / "app.py")))
    assert answer.exit_code == 2
    assert "could not be recorded" in answer.stderr
