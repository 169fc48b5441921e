"""The warm service and the thin hook client, as real processes over a real socket.

Every test drives the hook script the way Claude Code does (`python -I -S hook.py`, event on
stdin) and checks what it answers and what the audit log holds: one record per decision,
whichever side decided, with the service up, down, killed, hung, or replaced by an impostor.
"""

from __future__ import annotations

import json
import os
import plistlib
import shlex
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claude_guard.entry import wire as runtime
from claude_guard.entry.service import control
from claude_guard.home import load_or_create_key
from claude_guard.record.audit_log import verify_chain
from tests.conftest import GuardEnv
from tests.unit.entry.service_helpers import (
    HOOK,
    PHI_LINE,
    _impostor,
    hook,
    records,
    shim_dir,
    socket_path,
    start_service,
    wait_for,
)


@pytest.fixture
def service(guard: GuardEnv) -> Iterator[subprocess.Popen[bytes]]:
    proc = start_service(guard)
    yield proc
    control(guard.guard_home, "stop")
    proc.wait(timeout=10)


def events(guard: GuardEnv) -> list[dict[str, Any]]:
    """One of each kind of answer: allow, path deny, content deny, redaction, prompt block."""
    (guard.project / "src" / "patients.csv").write_text(f"name,ssn\n{PHI_LINE}\n")
    return [
        guard.tool("Read", file_path=str(guard.project / "src" / "app.py")),
        guard.tool("Read", file_path=str(guard.project / ".env")),
        guard.tool("Read", file_path=str(guard.project / "src" / "patients.csv")),
        guard.tool("Bash", command="cat src/app.py | wc -l"),
        guard.tool("Bash", command="cat .env"),
        guard.bash_output(PHI_LINE),
        guard.event("UserPromptSubmit", prompt=f"fix this: {PHI_LINE}"),
        guard.event("UserPromptSubmit", prompt="rename greet() to hello()"),
    ]


def test_service_answers_exactly_as_the_in_process_decision(guard: GuardEnv, service: Any):
    for event in events(guard):
        before = len(records(guard))
        direct = hook(event, {"CLAUDE_GUARD_SERVICE": "off"})
        served = hook(event)
        assert (served.returncode, served.stdout, served.stderr) == (
            direct.returncode,
            direct.stdout,
            direct.stderr,
        ), event
        added = records(guard)[before:]
        assert [r["decided_by"] for r in added] == ["hook", "service"]
        assert "hook_pid" not in added[0] and added[1]["hook_pid"] != added[1]["pid"]
        assert added[0]["decision"] == added[1]["decision"]
        assert added[0].get("rule_ids") == added[1].get("rule_ids")


def test_first_call_starts_the_service_and_later_calls_use_it(guard: GuardEnv) -> None:
    assert control(guard.guard_home, "status") is None
    event = guard.tool("Read", file_path=str(guard.project / ".env"))
    first = hook(event)
    assert first.returncode == 2 and b"denied by rule" in first.stderr
    status = json.loads(control(guard.guard_home, "status") or "{}")
    assert status["decisions"] == 1
    second = hook(event)
    assert second.returncode == 2
    assert [r["decided_by"] for r in records(guard)] == ["service", "service"]
    # Nothing the service started holds Claude Code's pipes: the hook returned (above), and the
    # service is in a session of its own.
    assert os.getsid(status["pid"]) == status["pid"]


