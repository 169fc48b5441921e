"""A failure after the decision was claimed (applying its effects, rendering its answer) is
still a failure answered and recorded by this process: a deny, or after a tool ran the output
withheld, and exactly one record. Left to escape, it would leave the client waiting on a call
nobody records."""

from __future__ import annotations

import json

import pytest

from claude_guard.answer.redaction import WITHHELD
from claude_guard.entry import hook as hook_module
from claude_guard.entry.hook import run_hook
from tests.conftest import GuardEnv

SSN = "536-22-8726"


@pytest.fixture
def effects_explode(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_args: object) -> None:
        raise RuntimeError(f"boom {SSN}")

    monkeypatch.setattr(hook_module, "apply_effects", explode)


def test_a_failure_after_a_tool_ran_withholds_the_output(guard: GuardEnv, effects_explode) -> None:
    event = guard.bash_output(f"Patient: Maria Gonzalez SSN: {SSN}\n")
    claims: list[bool] = []
    answer = run_hook(json.dumps(event).encode(), claim=lambda: claims.append(True) or True)
    assert claims == [True]  # claimed once, before the effects
    updated = json.loads(answer.stdout)["hookSpecificOutput"]["updatedToolOutput"]
    assert answer.exit_code == 0 and updated["stdout"] == WITHHELD
    (record,) = guard.audit_lines()
    assert record["decision"] == "redact" and record["error"] == "internal error"
    assert SSN not in guard.audit_text() and SSN not in answer.stdout + answer.stderr


def test_a_failure_before_a_tool_runs_denies(guard: GuardEnv, effects_explode) -> None:
    answer = run_hook(json.dumps(guard.tool("Read", file_path="/etc/hostname")).encode())
    assert answer.exit_code == 2 and "internal error (RuntimeError" in answer.stderr
    (record,) = guard.audit_lines()
    assert record["decision"] == "deny"
