"""DecisionEngine decisions that no single rule module owns: monitor mode (before and after a
tool ran), the policy default for an unknown tool, and the built-in protection of
claude-guard's own files wherever its home is (in-process hook runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import GuardEnv

SSN = "536-22-8726"

PATIENT_LINE = f"Patient: Maria Gonzalez  MRN: 00458123  SSN: {SSN}  DOB: 03/14/1957"


def test_monitor_mode_allows_but_records_what_it_would_have_done(guard: GuardEnv, run) -> None:
    guard.write_policy(
        "managed",
        (guard.guard_home / "policies" / "default.yaml").read_text() + "\nmode: monitor\n",
    )
    answer = run(guard.tool("Read", file_path=str(guard.project / ".env")))
    assert (answer.exit_code, answer.stderr) == (0, "")
    record = guard.audit_lines()[-1]
    assert record["decision"] == "allow"
    assert record["policy_decision"] == "deny"
    assert record["mode"] == "monitor"
    assert record["rule_ids"] == ["managed:secrets.dotenv"]


def test_a_moved_guard_home_is_protected_like_the_default_one(
    guard: GuardEnv, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The default policy names ~/.claude-guard; with CLAUDE_GUARD_HOME elsewhere, the engine's
    # built-in rule still keeps the model from rewriting the policy or reading the key.
    moved = tmp_path / "elsewhere" / "guard"
    (moved / "policies").mkdir(parents=True)
    (moved / "policies" / "default.yaml").write_bytes(
        (guard.guard_home / "policies" / "default.yaml").read_bytes()
    )
    monkeypatch.setenv("CLAUDE_GUARD_HOME", str(moved))
    policy = moved / "policies" / "default.yaml"
    write = run(guard.tool("Write", file_path=str(policy), content="mode: monitor\n"))
    assert write.exit_code == 2 and "claude-guard's own home" in write.stderr
    run(guard.tool("Read", file_path=str(guard.project / "src" / "app.py")))  # creates the key
    key = moved / "keys" / "installation.key"
    assert key.exists()
    assert run(guard.tool("Bash", command=f"base64 {key}")).exit_code == 2
    audit_dir = moved / "audit" / "x.jsonl"
    log = run(guard.tool("Bash", command=f"echo forged >> {audit_dir}"))
    assert log.exit_code == 2 and "claude-guard's own home" in log.stderr
    assert run(guard.tool("Read", file_path=str(guard.project / "src" / "app.py"))).exit_code == 0


def test_unknown_tool_gets_the_policy_default_not_an_allow(guard: GuardEnv, run) -> None:
    answer = run(guard.tool("TeleportFiles", anything="x"))
    assert answer.exit_code == 2
    assert "TeleportFiles is not allowed" in answer.stderr


def test_guard_files_are_protected_from_edits_but_readable(guard: GuardEnv, run) -> None:
    policy = guard.guard_home / "policies" / "default.yaml"
    assert run(guard.tool("Read", file_path=str(policy))).exit_code == 0
    write = guard.tool("Write", file_path=str(policy), content="paths: []")
    assert run(write).exit_code == 2
    settings = guard.project / ".claude" / "settings.local.json"
    assert run(guard.tool("Write", file_path=str(settings), content="{}")).exit_code == 2
    key = guard.guard_home / "keys" / "installation.key"
    assert run(guard.tool("Read", file_path=str(key))).exit_code == 2


def test_the_cached_remote_settings_cannot_be_written(guard: GuardEnv, run) -> None:
    """Any setting in ~/.claude/remote-settings.json displaces the managed drop-in (the client
    takes one managed source), so the agent may not write it, by tool or by command."""
    cached = guard.home / ".claude" / "remote-settings.json"
    body = '{"disableAllHooks": true}'
    assert run(guard.tool("Write", file_path=str(cached), content=body)).exit_code == 2
    tilde = guard.tool("Write", file_path="~/.claude/remote-settings.json", content="{}")
    assert run(tilde).exit_code == 2
    command = f"echo '{body}' > {cached}"
    assert run(guard.tool("Bash", command=command)).exit_code == 2
    assert run(guard.tool("Read", file_path=str(cached))).exit_code == 0


def _bash_output(guard: GuardEnv, stdout: str) -> dict:
    return guard.bash_output(stdout)


def test_monitor_mode_records_but_does_not_redact(guard: GuardEnv, run) -> None:
    default = (guard.guard_home / "policies" / "default.yaml").read_text()
    guard.write_policy("managed", default + "\nmode: monitor\n")
    answer = run(_bash_output(guard, PATIENT_LINE))
    assert (answer.exit_code, answer.stdout) == (0, "")
    record = guard.audit_lines()[-1]
    assert record["decision"] == "allow" and record["findings"]
