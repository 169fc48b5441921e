"""Parsing stdin into a validated event: every malformed input is a deny that says why."""

from __future__ import annotations

import pytest

from claude_guard.entry.hook import run_hook
from tests.conftest import GuardEnv


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"", "not valid JSON"),
        (b"not json", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"hook_event_name": "Stop"}', "unknown hook event 'Stop'"),
        (b'{"hook_event_name": "PreToolUse"}', "malformed PreToolUse event"),
        (
            b'{"hook_event_name":"PreToolUse","session_id":"s","cwd":"/","tool_name":"Read",'
            b'"tool_input":"x"}',
            "tool_input: dict_type",
        ),
        (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
    ],
)
def test_malformed_input_is_denied_with_a_reason(guard: GuardEnv, raw: bytes, fragment) -> None:
    answer = run_hook(raw)
    assert answer.exit_code == 2
    assert fragment in answer.stderr
    assert "Traceback" not in answer.stderr
    assert guard.audit_lines()[-1]["decision"] == "deny"