def test_runtime_directory_and_socket_are_private(guard: GuardEnv, service: Any) -> None:
    run_dir = runtime.runtime_dir(guard.guard_home)
    assert stat.S_IMODE(os.lstat(run_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.lstat(socket_path(guard)).st_mode) == 0o600
    assert stat.S_ISSOCK(os.lstat(socket_path(guard)).st_mode)


def test_a_runtime_directory_open_to_others_is_not_trusted(guard: GuardEnv, service: Any):
    os.chmod(runtime.runtime_dir(guard.guard_home), 0o755)
    try:
        done = hook(guard.tool("Read", file_path=str(guard.project / ".env")))
    finally:
        os.chmod(runtime.runtime_dir(guard.guard_home), 0o700)
    assert done.returncode == 2 and b"denied by rule" in done.stderr
    assert records(guard)[-1]["decided_by"] == "hook"


def test_long_guard_home_gets_a_private_socket_directory_in_tmp(tmp_path: Path) -> None:
    home = tmp_path / ("x" * 120) / ".claude-guard"
    run_dir = runtime.runtime_dir(home)
    assert str(run_dir).startswith(f"/tmp/claude-guard-{os.getuid()}-")
    assert len(os.fsencode(run_dir / runtime.SOCKET_NAME)) <= runtime.MAX_SOCKET_PATH
    assert runtime.runtime_dir(home) == run_dir  # the client computes the same place


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to act as another user")
def test_another_user_gets_no_decision_even_through_an_open_directory(
    guard: GuardEnv, service: Any
) -> None:
    run_dir = runtime.runtime_dir(guard.guard_home)
    # Open every door the filesystem has, so that only the peer-credential check is left.
    for directory in [run_dir, *run_dir.parents]:
        os.chmod(directory, os.stat(directory).st_mode | 0o005)
    os.chmod(socket_path(guard), 0o666)
    raw = json.dumps(guard.tool("Read", file_path=str(guard.project / ".env"))).encode()
    request = runtime.encode_request({"request_id": "0" * 32, "HOME": str(guard.home)}, raw)
    probe = (
        "import os, socket, sys\n"
        "os.setgid(65534); os.setuid(65534)\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "s.settimeout(10)\n"
        f"s.connect({str(socket_path(guard))!r})\n"
        "try:\n"
        "    s.sendall(sys.stdin.buffer.read())\n"
        "    sys.stdout.buffer.write(s.recv(100))\n"
        "except ConnectionResetError:\n"
        "    pass  # dropped unread: as good as an empty answer\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], input=request, capture_output=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""  # connected, and got nothing: no decision, no state
    assert records(guard) == []


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET / HTTP/1.1\r\n\r\n",
        runtime.REQUEST_MAGIC + (10**9).to_bytes(4, "big"),
        runtime.REQUEST_MAGIC + (3).to_bytes(4, "big") + b"a\0b" + (0).to_bytes(8, "big"),
        runtime.REQUEST_MAGIC + (0).to_bytes(4, "big") + (2**40).to_bytes(8, "big"),
        runtime.encode_request({"request_id": "nothex"}, b"{}"),
        runtime.REQUEST_MAGIC + (5).to_bytes(4, "big") + b"ab",  # ends early
    ],
)
def test_malformed_requests_get_no_answer_and_do_not_hurt_the_service(
    guard: GuardEnv, service: Any, request_bytes: bytes
) -> None:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(10)
        sock.connect(str(socket_path(guard)))
        sock.sendall(request_bytes)
        sock.shutdown(socket.SHUT_WR)
        assert _reply(sock) == b""
    assert control(guard.guard_home, "status") is not None
    assert records(guard) == []


def _reply(sock: socket.socket) -> bytes:
    try:
        return sock.recv(100)
    except ConnectionResetError:  # dropped with input unread: no answer either
        return b""


def test_a_request_for_another_home_is_refused_and_decided_by_the_hook(
    guard: GuardEnv, service: Any
) -> None:
    # Same guard home, another policy location: the service's caches are not this caller's.
    other = guard.home / "other-managed.yaml"
    done = hook(
        guard.tool("Read", file_path=str(guard.project / ".env")),
        {"CLAUDE_GUARD_MANAGED_POLICY": str(other)},
    )
    assert done.returncode == 2
    assert [r["decided_by"] for r in records(guard)] == ["hook"]


def test_killed_service_is_replaced_on_the_next_call(guard: GuardEnv) -> None:
    proc = start_service(guard)
    proc.kill()
    proc.wait()
    assert socket_path(guard).exists()  # stale socket left behind
    done = hook(guard.tool("Read", file_path=str(guard.project / ".env")))
    assert done.returncode == 2 and b"denied by rule" in done.stderr
    status = json.loads(control(guard.guard_home, "status") or "{}")
    assert status["pid"] != proc.pid
    assert len(records(guard)) == 1


