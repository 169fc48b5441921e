"""Start and stop the managed install's root system service.

Under systemd (PID 1) the unit is enabled and started; elsewhere (containers, CI) the service
is started detached with its pid in `run_dir/system.pid`. Starting is a separate step whose
failure is a warning: the hooks still decide in-process and spool their records when the
service is not there.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from claude_guard.managed import ManagedLayout

SERVICE_MODULE = "claude_guard.entry.system_service"
UNIT_NAME = "claude-guard.service"
PID_FILE_NAME = "system.pid"
STOP_WAIT_SECONDS = 5.0
# A service that dies this soon after starting did not start.
START_CHECK_SECONDS = 0.5


def service_command(layout: ManagedLayout, module: str = SERVICE_MODULE) -> list[str]:
    return [str(layout.python), "-I", "-m", module]


def pid_file(layout: ManagedLayout) -> Path:
    return layout.run_dir / PID_FILE_NAME


def systemd_unit(layout: ManagedLayout, module: str = SERVICE_MODULE) -> str:
    command = " ".join(service_command(layout, module))
    return f"""\
[Unit]
Description=claude-guard system service (decides for every user, keeps the audit trail)
After=local-fs.target

[Service]
Type=simple
ExecStart={command}
Restart=always
RestartSec=1
# /run/claude-guard: only root can bind its socket, every user can reach it.
RuntimeDirectory=claude-guard
RuntimeDirectoryMode=0755
LogsDirectory=claude-guard
LogsDirectoryMode=0755
StateDirectory=claude-guard
StateDirectoryMode=0700
UMask=0022

[Install]
WantedBy=multi-user.target
"""


def systemd_is_init() -> bool:
    try:
        return Path("/proc/1/comm").read_text().strip() == "systemd"
    except OSError:
        return False


def module_available(python: Path, module: str) -> bool:
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    try:
        result = subprocess.run([str(python), "-I", "-c", probe], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def start(layout: ManagedLayout, command: Sequence[str], use_systemd: bool) -> str:
    """Start (or restart, on upgrade) the service; the line to report. Raises OSError or
    RuntimeError when it could not be started."""
    if use_systemd:
        _systemctl("daemon-reload")
        _systemctl("enable", UNIT_NAME)
        _systemctl("restart", UNIT_NAME)
        return f"system service enabled and started ({UNIT_NAME})"
    stop_detached(layout)
    process = subprocess.Popen(
        list(command),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd="/",
        start_new_session=True,
        close_fds=True,
    )
    pid_file(layout).write_text(f"{process.pid}\n")
    time.sleep(START_CHECK_SECONDS)
    if process.poll() is not None:
        pid_file(layout).unlink(missing_ok=True)
        raise RuntimeError(f"the system service exited at once (status {process.returncode})")
    return f"system service started detached (pid {process.pid}, systemd is not PID 1)"


def stop(layout: ManagedLayout, use_systemd: bool) -> str | None:
    """Stop the service by whichever way it runs; what was done, or None."""
    done = None
    if use_systemd and layout.systemd_unit.exists():
        with contextlib.suppress(OSError, RuntimeError):
            _systemctl("disable", "--now", UNIT_NAME)
            done = f"stopped and disabled {UNIT_NAME}"
    return stop_detached(layout) or done


def stop_detached(layout: ManagedLayout) -> str | None:
    """Stop the pid file's process, but only if it still is our service (a pid is reused)."""
    path = pid_file(layout)
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    path.unlink(missing_ok=True)
    if not _is_our_service(pid, layout):
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    return f"stopped the system service (pid {pid})"


def _is_our_service(pid: int, layout: ManagedLayout) -> bool:
    """The process runs the install's own interpreter."""
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    return argv0.startswith(os.fsencode(layout.venv))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    with contextlib.suppress(ChildProcessError):
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited == pid:
            return False
    return True


def _systemctl(*args: str) -> None:
    result = subprocess.run(["systemctl", *args], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"systemctl {' '.join(args)} failed: {result.stderr.strip()[:300]}")
