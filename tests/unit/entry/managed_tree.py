"""A healthy managed installation laid out under a temporary root, as `install.sh --managed`
leaves it (root-owned: the tests run as root), for posture and doctor tests to break one
thing at a time."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from claude_guard.cli.managed_settings import MANAGED_HOOK_EVENTS
from claude_guard.managed import ManagedLayout

ORG_POLICY = "version: org-7\nextends: default\n"


def build_managed_tree(root: Path, policy: str = ORG_POLICY) -> ManagedLayout:
    layout = ManagedLayout(root)
    root.mkdir(mode=0o755, parents=True, exist_ok=True)
    for folder in (
        layout.python.parent,
        layout.hook_script.parent,
        layout.etc,
        layout.managed_settings_dir,
        layout.audit_dir,
    ):
        folder.mkdir(parents=True, exist_ok=True, mode=0o755)
    layout.python.write_text("#!/bin/sh\n")
    layout.python.chmod(0o755)
    layout.hook_script.write_text("# hook\n")
    layout.org_policy.write_text(policy)
    layout.keys_dir.mkdir(mode=0o700)
    for key in (layout.audit_key, layout.fingerprint_key):
        key.write_bytes(b"k" * 32)
        key.chmod(0o600)
    write_drop_in(layout, drop_in_settings(layout))
    layout.marker.write_text(json.dumps({"version": "test", "prefix": str(layout.prefix)}))
    return layout


def drop_in_settings(layout: ManagedLayout) -> dict[str, object]:
    command = f"{shlex.quote(str(layout.python))} -I -S {shlex.quote(str(layout.hook_script))}"
    hook = {"type": "command", "command": command, "timeout": 30, "onFailure": "block"}
    hooks = {
        event: [{**({"matcher": matcher} if matcher else {}), "hooks": [hook]}]
        for event, matcher in MANAGED_HOOK_EVENTS.items()
    }
    return {
        "hooks": hooks,
        "allowManagedHooksOnly": True,
        "permissions": {"disableBypassPermissionsMode": "disable"},
        "env": {"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"},
    }


def write_drop_in(layout: ManagedLayout, settings: dict[str, object]) -> None:
    layout.drop_in.write_text(json.dumps(settings))