@pytest.mark.parametrize(
    "reply",
    [
        None,  # hung: accepts and never answers
        b"\x00garbage\xff" * 10,
        runtime.RESPONSE_MAGIC + b"A\x00" + (7).to_bytes(4, "big") + b"garbage" + bytes(4),
        runtime.RESPONSE_MAGIC + b"A\x01" + bytes(8),  # exit 1 would fail open
        runtime.RESPONSE_MAGIC + b"A\x02" + bytes(8),  # a block without a reason
    ],
    ids=["hung", "noise", "non-json-stdout", "exit-one", "reasonless-block"],
)
@pytest.mark.parametrize("kind", ["pre-deny", "post-redact"])
def test_impostor_service_cannot_change_the_decision(
    guard: GuardEnv, reply: bytes | None, kind: str
) -> None:
    _impostor(guard, reply)
    if kind == "pre-deny":
        event = guard.tool("Read", file_path=str(guard.project / ".env"))
    else:
        event = guard.bash_output(PHI_LINE)
    started = time.monotonic()
    done = hook(event, {"CLAUDE_GUARD_DEADLINE_SECONDS": "3"})
    assert time.monotonic() - started < 3.5 + 1.0  # within the deadline (plus process start)
    if kind == "pre-deny":
        assert done.returncode == 2 and b"denied by rule" in done.stderr
    else:
        assert done.returncode == 0
        updated = json.loads(done.stdout)["hookSpecificOutput"]["updatedToolOutput"]
        assert "536-22-8726" not in json.dumps(updated)
    assert [r["decided_by"] for r in records(guard)] == ["hook"]


def test_hung_real_service_records_once_when_the_hook_decides_instead(
    guard: GuardEnv, tmp_path: Path
) -> None:
    # The service's decision takes 14 s; the hook gives it 60 % of 8 s, then claims the call and
    # decides itself (with over 3 s left: enough on a loaded 2-core machine). When the service
    # finishes it finds the claim taken and records nothing.
    shim = shim_dir(
        tmp_path,
        "slow",
        "import time, claude_guard.decide.engine as e\n"
        "real = e.DecisionEngine.decide\n"
        "def slow(self, ev):\n"
        "    if getattr(ev, 'session_id', '') == 'sess-1':\n"
        "        time.sleep(14)\n"
        "    return real(self, ev)\n"
        "e.DecisionEngine.decide = slow\n",
    )
    proc = start_service(guard, shim)
    try:
        done = hook(
            guard.tool("Read", file_path=str(guard.project / ".env")),
            {"CLAUDE_GUARD_DEADLINE_SECONDS": "8"},
        )
        assert done.returncode == 2 and b"denied by rule" in done.stderr
        assert [r["decided_by"] for r in records(guard)] == ["hook"]
        wait_for(lambda: json.loads(control(guard.guard_home, "status") or "{}") != {}, 10)
        time.sleep(7)  # the service's own decision has finished by now
        assert [r["decided_by"] for r in records(guard)] == ["hook"]
    finally:
        proc.kill()


@pytest.mark.parametrize("kind", ["pre-deny", "post-withhold"])
def test_service_that_claimed_but_answers_late_is_a_failure_recorded_once(
    guard: GuardEnv, tmp_path: Path, kind: str
) -> None:
    # The service claims the call, then takes 4 s to write the record: the hook cannot decide
    # itself (that would be a second record) and fails closed by its deadline instead: a deny,
    # or after a tool ran its output withheld (a deny there would let the output through).
    shim = shim_dir(
        tmp_path,
        "slowaudit",
        "import time, claude_guard.record.record as f\n"
        "real = f.open_audit_log\n"
        "def slow(home, *key):\n"
        "    time.sleep(4)\n"
        "    return real(home, *key)\n"
        "f.open_audit_log = slow\n",
    )
    proc = start_service(guard, shim)
    try:
        if kind == "pre-deny":
            event = guard.tool("Read", file_path=str(guard.project / "src" / "app.py"))
        else:
            event = guard.bash_output(PHI_LINE)
        started = time.monotonic()
        done = hook(event, {"CLAUDE_GUARD_DEADLINE_SECONDS": "3"})
        assert time.monotonic() - started < 3 + 1.0  # the deadline, plus process start
        assert b"took the decision but gave no answer in time" in done.stderr
        if kind == "pre-deny":
            assert done.returncode == 2
        else:
            assert done.returncode == 0
            updated = json.loads(done.stdout)["hookSpecificOutput"]["updatedToolOutput"]
            assert "536-22-8726" not in json.dumps(updated)
        wait_for(lambda: len(records(guard)) == 1, 10)
        time.sleep(0.5)
        assert [r["decided_by"] for r in records(guard)] == ["service"]
    finally:
        proc.kill()


