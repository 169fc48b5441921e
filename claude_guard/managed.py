"""Where a managed (org-wide, root-owned) installation keeps each thing.

A managed install (`sudo ./install.sh --managed`) puts the code, the org policy, the keys, the
audit trail and the Claude Code registration where only root can change them. Its marker file
(`/etc/claude-guard/managed.json`, written last by the install) is what tells every entry that
the organisation owns this machine's guard: then nothing a developer's account controls (the
`CLAUDE_GUARD_*` variables, `$HOME`) can move the policy, the keys or the trail.

The paths hang off one root so tests can lay a managed tree out in a temporary directory;
production code uses `ManagedLayout.system()` and never takes the root from the environment.
The hook script (stdlib only) carries its own copy of the few paths it needs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DROP_IN_NAME = "50-claude-guard.json"
SYSTEM_SOCKET_NAME = "system.sock"


@dataclass(frozen=True, slots=True)
class ManagedLayout:
    root: Path = Path("/")

    @classmethod
    def system(cls) -> ManagedLayout:
        return cls(Path("/"))

    # -------------------------------------------------------------- code (root-owned, 0755)
    @property
    def prefix(self) -> Path:
        return self.root / "opt" / "claude-guard"

    @property
    def venv(self) -> Path:
        return self.prefix / "venv"

    @property
    def python(self) -> Path:
        """The isolated interpreter every managed hook command names (never a bare `python3`:
        a hook inherits the launching user's PATH)."""
        return self.venv / "bin" / "python3"

    @property
    def hook_script(self) -> Path:
        return self.prefix / "hooks" / "claude_guard_hook.py"

    @property
    def launcher(self) -> Path:
        """`claude-guard` on every user's PATH."""
        return self.root / "usr" / "local" / "bin" / "claude-guard"

    # -------------------------------------------------------------- configuration (root, 0755)
    @property
    def etc(self) -> Path:
        return self.root / "etc" / "claude-guard"

    @property
    def marker(self) -> Path:
        """Present once a managed install completed: `{"version", "prefix", "python"}`."""
        return self.etc / "managed.json"

    @property
    def org_policy(self) -> Path:
        return self.etc / "policy.yaml"

    @property
    def keys_dir(self) -> Path:
        """0700 root: nothing running as a developer reads it."""
        return self.etc / "keys"

    @property
    def audit_key(self) -> Path:
        """0600 root: chains and signs the system audit trail."""
        return self.keys_dir / "audit.key"

    @property
    def fingerprint_key(self) -> Path:
        """0600 root: keys the fingerprints of findings. The system service hands it to the
        child deciding for a user only after that child dropped to the user (and so became
        undumpable), never to the user's own processes."""
        return self.keys_dir / "fingerprint.key"

    # -------------------------------------------------------------- Claude Code's managed settings
    @property
    def managed_settings_dir(self) -> Path:
        return self.root / "etc" / "claude-code" / "managed-settings.d"

    @property
    def drop_in(self) -> Path:
        return self.managed_settings_dir / DROP_IN_NAME

    # -------------------------------------------------------------- the system service
    @property
    def run_dir(self) -> Path:
        """0755 root: only root can bind a socket here, so a client that finds one knows who
        listens (it also checks the peer's credentials)."""
        return self.root / "run" / "claude-guard"

    @property
    def system_socket(self) -> Path:
        return self.run_dir / SYSTEM_SOCKET_NAME

    @property
    def audit_dir(self) -> Path:
        """Root-owned: the trail developers cannot delete or alter."""
        return self.root / "var" / "log" / "claude-guard"

    @property
    def spool_dir(self) -> Path:
        """1733 root (like /tmp, without listing): a hook that decided without the system
        service leaves its record here; the service signs it into the trail and removes it."""
        return self.root / "var" / "spool" / "claude-guard"

    @property
    def state_dir(self) -> Path:
        return self.root / "var" / "lib" / "claude-guard"

    @property
    def systemd_unit(self) -> Path:
        return self.root / "etc" / "systemd" / "system" / "claude-guard.service"

    # -------------------------------------------------------------- state
    def installed(self) -> bool:
        return self.marker.is_file()

    def read_marker(self) -> dict[str, Any]:
        """The marker's contents; {} when absent or unreadable (a torn marker is not trusted to
        say anything, but its presence still means managed)."""
        try:
            data = json.loads(self.marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


def is_managed(layout: ManagedLayout | None = None) -> bool:
    return (layout or ManagedLayout.system()).installed()
