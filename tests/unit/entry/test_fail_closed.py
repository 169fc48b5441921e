"""Fail closed on every path, as Claude Code runs the hook: after a tool ran no path lets its
output through, every decision leaves one record (the last resort's via the spool), concurrent
cold starts start one service, and a same-user listener on the socket is not trusted."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from claude_guard.context import Environment
from claude_guard.entry import wire as runtime
from claude_guard.entry.service import control
from claude_guard.record.audit_log import open_audit_log, verify_chain
from claude_guard.record.spool import import_spool
from tests.conftest import REPO, GuardEnv
from tests.unit.entry.service_helpers import PHI_LINE, _impostor, start_service, wait_for

HOOK = REPO / "hooks" / "claude_guard_hook.py"
SSN = b"536-22-8726"
ALLOW_EVERYTHING = b"CGRS1\nA\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")


def run_hook_script(
    raw: bytes,
    kind: str | None = "PostToolUse",
    env_extra: dict[str, str] | None = None,
    python: str = sys.executable,
    script: Path = HOOK,
) -> subprocess.CompletedProcess[bytes]:
    """The hook as the registration runs it: with the event kind as its argument (None: a
    registration made before there was one)."""
    argv = [python, "-I", "-S", str(script), *([kind] if kind else [])]
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(argv, input=raw, capture_output=True, env=env, timeout=60)


def withheld(done: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    """The answer, checked to keep the tool's output from the model."""
    assert done.returncode == 0, done.stderr
    assert SSN not in done.stdout
    answer: dict[str, Any] = json.loads(done.stdout)
    assert "updatedToolOutput" in answer["hookSpecificOutput"]
    return answer


def trail(guard: GuardEnv) -> list[dict[str, Any]]:
    """The audit trail after the spool joined it."""
    home = Environment.from_env().guard_home
    import_spool(home.spool_dir, open_audit_log(home))
    assert verify_chain(home.audit_dir, home.load_key()).problems == []
    return guard.audit_lines()


def deep_bash_event(guard: GuardEnv, depth: int) -> bytes:
    event = guard.bash_output(PHI_LINE)
    event["tool_response"]["stderr"] = "NESTED"
    nested = "[" * depth + json.dumps(PHI_LINE) + "]" * depth  # too deep for json.dumps too
    return json.dumps(event).replace('"NESTED"', nested).encode()


# ------------------------------------------------------------------- paths after a tool ran


def test_stdin_left_open_is_decided_once_a_whole_event_arrived(guard: GuardEnv) -> None:
    argv = [sys.executable, "-I", "-S", str(HOOK), "PostToolUse"]
    proc = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdin is not None
    started = time.monotonic()
    proc.stdin.write(json.dumps(guard.bash_output(PHI_LINE)).encode())
    proc.stdin.flush()  # and never closed, as some clients do
    try:
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    elapsed = time.monotonic() - started
    answer = withheld(subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr))
    # Decided, not timed out: the SSN became its placeholder.
    assert "<US_SSN_" in json.dumps(answer), stderr
    assert elapsed < 8  # the read deadline is 8 s of 10: it ended on the quiet spell
    assert [r["decision"] for r in trail(guard)] == ["redact"]


def test_a_1000_deep_tool_response_is_withheld_and_recorded(guard: GuardEnv) -> None:
    done = run_hook_script(deep_bash_event(guard, 1000))
    answer = withheld(done)
    assert answer["continue"] is False  # the event did not parse: its shape is a guess
    records = trail(guard)
    assert [(r["decision"], r["event"]) for r in records] == [("redact", "PostToolUse")]


@pytest.mark.parametrize("kind", ["PostToolUse", None])
def test_an_event_over_the_size_limit_is_answered_and_spooled(
    guard: GuardEnv, kind: str | None
) -> None:
    raw = json.dumps(guard.bash_output(PHI_LINE * 200)).encode()
    done = run_hook_script(raw, kind, {"CLAUDE_GUARD_MAX_EVENT_BYTES": "4096"})
    if kind is None:  # an old registration: nothing says a tool ran; a deny, as before
        assert done.returncode == 2 and b"larger than 4096 bytes" in done.stderr
    else:
        answer = withheld(done)
        # The tool name read from the event's head picks the Bash shape.
        assert set(answer["hookSpecificOutput"]["updatedToolOutput"]) >= {"stdout", "stderr"}
        assert answer["continue"] is False
    records = trail(guard)
    assert len(records) == 1 and records[0]["spooled"] is True
    assert records[0]["decision"] == ("deny" if kind is None else "redact")
    assert b"Maria" not in json.dumps(records).encode()


def test_a_missing_package_withholds_and_spools(guard: GuardEnv, tmp_path: Path) -> None:
    """A bare interpreter: no claude_guard to import, so no service and no in-process decision."""
    bare = shutil.which("python3", path="/usr/bin:/bin")
    assert bare is not None
    script = tmp_path / "claude_guard_hook.py"
    shutil.copyfile(HOOK, script)
    raw = json.dumps(guard.bash_output(PHI_LINE)).encode()
    done = run_hook_script(raw, python=bare, script=script)
    answer = withheld(done)
    assert b"not installed correctly" in done.stderr
    assert "continue" not in answer  # Bash: a shape the client is known to take
    assert [(r["decision"], r["tool"], r["spooled"]) for r in trail(guard)] == [
        ("redact", "Bash", True)
    ]


