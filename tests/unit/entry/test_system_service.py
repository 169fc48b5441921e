"""The managed system service, run as root against a temporary managed layout, answering a real
non-root user: decisions are made as that user, records land in the root-owned trail signed with
the root-only key, and the hook client trusts only a root listener in a root directory."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import pwd
import shutil
import site
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from claude_guard.managed import ManagedLayout
from claude_guard.record.audit_log import verify_chain
from tests.conftest import REPO

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the system service runs as root")

# Every user can run the system interpreter; the test venv's may live under /root.
SYSTEM_PYTHON = "/usr/bin/python3"
SSN_LINE = "Patient: Maria Gonzalez SSN 536-22-8726\n"

_CLIENT = r"""
import socket, sys
path, request_id, project = sys.argv[1:4]
raw = sys.stdin.buffer.read()
parts = ("request_id", request_id, "CLAUDE_PROJECT_DIR", project)
meta = b"\0".join(p.encode() for p in parts)
request = b"CGRQ1\n" + len(meta).to_bytes(4, "big") + meta + len(raw).to_bytes(8, "big") + raw
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.settimeout(60)
sock.connect(path)
sock.sendall(request)
data = b""
while True:
    chunk = sock.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.buffer.write(data)
"""


@pytest.fixture(scope="module")
def developer() -> Iterator[pwd.struct_passwd]:
    name = f"cgsys{os.getpid() % 100000}"
    home = Path(tempfile.mkdtemp(prefix="cg-dev-home-", dir="/tmp"))
    home.rmdir()
    subprocess.run(["useradd", "-m", "-d", str(home), "-s", "/bin/sh", name], check=True)
    try:
        yield pwd.getpwnam(name)
    finally:
        subprocess.run(["userdel", "-r", name], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def layout() -> Iterator[ManagedLayout]:
    root = Path(tempfile.mkdtemp(prefix="cg-managed-", dir="/tmp"))
    root.chmod(0o755)
    managed = ManagedLayout(root)
    managed.etc.mkdir(parents=True)
    managed.org_policy.write_text('version: "1"\nextends: default\n')
    managed.state_dir.mkdir(parents=True, mode=0o700)
    try:
        yield managed
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def service(layout: ManagedLayout) -> Iterator[subprocess.Popen[bytes]]:
    paths = [str(REPO), *site.getsitepackages()]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(paths), "HOME": "/root"}
    code = "from claude_guard.entry.system_service import main; raise SystemExit(main())"
    process = subprocess.Popen(
        [SYSTEM_PYTHON, "-c", code, "--root", str(layout.root), "--heartbeat", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    end = time.monotonic() + 90
    while not layout.system_socket.exists():
        if process.poll() is not None or time.monotonic() > end:
            process.kill()
            raise AssertionError(process.communicate()[1].decode()[-2000:])
        time.sleep(0.1)
    try:
        yield process
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        process.kill()


@pytest.fixture()
def project(developer: pwd.struct_passwd) -> Path:
    folder = Path(developer.pw_dir) / f"project-{time.monotonic_ns()}"
    folder.mkdir()
    (folder / ".git").mkdir()
    (folder / "README.md").write_text("# a project\n")
    (folder / ".env").write_text("API_TOKEN=not-a-real-one\n")
    for path in (folder, *folder.rglob("*")):
        os.chown(path, developer.pw_uid, developer.pw_gid)
    return folder


def ask(
    layout: ManagedLayout, user: pwd.struct_passwd, event: dict[str, Any], project: Path
) -> tuple[str, int, str, str]:
    """One request, sent by a process running as `user`; (status, exit code, stdout, stderr)."""
    request_id = os.urandom(16).hex()
    done = subprocess.run(
        [
            *("runuser", "-u", user.pw_name, "--", SYSTEM_PYTHON, "-I", "-c", _CLIENT),
            *(str(layout.system_socket), request_id, str(project)),
        ],
        input=json.dumps(event).encode(),
        capture_output=True,
        timeout=90,
        check=True,
    )
    data = done.stdout
    assert data[:6] == b"CGRS1\n", data[:200]
    status, code = data[6:7].decode(), data[7]
    out_len = int.from_bytes(data[8:12], "big")
    stdout = data[12 : 12 + out_len].decode()
    err_len = int.from_bytes(data[12 + out_len : 16 + out_len], "big")
    stderr = data[16 + out_len : 16 + out_len + err_len].decode()
    return status, code, stdout, stderr


def records(layout: ManagedLayout) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted(layout.audit_dir.glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def read_event(project: Path, name: str) -> dict[str, Any]:
    return {
        "session_id": f"s-{time.monotonic_ns()}",
        "cwd": str(project),
        "hook_event_name": "PreToolUse",
        "tool_name": "Read",
        "tool_input": {"file_path": str(project / name)},
        "tool_use_id": "t1",
    }


def test_decides_for_a_user_and_records_in_the_root_trail(
    layout: ManagedLayout, developer: pwd.struct_passwd, service: Any, project: Path
) -> None:
    status, code, _, stderr = ask(layout, developer, read_event(project, ".env"), project)
    assert (status, code) == ("A", 2)
    assert ".env" in stderr or "secret" in stderr.lower() or "protected" in stderr.lower()
    status, code, _, _ = ask(layout, developer, read_event(project, "README.md"), project)
    assert (status, code) == ("A", 0)
    trail = records(layout)
    ours = [r for r in trail if r.get("user") == developer.pw_name]
    assert [r["decision"] for r in ours[-2:]] == ["deny", "allow"]
    assert all(r["decided_by"] == "system" for r in ours)
    key = layout.audit_key.read_bytes()
    assert verify_chain(layout.audit_dir, key).problems == []


def test_keys_and_trail_are_root_only(
    layout: ManagedLayout, developer: pwd.struct_passwd, service: Any
) -> None:
    for key in (layout.audit_key, layout.fingerprint_key):
        info = key.stat()
        assert (info.st_uid, info.st_mode & 0o777) == (0, 0o600)
    denied = subprocess.run(
        ["runuser", "-u", developer.pw_name, "--", "cat", str(layout.audit_key)],
        capture_output=True,
    )
    assert denied.returncode != 0
    info = layout.audit_dir.stat()
    assert info.st_uid == 0 and not info.st_mode & 0o022
    wrote = subprocess.run(
        ["runuser", "-u", developer.pw_name, "--", "touch", str(layout.audit_dir / "x.jsonl")],
        capture_output=True,
    )
    assert wrote.returncode != 0


def test_the_decision_runs_as_the_user_not_as_root(
    layout: ManagedLayout, developer: pwd.struct_passwd, service: Any, project: Path
) -> None:
    """A file only root can read is judged as the user sees it (unreadable), never by its
    content; and session state the decision keeps lands in the user's home, owned by them."""
    secret = Path(tempfile.mkdtemp(prefix="cg-root-only-", dir="/tmp"))
    (secret / "notes.txt").write_text(SSN_LINE)
    secret.chmod(0o700)
    try:
        event = {
            **read_event(project, "x"),
            "hook_event_name": "PostToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "echo hi"},
            "tool_response": {"stdout": SSN_LINE, "stderr": "", "interrupted": False},
        }
        status, code, stdout, _ = ask(layout, developer, event, project)
        assert (status, code) == ("A", 0)
        assert "536-22-8726" not in stdout and "updatedToolOutput" in stdout
        sessions = Path(developer.pw_dir) / ".claude-guard" / "sessions"
        owners = {p.stat().st_uid for p in sessions.rglob("*")}
        assert owners == {developer.pw_uid}
    finally:
        shutil.rmtree(secret)


