"""Every record carries the id the hook client made for its call, whoever decided it: the
service, the hook's own process, or the last-resort failure path. Ids that are not identifiers
never reach the record."""

from __future__ import annotations

import json
import re

from claude_guard.entry.failure import fail_answer
from claude_guard.entry.hook import run_hook
from tests.conftest import GuardEnv
from tests.unit.entry.service_helpers import hook, records, start_service

HEX_ID = re.compile(r"[0-9a-f]{32}")


def test_run_hook_records_the_decision_id_it_is_given(guard: GuardEnv) -> None:
    decision_id = "0123456789abcdef" * 2
    event = guard.tool("Read", file_path=str(guard.project / ".env"))
    run_hook(json.dumps(event).encode(), decision_id=decision_id)
    assert records(guard)[-1]["decision_id"] == decision_id


def test_a_decision_id_that_is_not_an_identifier_is_not_recorded(guard: GuardEnv) -> None:
    canary = "CANARY id with spaces sk-live-5d8e"
    run_hook(json.dumps(guard.tool("Read", file_path="/x")).encode(), decision_id=canary)
    assert records(guard)[-1]["decision_id"] == "<invalid>"
    assert "CANARY" not in guard.audit_text()


def test_the_last_resort_failure_records_the_decision_id(guard: GuardEnv) -> None:
    event = guard.bash_output("anything")
    answer = fail_answer(json.dumps(event).encode(), "the decision process died", True, "ab" * 16)
    assert answer.exit_code == 0 and "updatedToolOutput" in answer.stdout  # withheld
    record = records(guard)[-1]
    assert record["decision_id"] == "ab" * 16 and record["decision"] == "redact"


def test_hook_in_process_makes_one_id_per_call(guard: GuardEnv) -> None:
    event = guard.tool("Read", file_path=str(guard.project / "src" / "app.py"))
    for _ in range(2):
        assert hook(event, {"CLAUDE_GUARD_SERVICE": "off"}).returncode == 0
    ids = [r["decision_id"] for r in records(guard)]
    assert len(ids) == 2 and len(set(ids)) == 2
    assert all(HEX_ID.fullmatch(i) for i in ids)
    assert {r["decided_by"] for r in records(guard)} == {"hook"}


def test_the_service_records_the_id_the_client_made(guard: GuardEnv) -> None:
    proc = start_service(guard)
    try:
        event = guard.tool("Read", file_path=str(guard.project / ".env"))
        assert hook(event).returncode == 2
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    record = records(guard)[-1]
    assert record["decided_by"] == "service"
    assert HEX_ID.fullmatch(record["decision_id"])
