"""The policy's minimum client version on the real client: the hook tells the version from the
process that started it, a client below the minimum gets every tool call denied with how to
update (the prompt too), and SessionStart records the client too old. Run against both pinned
clients; 2.1.332 is the minimum set here, so 2.1.197 is refused and 2.1.332 runs as usual."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from harness import Project, audit_records, find_claude_bin, run_claude

pytestmark = pytest.mark.e2e

MINIMUM = "2.1.332"


def _running_version() -> str:
    binary = find_claude_bin()
    assert binary is not None
    package = Path(os.path.realpath(binary)).parent.parent / "package.json"
    return str(json.loads(package.read_text())["version"])


def test_the_minimum_holds_on_the_real_client(guarded_home: Path, project: Project) -> None:
    user_policy = guarded_home / ".claude-guard" / "policy.yaml"
    user_policy.write_text(f"client: {{min_version: '{MINIMUM}'}}\n")  # a user may raise it
    try:
        call = {"name": "Bash", "input": {"command": "echo hello", "description": "greet"}}
        run = run_claude(guarded_home, project.root, "go", [[call]])
    finally:
        user_policy.unlink()
    version = _running_version()
    records = [r for r in audit_records(guarded_home) if r.get("session_id") == run.session_id]
    assert records and {r.get("client_version") for r in records} == {version}, run.describe()
    start = next(r for r in records if r["event"] == "SessionStart")
    notice = f"Claude Code {version} is older than {MINIMUM}"
    if version == MINIMUM:
        result = run.tool_result("toolu_e2e_0001")
        assert not result.is_error and "hello" in result.text, run.describe()
        assert "posture" not in start
    else:  # the prompt itself is blocked: nothing reaches the model, the user reads why
        prompt = next(r for r in records if r["event"] == "UserPromptSubmit")
        assert prompt["decision"] == "deny" and prompt["rule_ids"] == ["client:min_version"]
        shown = str((run.result or {}).get("result", ""))
        assert notice in shown and "claude update" in shown, run.describe()
        assert "mask these values" not in shown
        assert start["posture"] == ["client-version"]
        assert run.message_requests() == [], run.describe()
