"""Subagents in front of the real client: the main agent delegates with the Agent tool, and the
subagent's own tool calls run through the same hooks, policy and audit as the main agent's.

The scripted model answers a subagent's requests from a script of its own, chosen by a marker
its prompt carries. Each test has a control without claude-guard, which shows that the
subagent really reaches the content.
"""

from __future__ import annotations

import random
import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from harness import Project, audit_records, guard_reason, run_claude

pytestmark = pytest.mark.e2e

MARKER = "SUBAGENT_ONE"
DELEGATE = "toolu_e2e_0001"
SUB_FIRST = f"toolu_{MARKER.lower()}_0001"


def delegate(task: str) -> list[Any]:
    call = {
        "name": "Agent",
        "input": {
            "description": "delegated check",
            "prompt": f"{MARKER}: {task}",
            "subagent_type": "general-purpose",
        },
    }
    return [[call], "main done"]


def sub_script(*calls: dict[str, Any]) -> dict[str, list[Any]]:
    return {MARKER: [[call] for call in calls] + ["sub done"]}


def ssn_canary() -> str:
    rng = random.Random(secrets.randbits(64))
    return f"{rng.randint(100, 665):03d}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"


def agent_id_of(result_text: str) -> str:
    found = re.search(r"agentId: ([0-9a-f]+)", result_text)
    assert found, result_text
    return found.group(1)


def test_subagent_read_of_env_is_denied_and_audited_with_its_agent_id(
    guarded_home: Path, project: Project
) -> None:
    subs = sub_script({"name": "Read", "input": {"file_path": str(project.root / ".env")}})
    run = run_claude(
        guarded_home, project.root, "delegate it", delegate("read env"), subagents=subs
    )
    sub_read = run.tool_result(SUB_FIRST)
    assert sub_read.is_error and "secrets.dotenv" in guard_reason(sub_read), run.describe()
    assert project.env_canary not in run.all_text_sent()
    agent_id = agent_id_of(run.tool_result(DELEGATE).text)
    [record] = [r for r in audit_records(guarded_home) if r.get("tool_use_id") == SUB_FIRST]
    assert record["decision"] == "deny" and record["tool"] == "Read"
    assert record["agent_id"] == agent_id and record["agent_type"] == "general-purpose"


def test_control_subagent_reads_env_without_the_guard(plain_home: Path, project: Project) -> None:
    subs = sub_script({"name": "Read", "input": {"file_path": str(project.root / ".env")}})
    run = run_claude(plain_home, project.root, "delegate it", delegate("read env"), subagents=subs)
    assert not run.tool_result(SUB_FIRST).is_error
    assert project.env_canary in run.all_text_sent()


def _printing_ssn(ssn: str) -> dict[str, Any]:
    # The command text holds no SSN (it is put together at run time), so only the output does:
    # that is the PostToolUse road.
    area, rest = ssn[:4], ssn[4:]
    return {
        "name": "Bash",
        "input": {"command": f"python3 -c \"print('Patient SSN: ' + '{area}' + '{rest}')\""},
    }


def test_subagent_output_with_phi_is_redacted(guarded_home: Path, project: Project) -> None:
    ssn = ssn_canary()
    subs = sub_script(_printing_ssn(ssn))
    run = run_claude(guarded_home, project.root, "delegate it", delegate("print"), subagents=subs)
    result = run.tool_result(SUB_FIRST)
    assert not result.is_error, run.describe()
    assert "<US_SSN_1>" in result.text, run.describe()
    assert ssn not in run.all_text_sent()
    [record] = [
        r
        for r in audit_records(guarded_home)
        if r.get("tool_use_id") == SUB_FIRST and r.get("event") == "PostToolUse"
    ]
    assert record["decision"] == "redact" and record.get("agent_id")


def test_control_subagent_output_reaches_the_model_without_the_guard(
    plain_home: Path, project: Project
) -> None:
    ssn = ssn_canary()
    subs = sub_script(_printing_ssn(ssn))
    run = run_claude(plain_home, project.root, "delegate it", delegate("print"), subagents=subs)
    assert ssn in run.tool_result(SUB_FIRST).text
