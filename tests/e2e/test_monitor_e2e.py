"""Monitor on the real client: where the client offers it (2.1.332), its `command` reaches the
hook as `tool_input.command` and is judged by the shell analysis like Bash's; where it does not
(2.1.197), the client refuses the call itself. The canary never reaches the model either way."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import Project, audit_records, run_claude

pytestmark = pytest.mark.e2e

FIRST = "toolu_e2e_0001"


def test_monitor_of_a_protected_file_is_denied(guarded_home: Path, project: Project) -> None:
    call = {"name": "Monitor", "input": {"command": "cat .env", "description": "watch config"}}
    run = run_claude(guarded_home, project.root, "go", [[call]])
    assert project.env_canary not in run.all_text_sent(), run.describe()
    result = run.tool_result(FIRST)
    monitor = [r for r in audit_records(guarded_home) if r.get("tool") == "Monitor"]
    if "No such tool available: Monitor" in result.text:  # a client that does not offer it
        assert monitor == [], run.describe()
    else:
        assert result.is_error and "default:secrets.dotenv" in result.text, run.describe()
        assert [(r["event"], r["decision"]) for r in monitor] == [("PreToolUse", "deny")]