def test_service_with_a_stuck_decision_exits(guard: GuardEnv, tmp_path: Path) -> None:
    shim = shim_dir(
        tmp_path,
        "stuck",
        "import time, claude_guard.decide.engine as e\n"
        "real = e.DecisionEngine.decide\n"
        "def stuck(self, ev):\n"
        "    if getattr(ev, 'session_id', '') == 'sess-1':\n"
        "        time.sleep(600)\n"
        "    return real(self, ev)\n"
        "e.DecisionEngine.decide = stuck\n",
    )
    proc = start_service(guard, shim, {"CLAUDE_GUARD_SERVICE_HUNG_SECONDS": "2"})
    try:
        # 4 s: after the service's 60 % the in-process fallback keeps 1.6 s; with 2 s it kept
        # 0.8 s, which a loaded 2-core machine missed once (the deadline's deny, no rule).
        done = hook(
            guard.tool("Read", file_path=str(guard.project / ".env")),
            {"CLAUDE_GUARD_DEADLINE_SECONDS": "4"},
        )
        assert done.returncode == 2 and b"denied by rule" in done.stderr
        assert proc.wait(timeout=15) == 70
    finally:
        proc.kill()


def test_service_with_a_stuck_decision_exits_even_while_clients_keep_coming(
    guard: GuardEnv, tmp_path: Path
) -> None:
    # Connections arriving every 0.2 s never let accept() time out; the stuck decision must
    # still end the service.
    shim = shim_dir(
        tmp_path,
        "stuck2",
        "import time, claude_guard.decide.engine as e\n"
        "real = e.DecisionEngine.decide\n"
        "def stuck(self, ev):\n"
        "    if getattr(ev, 'session_id', '') == 'sess-1':\n"
        "        time.sleep(600)\n"
        "    return real(self, ev)\n"
        "e.DecisionEngine.decide = stuck\n",
    )
    proc = start_service(guard, shim, {"CLAUDE_GUARD_SERVICE_HUNG_SECONDS": "2"})
    try:
        stuck = subprocess.Popen(
            [sys.executable, "-I", "-S", str(HOOK)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "CLAUDE_GUARD_DEADLINE_SECONDS": "2"},
        )
        assert stuck.stdin is not None
        stuck.stdin.write(json.dumps(guard.tool("Read", file_path="/x")).encode())
        stuck.stdin.close()
        end = time.monotonic() + 15
        while proc.poll() is None and time.monotonic() < end:
            control(guard.guard_home, "status", timeout=0.5)
            time.sleep(0.2)
        assert proc.poll() == 70
        stuck.wait(timeout=15)
    finally:
        proc.kill()


def test_service_crashing_mid_decision_is_decided_by_the_hook(
    guard: GuardEnv, tmp_path: Path
) -> None:
    shim = shim_dir(
        tmp_path,
        "crash",
        "import os, signal, claude_guard.decide.engine as e\n"
        "real = e.DecisionEngine.decide\n"
        "def crash(self, ev):\n"
        "    if getattr(ev, 'session_id', '') == 'sess-1':\n"
        "        os.kill(os.getpid(), signal.SIGSEGV)\n"
        "    return real(self, ev)\n"
        "e.DecisionEngine.decide = crash\n",
    )
    proc = start_service(guard, shim)
    done = hook(guard.bash_output(PHI_LINE))
    assert proc.wait(timeout=10) != 0
    assert done.returncode == 0
    updated = json.loads(done.stdout)["hookSpecificOutput"]["updatedToolOutput"]
    assert "536-22-8726" not in json.dumps(updated)
    assert [r["decided_by"] for r in records(guard)] == ["hook"]


