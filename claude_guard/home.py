"""claude-guard's home, and where each thing in it lives: one value instead of paths spelled
wherever they are needed.

The entry (hook, service, CLI) builds it once from the environment and hands it down; nothing
below the entry works out a home of its own. The installation key lives here too: it keys the
fingerprints of findings and the audit chain, and it is never logged or shown.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

KEY_BYTES = 32
HOME_VARIABLE = "CLAUDE_GUARD_HOME"
SOCKET_NAME = "service.sock"
# sun_path holds 108 bytes on Linux and 104 on macOS, terminator included.
MAX_SOCKET_PATH = 100


class KeyFileError(Exception):
    """The installation key exists but cannot be used."""


@dataclass(frozen=True, slots=True)
class GuardHome:
    """`~/.claude-guard`, or wherever `CLAUDE_GUARD_HOME` puts it."""

    root: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str], user_home: str) -> GuardHome:
        configured = env.get(HOME_VARIABLE)
        return cls(Path(configured) if configured else Path(user_home) / ".claude-guard")

    @property
    def keys_dir(self) -> Path:
        return self.root / "keys"

    @property
    def key_path(self) -> Path:
        return self.keys_dir / "installation.key"

    @property
    def audit_dir(self) -> Path:
        return self.root / "audit"

    @property
    def spool_dir(self) -> Path:
        """Last-resort records the hook script could not write to the trail (record/spool.py)."""
        return self.root / "spool"

    @property
    def sessions_dir(self) -> Path:
        return self.root / "sessions"

    @property
    def run_dir(self) -> Path:
        """The service's socket, lock, log and claims."""
        return runtime_dir(self.root)

    @property
    def hooks_dir(self) -> Path:
        return self.root / "hooks"

    @property
    def policies_dir(self) -> Path:
        return self.root / "policies"

    @property
    def default_policy(self) -> Path:
        """The shipped default, put here by install.sh (replaced on every install)."""
        return self.policies_dir / "default.yaml"

    @property
    def user_policy(self) -> Path:
        return self.root / "policy.yaml"

    def load_key(self) -> bytes:
        """The installation key, created on first use (0600)."""
        return load_or_create_key(self.key_path)

    def existing_key(self) -> bytes | None:
        """The key if there is one; a dry run must not create it."""
        try:
            key = self.key_path.read_bytes()
        except OSError:
            return None
        return key if len(key) >= KEY_BYTES else None

    def fingerprint_key(self) -> bytes:
        return derive_key(self.load_key(), "fingerprint")


def load_or_create_key(path: Path) -> bytes:
    """The installation's secret key: created once (0600), never logged, never shown."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another hook process created it first
            return load_or_create_key(path)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
        key = path.read_bytes()
    if len(key) < KEY_BYTES:
        raise KeyFileError(f"installation key {path} is truncated")
    return key


def derive_key(master: bytes, purpose: str) -> bytes:
    """One key per purpose (fingerprints, the audit chain), so that one use cannot stand in
    for another."""
    return hmac.new(master, purpose.encode(), hashlib.sha256).digest()


def runtime_dir(guard_home: Path) -> Path:
    """`<guard home>/run`, or a per-user directory in /tmp when that path is too long to bind.
    The hook script carries its own copy of this rule (it cannot import the package)."""
    preferred = guard_home / "run"
    if len(os.fsencode(preferred / SOCKET_NAME)) <= MAX_SOCKET_PATH:
        return preferred
    digest = hashlib.sha256(os.fsencode(guard_home)).hexdigest()[:16]
    # A fixed, predictable name is safe here: ensure_private_dir refuses one that another user
    # created first, and the hook client then decides in-process.
    return Path(f"/tmp/claude-guard-{os.getuid()}-{digest}")  # noqa: S108
