"""What Claude Code reads back (in-process hook runs): exit codes, the permission JSON of an ask,
and after a tool ran its output replaced in its own shape, passed untouched, or withheld when
the evaluation or the record failed."""

from __future__ import annotations

import json

from claude_guard.answer.redaction import WITHHELD
from tests.conftest import GuardEnv

AWS_ID = "AKIA" + "QZ7RT2LMXV4PWN3K"

SSN = "536-22-8726"

PATIENT_LINE = f"Patient: Maria Gonzalez  MRN: 00458123  SSN: {SSN}  DOB: 03/14/1957"


def test_ask_rule_answers_with_permission_json(guard: GuardEnv, run) -> None:
    guard.write_policy("user", "paths:\n  - id: review\n    action: ask\n    patterns: ['*.sql']\n")
    seed = guard.project / "seed.sql"
    seed.write_text("select 1;")
    answer = run(guard.tool("Read", file_path=str(seed)))
    assert answer.exit_code == 0
    assert '"permissionDecision": "ask"' in answer.stdout


def _bash_output(guard: GuardEnv, stdout: str) -> dict:
    return guard.bash_output(stdout)


def test_bash_output_is_redacted_in_shape(guard: GuardEnv, run) -> None:
    answer = run(_bash_output(guard, f"aws_access_key_id = {AWS_ID}\n{PATIENT_LINE}\n"))
    assert answer.exit_code == 0
    updated = json.loads(answer.stdout)["hookSpecificOutput"]["updatedToolOutput"]
    assert set(updated) == {"stdout", "stderr", "interrupted", "isImage", "noOutputExpected"}
    assert AWS_ID not in updated["stdout"] and SSN not in updated["stdout"]
    assert "<US_SSN_1>" in updated["stdout"]
    record = guard.audit_lines()[-1]
    assert record["decision"] == "redact" and record["rule_ids"] == ["detection:redact"]
    assert {f["type"] for f in record["findings"]} >= {"US_SSN"}
    assert SSN not in guard.audit_text() and AWS_ID not in guard.audit_text()


def test_read_output_is_redacted_in_shape(guard: GuardEnv, run) -> None:
    event = guard.event(
        "PostToolUse",
        tool_name="Read",
        tool_input={"file_path": str(guard.project / "notes.txt")},
        tool_response={
            "type": "text",
            "file": {
                "filePath": str(guard.project / "notes.txt"),
                "content": PATIENT_LINE,
                "numLines": 1,
                "startLine": 1,
                "totalLines": 1,
            },
        },
    )
    updated = json.loads(run(event).stdout)["hookSpecificOutput"]["updatedToolOutput"]
    assert updated["type"] == "text" and updated["file"]["numLines"] == 1
    assert SSN not in updated["file"]["content"]


def test_benign_output_passes_untouched(guard: GuardEnv, run) -> None:
    answer = run(_bash_output(guard, "collected 12 items\n12 passed in 0.40s\n"))
    assert (answer.exit_code, answer.stdout) == (0, "")
    assert guard.audit_lines()[-1]["decision"] == "allow"


def test_failure_after_the_tool_ran_withholds_the_output(guard: GuardEnv, run, monkeypatch):
    from claude_guard.decide import engine

    def explode(self, event):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine.DecisionEngine, "_post_tool_use", explode)
    answer = run(_bash_output(guard, f"{PATIENT_LINE}\n"))
    assert answer.exit_code == 0
    updated = json.loads(answer.stdout)["hookSpecificOutput"]["updatedToolOutput"]
    assert updated["stdout"] == WITHHELD and updated["interrupted"] is False
    assert guard.audit_lines()[-1]["decision"] == "redact"


def test_unrecordable_output_is_withheld_not_passed(guard: GuardEnv, run) -> None:
    (guard.guard_home / "audit").write_text("not a directory")  # the log cannot be written
    answer = run(_bash_output(guard, f"{PATIENT_LINE}\n"))
    assert answer.exit_code == 0 and "could not be recorded" in answer.stderr
    updated = json.loads(answer.stdout)["hookSpecificOutput"]["updatedToolOutput"]
    assert updated["stdout"] == WITHHELD
