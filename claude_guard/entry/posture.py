"""Is this machine's guard set up the way a managed install leaves it? Checks made only of stat
calls and small reads (no subprocess, no network), so that SessionStart can run them on every
session and `claude-guard doctor` can build on them.

Each check gives a `Check` with a status and, when it does not pass, the fix. What a developer
may not see is judged by what they can see: the keys directory is 0700 root, so its files
cannot even be stat'ed by a developer, which is exactly what the check wants to find.
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import stat
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from claude_guard.decide.client import PostureProblem
from claude_guard.managed import ManagedLayout

Status = Literal["pass", "warn", "fail"]
# The events without which the guard does not hold; the managed drop-in registers these (the
# install may register more, and doctor checks all of claude_settings.HOOK_EVENTS).
GUARDED_EVENTS = ("PreToolUse", "PostToolUse", "UserPromptSubmit", "SessionStart", "SessionEnd")
MAX_SETTINGS_BYTES = 1024 * 1024
REINSTALL = "run `sudo ./install.sh --managed` again"


@dataclass(frozen=True, slots=True)
class Check:
    check: str
    status: Status
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    def problem(self) -> PostureProblem:
        return PostureProblem(self.check, self.detail, self.fix)


def session_posture(layout: ManagedLayout) -> list[PostureProblem]:
    """The checks SessionStart makes, failed ones only. Without a managed install there is
    nothing machine-wide to check (the client's version is the engine's business)."""
    if not layout.installed():
        return []
    return [c.problem() for c in managed_checks(layout) if c.status == "fail"]


def managed_checks(layout: ManagedLayout, events: Sequence[str] = GUARDED_EVENTS) -> list[Check]:
    """Everything about a managed install that stat calls and reads can tell."""
    settings = read_managed_settings(layout)
    return [
        managed_hooks_check(layout, settings, events),
        managed_only_check(settings),
        bypass_disabled_check(settings),
        code_ownership_check(layout),
        policy_ownership_check(layout),
        keys_check(layout),
    ]


# ----------------------------------------------------------------------------- managed settings


def managed_settings_files(layout: ManagedLayout) -> list[Path]:
    """Claude Code's managed settings on Linux, in the order it applies them: the single file,
    then the drop-ins in name order."""
    folder = layout.managed_settings_dir
    single = folder.parent / "managed-settings.json"
    try:
        drop_ins = sorted(p for p in folder.iterdir() if p.suffix == ".json")
    except OSError:
        drop_ins = []
    return [p for p in (single, *drop_ins) if p.is_file()]


def read_managed_settings(layout: ManagedLayout) -> list[tuple[Path, dict[str, Any]]]:
    """Every managed settings file that parses as a JSON object."""
    return [(path, data) for path in managed_settings_files(layout) if (data := _read_json(path))]


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            data = json.loads(handle.read(MAX_SETTINGS_BYTES + 1)[:MAX_SETTINGS_BYTES])
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _last(settings: Iterable[tuple[Path, dict[str, Any]]], *keys: str) -> Any:
    """The value the last file that sets `keys` gives (later files override earlier ones)."""
    value: Any = None
    for _, data in settings:
        node: Any = data
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            value = node
    return value


def managed_hooks_check(
    layout: ManagedLayout,
    settings: Sequence[tuple[Path, dict[str, Any]]],
    events: Sequence[str] = GUARDED_EVENTS,
) -> Check:
    name = "managed-hooks"
    fix = f"{REINSTALL} (it writes {layout.drop_in})"
    if not layout.drop_in.is_file():
        return Check(name, "fail", f"{layout.drop_in} is missing", fix)
    ours = (str(layout.python), str(layout.hook_script))
    missing = [e for e in events if not _registered(settings, e, ours)]
    if missing:
        return Check(
            name,
            "fail",
            f"no managed hook runs {layout.hook_script} with {layout.python} and "
            f'onFailure "block" for {", ".join(missing)}',
            fix,
        )
    return Check(name, "pass", f"{len(events)} events registered in managed settings")


def _registered(
    settings: Iterable[tuple[Path, dict[str, Any]]], event: str, ours: tuple[str, str]
) -> bool:
    for _, data in settings:
        hooks = data.get("hooks")
        groups = hooks.get(event) if isinstance(hooks, dict) else None
        for group in groups if isinstance(groups, list) else []:
            entries = group.get("hooks") if isinstance(group, dict) else None
            for hook in entries if isinstance(entries, list) else []:
                if _is_managed_hook(hook, *ours):
                    return True
    return False


def _is_managed_hook(hook: Any, python: str, script: str) -> bool:
    """Our hook script, run by the isolated interpreter named by its absolute path (a hook
    inherits the developer's PATH), with the client's fail-closed setting."""
    if not isinstance(hook, dict) or hook.get("onFailure") != "block":
        return False
    words = _words(str(hook.get("command", "")))
    return len(words) >= 2 and words[0] == python and script in words[1:]


@functools.lru_cache(maxsize=64)
def _words(command: str) -> tuple[str, ...]:
    """The command's words (cached: the drop-in repeats one command for every event)."""
    try:
        return tuple(shlex.split(command))
    except ValueError:
        return ()


def managed_only_check(settings: Sequence[tuple[Path, dict[str, Any]]]) -> Check:
    name = "allow-managed-hooks-only"
    if _last(settings, "allowManagedHooksOnly") is True:
        return Check(name, "pass", "only managed hooks run")
    return Check(
        name,
        "fail",
        "allowManagedHooksOnly is not true in managed settings: user and project hooks run too",
        f'set "allowManagedHooksOnly": true in the drop-in; {REINSTALL}',
    )


def bypass_disabled_check(settings: Sequence[tuple[Path, dict[str, Any]]]) -> Check:
    name = "disable-bypass-permissions"
    if _last(settings, "permissions", "disableBypassPermissionsMode") == "disable":
        return Check(name, "pass", "bypass permissions mode is disabled")
    return Check(
        name,
        "fail",
        'permissions.disableBypassPermissionsMode is not "disable" in managed settings',
        f'set "permissions": {{"disableBypassPermissionsMode": "disable"}}; {REINSTALL}',
    )


# ----------------------------------------------------------------------------- ownership


def code_ownership_check(layout: ManagedLayout) -> Check:
    return _owned_by_root(
        "code-ownership", layout, [layout.prefix, layout.python, layout.hook_script]
    )


def policy_ownership_check(layout: ManagedLayout) -> Check:
    return _owned_by_root("policy-ownership", layout, [layout.etc, layout.org_policy])


def keys_check(layout: ManagedLayout) -> Check:
    """The keys directory root-only; each key root-owned, not writable by group or others and
    not readable by others. A key this process cannot stat is hidden, as it should be."""
    name = "keys"
    problems = _root_owned_problems(layout, [layout.keys_dir], secret=True)
    for key in (layout.audit_key, layout.fingerprint_key):
        try:
            info = key.stat()
        except PermissionError:
            continue  # behind the 0700 directory: this user cannot even look
        except OSError:
            problems.append(f"{key} is missing")
            continue
        problems += _mode_problems(key, info, secret=True)
    if problems:
        fix = (
            f"chown -R root:root {layout.keys_dir} && chmod 700 {layout.keys_dir} && "
            f"chmod 600 {layout.keys_dir}/*"
        )
        return Check(name, "fail", "; ".join(problems), fix)
    return Check(name, "pass", f"{layout.keys_dir} is root's alone")


def _owned_by_root(name: str, layout: ManagedLayout, paths: list[Path]) -> Check:
    problems = _root_owned_problems(layout, paths)
    if problems:
        where = " ".join(str(p) for p in paths[:1])
        fix = f"chown -R root:root {where} && chmod -R go-w {where}, or {REINSTALL}"
        return Check(name, "fail", "; ".join(problems), fix)
    return Check(name, "pass", "owned by root, not writable by others")


def _root_owned_problems(
    layout: ManagedLayout, paths: list[Path], secret: bool = False
) -> list[str]:
    """What is wrong with each path and with every directory above it up to the layout's root
    (a writable parent lets the file be replaced). Plain strings: this runs at SessionStart."""
    problems: list[str] = []
    seen: set[str] = set()
    root = str(layout.root)
    for path in map(str, paths):
        for target in (path, *_parents_within(path, root)):
            if target in seen:
                continue
            seen.add(target)
            try:
                info = os.stat(target)
            except OSError:
                problems.append(f"{target} is missing")
                continue
            problems += _mode_problems(target, info, secret=secret and target == path)
    return problems


def _parents_within(path: str, root: str) -> list[str]:
    """The directories between `root` (excluded) and `path` (excluded)."""
    base = root.rstrip("/")  # "" for "/"
    parents = []
    parent = os.path.dirname(path)
    while parent.startswith(base + "/") and len(parent) > len(base) + 1:
        parents.append(parent)
        parent = os.path.dirname(parent)
    return parents


def _mode_problems(path: str | Path, info: os.stat_result, secret: bool) -> list[str]:
    mode = stat.S_IMODE(info.st_mode)
    problems = []
    if info.st_uid != 0:
        problems.append(f"{path} is owned by uid {info.st_uid}, not root")
    if mode & 0o022:
        problems.append(f"{path} is writable by group or others (mode {mode:04o})")
    if secret and mode & 0o007:
        problems.append(f"{path} is open to others (mode {mode:04o})")
    return problems
