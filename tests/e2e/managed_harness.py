"""Drive the real Claude Code client as a non-root developer on a machine with the managed
(root-owned) install: the install itself, a throwaway developer account, and `claude -p` run
as that account against the scripted model, which stays in the test process (root) on loopback.

The managed install changes every hook on the machine (its marker makes them all managed), so
the whole installed window runs under one machine-wide lock that other engineers' tests take too.
"""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fake_model import FakeModel, Script
from harness import REPO_ROOT, ClaudeRun, _parse_result, _run_bounded, find_claude_bin

from claude_guard.managed import ManagedLayout

LOCK_PATH = Path("/work/managed-system.lock")
INSTALL_TIMEOUT = 900  # a cold pip cache downloads the venv's dependencies
LAYOUT = ManagedLayout.system()
ALLOWED_TOOLS = "Bash,Read,Write,Edit"
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
ADMIN_PATH = "/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin"


def admin_tool(name: str) -> str:
    """useradd, runuser, ... by absolute path: the test's own PATH may lack the sbin folders."""
    return shutil.which(name, path=ADMIN_PATH) or name


# ----------------------------------------------------------------------------- the install


@contextmanager
def machine_lock() -> Iterator[None]:
    """Held for the whole installed window: two managed installs at once would undo each other."""
    path = LOCK_PATH if LOCK_PATH.parent.is_dir() else Path(tempfile.gettempdir()) / LOCK_PATH.name
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def install_sh(*args: str) -> subprocess.CompletedProcess[str]:
    """`./install.sh ARGS` as root, from the repo, with nothing of the dev venv leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUDE_GUARD_")}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        ["bash", str(REPO_ROOT / "install.sh"), *args],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )


def managed_install() -> None:
    proc = install_sh("--managed")
    if proc.returncode != 0 or not LAYOUT.installed():
        raise RuntimeError(
            f"install.sh --managed failed ({proc.returncode})\n{proc.stdout}\n{proc.stderr}"
        )


def managed_uninstall() -> subprocess.CompletedProcess[str]:
    return install_sh("--managed", "--uninstall", "--purge")


def managed_locations() -> list[Path]:
    """Everything a managed install puts on the machine."""
    return [
        LAYOUT.prefix,
        LAYOUT.etc,
        LAYOUT.launcher,
        LAYOUT.drop_in,
        LAYOUT.run_dir,
        LAYOUT.audit_dir,
        LAYOUT.spool_dir,
        LAYOUT.state_dir,
        LAYOUT.systemd_unit,
    ]


def snapshot(paths: Sequence[Path]) -> dict[str, tuple[int, int, int, str]]:
    """(mode, uid, size, sha256) of every file under `paths`: what "nothing changed" is
    checked against. Directories contribute their mode and owner."""
    import hashlib

    seen: dict[str, tuple[int, int, int, str]] = {}
    for top in paths:
        for path in [top, *(sorted(top.rglob("*")) if top.is_dir() else [])]:
            if "__pycache__" in path.parts:
                continue  # root's own imports may compile bytecode there
            info = path.lstat()
            digest = ""
            if stat.S_ISREG(info.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            seen[str(path)] = (info.st_mode, info.st_uid, info.st_size, digest)
    return seen


def system_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted(LAYOUT.audit_dir.glob("*.jsonl")):
        records.extend(json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return records


# ----------------------------------------------------------------------------- the developer


@dataclass(frozen=True)
class Developer:
    name: str
    uid: int
    gid: int
    home: Path

    def chown(self, path: Path) -> None:
        """Give `path` and everything under it to the developer."""
        for item in [path, *path.rglob("*")]:
            os.lchown(item, self.uid, self.gid)


def create_developer() -> Developer:
    name = f"cge2e{secrets.token_hex(3)}"
    home = Path("/home") / name
    subprocess.run(
        [
            admin_tool("useradd"),
            "--create-home",
            "--home-dir",
            str(home),
            "--shell",
            "/bin/sh",
            name,
        ],
        check=True,
        capture_output=True,
    )
    entry = pwd.getpwnam(name)
    return Developer(name, entry.pw_uid, entry.pw_gid, home)


def remove_developer(developer: Developer) -> None:
    """Their processes first (a leftover worker keeps the account busy), then the account."""
    subprocess.run([admin_tool("pkill"), "-KILL", "-u", developer.name], capture_output=True)
    subprocess.run([admin_tool("userdel"), "-r", "-f", developer.name], capture_output=True)
    shutil.rmtree(developer.home, ignore_errors=True)


def developer_env(developer: Developer, **extra: str) -> dict[str, str]:
    return {
        "HOME": str(developer.home),
        "USER": developer.name,
        "LOGNAME": developer.name,
        "PATH": SYSTEM_PATH,
        "LANG": "C.UTF-8",
        **extra,
    }


def run_as(
    developer: Developer,
    argv: Sequence[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """A command as the developer, with only the environment given (`env -i`)."""
    pairs = [f"{k}={v}" for k, v in (env or developer_env(developer)).items()]
    return subprocess.run(
        [admin_tool("runuser"), "-u", developer.name, "--", "env", "-i", *pairs, *argv],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# ----------------------------------------------------------------------------- the client


def reachable_by_others(path: Path) -> bool:
    """Every folder above `path` can be entered and `path` run by any user."""
    real = path.resolve()
    folders_ok = all(p.stat().st_mode & stat.S_IXOTH for p in real.parents)
    return folders_ok and bool(real.stat().st_mode & stat.S_IXOTH)


def client_for_everyone(scratch: Path) -> Path:
    """The client named by CLAUDE_BIN, where the developer can run it: as it is when they can
    reach it, else a copy of its npm package in a world-readable folder."""
    claude = find_claude_bin()
    if claude is None:
        raise RuntimeError("no Claude Code client (CLAUDE_BIN)")
    if reachable_by_others(claude):
        return claude
    real = claude.resolve()
    package = next(p for p in real.parents if (p / "package.json").is_file())
    copy = scratch / "claude-code"
    shutil.copytree(package, copy, symlinks=True)
    for item in [scratch, *scratch.rglob("*")]:
        item.chmod(item.stat().st_mode | 0o055 if item.is_dir() else item.stat().st_mode | 0o044)
    scratch.chmod(0o755)
    return copy / real.relative_to(package)


def run_claude_as(
    developer: Developer,
    claude: Path,
    project_dir: Path,
    script: Script,
    extra_env: dict[str, str] | None = None,
    prompt: str = "go",
    timeout: float = 180,
) -> ClaudeRun:
    """One `claude -p` session as the developer against a fresh scripted model."""
    with FakeModel(script) as model:
        env = developer_env(
            developer,
            ANTHROPIC_BASE_URL=model.base_url,
            ANTHROPIC_API_KEY="test",
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
            DISABLE_AUTOUPDATER="1",
            NO_PROXY="127.0.0.1,localhost",
            TMPDIR="/tmp",
            **(extra_env or {}),
        )
        argv = [
            admin_tool("runuser"),
            "-u",
            developer.name,
            "--",
            "env",
            "-i",
            *(f"{k}={v}" for k, v in env.items()),
            str(claude),
            "-p",
            prompt,
            "--output-format",
            "json",
            # The drop-in's disableBypassPermissionsMode switches this off; the allow list
            # stands in for a developer who lets the agent run commands without asking, so
            # an attack is really tried rather than stopped by a permission prompt.
            "--dangerously-skip-permissions",
            "--allowedTools",
            ALLOWED_TOOLS,
        ]
        returncode, stdout, stderr = _run_bounded(argv, project_dir, {"PATH": SYSTEM_PATH}, timeout)
    return ClaudeRun(returncode, stdout, stderr, _parse_result(stdout), model.requests, model)
