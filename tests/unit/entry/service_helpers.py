"""What the service and hook-script tests share: the hook run as Claude Code runs it, the real
service started by a test (optionally with a PYTHONPATH shim), and an impostor on its socket."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from claude_guard.entry import wire as runtime
from claude_guard.entry.service import control
from tests.conftest import REPO, GuardEnv

HOOK = REPO / "hooks" / "claude_guard_hook.py"

PHI_LINE = "Patient: Maria Gonzalez SSN 536-22-8726"


def hook(
    event: dict[str, Any] | bytes, env_extra: dict[str, str] | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[bytes]:
    raw = event if isinstance(event, bytes) else json.dumps(event).encode()
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-I", "-S", str(HOOK)],
        input=raw,
        capture_output=True,
        env=env,
        timeout=timeout,
    )


def socket_path(guard: GuardEnv) -> Path:
    return runtime.runtime_dir(guard.guard_home) / runtime.SOCKET_NAME


def wait_for(predicate: Any, seconds: float = 15.0) -> None:
    end = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def start_service(
    guard: GuardEnv, shim: Path | None = None, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """The real service, started by the test (with a PYTHONPATH shim when one is given)."""
    env = {**os.environ, **(extra_env or {})}
    args = [sys.executable, "-m", "claude_guard.entry.service", "--idle", "60"]
    if shim is not None:
        env["PYTHONPATH"] = str(shim)
    else:
        args.insert(1, "-I")
    proc = subprocess.Popen(args, env=env, cwd="/")
    wait_for(lambda: control(guard.guard_home, "status") is not None)
    return proc


def shim_dir(tmp_path: Path, name: str, code: str) -> Path:
    shim = tmp_path / name
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(code)
    return shim


def records(guard: GuardEnv) -> list[dict[str, Any]]:
    return guard.audit_lines() if (guard.guard_home / "audit").exists() else []


def _impostor(guard: GuardEnv, reply: bytes | None) -> threading.Thread:
    """A process that owns the socket but is not the service: silent, or answering `reply`."""
    path = socket_path(guard)
    runtime.ensure_private_dir(path.parent)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen(8)

    def serve() -> None:
        held = []
        server.settimeout(20)
        try:
            while True:
                conn, _ = server.accept()
                held.append(conn)
                if reply is not None:
                    conn.recv(1 << 20)
                    conn.sendall(reply)
                    conn.close()
        except OSError:
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread
