"""The stdlib-only entry script as Claude Code runs it: a real process, real stdin, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, GuardEnv

HOOK = REPO / "hooks" / "claude_guard_hook.py"
# The shims below patch the engine through PYTHONPATH, which only the hook's own in-process
# decision sees (the service runs isolated): these tests exercise that path.
IN_PROCESS = {"CLAUDE_GUARD_SERVICE": "off"}


@pytest.fixture(params=["service-up", "service-killed", "service-hung", "service-garbage", "off"])
def service_state(request: pytest.FixtureRequest, guard: GuardEnv, monkeypatch) -> str:
    """The fail-closed tests below hold whatever state the service is in."""
    from tests.unit.entry.service_helpers import _impostor, start_service

    state: str = request.param
    monkeypatch.setenv("CLAUDE_GUARD_DEADLINE_SECONDS", "3")
    if state == "service-up":
        start_service(guard)
    elif state == "service-killed":
        proc = start_service(guard)
        proc.kill()
        proc.wait()
    elif state == "service-hung":
        _impostor(guard, None)
    elif state == "service-garbage":
        _impostor(guard, b"\x00garbage" * 20)
    else:
        monkeypatch.setenv("CLAUDE_GUARD_SERVICE", "off")
    return state


def _run(
    stdin: bytes | None,
    env_extra: dict[str, str] | None = None,
    python: str = sys.executable,
    timeout: float = 30,
    **kwargs,
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [python, str(HOOK)], input=stdin, capture_output=True, env=env, timeout=timeout, **kwargs
    )


def test_allow_is_silent_exit_zero(guard: GuardEnv, service_state: str) -> None:
    event = guard.tool("Read", file_path=str(guard.project / "src" / "app.py"))
    done = _run(json.dumps(event).encode())
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")


def test_deny_is_exit_two_with_reason(guard: GuardEnv, service_state: str) -> None:
    done = _run(json.dumps(guard.tool("Read", file_path=str(guard.project / ".env"))).encode())
    assert done.returncode == 2
    assert done.stderr.startswith(b"claude-guard: Read: read of ")
    assert done.stdout == b""


def test_garbage_is_denied(guard: GuardEnv, service_state: str) -> None:
    done = _run(b"\x00\x01garbage")
    assert done.returncode == 2 and b"not valid JSON" in done.stderr


def test_stdin_never_closed_is_denied_within_the_deadline(guard: GuardEnv) -> None:
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, str(HOOK)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "CLAUDE_GUARD_DEADLINE_SECONDS": "1.5"},
    )
    assert proc.stdin is not None
    proc.stdin.write(b'{"hook_event_name": "PreTo')
    proc.stdin.flush()
    # stdin stays open (communicate() would close it): the hook must give up by itself.
    assert proc.wait(timeout=20) == 2
    assert proc.stderr is not None
    assert b"timed out reading the event" in proc.stderr.read()
    proc.stdin.close()
    assert time.monotonic() - started < 15


def test_oversized_stdin_is_denied(guard: GuardEnv, service_state: str) -> None:
    done = _run(b"{" + b" " * 300_000, {"CLAUDE_GUARD_MAX_EVENT_BYTES": "100000"})
    assert done.returncode == 2 and b"larger than 100000 bytes" in done.stderr


def test_hung_decision_is_denied_by_the_watchdog(guard: GuardEnv, tmp_path: Path) -> None:
    # A sitecustomize that makes the engine hang stands in for any stuck decision.
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(
        "import time, claude_guard.decide.engine as e\n"
        "e.DecisionEngine.decide = lambda self, ev: time.sleep(60)\n"
    )
    event = json.dumps(guard.tool("Read", file_path=str(guard.project / "src/app.py"))).encode()
    done = _run(
        event, {"CLAUDE_GUARD_DEADLINE_SECONDS": "1", "PYTHONPATH": str(shim), **IN_PROCESS}
    )
    assert done.returncode == 2
    assert b"no decision within 1s" in done.stderr
    record = guard.audit_lines()[-1]
    assert record["decision"] == "deny" and record["reason"].startswith("no decision within 1s")


def test_hung_scan_after_a_tool_ran_withholds_the_output(guard: GuardEnv, tmp_path: Path):
    # A deny after the tool ran would only add feedback: the output must be withheld instead.
    shim = tmp_path / "slow"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(
        "import time, claude_guard.decide.engine as e\n"
        "e.DecisionEngine.decide = lambda self, ev: time.sleep(60)\n"
    )
    event = guard.bash_output("Patient: Maria Gonzalez SSN 536-22-8726")
    done = _run(
        json.dumps(event).encode(),
        {"CLAUDE_GUARD_DEADLINE_SECONDS": "1", "PYTHONPATH": str(shim), **IN_PROCESS},
    )
    assert done.returncode == 0
    updated = json.loads(done.stdout)["hookSpecificOutput"]["updatedToolOutput"]
    assert "536-22-8726" not in json.dumps(updated)
    assert guard.audit_lines()[-1]["decision"] == "redact"


def test_missing_package_is_a_deny_not_a_crash(guard: GuardEnv, tmp_path: Path) -> None:
    # The base interpreter, without the venv and so without the package (the venv got
    # removed, say): neither the service nor the in-process decision can start.
    base_python = getattr(sys, "_base_executable", sys.executable)
    done = subprocess.run(
        [base_python, "-I", "-S", str(HOOK)],
        input=b"{}",
        capture_output=True,
        timeout=30,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert b"not installed correctly (ModuleNotFoundError)" in done.stderr


@pytest.mark.parametrize("stdin", [b"", b"{}", b"null", b"[]", b'{"hook_event_name": 1}'])
def test_never_exit_one(guard: GuardEnv, service_state: str, stdin: bytes) -> None:
    assert _run(stdin).returncode == 2


def _crashing_shim(tmp_path: Path) -> str:
    """A sitecustomize that makes the decision die by SIGSEGV, as a native crash would."""
    shim = tmp_path / "crash"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(
        "import os, signal, claude_guard.decide.engine as e\n"
        "def crash(self, ev):\n"
        "    os.kill(os.getpid(), signal.SIGSEGV)\n"
        "e.DecisionEngine.decide = crash\n"
    )
    return str(shim)


def test_native_crash_of_the_decision_is_a_deny(guard: GuardEnv, tmp_path: Path) -> None:
    event = json.dumps(guard.tool("Read", file_path=str(guard.project / "src/app.py"))).encode()
    done = _run(event, {"PYTHONPATH": _crashing_shim(tmp_path), **IN_PROCESS})
    assert done.returncode == 2
    assert b"died unexpectedly" in done.stderr
    assert guard.audit_lines()[-1]["decision"] == "deny"


def test_native_crash_after_a_tool_ran_withholds_its_output(guard: GuardEnv, tmp_path: Path):
    event = guard.bash_output("Patient: Maria Gonzalez SSN 536-22-8726")
    done = _run(json.dumps(event).encode(), {"PYTHONPATH": _crashing_shim(tmp_path), **IN_PROCESS})
    assert done.returncode == 0
    updated = json.loads(done.stdout)["hookSpecificOutput"]["updatedToolOutput"]
    assert "536-22-8726" not in json.dumps(updated) and updated["interrupted"] is False


def test_the_hook_always_answers_before_claude_codes_own_timeout() -> None:
    # Past its configured timeout Claude Code kills the hook and lets the call through. However
    # large a deadline the environment asks for, every path of the hook ends before that.
    import importlib.util

    from claude_guard.cli.claude_settings import HOOK_TIMEOUT_SECONDS

    spec = importlib.util.spec_from_file_location("hook_under_test", HOOK)
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    os.environ["CLAUDE_GUARD_DEADLINE_SECONDS"] = "1e9"
    try:
        deadline = hook.env_number(
            "CLAUDE_GUARD_DEADLINE_SECONDS",
            hook.DEFAULT_DEADLINE_SECONDS,
            hook.MAX_DEADLINE_SECONDS,
        )
    finally:
        del os.environ["CLAUDE_GUARD_DEADLINE_SECONDS"]
    worst = deadline + hook.FAILURE_ANSWER_SECONDS + hook.LAST_RESORT_SECONDS
    assert worst < HOOK_TIMEOUT_SECONDS
