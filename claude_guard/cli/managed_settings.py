"""The Claude Code drop-in a managed install writes: hooks no one below root can remove, and a
native permission backstop generated from the org policy's path rules.

`/etc/claude-code/managed-settings.d/50-claude-guard.json` is claude-guard's own file: nothing
else in the managed settings is ever rewritten. Other managed files are only read, to warn when
they set a key that undoes what this file sets.

Facts this builds on (checked on the real clients 2.1.197 and 2.1.332):
- `onFailure: "block"` makes 2.1.332 block a call whose hook cannot run (missing interpreter,
  crash, timeout); 2.1.197 ignores the key and still runs the hook;
- `PostToolUseFailure` fires on both; `PreSkillShellCommand` exists on 2.1.332 and a
  registration for it does no harm on 2.1.197;
- `Read(//**/.env)` and `Edit(//**/.claude/settings.json)` deny natively on both, before any
  hook runs; a rule starting with `!` is not merged from managed settings, so none is written.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from claude_guard.cli.claude_settings import HOOK_EVENTS, HOOK_TIMEOUT_SECONDS, hook_command
from claude_guard.managed import ManagedLayout
from claude_guard.policy.merge import EffectivePolicy
from claude_guard.policy.schema import Access, Action, PathRule, Scope

# Every event the guard decides or records. Not yet `PostToolUseFailure` (a failing command's
# output, which no hook can replace) nor `PreSkillShellCommand` (a skill's `!cmd` preamble):
# the engine does not decide them yet, so a registration would only deny them as unknown
# events (noise on every failing command, every skill preamble blocked). Issue #11 adds them
# with decisions of their own, together with confinement of the commands they run.
MANAGED_HOOK_EVENTS: dict[str, str | None] = dict(HOOK_EVENTS)
# The client's own fail-closed switch: only "continue" and "block" are accepted (any other
# value silently drops the hook).
ON_FAILURE = "block"
# Settings keys whose value this file depends on, and the value it sets.
REQUIRED_VALUES: dict[tuple[str, ...], Any] = {
    ("allowManagedHooksOnly",): True,
    ("permissions", "disableBypassPermissionsMode"): "disable",
}
# Keys in another managed file that switch hooks off outright.
HOOK_KILLERS = ("disableAllHooks",)


def managed_hook_entry(layout: ManagedLayout, event: str | None = None) -> dict[str, Any]:
    """`event` goes on the command line, so a hook that cannot parse its event still knows a
    tool already ran (and withholds its output rather than denying)."""
    return {
        "type": "command",
        "command": hook_command(str(layout.python), layout.hook_script, event),
        "timeout": HOOK_TIMEOUT_SECONDS,
        "onFailure": ON_FAILURE,
    }


def drop_in_settings(layout: ManagedLayout, policy: EffectivePolicy) -> dict[str, Any]:
    """The whole drop-in. `env` is left alone: forcing variables on every user is the
    organisation's call, not the guard's."""
    hooks: dict[str, list[dict[str, Any]]] = {}
    for event, matcher in MANAGED_HOOK_EVENTS.items():
        group: dict[str, Any] = {"hooks": [managed_hook_entry(layout, event)]}
        if matcher is not None:
            group = {"matcher": matcher, **group}
        hooks[event] = [group]
    return {
        "allowManagedHooksOnly": True,
        "permissions": {
            "disableBypassPermissionsMode": "disable",
            "deny": native_deny_rules(layout, policy),
        },
        "hooks": hooks,
    }


def render(settings: dict[str, Any]) -> str:
    return json.dumps(settings, indent=2) + "\n"


# ----------------------------------------------------------------------------- permissions.deny


def native_deny_rules(layout: ManagedLayout, policy: EffectivePolicy) -> list[str]:
    """Claude Code permission rules for every `deny` path rule that applies anywhere, then the
    guard's own files. A backstop only: the hook stays the judge, so a pattern the native
    syntax cannot say exactly (one an exception of its rule could overlap) is left out rather
    than denying something the policy allows."""
    rules: list[str] = []
    for layered in policy.path_rules:
        rules += _rules_for(layered.rule)
    rules += _own_files(layout)
    return list(dict.fromkeys(rules))


def _rules_for(rule: PathRule) -> list[str]:
    if rule.action is not Action.DENY or rule.scope is not Scope.ANYWHERE:
        return []
    exceptions = [p[1:] for p in rule.patterns if p.startswith("!")]
    tools = [
        tool
        for access, tool in ((Access.READ, "Read"), (Access.WRITE, "Edit"))
        if access in rule.access
    ]
    rules = []
    for pattern in rule.patterns:
        if pattern.startswith("!") or any(_may_overlap(pattern, e) for e in exceptions):
            continue
        native = native_path(pattern)
        rules += [f"{tool}({native})" for tool in tools]
    return rules


def native_path(pattern: str) -> str:
    """A policy pattern (gitignore semantics against absolute paths) in Claude Code's rule
    syntax, where `//` is the filesystem root and `~/` the home directory."""
    directory = pattern.endswith("/")
    body = pattern.rstrip("/")
    if body.startswith("~/"):
        native = body
    elif "/" in body:  # a slash anchors the pattern at the root (`/etc/x`, `**/.claude/x`)
        native = "//" + body.lstrip("/")
    else:  # no slash: the name at any depth
        native = "//**/" + body
    return native + "/**" if directory else native


def _own_files(layout: ManagedLayout) -> list[str]:
    """The install itself: code, configuration, keys, trail. Root owns them, so a write fails
    anyway; the rules make the agent's attempt a denial it is told about."""
    written = [
        layout.prefix,
        layout.etc,
        layout.managed_settings_dir.parent,
        layout.audit_dir,
        layout.spool_dir,
        layout.state_dir,
    ]
    rules = [f"Edit({native_path(f'{folder}/')})" for folder in written]
    rules.append(f"Edit({native_path(str(layout.launcher))})")
    rules.append(f"Read({native_path(f'{layout.keys_dir}/')})")
    return rules


