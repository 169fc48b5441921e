"""`claude-guard doctor`: a healthy managed layout passes; each broken condition it is shown
makes exactly that check fail (temporary layouts under --root; ownership broken with a file
chowned to a test uid, which the tests, run as root, can do)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from claude_guard.cli.claude_settings import hook_command, install_hooks, uninstall_hooks
from claude_guard.cli.doctor import Doctor
from claude_guard.cli.main import main
from claude_guard.entry.posture import Check
from claude_guard.home import GuardHome
from claude_guard.managed import ManagedLayout
from claude_guard.record.audit_log import AuditLog
from tests.conftest import GuardEnv
from tests.unit.entry.managed_tree import build_managed_tree, drop_in_settings, write_drop_in

OTHER_UID = 12345
NEW_CLIENT = "2.1.332"


@dataclass
class Machine:
    layout: ManagedLayout
    environ: dict[str, str]
    claude: Path
    guard: GuardEnv

    def checks(self) -> list[Check]:
        return Doctor(self.layout, self.environ, str(self.claude)).run()

    def failed(self) -> list[str]:
        return [c.check for c in self.checks() if c.status == "fail"]

    def check(self, name: str) -> Check:
        return next(c for c in self.checks() if c.check == name)

    def settings(self, **changes: Any) -> None:
        write_drop_in(self.layout, {**drop_in_settings(self.layout), **changes})


def _fake_claude(folder: Path, version: str) -> Path:
    path = folder / "claude"
    path.write_text(f"#!/bin/sh\necho '{version} (Claude Code)'\n")
    path.chmod(0o755)
    return path


def _listen(path: Path) -> socket.socket:
    path.parent.mkdir(parents=True, exist_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(8)

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    return server


@pytest.fixture
def machine(guard: GuardEnv, tmp_path: Path) -> Iterator[Machine]:
    layout = build_managed_tree(tmp_path / "root")
    layout.run_dir.mkdir(parents=True, mode=0o755)
    server = _listen(layout.system_socket)  # we are root: the peer is uid 0
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    environ.pop("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", None)
    claude = _fake_claude(tmp_path, NEW_CLIENT)
    yield Machine(layout, environ, claude, guard)
    server.close()


def test_a_healthy_managed_machine_passes(machine: Machine) -> None:
    checks = machine.checks()
    assert [c.check for c in checks if c.status != "pass"] == [], checks
    names = [c.check for c in checks]
    assert names == [
        "install",
        "managed-hooks",
        "allow-managed-hooks-only",
        "disable-bypass-permissions",
        "code-ownership",
        "policy-ownership",
        "keys",
        "service",
        "policy",
        "audit",
        "client-version",
        "content-export",
        "nonessential-traffic",
        "remote-settings",
    ]
    assert "version managed@org-7+default@" in machine.check("policy").detail
    assert "sha256 " in machine.check("policy").detail


def test_cached_remote_settings_in_the_home_fail(machine: Machine) -> None:
    """A non-empty ~/.claude/remote-settings.json displaces the drop-in (seen on 2.1.197 and
    2.1.332); `{}`, what the client itself caches when there are none, does not."""
    folder = Path(machine.environ["HOME"]) / ".claude"
    folder.mkdir(parents=True, exist_ok=True)
    cached = folder / "remote-settings.json"
    cached.write_text("{}\n")
    assert machine.check("remote-settings").status == "pass"
    cached.write_text(json.dumps({"disableAllHooks": True}))
    check = machine.check("remote-settings")
    assert check.status == "fail" and str(cached) in check.detail and f"rm {cached}" in check.fix


def test_cli_json_and_exit_codes(machine: Machine, monkeypatch) -> None:
    monkeypatch.delenv("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", raising=False)
    args = ["doctor", "--json", "--root", str(machine.layout.root), "--claude", str(machine.claude)]
    healthy = CliRunner().invoke(main, args)
    assert healthy.exit_code == 0, healthy.output
    listed = json.loads(healthy.output)
    assert all(set(item) == {"check", "status", "detail", "fix"} for item in listed)
    machine.layout.hook_script.chmod(0o666)
    broken = CliRunner().invoke(main, args[:1] + args[2:])  # the lines, not JSON
    assert broken.exit_code == 1
    assert f"FAIL  code-ownership: {machine.layout.hook_script} is writable" in broken.output
    assert "      fix: chown -R root:root" in broken.output


# ----------------------------------------------------------------------------- install, drop-in


def test_without_a_managed_install_the_user_settings_are_checked(machine: Machine) -> None:
    machine.layout.marker.unlink()
    home = machine.guard.home
    settings = home / ".claude" / "settings.json"
    install_hooks(
        settings,
        hook_command(sys.executable, home / ".claude-guard" / "hooks" / "claude_guard_hook.py"),
    )
    GuardHome(home / ".claude-guard").load_key()  # install.sh makes it
    assert machine.check("install").status == "warn"
    assert machine.failed() == []
    uninstall_hooks(settings)
    assert machine.failed() == ["user-hooks"]


def test_a_missing_drop_in(machine: Machine) -> None:
    machine.layout.drop_in.unlink()
    assert machine.failed() == [
        "managed-hooks",
        "allow-managed-hooks-only",
        "disable-bypass-permissions",
    ]


def test_an_event_not_registered(machine: Machine) -> None:
    hooks = drop_in_settings(machine.layout)["hooks"]
    assert isinstance(hooks, dict)
    del hooks["UserPromptSubmit"]
    machine.settings(hooks=hooks)
    assert machine.failed() == ["managed-hooks"]
    assert "UserPromptSubmit" in machine.check("managed-hooks").detail


def _hooks_with(machine: Machine, **hook_changes: Any) -> dict[str, Any]:
    hooks: dict[str, Any] = json.loads(json.dumps(drop_in_settings(machine.layout)["hooks"]))
    for groups in hooks.values():
        for group in groups:
            for hook in group["hooks"]:
                hook.update(hook_changes)
                for key in [k for k, v in hook_changes.items() if v is None]:
                    del hook[key]
    return hooks


def test_hooks_without_on_failure_block(machine: Machine) -> None:
    machine.settings(hooks=_hooks_with(machine, onFailure=None))
    assert machine.failed() == ["managed-hooks"]


def test_hooks_run_by_the_interpreter_on_path(machine: Machine) -> None:
    command = f"python3 -I -S {machine.layout.hook_script}"
    machine.settings(hooks=_hooks_with(machine, command=command))
    assert machine.failed() == ["managed-hooks"]


def test_allow_managed_hooks_only_off(machine: Machine) -> None:
    machine.settings(allowManagedHooksOnly=False)
    assert machine.failed() == ["allow-managed-hooks-only"]


def test_bypass_permissions_mode_not_disabled(machine: Machine) -> None:
    machine.settings(permissions={})
    assert machine.failed() == ["disable-bypass-permissions"]


def test_a_later_managed_file_overrides_the_drop_in(machine: Machine) -> None:
    later = machine.layout.managed_settings_dir / "90-other.json"
    later.write_text(json.dumps({"allowManagedHooksOnly": False}))
    assert machine.failed() == ["allow-managed-hooks-only"]


# ----------------------------------------------------------------------------- ownership


def test_code_owned_by_a_user(machine: Machine) -> None:
    os.chown(machine.layout.python, OTHER_UID, OTHER_UID)
    assert machine.failed() == ["code-ownership"]
    assert f"uid {OTHER_UID}, not root" in machine.check("code-ownership").detail


def test_hook_script_writable_by_others(machine: Machine) -> None:
    machine.layout.hook_script.chmod(0o646)
    assert machine.failed() == ["code-ownership"]


def test_a_code_directory_owned_by_a_user(machine: Machine) -> None:
    os.chown(machine.layout.prefix.parent, OTHER_UID, OTHER_UID)  # /opt: could swap the code
    assert machine.failed() == ["code-ownership"]


def test_org_policy_owned_by_a_user(machine: Machine) -> None:
    os.chown(machine.layout.org_policy, OTHER_UID, OTHER_UID)
    assert machine.failed() == ["policy-ownership"]


def test_a_key_readable_by_others(machine: Machine) -> None:
    machine.layout.audit_key.chmod(0o644)
    assert machine.failed() == ["keys"]


def test_keys_directory_open(machine: Machine) -> None:
    machine.layout.keys_dir.chmod(0o755)
    assert machine.failed() == ["keys"]


def test_a_key_missing(machine: Machine) -> None:
    machine.layout.fingerprint_key.unlink()
    assert machine.failed() == ["keys"]


# ----------------------------------------------------------------------------- service


def test_no_system_service(machine: Machine) -> None:
    machine.layout.system_socket.unlink()
    assert machine.failed() == ["service"]


def test_a_system_socket_served_by_a_user(machine: Machine) -> None:
    machine.layout.system_socket.unlink()
    # Bound as root, listening as the user: the kernel takes the peer's credentials at listen.
    code = (
        "import os, socket, sys, time\n"
        "s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])\n"
        f"os.setgid({OTHER_UID}); os.setuid({OTHER_UID}); s.listen(1)\n"
        "print('ready', flush=True); time.sleep(60)\n"
    )
    impostor = subprocess.Popen(
        [sys.executable, "-c", code, str(machine.layout.system_socket)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert impostor.stdout is not None and impostor.stdout.readline() == "ready\n"
        assert machine.failed() == ["service"]
        assert f"uid {OTHER_UID}, not root" in machine.check("service").detail
    finally:
        impostor.kill()
        impostor.wait()


# ----------------------------------------------------------------------------- policy, trail


def test_an_invalid_policy(machine: Machine) -> None:
    machine.layout.org_policy.write_text("version: 1\npaths: []\n")
    assert machine.failed() == ["policy"]
    assert "no path rules" in machine.check("policy").detail


def test_an_altered_trail(machine: Machine) -> None:
    log = AuditLog(machine.layout.audit_dir, machine.layout.audit_key.read_bytes())
    log.record(event="SessionStart", decision="allow")
    log.record(event="SessionEnd", decision="allow")
    day = next(machine.layout.audit_dir.glob("*.jsonl"))
    day.write_text(day.read_text().replace('"allow"', '"deny"', 1))
    assert machine.failed() == ["audit"]
    assert "MAC mismatch" in machine.check("audit").detail


def test_an_intact_trail_is_counted(machine: Machine) -> None:
    AuditLog(machine.layout.audit_dir, machine.layout.audit_key.read_bytes()).record(event="x")
    assert "1 records, chain intact" in machine.check("audit").detail


def test_a_trail_writable_by_others(machine: Machine) -> None:
    machine.layout.audit_dir.chmod(0o777)
    assert machine.failed() == ["audit"]


# ----------------------------------------------------------------------------- the client


def test_a_client_below_the_policy_minimum(machine: Machine, tmp_path: Path) -> None:
    machine.layout.org_policy.write_text("extends: default\nclient: {min_version: '2.1.332'}\n")
    assert machine.failed() == []
    machine.claude = (
        _fake_claude(tmp_path / "old", "2.1.197")
        if (tmp_path / "old").mkdir() is None
        else machine.claude
    )
    assert machine.failed() == ["client-version"]
    assert "2.1.197" in machine.check("client-version").detail
    assert "needs 2.1.332" in machine.check("client-version").detail


def test_a_client_that_cannot_be_found_fails_only_with_a_minimum(machine: Machine) -> None:
    machine.claude = machine.claude.parent / "missing-claude"
    assert machine.check("client-version").status == "warn"
    machine.layout.org_policy.write_text("extends: default\nclient: {min_version: '2.1.332'}\n")
    assert machine.failed() == ["client-version"]


@pytest.mark.parametrize(
    "variable",
    [
        "OTEL_LOG_USER_PROMPTS",
        "OTEL_LOG_TOOL_DETAILS",
        "OTEL_LOG_TOOL_CONTENT",
        "OTEL_LOG_RAW_API_BODIES",
    ],
)
def test_content_exported_by_the_environment(machine: Machine, variable: str) -> None:
    machine.environ[variable] = "1"
    assert machine.failed() == ["content-export"]
    assert f"{variable} in the environment" in machine.check("content-export").detail


def test_content_exported_by_user_settings(machine: Machine) -> None:
    settings = machine.guard.home / ".claude" / "settings.json"
    settings.parent.mkdir(exist_ok=True)
    settings.write_text(json.dumps({"env": {"OTEL_LOG_TOOL_CONTENT": "true"}}))
    assert machine.failed() == ["content-export"]
    assert str(settings) in machine.check("content-export").detail


def test_content_exported_by_managed_settings(machine: Machine) -> None:
    machine.settings(env={"OTEL_LOG_RAW_API_BODIES": "1"})
    assert machine.failed() == ["content-export"]


def test_a_flag_set_to_off_is_not_flagged(machine: Machine) -> None:
    machine.environ["OTEL_LOG_USER_PROMPTS"] = "0"
    assert machine.failed() == []


def test_nonessential_traffic_not_disabled_is_a_warning(machine: Machine) -> None:
    machine.settings(env={})
    check = machine.check("nonessential-traffic")
    assert check.status == "warn" and "managed settings" in check.fix
    assert machine.failed() == []
    machine.environ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1"
    assert machine.check("nonessential-traffic").status == "pass"


def test_directories_above_a_file_are_checked_up_to_the_root_alone() -> None:
    from claude_guard.entry.posture import _parents_within

    assert _parents_within("/opt/claude-guard/venv", "/") == ["/opt/claude-guard", "/opt"]
    assert _parents_within("/tmp/r/opt/claude-guard", "/tmp/r") == ["/tmp/r/opt"]
    assert _parents_within("/elsewhere/x", "/tmp/r") == []
