"""The guard home (`home`): the installation key is private to its owner."""

from __future__ import annotations

import os

from tests.conftest import GuardEnv


def test_hook_is_readable_only_by_owner_in_guard_home(guard: GuardEnv, run) -> None:
    run(guard.tool("Read", file_path=str(guard.project / "src" / "app.py")))
    key = guard.guard_home / "keys" / "installation.key"
    assert oct(os.stat(key).st_mode & 0o777) == "0o600"
