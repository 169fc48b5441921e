"""What SessionStart's posture check and the client-version probe cost, side by side with
SessionStart without them.

    python benchmarks/bench_session_start.py [--calls 300]

In-process, with the warm service's state (the path a real SessionStart takes), on a healthy
managed layout laid out under a temporary root (`ManagedLayout(root)`), against the same call
on a machine without a managed install (the posture check then stops at one stat).

  posture       entry/posture.session_posture alone: managed layout / no managed install
  probe         entry/client_version.client_version: from a grandchild of a stand-in client
                binary (the real /proc walk, package.json cached) / from a process with no
                client above it (the whole walk, nothing found)
  SessionStart  run_hook(SessionStart) warm: with the managed layout / without
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from claude_guard.entry.client_version import client_version  # noqa: E402
from claude_guard.entry.hook import run_hook  # noqa: E402
from claude_guard.entry.posture import session_posture  # noqa: E402
from claude_guard.entry.warm import WarmState  # noqa: E402
from claude_guard.managed import ManagedLayout  # noqa: E402
from tests.unit.entry.managed_tree import build_managed_tree  # noqa: E402


def timed(calls: int, action: Callable[[], object]) -> tuple[float, float]:
    """Median and p95 in microseconds."""
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def stand_in_client(folder: Path) -> subprocess.Popen[bytes]:
    package = folder / "node_modules" / "@anthropic-ai" / "claude-code"
    (package / "bin").mkdir(parents=True)
    (package / "package.json").write_text(
        '{"name": "@anthropic-ai/claude-code", "version": "2.1.332"}'
    )
    shutil.copy("/bin/sh", package / "bin" / "claude.exe")
    return subprocess.Popen([str(package / "bin" / "claude.exe"), "-c", "sleep 600; true"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    calls = parser.parse_args().calls
    work = Path(tempfile.mkdtemp(prefix="bench-session-start-"))
    try:
        home = work / "home"
        (home / ".claude-guard" / "policies").mkdir(parents=True)
        shutil.copy(
            REPO / "claude_guard" / "data" / "policies" / "default.yaml",
            home / ".claude-guard" / "policies" / "default.yaml",
        )
        env = {
            **os.environ,
            "HOME": str(home),
            "CLAUDE_GUARD_MANAGED_POLICY": str(home / "none.yaml"),
        }
        env.pop("CLAUDE_GUARD_HOME", None)
        managed = build_managed_tree(work / "root")
        bare = ManagedLayout(work / "no-managed-install")
        client = stand_in_client(work / "client")
        time.sleep(0.2)
        grandchild = int(
            Path(f"/proc/{client.pid}/task/{client.pid}/children").read_text().split()[0]
        )
        event = json.dumps(
            {
                "session_id": "bench",
                "transcript_path": "/tmp/t.jsonl",
                "cwd": str(home),
                "hook_event_name": "SessionStart",
                "source": "startup",
            }
        ).encode()
        warm = WarmState()
        run_hook(event, env, warm, layout=bare)  # warm up imports and the policy
        rows = [
            ("posture, managed layout", timed(calls, lambda: session_posture(managed))),
            ("posture, no managed install", timed(calls, lambda: session_posture(bare))),
            (
                "probe, client found (2 levels up)",
                timed(calls, lambda: client_version(grandchild, None)),
            ),
            ("probe, no client above", timed(calls, lambda: client_version(os.getpid(), None))),
            (
                "SessionStart, managed layout",
                timed(calls, lambda: run_hook(event, env, warm, layout=managed)),
            ),
            (
                "SessionStart, no managed install",
                timed(calls, lambda: run_hook(event, env, warm, layout=bare)),
            ),
        ]
        client.kill()
        print(f"{'':36} {'median µs':>10} {'p95 µs':>10}   ({calls} calls each)")
        for name, (median, p95) in rows:
            print(f"{name:36} {median:10.0f} {p95:10.0f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
