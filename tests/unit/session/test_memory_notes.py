"""A session state that cannot be read is named in the audit record, even when the call asks
the session to remember nothing (the decision then assumes the worst; the record says why)."""

from __future__ import annotations

from tests.conftest import GuardEnv


def test_unreadable_session_state_is_noted(guard: GuardEnv, run) -> None:
    guard.guard_home.mkdir(parents=True, exist_ok=True)
    (guard.guard_home / "sessions").write_text("not a directory")
    answer = run(guard.bash_output("nothing sensitive here\n"))
    assert (answer.exit_code, answer.stdout) == (0, "")
    notes = guard.audit_lines()[-1]["notes"]
    assert notes == ["session state not stored (NotADirectoryError:ENOTDIR)"]