def test_a_request_from_root_itself_is_answered_as_root(
    layout: ManagedLayout, service: Any, project: Path
) -> None:
    """Root's own Claude Code is guarded too (decided as root)."""
    root = pwd.getpwuid(0)
    status, code, _, _ = ask(layout, root, read_event(project, ".env"), project)
    assert (status, code) == ("A", 2)


# ----------------------------------------------------------------------------- the client side


def _hook_module() -> ModuleType:
    script = REPO / "hooks" / "claude_guard_hook.py"
    spec = importlib.util.spec_from_file_location("cg_hook", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _listener_as(uid: int, directory: Path) -> int:
    """A process of `uid` listening on `directory`/system.sock; returns its pid."""
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(ready_r)
            os.setgid(uid)
            os.setuid(uid)
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(str(directory / "system.sock"))
            server.listen(1)
            os.write(ready_w, b"1")
            time.sleep(30)
        finally:
            os._exit(0)
    os.close(ready_w)
    assert os.read(ready_r, 1) == b"1"
    os.close(ready_r)
    return pid


def _try_connect(module: ModuleType, directory: Path) -> str:
    call = module.Call(str(directory), "system.sock", b"{}", os.urandom(16).hex())
    try:
        module.connect_system(call, time.monotonic() + 5).close()
    except module.ServiceUnavailable as exc:
        return str(exc)
    return "trusted"


def test_the_client_trusts_only_root_listening_in_a_root_directory(
    developer: pwd.struct_passwd,
) -> None:
    module = _hook_module()
    base = Path(tempfile.mkdtemp(prefix="cg-run-", dir="/tmp"))
    try:
        base.chmod(0o777)  # so the developer can bind into it
        impostor = _listener_as(developer.pw_uid, base)
        try:
            assert "not root's" in _try_connect(module, base)  # world-writable directory
            base.chmod(0o755)
            assert _try_connect(module, base) == "the system socket is not root's service"
        finally:
            os.kill(impostor, 9)
            os.waitpid(impostor, 0)
        (base / "system.sock").unlink()
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(base / "system.sock"))
        server.listen(1)
        assert _try_connect(module, base) == "trusted"
        server.close()
        os.chown(base, developer.pw_uid, developer.pw_gid)
        assert "not root's" in _try_connect(module, base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _workers_of(user: pwd.struct_passwd) -> list[int]:
    found = subprocess.run(["pgrep", "-u", str(user.pw_uid)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_a_worker_its_user_kills_is_replaced_and_its_memory_stays_closed(
    layout: ManagedLayout, developer: pwd.struct_passwd, service: Any, project: Path
) -> None:
    assert ask(layout, developer, read_event(project, "README.md"), project)[:2] == ("A", 0)
    [worker] = _workers_of(developer)
    # Its user cannot read what it holds (it dropped from root, so it is not dumpable) ...
    peek = subprocess.run(
        ["runuser", "-u", developer.pw_name, "--", "cat", f"/proc/{worker}/environ"],
        capture_output=True,
    )
    assert peek.returncode != 0 and b"ermission denied" in peek.stderr
    # ... only kill it; the next call is still decided, by a new worker.
    kill = ["runuser", "-u", developer.pw_name, "--", "kill", "-9", str(worker)]
    subprocess.run(kill, check=True)
    assert ask(layout, developer, read_event(project, ".env"), project)[:2] == ("A", 2)
    assert ask(layout, developer, read_event(project, "README.md"), project)[:2] == ("A", 0)
    assert _workers_of(developer) not in ([], [worker])


def test_a_record_a_user_spooled_is_signed_into_the_trail_as_theirs(
    layout: ManagedLayout, developer: pwd.struct_passwd, service: Any
) -> None:
    """What a hook's last resort leaves in the shared spool joins the trail, stamped with the
    file's owner; the fields a writer may not set (a user, an allow) make the file bad."""
    module = _hook_module()
    decision_id = os.urandom(16).hex()
    record = {
        "event": "PreToolUse",
        "tool": "Bash",
        "decision": "deny",
        "decided_by": "hook",
        "decision_id": decision_id,
        "reason": "the claude-guard system service gave no answer; denied",
        "spooled": True,
    }
    forged_id = os.urandom(16).hex()
    forged = {**record, "decision_id": forged_id, "user": "root", "decision": "allow"}
    code = (
        "import json, sys, importlib.util as u\n"
        "spec = u.spec_from_file_location('h', sys.argv[1]); m = u.module_from_spec(spec)\n"
        "spec.loader.exec_module(m)\n"
        "for r in json.loads(sys.argv[3]): m.spool_record(sys.argv[2], r)\n"
    )
    script = REPO / "hooks" / "claude_guard_hook.py"
    subprocess.run(
        [
            *("runuser", "-u", developer.pw_name, "--", SYSTEM_PYTHON, "-I", "-c", code),
            *(str(script), str(layout.spool_dir), json.dumps([record, forged])),
        ],
        check=True,
        capture_output=True,
    )
    assert module.is_identifier(decision_id)
    end = time.monotonic() + 30
    while not any(r.get("decision_id") == decision_id for r in records(layout)):
        assert time.monotonic() < end, "the spooled record was not imported"
        time.sleep(0.5)
    [imported] = [r for r in records(layout) if r.get("decision_id") == decision_id]
    assert (imported["user"], imported["spooled"], imported["decision"]) == (
        developer.pw_name,
        True,
        "deny",
    )
    assert not any(r.get("decision_id") == forged_id for r in records(layout))
    assert verify_chain(layout.audit_dir, layout.audit_key.read_bytes()).problems == []


def test_the_machine_sends_heartbeats_with_its_policy(layout: ManagedLayout, service: Any) -> None:
    end = time.monotonic() + 30
    while not [r for r in records(layout) if r.get("event") == "heartbeat"]:
        assert time.monotonic() < end, "no heartbeat"
        time.sleep(0.5)
    beat = next(r for r in records(layout) if r.get("event") == "heartbeat")
    assert (beat["decided_by"], beat["user"]) == ("system", "root")
    assert len(beat["policy_hash"]) == 64 and beat["heartbeat_minutes"] == 15