def _may_overlap(pattern: str, exception: str) -> bool:
    """Whether some path could match both (an over-estimate is safe: it only leaves a native
    rule out). `*`, `?` and literals are compared; anything fancier is assumed to overlap."""
    if "[" in pattern or "[" in exception:
        return True
    return _globs_meet(_path_glob(pattern), _path_glob(exception))


def _path_glob(pattern: str) -> str:
    """A policy pattern as one glob over whole paths, where `*` also crosses `/`."""
    body = pattern.rstrip("/")
    if pattern.endswith("/"):  # the directory and everything in it
        body += "/*"
    if body.startswith("~/"):
        return "*" + body[1:]
    if "/" in body:
        return body.lstrip("/")
    return "*" + body  # a name at any depth (and, over-estimated, any name ending so)


@cache
def _globs_meet(a: str, b: str) -> bool:
    if not a or not b:
        rest = a or b
        return set(rest) <= {"*"}
    if a[0] == "*":
        return _globs_meet(a[1:], b) or _globs_meet(a, b[1:])
    if b[0] == "*":
        return _globs_meet(b[1:], a) or _globs_meet(b, a[1:])
    if a[0] == "?" or b[0] == "?" or a[0] == b[0]:
        return _globs_meet(a[1:], b[1:])
    return False


# ----------------------------------------------------------------------------- other managed files


def conflicts(layout: ManagedLayout) -> list[str]:
    """Warnings about other managed settings files that undo what the drop-in sets. They are
    never changed: they belong to whoever wrote them."""
    others = [layout.managed_settings_dir.parent / "managed-settings.json"]
    if layout.managed_settings_dir.is_dir():
        others += sorted(
            p for p in layout.managed_settings_dir.glob("*.json") if p.name != layout.drop_in.name
        )
    warnings = []
    for path in others:
        data = _read_json(path)
        if isinstance(data, str):
            warnings.append(data)
            continue
        warnings += _conflicts_in(path, data)
    return warnings


def _conflicts_in(path: Path, data: dict[str, Any]) -> list[str]:
    found = []
    for keys, wanted in REQUIRED_VALUES.items():
        value: Any = data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None and value != wanted:
            dotted = ".".join(keys)
            found.append(
                f"{path} sets {dotted}: {json.dumps(value)} (claude-guard needs "
                f"{json.dumps(wanted)}); fix it there"
            )
    for key in HOOK_KILLERS:
        if data.get(key):
            found.append(f"{path} sets {key}: every hook, claude-guard's included, is off")
    return found


def _read_json(path: Path) -> dict[str, Any] | str:
    """The file's object ({} when absent), or a warning when it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        return f"{path}: cannot read ({exc.strerror})"
    try:
        data = json.loads(text)
    except ValueError:
        return f"{path}: not valid JSON, so the client may ignore it"
    return data if isinstance(data, dict) else f"{path}: not a JSON object"
