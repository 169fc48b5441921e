"""Monitor runs a shell command: it is judged by the shell analysis like Bash, not waved through
as a helper tool whose arguments are only scanned as text."""

from __future__ import annotations

from claude_guard.tools import lookup
from tests.conftest import GuardEnv


def test_monitor_needs_the_policy_s_word() -> None:
    assert lookup("Monitor").needs_policy_word()


def test_monitor_is_denied_by_a_policy_that_does_not_name_it(guard: GuardEnv, run) -> None:
    default = (guard.guard_home / "policies" / "default.yaml").read_text()
    guard.write_policy("managed", default.replace("  Monitor: allow\n", ""))
    (guard.project / "app.log").write_text("started\n")
    answer = run(guard.tool("Monitor", command="tail -f app.log"))
    assert answer.exit_code == 2 and "unknown_tool" in guard.audit_lines()[-1]["rule_ids"][0]


def test_monitor_of_a_protected_file_is_denied(guard: GuardEnv, run) -> None:
    answer = run(guard.tool("Monitor", command="tail -f .env", description="watch config"))
    assert answer.exit_code == 2
    assert "default:secrets.dotenv" in guard.audit_lines()[-1]["rule_ids"]
    assert "CANARY_DOTENV_7f3a" not in answer.stderr + guard.audit_text()


def test_monitor_of_an_ordinary_file_is_allowed(guard: GuardEnv, run) -> None:
    (guard.project / "app.log").write_text("started\n")
    answer = run(guard.tool("Monitor", command="tail -f app.log"))
    assert (answer.exit_code, answer.stdout) == (0, "")


def test_monitor_without_a_command_is_denied(guard: GuardEnv, run) -> None:
    answer = run(guard.tool("Monitor", description="no command"))
    assert answer.exit_code == 2 and "invalid tool input (command: missing)" in answer.stderr
