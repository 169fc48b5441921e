"""`claude-guard doctor`: one line per check of this machine's guard, with the fix for each
one that does not pass; non-zero exit when any fails.

With a managed install (its marker under `--root`, `/` by default) the machine-wide checks
apply: the managed drop-in, code, org policy and keys owned by root, the system service, the
root-owned trail. Without one the per-user install is checked instead. Either way: the policy,
the client's version against the policy's minimum, and the settings and environment that would
copy prompts or tool content off the machine.

`CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC` unset is a warning, not a failure: what it stops
(update checks, error reports, usage metrics) carries metadata about sessions, not prompts or
tool content, so the guarantees do not depend on it; an org under a BAA still wants it set in
its managed settings `env`, and the warning says so. The `OTEL_LOG_*` flags do copy prompts,
tool arguments or whole API bodies to a telemetry endpoint, and fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import struct
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from claude_guard.cli.claude_settings import HOOK_EVENTS, SettingsError, is_ours, read_settings
from claude_guard.cli.managed_settings import MANAGED_HOOK_EVENTS
from claude_guard.context import Environment
from claude_guard.entry.posture import (
    Check,
    managed_checks,
    read_managed_settings,
)
from claude_guard.home import GuardHome
from claude_guard.managed import ManagedLayout
from claude_guard.policy.effective import effective_policy
from claude_guard.policy.loader import PolicyError, layer_sources, load_layers
from claude_guard.policy.merge import EffectivePolicy
from claude_guard.policy.schema import version_key
from claude_guard.record.audit_log import verify_chain

# Each copies prompts, tool arguments and results, or whole API bodies to the OTEL exporter.
CONTENT_EXPORT_VARIABLES = (
    "OTEL_LOG_USER_PROMPTS",
    "OTEL_LOG_TOOL_DETAILS",
    "OTEL_LOG_TOOL_CONTENT",
    "OTEL_LOG_RAW_API_BODIES",
)
NONESSENTIAL_TRAFFIC = "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"
# Claude Code's cache of server-managed settings, in its config folder (~/.claude).
REMOTE_SETTINGS = "remote-settings.json"
_OFF = ("", "0", "false", "no", "off")
_VERSION = re.compile(r"\b(\d{1,6}\.\d{1,6}\.\d{1,6})\b")
CLAUDE_VERSION_SECONDS = 20.0
SOCKET_SECONDS = 3.0


class Doctor:
    """The checks for one machine, read from `layout` and the caller's environment."""

    def __init__(
        self, layout: ManagedLayout, environ: Mapping[str, str], claude: str | None
    ) -> None:
        self.layout = layout
        self.environ = environ
        self.env = Environment.from_env(environ)
        self.claude = claude
        self.managed = layout.installed()

    def run(self) -> list[Check]:
        checks = [self.install_check()]
        if self.managed:
            checks += managed_checks(self.layout, tuple(MANAGED_HOOK_EVENTS))
            checks.append(self.system_service_check())
        else:
            checks.append(self.user_hooks_check())
            checks.append(self.user_service_check())
        policy, policy_check = self.policy_check()
        checks += [
            policy_check,
            self.audit_check(),
            self.client_version_check(policy),
            self.content_export_check(),
            self.nonessential_traffic_check(),
            self.remote_settings_check(),
        ]
        return checks

    # ------------------------------------------------------------------------- install

    def install_check(self) -> Check:
        if self.managed:
            return Check("install", "pass", f"managed install ({self.layout.marker})")
        return Check(
            "install",
            "warn",
            f"no managed install ({self.layout.marker} is missing): checking the per-user "
            "install; a developer (or the agent) can switch it off",
            "for an organisation's machines: sudo ./install.sh --managed",
        )

    def user_hooks_check(self) -> Check:
        path = Path(self.env.user_home) / ".claude" / "settings.json"
        try:
            hooks = read_settings(path).get("hooks")
        except SettingsError as exc:
            return Check("user-hooks", "fail", str(exc), "fix the file, then ./install.sh")
        missing = [e for e in HOOK_EVENTS if not _has_our_hook(hooks, e)]
        if missing:
            return Check(
                "user-hooks",
                "fail",
                f"{path} does not register claude-guard for {', '.join(missing)}",
                "./install.sh (or claude-guard install)",
            )
        return Check("user-hooks", "pass", f"{path} registers every event")

    # ------------------------------------------------------------------------- services

    def system_service_check(self) -> Check:
        path = self.layout.system_socket
        fix = "systemctl enable --now claude-guard (as root)"
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(SOCKET_SECONDS)
                sock.connect(str(path))
                uid = _peer_uid(sock)
        except OSError as exc:
            return Check("service", "fail", f"nothing answers on {path} ({exc.strerror})", fix)
        if uid != 0:
            return Check(
                "service",
                "fail",
                f"{path} is served by uid {uid}, not root: not the system service",
                f"stop that process; {fix}",
            )
        return Check("service", "pass", f"the system service (root) listens on {path}")

    def user_service_check(self) -> Check:
        from claude_guard.entry.service import control  # its socket code only when asked

        reply = control(self.env.guard_home.root, "status", timeout=SOCKET_SECONDS)
        if reply is None:
            return Check(
                "service",
                "warn",
                "the per-user service is not running (the next hook call starts it)",
                "nothing needed; to keep it warm: claude-guard service unit systemd",
            )
        return Check("service", "pass", f"the per-user service answers: {reply.strip()[:120]}")

    # ------------------------------------------------------------------------- policy, trail

    def policy_check(self) -> tuple[EffectivePolicy | None, Check]:
        top = self.layout.org_policy if self.managed else self.env.managed_policy
        sources = layer_sources(None, top, self.env.guard_home)
        try:
            policy = effective_policy(load_layers(sources))
        except PolicyError as exc:
            return None, Check("policy", "fail", str(exc), "fix the file named, then doctor again")
        detail = f"valid: version {policy.version}, sha256 {policy.content_hash}"
        return policy, Check("policy", "pass", detail)

    def audit_check(self) -> Check:
        if self.managed:
            return self._managed_audit_check()
        home: GuardHome = self.env.guard_home
        directory = home.audit_dir
        if directory.exists() and not os.access(directory, os.W_OK):
            return Check("audit", "fail", f"{directory} is not writable", f"chmod u+w {directory}")
        try:
            key = home.key_path.read_bytes()
        except OSError:
            return Check("audit", "fail", f"no readable key at {home.key_path}", "./install.sh")
        return _verified("audit", directory, key)

    def _managed_audit_check(self) -> Check:
        directory = self.layout.audit_dir
        problems = _writable_by_others(directory)
        if problems:
            return Check(
                "audit", "fail", problems, f"chown root:root {directory} && chmod 755 {directory}"
            )
        try:
            key = self.layout.audit_key.read_bytes()
        except PermissionError:
            return Check(
                "audit",
                "warn",
                f"{directory} is root's; its chain can only be verified as root",
                "sudo claude-guard doctor",
            )
        except OSError:
            return Check(
                "audit",
                "fail",
                f"{self.layout.audit_key} is missing",
                "sudo ./install.sh --managed",
            )
        return _verified("audit", directory, key)

    # ------------------------------------------------------------------------- the client

    def client_version_check(self, policy: EffectivePolicy | None) -> Check:
        minimum = policy.client_min_version if policy else None
        binary = self.claude or shutil.which("claude", path=self.environ.get("PATH"))
        version = _claude_version(binary) if binary else None
        need = f" (the policy needs {minimum} or newer)" if minimum else ""
        update = "claude update, or npm install -g @anthropic-ai/claude-code@latest"
        if version is None:
            what = f"cannot tell the version of {binary}" if binary else "claude is not on PATH"
            # Unknown is as good as too old when the policy needs a version (the hook agrees).
            return Check("client-version", "fail" if minimum else "warn", what + need, update)
        if minimum and version_key(version) < version_key(minimum):
            return Check(
                "client-version", "fail", f"Claude Code {version} at {binary}{need}", update
            )
        return Check("client-version", "pass", f"Claude Code {version} at {binary}{need}")

    def content_export_check(self) -> Check:
        found = [
            f"{name} in the environment"
            for name in CONTENT_EXPORT_VARIABLES
            if _on(self.environ.get(name))
        ]
        for path, env in self._settings_env():
            found += [
                f"{name} in {path}" for name in CONTENT_EXPORT_VARIABLES if _on(env.get(name))
            ]
        if found:
            return Check(
                "content-export",
                "fail",
                "prompts or tool content are copied to telemetry: " + "; ".join(found),
                "unset them (and remove them from the settings' env); managed settings can pin "
                "them off",
            )
        return Check(
            "content-export", "pass", "no OTEL_LOG_* setting copies prompts or tool content"
        )

    def nonessential_traffic_check(self) -> Check:
        sources = [("the environment", self.environ.get(NONESSENTIAL_TRAFFIC))]
        sources += [
            (str(path), env.get(NONESSENTIAL_TRAFFIC)) for path, env in self._settings_env()
        ]
        where = [name for name, value in sources if _on(value)]
        if where:
            return Check(
                "nonessential-traffic", "pass", f"{NONESSENTIAL_TRAFFIC} set in {where[0]}"
            )
        return Check(
            "nonessential-traffic",
            "warn",
            f"{NONESSENTIAL_TRAFFIC} is not set: update checks, error reports and usage metrics "
            "leave the machine (metadata, not prompts)",
            f'set "env": {{"{NONESSENTIAL_TRAFFIC}": "1"}} in managed settings',
        )

    def remote_settings_check(self) -> Check:
        """The client's cache of server-managed settings is a file the developer can write, and
        when it holds any setting the client (2.1.197 and 2.1.332, seen) takes it as the one
        managed source: the managed-settings.d drop-in and its hooks are then ignored."""
        found = [path for path in self._remote_settings_paths() if _non_empty(path)]
        if found:
            return Check(
                "remote-settings",
                "fail",
                f"{found[0]} is not empty: Claude Code takes it over the managed drop-in, so "
                "the claude-guard hooks may not run",
                f"rm {found[0]} (an organisation with server-managed settings sets "
                '"forceRemoteSettingsRefresh": true in managed settings instead)',
            )
        return Check("remote-settings", "pass", "no cached remote settings in the user's home")

    def _remote_settings_paths(self) -> list[Path]:
        folders = [Path(self.env.user_home) / ".claude"]
        if config_dir := self.environ.get("CLAUDE_CONFIG_DIR"):
            folders.append(Path(config_dir))
        return [folder / REMOTE_SETTINGS for folder in dict.fromkeys(folders)]

    def _settings_env(self) -> list[tuple[Path, dict[str, Any]]]:
        """The `env` of the user's settings and of every managed settings file."""
        files = list(read_managed_settings(self.layout))
        user = Path(self.env.user_home) / ".claude" / "settings.json"
        with contextlib.suppress(SettingsError):  # a broken file is user-hooks' to report
            files.append((user, read_settings(user)))
        return [(path, env) for path, data in files if isinstance(env := data.get("env"), dict)]


