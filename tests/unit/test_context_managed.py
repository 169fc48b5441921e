"""On a machine with a managed install, nothing the developer's account or a repository's
settings `env` controls moves the policy, the guard home or the home `~/` rules protect."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from claude_guard.context import Environment
from claude_guard.managed import ManagedLayout
from claude_guard.policy.loader import managed_policy_path

EVIL = {
    "HOME": "/tmp/evil-home",
    "CLAUDE_GUARD_HOME": "/tmp/evil-guard",
    "CLAUDE_GUARD_MANAGED_POLICY": "/tmp/evil/permissive.yaml",
}


def installed(root: Path) -> ManagedLayout:
    layout = ManagedLayout(root)
    layout.etc.mkdir(parents=True)
    layout.marker.write_text("{}")
    return layout


def test_a_managed_install_ignores_the_claude_guard_variables_and_home(tmp_path: Path) -> None:
    layout = installed(tmp_path)
    account_home = pwd.getpwuid(os.getuid()).pw_dir
    env = Environment.from_env(EVIL, layout)
    assert env.managed_policy == layout.org_policy
    assert env.user_home == account_home
    assert env.guard_home.root == Path(account_home) / ".claude-guard"


def test_without_a_managed_install_the_variables_still_apply(tmp_path: Path) -> None:
    env = Environment.from_env(EVIL, ManagedLayout(tmp_path))
    assert env.managed_policy == Path(EVIL["CLAUDE_GUARD_MANAGED_POLICY"])
    assert env.user_home == EVIL["HOME"]
    assert env.guard_home.root == Path(EVIL["CLAUDE_GUARD_HOME"])


def test_a_managed_install_holds_even_while_its_policy_file_is_missing(tmp_path: Path) -> None:
    layout = installed(tmp_path)
    assert not layout.org_policy.exists()
    assert managed_policy_path(EVIL, layout) == layout.org_policy


def test_an_org_policy_file_wins_without_the_marker_too(tmp_path: Path) -> None:
    layout = ManagedLayout(tmp_path)
    layout.etc.mkdir(parents=True)
    layout.org_policy.write_text("extends: default\n")
    assert managed_policy_path(EVIL, layout) == layout.org_policy
