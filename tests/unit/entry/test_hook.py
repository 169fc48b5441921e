"""run_hook, the in-process entry: what it does when an evaluation dies, and the checks it makes
before any stage runs (the event's size against the policy limit)."""

from __future__ import annotations

from tests.conftest import GuardEnv
from tests.unit.record.canaries import CANARY


def test_event_over_the_policy_size_limit_is_denied(guard: GuardEnv, run) -> None:
    guard.write_policy("user", "limits: {max_event_bytes: 2048}\n")
    big = guard.tool("Write", file_path=str(guard.project / "a.txt"), content="x" * 4096)
    answer = run(big)
    assert answer.exit_code == 2
    assert "exceeds the policy limit of 2048 bytes" in answer.stderr


def test_internal_error_is_a_deny_without_message_or_traceback(guard: GuardEnv, run, monkeypatch):
    from claude_guard.decide import engine

    def explode(self, event):
        raise RuntimeError(f"boom {CANARY}")

    monkeypatch.setattr(engine.DecisionEngine, "decide", explode)
    answer = run(guard.tool("Read", file_path=str(guard.project / "src" / "app.py")))
    assert answer.exit_code == 2
    assert "internal error (RuntimeError at test_hook.py:" in answer.stderr
    assert CANARY not in answer.stderr
    assert CANARY not in guard.audit_text()