# ----------------------------------------------------------------------------- helpers


def _non_empty(path: Path) -> bool:
    """Anything but an absent, empty or `{}` file; unreadable counts as present (fail closed)."""
    try:
        text = path.read_text(errors="replace").strip()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    try:
        return bool(json.loads(text or "{}") != {})
    except ValueError:
        return True


def _has_our_hook(hooks: Any, event: str) -> bool:
    groups = hooks.get(event) if isinstance(hooks, dict) else None
    for group in groups if isinstance(groups, list) else []:
        entries = group.get("hooks") if isinstance(group, dict) else None
        if isinstance(entries, list) and any(is_ours(hook) for hook in entries):
            return True
    return False


def _peer_uid(sock: socket.socket) -> int:
    if hasattr(socket, "SO_PEERCRED"):
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return int(struct.unpack("3i", creds)[1])
    if hasattr(socket, "LOCAL_PEERCRED"):
        creds = sock.getsockopt(0, socket.LOCAL_PEERCRED, struct.calcsize("2I"))
        return int(struct.unpack("2I", creds[:8])[1])
    raise OSError(0, "peer credentials are not available on this platform")


def _writable_by_others(directory: Path) -> str:
    try:
        info = directory.stat()
    except OSError:
        return f"{directory} is missing"
    if info.st_uid != 0:
        return f"{directory} is owned by uid {info.st_uid}, not root"
    if info.st_mode & 0o022:
        return f"{directory} is writable by group or others (mode {info.st_mode & 0o7777:04o})"
    return ""