def test_a_stuck_service_holding_the_lock_costs_seconds_not_the_deadline(
    guard: GuardEnv,
) -> None:
    # Something holds the service lock but never listens (a stopped process, say): the service
    # the hook starts exits at once, and the hook decides itself soon after, not at 60 %.
    import fcntl

    run_dir = runtime.ensure_private_dir(runtime.runtime_dir(guard.guard_home))
    lock = os.open(run_dir / "service.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        done = hook(
            guard.tool("Read", file_path=str(guard.project / ".env")),
            {"CLAUDE_GUARD_DEADLINE_SECONDS": "20"},
        )
        elapsed = time.monotonic() - started
    finally:
        os.close(lock)
    assert done.returncode == 2 and b"denied by rule" in done.stderr
    assert [r["decided_by"] for r in records(guard)] == ["hook"]
    assert elapsed < 8  # 60 % of the deadline would be 12 s


def test_service_disabled_decides_in_process(guard: GuardEnv) -> None:
    done = hook(
        guard.tool("Read", file_path=str(guard.project / ".env")), {"CLAUDE_GUARD_SERVICE": "off"}
    )
    assert done.returncode == 2
    assert control(guard.guard_home, "status") is None
    assert [r["decided_by"] for r in records(guard)] == ["hook"]


def test_policy_edits_apply_to_the_next_call_without_a_restart(
    guard: GuardEnv, service: Any
) -> None:
    target = guard.project / "src" / "app.py"
    assert hook(guard.tool("Read", file_path=str(target))).returncode == 0
    guard.write_policy(
        "project",
        "paths:\n  - id: no-src\n    description: not today\n    scope: project\n"
        "    patterns: ['src/']\n",
    )
    denied = hook(guard.tool("Read", file_path=str(target)))
    assert denied.returncode == 2 and b"no-src" in denied.stderr
    (guard.project / ".claude-guard.yaml").unlink()
    assert hook(guard.tool("Read", file_path=str(target))).returncode == 0


def test_a_changed_file_is_scanned_again_even_with_the_same_size_and_mtime(
    guard: GuardEnv, service: Any
) -> None:
    target = guard.project / "src" / "big.py"
    clean = "x = 1\n" * 2000
    target.write_text(clean)
    info = os.stat(target)
    event = guard.tool("Read", file_path=str(target))
    assert hook(event).returncode == 0
    assert hook(event).returncode == 0
    hits = json.loads(control(guard.guard_home, "status") or "{}")["scan_cache"]["hits"]
    assert hits >= 1  # the unchanged file was answered from the cache
    # Same length, same timestamps, one line now holds an SSN.
    dirty = clean[: -len(PHI_LINE) - 1] + PHI_LINE + "\n"
    assert len(dirty) == len(clean)
    target.write_text(dirty)
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    denied = hook(event)
    assert denied.returncode == 2 and b"US_SSN" in denied.stderr


FORBIDDEN_IN_HOOK = ("pydantic", "structlog", "presidio", "yaml", "claude_guard", "tree_sitter")


@pytest.mark.parametrize("which", ["allow", "deny"])
def test_hook_client_imports_only_the_standard_library(
    guard: GuardEnv, service: Any, which: str
) -> None:
    path = ".env" if which == "deny" else "src/app.py"
    event = json.dumps(guard.tool("Read", file_path=str(guard.project / path))).encode()
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-X", "importtime", str(HOOK)],
        input=event,
        capture_output=True,
        timeout=30,
    )
    assert done.returncode == (2 if which == "deny" else 0)
    imported = [
        line.split("|")[-1].strip()
        for line in done.stderr.decode().splitlines()
        if line.startswith("import time:") and "imported package" not in line
    ]
    assert imported, "no import timing captured"
    assert records(guard)[-1]["decided_by"] == "service"  # the fast path was taken
    for name in imported:
        assert not name.startswith(FORBIDDEN_IN_HOOK), name
    assert "site" not in imported  # -S: not even site-packages are set up


