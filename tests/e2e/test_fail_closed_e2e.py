"""Fail closed after a tool ran, on the real client: an event the hook cannot parse still has
its output withheld (not a deny, which would let it through), and the decision is recorded.

The oversized case is driven by a low `CLAUDE_GUARD_MAX_EVENT_BYTES`: the hook stops reading at
the limit, so it answers from its last resort with the event kind from its registration's
argument, the Bash shape picked from the event's head and `continue: false`. The model must not
see the output; the spooled record joins the trail.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from harness import Project, audit_records, canary, run_claude

pytestmark = pytest.mark.e2e

IMPORT_SPOOL = """
from claude_guard.context import Environment
from claude_guard.record.audit_log import open_audit_log
from claude_guard.record.spool import import_spool
home = Environment.from_env().guard_home
import_spool(home.spool_dir, open_audit_log(home))
"""


def import_spool_of(home: Path) -> None:
    python = home / ".claude-guard" / "venv" / "bin" / "python"
    env = {**os.environ, "HOME": str(home)}
    env.pop("CLAUDE_GUARD_HOME", None)
    subprocess.run([str(python), "-I", "-c", IMPORT_SPOOL], env=env, check=True, timeout=60)


def test_an_oversized_tool_output_is_withheld_and_recorded(
    guarded_home: Path, project: Project
) -> None:
    secret = canary("OVERSIZED")
    (project.root / "big.txt").write_text(f"SSN 536-22-8726 {secret}\n" + "x" * 20000 + "\n")
    command = "cat big.txt"
    run = run_claude(
        guarded_home,
        project.root,
        "show it",
        [[{"name": "Bash", "input": {"command": command}}], "after"],
        extra_env={"CLAUDE_GUARD_MAX_EVENT_BYTES": "8192"},
    )
    assert secret not in run.all_text_sent(), run.describe()
    import_spool_of(guarded_home)
    spooled = [
        r
        for r in audit_records(guarded_home)
        if r.get("spooled") and r.get("event") == "PostToolUse"
    ]
    assert spooled and spooled[-1]["decision"] == "redact", run.describe()
    assert "larger than 8192 bytes" in spooled[-1]["reason"]
    assert secret not in json.dumps(audit_records(guarded_home))


def test_registration_passes_each_event_kind(guarded_home: Path) -> None:
    settings = json.loads((guarded_home / ".claude" / "settings.json").read_text())
    post = [h["command"] for g in settings["hooks"]["PostToolUse"] for h in g["hooks"]]
    assert any(c.endswith("claude_guard_hook.py PostToolUse") for c in post)
