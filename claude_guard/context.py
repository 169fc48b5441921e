"""What a decision may know about where it runs: built once at the entry, passed down.

`Environment` is what the entry reads from the process environment (the user's home, the guard
home, where the org policy is, the project the client declared). `CallContext` adds what one
event says (its working directory) and what follows from it (the project root, the policy
layers). Nothing below the entry reads `os.environ` or works out a home by itself, so the same
event decided by the hook, the service or `claude-guard check` is judged the same way.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from claude_guard.home import GuardHome
from claude_guard.managed import ManagedLayout
from claude_guard.paths import find_project_root
from claude_guard.policy.loader import LayerSource, layer_sources, managed_policy_path
from claude_guard.route import CREDENTIAL_VARIABLES, ROUTE_VARIABLES, model_route

# The variables a decision depends on. The first three say which installation answers (where
# policy, keys and the audit trail live); a service only answers requests that agree with it.
# Of the credentials only their presence travels to the service (the hook sends "1").
IDENTITY_VARIABLES = ("HOME", "CLAUDE_GUARD_HOME", "CLAUDE_GUARD_MANAGED_POLICY")
CONTEXT_VARIABLES = (
    *IDENTITY_VARIABLES,
    "CLAUDE_PROJECT_DIR",
    *ROUTE_VARIABLES,
    *CREDENTIAL_VARIABLES,
)


@dataclass(frozen=True, slots=True)
class Environment:
    user_home: str
    guard_home: GuardHome
    managed_policy: Path
    declared_project: str | None  # $CLAUDE_PROJECT_DIR, which Claude Code sets for hooks
    route: str  # where the client sends the conversation (route.py)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, layout: ManagedLayout | None = None
    ) -> Environment:
        environ: Mapping[str, str] = os.environ if env is None else env
        layout = layout or ManagedLayout.system()
        if layout.installed():
            # The organisation owns this machine's guard: nothing the developer's account or a
            # repository's settings `env` controls (CLAUDE_GUARD_*, $HOME) may move the home
            # whose rules protect `~/`, the guard home, or the policy.
            user_home = account_home()
            guard_home = GuardHome.from_env({}, user_home)
        else:
            # $HOME first, like the shell and like os.path.expanduser.
            user_home = environ.get("HOME") or os.path.expanduser("~")
            guard_home = GuardHome.from_env(environ, user_home)
        return cls(
            user_home=user_home,
            guard_home=guard_home,
            managed_policy=managed_policy_path(environ, layout),
            declared_project=environ.get("CLAUDE_PROJECT_DIR"),
            route=model_route(environ),
        )

    def for_call(self, cwd: str) -> CallContext:
        root = find_project_root(cwd, self.declared_project)
        return CallContext(self, cwd, root)


def account_home(uid: int | None = None) -> str:
    """The home directory the password database gives this process's user."""
    return pwd.getpwuid(os.getuid() if uid is None else uid).pw_dir


@dataclass(frozen=True, slots=True)
class CallContext:
    environment: Environment
    cwd: str
    project_root: str

    @property
    def user_home(self) -> str:
        return self.environment.user_home

    @property
    def guard_home(self) -> GuardHome:
        return self.environment.guard_home

    @property
    def route(self) -> str:
        return self.environment.route

    def policy_sources(self) -> list[LayerSource]:
        return layer_sources(
            self.project_root, self.environment.managed_policy, self.environment.guard_home
        )
