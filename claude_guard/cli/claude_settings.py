"""Register claude-guard's hook in Claude Code's settings.json, and take it out again.

Only claude-guard's own entries are ever added, replaced or removed: every other key, hook and
matcher group in the file is kept exactly as it was. Our entries are recognised by the hook
script's file name in their command, so a reinstall from another path replaces, not duplicates.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from claude_guard.fsutil import atomic_write

HOOK_SCRIPT_NAME = "claude_guard_hook.py"
# Tool events get every tool ("*"); the others take no matcher.
HOOK_EVENTS: dict[str, str | None] = {
    "PreToolUse": "*",
    "PostToolUse": "*",
    "UserPromptSubmit": None,
    "SessionStart": None,
    "SessionEnd": None,
}
# Claude Code's own timeout must exceed the hook's internal deadline, so that the hook's deny
# (not Claude Code's fail-open timeout) is what happens when a decision is slow.
HOOK_TIMEOUT_SECONDS = 30


class SettingsError(Exception):
    pass


def settings_path(scope: str, user_home: str, project_dir: Path | None = None) -> Path:
    if scope == "user":
        return Path(user_home) / ".claude" / "settings.json"
    if scope == "project":
        return (project_dir or Path.cwd()) / ".claude" / "settings.json"
    raise SettingsError(f"unknown scope {scope!r} (use user or project)")


def hook_command(python: str, script: Path, event: str | None = None) -> str:
    # -I: isolated mode, so PYTHONPATH or a user site-packages cannot change what the hook runs.
    # -S: no site-packages at start-up; the thin client needs none, and only its in-process
    # fallback loads them.
    # The event as the argument: a hook that cannot parse its event (too large, too deep, stdin
    # cut short) still knows whether a tool already ran, and so withholds its output instead of
    # denying (which after a tool ran would let the output through). Without it (registrations
    # made before), the hook goes by the event alone.
    command = f"{shlex.quote(python)} -I -S {shlex.quote(str(script))}"
    return f"{command} {event}" if event else command


def is_ours(hook: Any) -> bool:
    return isinstance(hook, dict) and HOOK_SCRIPT_NAME in str(hook.get("command", ""))


def read_settings(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except json.JSONDecodeError as exc:
        raise SettingsError(
            f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); fix it by hand, nothing was changed"
        ) from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: top level is not a JSON object; nothing was changed")
    return data


def with_hooks(settings: dict[str, Any], command: str | Callable[[str], str]) -> dict[str, Any]:
    """`settings` with claude-guard registered for every event, and nothing else changed.
    `command` is the hook command, or makes it for each event (see hook_command)."""
    merged = without_hooks(settings)
    hooks = merged.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise SettingsError("settings 'hooks' is not an object; nothing was changed")
    for event, matcher in HOOK_EVENTS.items():
        line = command if isinstance(command, str) else command(event)
        group: dict[str, Any] = {
            "hooks": [{"type": "command", "command": line, "timeout": HOOK_TIMEOUT_SECONDS}]
        }
        if matcher is not None:
            group = {"matcher": matcher, **group}
        groups = hooks.setdefault(event, [])
        if not isinstance(groups, list):
            raise SettingsError(f"settings 'hooks.{event}' is not a list; nothing was changed")
        groups.append(group)
    return merged


def without_hooks(settings: dict[str, Any]) -> dict[str, Any]:
    """`settings` with every claude-guard hook removed, and empty leftovers cleaned up."""
    result: dict[str, Any] = json.loads(json.dumps(settings))  # deep copy of JSON data
    hooks = result.get("hooks")
    if not isinstance(hooks, dict):
        return result
    for event in list(hooks):
        groups = hooks[event]
        if not isinstance(groups, list):
            continue
        kept_groups = []
        for group in groups:
            if isinstance(group, dict) and isinstance(group.get("hooks"), list):
                had_ours = any(is_ours(h) for h in group["hooks"])
                group["hooks"] = [h for h in group["hooks"] if not is_ours(h)]
                if had_ours and not group["hooks"]:
                    continue
            kept_groups.append(group)
        if kept_groups:
            hooks[event] = kept_groups
        else:
            del hooks[event]
    if not hooks:
        del result["hooks"]
    return result


def write_settings(path: Path, settings: dict[str, Any]) -> None:
    """Atomic replace, keeping the file's permissions (and a symlink, if it is one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    text = json.dumps(settings, indent=2, ensure_ascii=False) + "\n"
    atomic_write(path, text.encode("utf-8"), mode)


def install_hooks(path: Path, command: str | Callable[[str], str]) -> None:
    write_settings(path, with_hooks(read_settings(path), command))


def uninstall_hooks(path: Path) -> bool:
    """Remove our entries; True when anything was removed."""
    if not path.exists():
        return False
    before = read_settings(path)
    after = without_hooks(before)
    if after == before:
        return False
    write_settings(path, after)
    return True
