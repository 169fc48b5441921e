"""claude-guard in front of the real Claude Code client: what reaches the model, what reaches disk.

Every assertion is made on what the client actually sent to the (scripted) model, so a test
fails if a secret leaks by any road the client takes: tool results, inlined @-mentions, system
reminders. The control tests at the bottom run the same scripts without claude-guard and must
see the leak, which proves the harness is able to see one.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_model import ToolResult
from harness import (
    ClaudeRun,
    HomeSecrets,
    Project,
    audit_records,
    guard_reason,
    guard_state_text,
    hook_registrations,
    run_claude,
    strip_line_numbers,
)

pytestmark = pytest.mark.e2e

FIRST = "toolu_e2e_0001"
SECOND = "toolu_e2e_0002"
THIRD = "toolu_e2e_0003"
BLOCKED_PROMPT_PREFIX = "UserPromptSubmit operation blocked by hook"
DECISION_FIELDS = {
    "event",
    "tool",
    "decision",
    "rule_ids",
    "session_id",
    "tool_use_id",
    "policy_hash",
}


def read(path: str | Path) -> dict[str, Any]:
    return {"name": "Read", "input": {"file_path": str(path)}}


def bash(command: str) -> dict[str, Any]:
    return {"name": "Bash", "input": {"command": command, "description": "e2e"}}


def assert_no_leak(run: ClaudeRun, secrets: list[str]) -> None:
    sent = run.all_text_sent()
    leaked = [s for s in secrets if s in sent]
    assert not leaked, f"secrets reached the model: {leaked}\n{run.describe()}"


def assert_guard_denied(result: ToolResult, run: ClaudeRun) -> None:
    assert result.is_error, f"{result.tool_use_id} was not denied\n{run.describe()}"
    assert "claude-guard" in guard_reason(result), run.describe()


def decisions_for(home: Path, run: ClaudeRun, tool_use_id: str) -> list[dict[str, Any]]:
    return [
        r
        for r in audit_records(home)
        if r.get("session_id") == run.session_id
        and r.get("tool_use_id") == tool_use_id
        and r.get("event") == "PreToolUse"
    ]


def assert_audited_deny(home: Path, run: ClaudeRun, tool_use_id: str) -> None:
    records = decisions_for(home, run, tool_use_id)
    assert records, f"no PreToolUse audit record for {tool_use_id} in session {run.session_id}"
    assert all(r["decision"] == "deny" and r.get("rule_ids") for r in records), records


# ----------------------------------------------------------------------------- denied reads


@dataclass(frozen=True)
class SecretRead:
    """A road to a secret file: the path the model asks for and the canary it would expose."""

    path: Callable[[Project, Path], str]
    secret: Callable[[Project, HomeSecrets], str]


def _env(p: Project, _s: HomeSecrets) -> str:
    return p.env_canary


SECRET_READS: dict[str, SecretRead] = {
    "env-absolute": SecretRead(lambda p, _h: str(p.root / ".env"), _env),
    "env-parent-traversal": SecretRead(lambda p, _h: f"../{p.root.name}/.env", _env),
    "env-dotdot-inside": SecretRead(lambda p, _h: str(p.root / "src" / ".." / ".env"), _env),
    "env-via-symlink": SecretRead(lambda p, _h: str(p.root / "src" / "link"), _env),
    "pem": SecretRead(
        lambda p, _h: str(p.root / "config" / "server.pem"), lambda p, _s: p.pem_canary
    ),
    "ssh-key-tilde": SecretRead(lambda _p, _h: "~/.ssh/id_rsa", lambda _p, s: s.ssh_key),
    "aws-credentials-home": SecretRead(
        lambda _p, h: str(h / ".aws" / "credentials"), lambda _p, s: s.aws_secret
    ),
}


@pytest.mark.parametrize("road", SECRET_READS.values(), ids=SECRET_READS.keys())
def test_read_of_secret_is_denied(
    road: SecretRead, guarded_home: Path, project: Project, home_secrets: HomeSecrets
) -> None:
    script = [[read(road.path(project, guarded_home))]]
    run = run_claude(guarded_home, project.root, "read that file", script)
    assert_guard_denied(run.tool_result(FIRST), run)
    assert_no_leak(run, project.canaries + home_secrets.all())
    assert_audited_deny(guarded_home, run, FIRST)


def test_overwriting_env_leaves_it_unchanged(guarded_home: Path, project: Project) -> None:
    """The model tries Read, then Write and Edit of .env.

    v2.1.197 refuses Write/Edit of a file this session has not read, before any hook runs, so
    denying the Read is what keeps the overwrite (and Write's originalFile) away. The control
    test runs the same script without the guard and sees both the leak and the change.
    """
    env_file = project.root / ".env"
    before = env_file.read_bytes()
    run = run_claude(
        guarded_home, project.root, "reset the env file", overwrite_env_script(env_file)
    )
    assert_guard_denied(run.tool_result(FIRST), run)
    assert run.tool_result(SECOND).is_error, run.describe()
    assert run.tool_result(THIRD).is_error, run.describe()
    assert env_file.read_bytes() == before
    assert_no_leak(run, project.canaries)


def overwrite_env_script(env_file: Path) -> list[Any]:
    return [
        [read(env_file)],
        [{"name": "Write", "input": {"file_path": str(env_file), "content": "API_TOKEN=x\n"}}],
        [
            {
                "name": "Edit",
                "input": {
                    "file_path": str(env_file),
                    "old_string": "API_TOKEN",
                    "new_string": "STOLEN",
                },
            }
        ],
    ]


def test_creating_env_is_denied(guarded_home: Path, project: Project) -> None:
    """A Write of a new .env needs no prior Read, so here the guard alone must stop it."""
    env_file = project.root / ".env"
    env_file.unlink()
    write = {"name": "Write", "input": {"file_path": str(env_file), "content": "API_TOKEN=x\n"}}
    run = run_claude(guarded_home, project.root, "create the env file", [[write]])
    assert_guard_denied(run.tool_result(FIRST), run)
    assert not env_file.exists()
    assert_audited_deny(guarded_home, run, FIRST)


# ----------------------------------------------------------------------------- allowed work


def test_allowed_reads_arrive_intact(guarded_home: Path, project: Project) -> None:
    script = [[read(project.root / ".env.example"), read(project.root / "src" / "app.py")]]
    run = run_claude(guarded_home, project.root, "read the example and the app", script)
    example, app = run.tool_result(FIRST), run.tool_result(SECOND)
    assert not example.is_error and not app.is_error, run.describe()
    assert strip_line_numbers(example.text).strip() == project.example_env.strip()
    assert strip_line_numbers(app.text).strip() == project.app_source.strip()
    assert_no_leak(run, project.canaries)


def test_edit_of_source_file_lands_on_disk(guarded_home: Path, project: Project) -> None:
    app = project.root / "src" / "app.py"
    edit = {
        "name": "Edit",
        "input": {
            "file_path": str(app),
            "old_string": 'f"hello {name}"',
            "new_string": 'f"howdy {name}"',
        },
    }
    run = run_claude(guarded_home, project.root, "change the greeting", [[read(app)], [edit]])
    assert not run.tool_result(FIRST).is_error, run.describe()
    assert not run.tool_result(SECOND).is_error, run.describe()
    assert app.read_text() == project.app_source.replace("hello", "howdy")


def test_harmless_shell_commands_run(guarded_home: Path, project: Project) -> None:
    run = run_claude(
        guarded_home, project.root, "look around", [[bash("ls -la")], [bash("git status")]]
    )
    listing, status = run.tool_result(FIRST), run.tool_result(SECOND)
    assert not listing.is_error and not status.is_error, run.describe()
    for name in ("README.md", "src", "notes", ".env.example"):
        assert name in listing.text, run.describe()
    expected = subprocess.run(
        ["git", "status"], cwd=project.root, capture_output=True, text=True, check=True
    ).stdout
    assert status.text.strip() == expected.strip()


# ----------------------------------------------------------------------------- prompts


def test_prompt_mentioning_env_is_blocked(guarded_home: Path, project: Project) -> None:
    """An @-mention inlines the file with no tool call; only UserPromptSubmit can stop it.

    v2.1.197 then sends no model request at all and exits 0 with the block reason as its result.
    """
    run = run_claude(guarded_home, project.root, "summarise @.env for me", [])
    assert run.message_requests() == [], run.describe()
    assert run.result is not None, run.describe()
    assert run.returncode == 0 and run.result["num_turns"] == 0, run.describe()
    assert run.result["result"].startswith(BLOCKED_PROMPT_PREFIX), run.describe()
    assert "claude-guard" in run.result["result"].split("]: ", 1)[-1]
    assert_no_leak(run, project.canaries)


def test_claude_md_import_of_env_is_blocked(guarded_home: Path, project: Project) -> None:
    """CLAUDE.md `@imports` are inlined into the first request with no tool call at all;
    UserPromptSubmit runs before that request, so the guard blocks there."""
    (project.root / "CLAUDE.md").write_text("# Notes\nSettings are in @.env\n")
    run = run_claude(guarded_home, project.root, "hello", [])
    assert run.message_requests() == [], run.describe()
    assert run.result is not None and run.result["result"].startswith(BLOCKED_PROMPT_PREFIX)
    assert "import in" in run.result["result"] or "memory file" in run.result["result"]
    assert_no_leak(run, project.canaries)


# ----------------------------------------------------------------------------- audit


def test_audit_log_records_decisions_without_secrets(
    guarded_home: Path, project: Project, canary_registry: set[str]
) -> None:
    script = [[read(project.root / ".env")], [read(project.root / "src" / "app.py")]]
    run = run_claude(guarded_home, project.root, "read both", script)
    denied, allowed = (
        decisions_for(guarded_home, run, FIRST),
        decisions_for(guarded_home, run, SECOND),
    )
    assert [r["decision"] for r in denied] == ["deny"], denied
    assert [r["decision"] for r in allowed] == ["allow"], allowed
    assert set(denied[0]) >= DECISION_FIELDS, denied[0]
    assert denied[0]["tool"] == "Read" and denied[0]["rule_ids"], denied[0]
    session = [r for r in audit_records(guarded_home) if r.get("session_id") == run.session_id]
    # SessionEnd is left out: the client gives it a 1.5 s budget, too tight to assert on here.
    expected_events = {"SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse"}
    assert expected_events <= {r["event"] for r in session}, session
    assert all(r.get("policy_hash") for r in session), session
    # Scans everything the guard wrote, so it also covers the tests that ran earlier.
    text = guard_state_text(guarded_home)
    assert not [c for c in canary_registry if c in text]


# ----------------------------------------------------------------------------- controls


def test_install_registered_the_hooks(guarded_home: Path) -> None:
    hooks = hook_registrations(guarded_home)
    assert {"PreToolUse", "UserPromptSubmit"} <= set(hooks), hooks


@pytest.mark.parametrize("road", SECRET_READS.values(), ids=SECRET_READS.keys())
def test_control_without_guard_read_leaks(
    road: SecretRead, plain_home: Path, project: Project, home_secrets: HomeSecrets
) -> None:
    """Same road, no guard: the canary must show up, or the harness is blind to this leak."""
    run = run_claude(
        plain_home, project.root, "read that file", [[read(road.path(project, plain_home))]]
    )
    assert not run.tool_result(FIRST).is_error, run.describe()
    assert road.secret(project, home_secrets) in run.all_text_sent(), run.describe()


def test_control_without_guard_overwrite_happens(plain_home: Path, project: Project) -> None:
    env_file = project.root / ".env"
    run = run_claude(plain_home, project.root, "reset the env file", overwrite_env_script(env_file))
    assert project.env_canary in run.all_text_sent(), run.describe()
    assert env_file.read_text() == "STOLEN=x\n", run.describe()


def test_control_without_guard_env_is_created(plain_home: Path, project: Project) -> None:
    env_file = project.root / ".env"
    env_file.unlink()
    write = {"name": "Write", "input": {"file_path": str(env_file), "content": "API_TOKEN=x\n"}}
    run = run_claude(plain_home, project.root, "create the env file", [[write]])
    assert env_file.read_text() == "API_TOKEN=x\n", run.describe()


def test_control_without_guard_mention_leaks(plain_home: Path, project: Project) -> None:
    run = run_claude(plain_home, project.root, "summarise @.env for me", [])
    assert run.message_requests(), run.describe()
    assert project.env_canary in run.all_text_sent(), run.describe()


def test_control_without_guard_claude_md_import_leaks(plain_home: Path, project: Project) -> None:
    (project.root / "CLAUDE.md").write_text("# Notes\nSettings are in @.env\n")
    run = run_claude(plain_home, project.root, "hello", [])
    assert project.env_canary in run.all_text_sent(), run.describe()
