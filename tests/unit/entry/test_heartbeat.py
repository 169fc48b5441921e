"""The service's heartbeat: a record every interval while it runs, the first one interval after
the start (a short interval injected here, the policy's audit.heartbeat_minutes otherwise),
carrying host, user, policy version and hash and the posture that does not depend on a client;
written even when the policy is broken."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from claude_guard.entry.service import Service, control
from claude_guard.home import GuardHome
from claude_guard.managed import ManagedLayout
from claude_guard.record.audit_log import verify_chain
from tests.conftest import GuardEnv
from tests.unit.entry.managed_tree import build_managed_tree
from tests.unit.entry.service_helpers import wait_for

NO_MANAGED = ManagedLayout(Path("/nonexistent-managed-root"))


def _heartbeats(guard: GuardEnv) -> list[dict[str, object]]:
    return [r for r in guard.audit_lines() if r["event"] == "heartbeat"]


def test_the_running_service_beats_at_the_injected_interval(guard: GuardEnv) -> None:
    service = Service(
        guard.guard_home, 0, dict(os.environ), heartbeat_seconds=0.3, layout=NO_MANAGED
    )
    thread = threading.Thread(target=service.serve, daemon=True)
    thread.start()
    try:
        wait_for(lambda: len(_heartbeats(guard)) >= 3, seconds=60)
    finally:
        wait_for(lambda: control(guard.guard_home, "stop") is not None)
        thread.join(10)
    beat = _heartbeats(guard)[0]
    assert beat["decided_by"] == "service" and beat["host"] and beat["user"]
    assert "@" in str(beat["policy_version"])  # layer@version, whichever layers are active
    assert len(str(beat["policy_hash"])) == 64
    assert beat["heartbeat_minutes"] == 15
    assert "posture" not in beat  # nothing failed
    key = GuardHome(guard.guard_home).load_key()
    assert verify_chain(guard.guard_home / "audit", key).problems == []


def test_the_interval_comes_from_the_policy(guard: GuardEnv) -> None:
    guard.write_policy("user", "audit: {heartbeat_minutes: 5}\n")
    service = Service(guard.guard_home, 0, dict(os.environ), layout=NO_MANAGED)
    assert service.heartbeat() == 300.0
    assert _heartbeats(guard)[-1]["heartbeat_minutes"] == 5


def test_a_broken_managed_install_shows_in_the_heartbeat(guard: GuardEnv, tmp_path: Path) -> None:
    layout = build_managed_tree(tmp_path / "root")
    os.chown(layout.hook_script, 12345, 12345)
    Service(guard.guard_home, 0, dict(os.environ), heartbeat_seconds=1, layout=layout).heartbeat()
    assert _heartbeats(guard)[-1]["posture"] == ["code-ownership"]


def test_a_broken_policy_still_beats(guard: GuardEnv) -> None:
    guard.write_policy("user", "mode: [not, a, mode]\n")
    Service(
        guard.guard_home, 0, dict(os.environ), heartbeat_seconds=1, layout=NO_MANAGED
    ).heartbeat()
    beat = _heartbeats(guard)[-1]
    assert beat["posture"] == ["policy"] and "policy_hash" not in beat