def test_concurrent_hook_calls_lose_and_duplicate_no_record(guard: GuardEnv, service: Any):
    calls_per_process = 25
    script = (
        "import json, os, subprocess, sys\n"
        "hook, n, worker, project = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]\n"
        "codes = []\n"
        "for i in range(n):\n"
        "    path = '.env' if i % 2 else 'src/app.py'\n"
        "    event = {'session_id': 'sess-c', 'cwd': project, 'hook_event_name': 'PreToolUse',\n"
        "             'tool_name': 'Read', 'tool_use_id': f'toolu_{worker}_{i}',\n"
        "             'tool_input': {'file_path': os.path.join(project, path)}}\n"
        "    done = subprocess.run([sys.executable, '-I', '-S', hook],\n"
        "                          input=json.dumps(event).encode(), capture_output=True)\n"
        "    codes.append(done.returncode)\n"
        "print(json.dumps(codes))\n"
    )
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                script,
                str(HOOK),
                str(calls_per_process),
                str(w),
                str(guard.project),
            ],
            stdout=subprocess.PIPE,
        )
        for w in range(8)
    ]
    for proc in workers:
        out, _ = proc.communicate(timeout=300)
        assert json.loads(out) == [2 if i % 2 else 0 for i in range(calls_per_process)]
    found = records(guard)
    ids = [r["tool_use_id"] for r in found]
    assert len(ids) == 8 * calls_per_process == len(set(ids))
    assert {r["decided_by"] for r in found} == {"service"}
    key = load_or_create_key(guard.guard_home / "keys" / "installation.key")
    assert verify_chain(guard.guard_home / "audit", key).problems == []


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "claude_guard.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _run_unit_command(guard: GuardEnv, argv: list[str]) -> None:
    proc = subprocess.Popen(argv, env=os.environ.copy(), cwd="/")
    try:
        wait_for(lambda: control(guard.guard_home, "status") is not None)
        done = hook(guard.tool("Read", file_path=str(guard.project / ".env")))
        assert done.returncode == 2 and records(guard)[-1]["decided_by"] == "service"
    finally:
        control(guard.guard_home, "stop")
        assert proc.wait(timeout=10) == 0


def test_systemd_unit_runs_the_service(guard: GuardEnv) -> None:
    unit = _cli("service", "unit", "systemd")
    assert unit.returncode == 0, unit.stderr
    lines = dict(
        line.split("=", 1)
        for line in unit.stdout.splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert lines["Environment"] == f"HOME={guard.home}"
    argv = shlex.split(lines["ExecStart"])
    assert argv[0] == sys.executable and "@" not in unit.stdout
    _run_unit_command(guard, argv)


def test_launchd_agent_runs_the_service(guard: GuardEnv) -> None:
    unit = _cli("service", "unit", "launchd")
    assert unit.returncode == 0, unit.stderr
    agent = plistlib.loads(unit.stdout.encode())
    assert agent["EnvironmentVariables"]["HOME"] == str(guard.home)
    _run_unit_command(guard, agent["ProgramArguments"])


def test_cli_status_and_stop(guard: GuardEnv, service: Any) -> None:
    status = _cli("service", "status")
    assert status.returncode == 0 and json.loads(status.stdout)["pid"] == service.pid
    assert _cli("service", "stop").stdout.strip() == "stopped"
    assert service.wait(timeout=10) == 0
    assert _cli("service", "status").returncode == 1


def test_canaries_never_reach_any_file_or_answer_through_the_service(
    guard: GuardEnv, service: Any
) -> None:
    """The canary events of the in-process test, through the service, plus malformed requests
    carrying the canary: nothing the service writes (audit, service log, claims) or answers
    holds it."""
    from tests.unit.record.canaries import CANARY, _canary_events

    answers = [hook(raw) for raw in _canary_events(guard)]
    for answer in answers:
        assert CANARY.encode() not in answer.stdout + answer.stderr
    assert {0, 2} <= {a.returncode for a in answers}
    for bad in (CANARY.encode(), runtime.REQUEST_MAGIC + bytes(4) + CANARY.encode()):
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(10)
            sock.connect(str(socket_path(guard)))
            sock.sendall(bad)
            sock.shutdown(socket.SHUT_WR)
            assert CANARY.encode() not in _reply(sock)
    assert {r["decided_by"] for r in records(guard)} == {"service"}
    assert len(records(guard)) == len(answers)
    written = [
        p
        for p in [*guard.guard_home.rglob("*"), *runtime.runtime_dir(guard.guard_home).rglob("*")]
        if p.is_file() and p.suffix != ".key"
    ]
    assert any(p.name == "service.log" for p in written)
    for path in written:
        assert CANARY.encode() not in path.read_bytes(), path
