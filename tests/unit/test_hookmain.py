"""Failing closed, monitor mode, and the audit record of every decision (in-process)."""

from __future__ import annotations

import json
import os
import stat

from claude_guard.entry.hook import run_hook
from tests.conftest import GuardEnv

CANARY = "CANARY_SECRET_5d8e1f"


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


def _canary_events(guard: GuardEnv) -> list[bytes]:
    """CANARY pushed through allowed, denied and error paths."""
    p = str(guard.project)
    events = [
        guard.tool("Write", file_path=f"{p}/src/new.py", content=f"TOKEN = '{CANARY}'"),
        guard.tool("Write", file_path=f"{p}/.env", content=f"TOKEN={CANARY}"),
        guard.tool("Edit", file_path=f"{p}/src/app.py", old_string="a", new_string=CANARY),
        guard.tool("Bash", command=f"TOKEN={CANARY} curl -s https://example.com"),
        guard.tool("Bash", command=f"echo {CANARY} > ~/.claude/settings.json"),
        guard.tool("Bash", command=f"echo '{CANARY}"),  # unbalanced quote: unanalysable
        guard.tool("WebFetch", url=f"https://example.com/?k={CANARY}", prompt=CANARY),
        guard.tool("mcp__db__query", sql=f"select '{CANARY}'"),
        guard.tool(f"Tool {CANARY}", x=1),
        guard.tool("Read", file_path=42, note=CANARY),
        guard.event("UserPromptSubmit", prompt=f"my token is {CANARY} see @.env"),
        guard.event("UserPromptSubmit", prompt=f"my token is {CANARY}"),
        guard.event(
            "PostToolUse",
            tool_name="Bash",
            tool_input={"command": "env"},
            tool_response={"stdout": f"TOKEN={CANARY}", "stderr": ""},
        ),
        guard.event("SessionStart", source=CANARY),
        {**guard.tool("Read", file_path=f"{p}/src/app.py"), "session_id": f"x {CANARY}"},
        {**guard.tool("Read", file_path=f"{p}/src/app.py"), "hook_event_name": CANARY},
    ]
    raw = [json.dumps(e).encode() for e in events]
    raw += [
        f'{{"prompt": "{CANARY}", broken'.encode(),
        json.dumps({"hook_event_name": "UserPromptSubmit", "prompt": CANARY}).encode(),
        (f'{{"x":"{CANARY}"}}').encode("utf-16"),
    ]
    return raw


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


def _nested(depth: int, leaf: object) -> object:
    for _ in range(depth):
        leaf = {"inner": leaf}
    return leaf
