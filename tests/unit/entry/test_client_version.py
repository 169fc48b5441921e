"""Telling the running Claude Code client's version from the hook's ancestors and $AI_AGENT,
as the two real clients present themselves (npm package binary, native installer path)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from claude_guard.entry.client_version import client_version, from_agent, from_processes


def _package(root: Path, version: str, name: str = "@anthropic-ai/claude-code") -> Path:
    """An npm install of the client: its binary and the package.json next to it."""
    package = root / "node_modules" / "@anthropic-ai" / "claude-code"
    (package / "bin").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": name, "version": version}))
    return package / "bin" / "claude.exe"


def _fake_proc(tmp_path: Path, chain: list[tuple[int, str, int]]) -> Path:
    """A /proc with one entry per (pid, exe, ppid); `comm` holds a space and a parenthesis."""
    proc = tmp_path / "proc"
    for pid, exe, ppid in chain:
        entry = proc / str(pid)
        entry.mkdir(parents=True)
        (entry / "exe").symlink_to(exe)
        (entry / "stat").write_text(f"{pid} (odd) name) S {ppid} 1 1 0\n")
    return proc


def test_the_client_two_levels_up_names_its_package_version(tmp_path: Path) -> None:
    exe = _package(tmp_path, "2.1.332")
    proc = _fake_proc(
        tmp_path, [(300, "/usr/bin/python3", 200), (200, "/usr/bin/dash", 100), (100, str(exe), 1)]
    )
    assert from_processes(300, proc) == "2.1.332"


def test_the_native_installer_path_names_the_version(tmp_path: Path) -> None:
    exe = tmp_path / "share" / "claude" / "versions" / "2.1.340"
    proc = _fake_proc(tmp_path, [(200, "/usr/bin/dash", 100), (100, str(exe), 1)])
    assert from_processes(200, proc) == "2.1.340"


def test_a_package_that_is_not_the_client_says_nothing(tmp_path: Path) -> None:
    exe = _package(tmp_path, "9.9.9", name="left-pad")
    proc = _fake_proc(tmp_path, [(100, str(exe), 1)])
    assert from_processes(100, proc) is None


def test_a_prerelease_counts_as_its_release(tmp_path: Path) -> None:
    exe = _package(tmp_path, "2.1.400-beta.1")
    assert from_processes(100, _fake_proc(tmp_path, [(100, str(exe), 1)])) == "2.1.400"


def test_ai_agent_as_both_real_clients_set_it() -> None:
    assert from_agent("claude-code_2-1-197_harness") == "2.1.197"
    assert from_agent("claude-code_2-1-332_harness") == "2.1.332"
    assert from_agent("claude-code_2-1-332") == "2.1.332"
    assert from_agent("cursor_1-2-3") is None
    assert from_agent(None) is None


def test_a_variable_cannot_make_the_running_client_look_newer(tmp_path: Path) -> None:
    exe = _package(tmp_path, "2.1.197")
    proc = _fake_proc(tmp_path, [(100, str(exe), 1)])
    assert client_version(100, "claude-code_9-0-0_harness", proc) == "2.1.197"
    assert client_version(100, "claude-code_2-1-100_harness", proc) == "2.1.100"
    assert client_version(100, None, proc) == "2.1.197"
    assert client_version(5, "claude-code_2-1-332_x", tmp_path / "no-proc") == "2.1.332"
    assert client_version(5, None, tmp_path / "no-proc") is None


def test_on_the_real_proc_a_grandchild_of_the_client_binary_finds_it(tmp_path: Path) -> None:
    # A copy of the shell stands in for claude.exe: it starts `sleep` as its child, as the
    # client starts `sh -c <hook command>`.
    exe = _package(tmp_path, "2.1.332")
    shutil.copy("/bin/sh", exe)
    parent = subprocess.Popen([str(exe), "-c", "sleep 30; true"])
    try:
        child = _child_of(parent.pid)
        assert from_processes(child) == "2.1.332"
        assert from_processes(os.getpid()) is None  # pytest has no client above it
    finally:
        parent.kill()
        parent.wait()


def _child_of(pid: int) -> int:
    end = time.monotonic() + 10
    while time.monotonic() < end:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.02)
    raise AssertionError("the stand-in client started no child")
