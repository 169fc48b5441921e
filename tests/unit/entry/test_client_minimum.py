"""The policy's minimum Claude Code version, enforced at the entry: below it (or unknown) tool
calls and prompts are denied with the version needed and how to update; SessionStart tells
the user and records the failed posture, the installation's included."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from claude_guard.entry.hook import run_hook
from claude_guard.managed import ManagedLayout
from tests.conftest import GuardEnv
from tests.unit.entry.managed_tree import build_managed_tree

MINIMUM = "extends: default\nclient: {min_version: '2.1.332'}\n"
OLD = "claude-code_2-1-197_harness"
NEW = "claude-code_2-1-332_harness"


def _run(event: dict[str, Any], agent: str | None, layout: ManagedLayout | None = None) -> Any:
    env = {k: v for k, v in os.environ.items() if k != "AI_AGENT"}
    if agent is not None:
        env["AI_AGENT"] = agent
    return run_hook(json.dumps(event).encode(), env, layout=layout or ManagedLayout(Path("/nx")))


@pytest.fixture
def minimum(guard: GuardEnv) -> GuardEnv:
    guard.write_policy("managed", MINIMUM)
    return guard


def test_a_tool_call_from_an_old_client_is_denied_with_how_to_update(minimum: GuardEnv) -> None:
    answer = _run(minimum.tool("Read", file_path=str(minimum.project / "README.md")), OLD)
    assert answer.exit_code == 2
    assert "Claude Code 2.1.197 is older than 2.1.332" in answer.stderr
    assert "claude update" in answer.stderr
    record = minimum.audit_lines()[-1]
    assert record["rule_ids"] == ["client:min_version"]
    assert record["client_version"] == "2.1.197"


def test_a_prompt_from_an_old_client_is_denied(minimum: GuardEnv) -> None:
    answer = _run(minimum.event("UserPromptSubmit", prompt="hello"), OLD)
    assert answer.exit_code == 2 and "2.1.332" in answer.stderr


def test_an_unknown_version_is_denied_when_a_minimum_is_set(minimum: GuardEnv) -> None:
    answer = _run(minimum.tool("Read", file_path=str(minimum.project / "README.md")), None)
    assert answer.exit_code == 2
    assert "its version could not be determined" in answer.stderr
    assert "client_version" not in minimum.audit_lines()[-1]


def test_a_client_at_the_minimum_is_decided_as_usual(minimum: GuardEnv) -> None:
    readme = _run(minimum.tool("Read", file_path=str(minimum.project / "README.md")), NEW)
    dotenv = _run(minimum.tool("Read", file_path=str(minimum.project / ".env")), NEW)
    assert readme.exit_code == 0
    assert dotenv.exit_code == 2 and "older than" not in dotenv.stderr
    assert minimum.audit_lines()[-1]["client_version"] == "2.1.332"


def test_without_a_minimum_any_client_is_decided_as_usual(guard: GuardEnv) -> None:
    answer = _run(guard.tool("Read", file_path=str(guard.project / "README.md")), None)
    assert answer.exit_code == 0
    session = _run(guard.event("SessionStart", source="startup"), OLD)
    assert session.exit_code == 0 and session.stdout == ""
    assert "posture" not in guard.audit_lines()[-1]


def test_session_start_tells_the_user_and_records_it(minimum: GuardEnv) -> None:
    answer = _run(minimum.event("SessionStart", source="startup"), OLD)
    assert answer.exit_code == 0
    shown = json.loads(answer.stdout)
    assert "2.1.332" in shown["systemMessage"] and "claude update" in shown["systemMessage"]
    context = shown["hookSpecificOutput"]
    assert context["hookEventName"] == "SessionStart"
    assert context["additionalContext"] == shown["systemMessage"]
    record = minimum.audit_lines()[-1]
    assert record["event"] == "SessionStart" and record["posture"] == ["client-version"]


def test_session_start_reports_a_broken_managed_install(guard: GuardEnv, tmp_path: Path) -> None:
    layout = build_managed_tree(tmp_path / "root")
    layout.drop_in.unlink()
    layout.org_policy.chmod(0o666)
    answer = _run(guard.event("SessionStart", source="startup"), NEW, layout)
    shown = json.loads(answer.stdout)["systemMessage"]
    assert f"{layout.drop_in} is missing" in shown
    assert "writable by group or others" in shown and "fix:" in shown
    # The drop-in carried the hooks and both settings: all three fail with it.
    assert guard.audit_lines()[-1]["posture"] == [
        "managed-hooks",
        "allow-managed-hooks-only",
        "disable-bypass-permissions",
        "policy-ownership",
    ]


def test_a_healthy_managed_install_starts_silently(guard: GuardEnv, tmp_path: Path) -> None:
    layout = build_managed_tree(tmp_path / "root")
    answer = _run(guard.event("SessionStart", source="startup"), NEW, layout)
    assert answer.exit_code == 0 and answer.stdout == ""


def test_session_start_checks_every_event_the_install_registers() -> None:
    from claude_guard.cli.claude_settings import HOOK_EVENTS
    from claude_guard.entry.posture import GUARDED_EVENTS

    assert set(GUARDED_EVENTS) <= set(HOOK_EVENTS)