def _verified(name: str, directory: Path, key: bytes) -> Check:
    try:
        result = verify_chain(directory, key)
    except OSError as exc:
        return Check(
            name, "fail", f"cannot read {directory} ({exc.strerror})", "check its permissions"
        )
    if result.problems:
        shown = "; ".join(result.problems[:3])
        return Check(
            name,
            "fail",
            f"{len(result.problems)} problem(s) in {directory}: {shown}",
            "the trail was altered: keep a copy for investigation, then claude-guard audit verify",
        )
    return Check(name, "pass", f"{directory}: {result.records} records, chain intact")


def _claude_version(binary: str) -> str | None:
    """`claude --version` (its first line starts with the version)."""
    try:
        done = subprocess.run(
            [binary, "--version"],
            capture_output=True,
            text=True,
            timeout=CLAUDE_VERSION_SECONDS,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(done.stdout)
    return match.group(1) if done.returncode == 0 and match else None


def _on(value: object) -> bool:
    return value is not None and str(value).strip().lower() not in _OFF


# ----------------------------------------------------------------------------- the command

_MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as a JSON list.")
@click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("/"),
    show_default=True,
    help="Where the managed layout hangs off (a test tree).",
)
@click.option("--claude", "claude", default=None, help="The claude binary (default: PATH).")
def doctor(as_json: bool, root: Path, claude: str | None) -> None:
    """Check this machine's guard, one line per check with the fix; exit 1 when one fails."""
    checks = Doctor(ManagedLayout(root), os.environ, claude).run()
    emit(checks, as_json, click.echo)
    raise SystemExit(1 if any(c.status == "fail" for c in checks) else 0)


def emit(checks: Sequence[Check], as_json: bool, echo: Callable[[str], None]) -> None:
    if as_json:
        echo(json.dumps([c.to_json() for c in checks], indent=2))
        return
    for c in checks:
        echo(f"{_MARK[c.status]}  {c.check}: {c.detail}")
        if c.status != "pass" and c.fix:
            echo(f"      fix: {c.fix}")
