"""Fuzzing the stdin parser: random bytes and mutated real payloads never crash, never allow by
accident. An allow may only come from an event that validates as a real event."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_guard.entry.hook import run_hook
from claude_guard.event.models import ValidationError, parse_event
from tests.conftest import REPO, GuardEnv

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _real_payloads(guard: GuardEnv) -> list[dict[str, Any]]:
    p = str(guard.project)
    return [
        guard.tool("Read", file_path=f"{p}/.env"),
        guard.tool("Read", file_path=f"{p}/src/app.py", offset=1, limit=10),
        guard.tool("Write", file_path=f"{p}/src/x.py", content="x"),
        guard.tool("Edit", file_path=f"{p}/.env", old_string="a", new_string="b"),
        guard.tool("Bash", command="cat .env", description="d"),
        guard.tool("Grep", pattern="x", path=p),
        guard.tool("mcp__fs__read", path=f"{p}/.env"),
        guard.event("UserPromptSubmit", prompt="see @.env"),
        guard.event(
            "PostToolUse",
            tool_name="Bash",
            tool_input={"command": "ls"},
            tool_response={"stdout": "a", "stderr": "", "interrupted": False},
        ),
        guard.event("SessionStart", source="startup"),
        guard.event("SessionEnd", reason="exit"),
    ]


def _check_answer(raw: bytes) -> None:
    answer = run_hook(raw)
    assert answer.exit_code in (0, 2)
    assert "Traceback" not in answer.stderr
    if answer.exit_code == 2:
        assert answer.stderr.startswith("claude-guard: ")
        assert "internal error" not in answer.stderr, answer.stderr
        return
    if answer.stdout:
        specific = json.loads(answer.stdout)["hookSpecificOutput"]
        if "updatedToolOutput" in specific:  # PostToolUse: output replaced, never an allow
            assert specific["hookEventName"] == "PostToolUse"
            return
        assert specific["permissionDecision"] in ("ask", "deny")
    # An allow: the input must be a valid event; a crash can never produce one.
    try:
        parse_event(json.loads(raw))
    except (ValueError, ValidationError) as exc:  # pragma: no cover - the failure we hunt
        raise AssertionError(f"allowed an invalid event: {type(exc).__name__}") from None


@FUZZ
@given(raw=st.binary(max_size=2048))
def test_random_bytes(guard: GuardEnv, raw: bytes) -> None:
    _check_answer(raw)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def mutated(draw: st.DrawFn, payloads: list[dict[str, Any]]) -> bytes:
    payload = json.loads(json.dumps(draw(st.sampled_from(payloads))))
    for _ in range(draw(st.integers(1, 4))):
        target = payload
        if "tool_input" in payload and draw(st.booleans()):
            target = payload["tool_input"] if isinstance(payload["tool_input"], dict) else payload
        keys = list(target)
        op = draw(st.sampled_from(["drop", "retype", "add", "rename"]))
        if op == "drop" and keys:
            target.pop(draw(st.sampled_from(keys)))
        elif op == "retype" and keys:
            target[draw(st.sampled_from(keys))] = draw(json_values)
        elif op == "add":
            target[draw(st.text(max_size=12))] = draw(json_values)
        elif op == "rename" and keys:
            key = draw(st.sampled_from(keys))
            target[key + draw(st.text(min_size=1, max_size=3))] = target.pop(key)
    text = json.dumps(payload)
    if draw(st.booleans()):  # byte-level damage too
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.text(max_size=3)) + text[cut + 1 :]
    return text.encode("utf-8", "surrogatepass")


def test_mutated_real_payloads(guard: GuardEnv) -> None:
    @FUZZ
    @given(raw=mutated(_real_payloads(guard)))
    def check(raw: bytes) -> None:
        _check_answer(raw)

    check()


def test_mutations_through_the_real_hook_process_never_exit_one(guard: GuardEnv) -> None:
    hook = REPO / "hooks" / "claude_guard_hook.py"
    seen: set[int] = set()

    @settings(max_examples=25, deadline=None)
    @given(raw=mutated(_real_payloads(guard)) | st.binary(max_size=256))
    def check(raw: bytes) -> None:
        done = subprocess.run(
            [sys.executable, str(hook)],
            input=raw,
            capture_output=True,
            env=dict(os.environ),
            timeout=30,
        )
        seen.add(done.returncode)
        assert done.returncode in (0, 2), done.stderr
        assert b"Traceback" not in done.stderr

    check()
    assert 2 in seen