def test_an_unknown_shape_keeps_its_structure_but_no_text_and_stops_the_turn(
    guard: GuardEnv, tmp_path: Path
) -> None:
    """The stdlib last resort on an MCP result: every string replaced, nesting beyond its
    bound replaced whole, numbers kept; and `continue: false`, as the shape is a guess."""
    bare = shutil.which("python3", path="/usr/bin:/bin")
    assert bare is not None
    script = tmp_path / "claude_guard_hook.py"
    shutil.copyfile(HOOK, script)
    nested: Any = {"note": PHI_LINE}
    for _ in range(40):
        nested = {"inner": nested}
    event = guard.event(
        "PostToolUse",
        tool_name="mcp__ehr__lookup",
        tool_input={"id": 7},
        tool_response=[{"type": "text", "text": PHI_LINE, "count": 3, "deep": nested}],
    )
    answer = withheld(run_hook_script(json.dumps(event).encode(), python=bare, script=script))
    output = answer["hookSpecificOutput"]["updatedToolOutput"]
    assert output[0]["count"] == 3 and output[0]["type"] != "text"
    assert "Maria" not in json.dumps(output) and "deep" in output[0]
    assert answer["continue"] is False


def test_a_pre_tool_use_last_resort_is_a_deny_with_a_record(guard: GuardEnv) -> None:
    event = guard.tool("Read", file_path=str(guard.project / "src" / "app.py"))
    raw = json.dumps(event).encode() + b" " * 8192
    done = run_hook_script(raw, "PreToolUse", {"CLAUDE_GUARD_MAX_EVENT_BYTES": "4096"})
    assert (done.returncode, done.stdout) == (2, b"")
    assert [(r["decision"], r["event"]) for r in trail(guard)] == [("deny", "PreToolUse")]


# ----------------------------------------------------------------------------- the impostor


def test_a_same_user_listener_answering_allow_is_not_trusted(guard: GuardEnv) -> None:
    _impostor(guard, ALLOW_EVERYTHING)
    done = run_hook_script(json.dumps(guard.bash_output(PHI_LINE)).encode())
    answer = withheld(done)
    assert "<US_SSN_" in json.dumps(answer)  # decided in-process, not allowed
    assert [(r["decision"], r["decided_by"]) for r in trail(guard)] == [("redact", "hook")]


def test_the_real_service_is_still_trusted(guard: GuardEnv) -> None:
    start_service(guard)
    done = run_hook_script(json.dumps(guard.bash_output(PHI_LINE)).encode())
    withheld(done)
    assert [r["decided_by"] for r in trail(guard)] == ["service"]


# ----------------------------------------------------------------------------- the fault test


def concurrent_calls(guard: GuardEnv, calls: int, prefix: str) -> list[Any]:
    results: list[Any] = [None] * calls

    def one(index: int) -> None:
        event = guard.bash_output(PHI_LINE)
        event["tool_use_id"] = f"{prefix}_{index}"
        results[index] = run_hook_script(json.dumps(event).encode())

    threads = [threading.Thread(target=one, args=(i,)) for i in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def assert_fail_closed(guard: GuardEnv, results: list[Any], prefix: str) -> list[dict[str, Any]]:
    """No output let through, and exactly one record per decision (by decision_id)."""
    for done in results:
        withheld(done)
    mine = [r for r in trail(guard) if str(r.get("tool_use_id", "")).startswith(prefix + "_")]
    per_call = Counter(r["tool_use_id"] for r in mine)
    assert sorted(per_call) == sorted(f"{prefix}_{i}" for i in range(len(results)))
    assert set(per_call.values()) == {1}
    assert len({r["decision_id"] for r in mine}) == len(results)
    return mine


def test_fault_stopped_swamped_and_impersonated(guard: GuardEnv) -> None:
    # Swamped: 32 hooks at a cold start. One starts the service; the others wait for it.
    assert_fail_closed(guard, concurrent_calls(guard, 32, "cold"), "cold")
    log = (runtime.runtime_dir(guard.guard_home) / "service.log").read_text()
    assert log.count(" started pid=") == 1

    # Stopped: the service is alive but never answers (SIGSTOP).
    status = control(guard.guard_home, "status")
    assert status is not None
    pid = json.loads(status)["pid"]
    os.kill(pid, signal.SIGSTOP)
    try:
        assert_fail_closed(guard, concurrent_calls(guard, 8, "stopped"), "stopped")
    finally:
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not _alive(pid))

    # Impersonated: a same-user listener on the socket answering allow to everything.
    (runtime.runtime_dir(guard.guard_home) / runtime.SOCKET_NAME).unlink()
    _impostor(guard, ALLOW_EVERYTHING)
    mine = assert_fail_closed(guard, concurrent_calls(guard, 8, "impostor"), "impostor")
    # Each was redacted, none allowed (a hook that found no socket may have started the real
    # service, which then replaces the impostor's socket: its decisions are fine too).
    assert {r["decision"] for r in mine} == {"redact"}
    assert "hook" in {r["decided_by"] for r in mine}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # our grandchild may linger as a zombie only while its parent is alive
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
