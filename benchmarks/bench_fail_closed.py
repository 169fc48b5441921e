"""Fail-closed under faults: does every call get an answer, a record, and (after a tool ran) its
output withheld, when the service is stopped, swamped at a cold start, or impersonated?

    python benchmarks/bench_fail_closed.py [--calls 32] [--scenario cold|stopped|impostor|all]

Runs the hook script from this checkout, as Claude Code does (`python -I -S`), in a throwaway
HOME with the shipped default policy. Every call is a PostToolUse for Bash whose output holds an
SSN, with its own tool_use_id, so the trail can be counted per call:

  cold      no service running; N hooks start at once (the first call of a day, 32 agents)
  stopped   the service is SIGSTOPped (alive, socket bound, never answers); N hooks at once
  impostor  a same-user process bound on the service socket answers "allow" to everything
  off       CLAUDE_GUARD_SERVICE=off: every hook decides in-process, N at once

For each: calls answered, outputs let through (exit 2 or exit 0 without updatedToolOutput, or
the SSN in stdout), plain last-resort denies, calls decided by the hook process (in-process or
its last resort: `decided_by: hook`), last-resort records that came through the spool, and
calls without exactly one record (after importing the spool, where the package has it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
HOOK = REPO / "hooks" / "claude_guard_hook.py"
SSN = "536-22-8726"


def make_home(root: Path) -> dict[str, str]:
    home = root / "home"
    guard_home = home / ".claude-guard"
    (guard_home / "policies").mkdir(parents=True)
    shutil.copyfile(REPO / "policies" / "default.yaml", guard_home / "policies" / "default.yaml")
    (home / "proj").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUDE_GUARD_")}
    env.update(
        HOME=str(home),
        CLAUDE_GUARD_MANAGED_POLICY=str(home / "none.yaml"),
        CLAUDE_GUARD_SERVICE_IDLE_SECONDS="30",
    )
    return env


def event(home: str, index: int) -> bytes:
    return json.dumps(
        {
            "session_id": "bench-fail-closed",
            "transcript_path": f"{home}/t.jsonl",
            "cwd": f"{home}/proj",
            "hook_event_name": "PostToolUse",
            "tool_name": "Bash",
            "tool_use_id": f"toolu_{index:04d}",
            "tool_input": {"command": "cat patients.csv"},
            "tool_response": {
                "stdout": f"Patient: Maria Gonzalez SSN {SSN}\n",
                "stderr": "",
                "interrupted": False,
                "isImage": False,
                "noOutputExpected": False,
            },
        }
    ).encode()


def run_calls(env: dict[str, str], calls: int) -> list[subprocess.CompletedProcess[bytes]]:
    results: list[Any] = [None] * calls

    def one(index: int) -> None:
        results[index] = subprocess.run(
            [sys.executable, "-I", "-S", str(HOOK)],
            input=event(env["HOME"], index),
            capture_output=True,
            env=env,
            timeout=60,
        )

    threads = [threading.Thread(target=one, args=(i,)) for i in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def trail(env: dict[str, str]) -> list[dict[str, Any]]:
    guard_home = Path(env["HOME"]) / ".claude-guard"
    subprocess.run(  # the spool, where this version has one, joins the trail first
        [sys.executable, "-I", "-c", IMPORT_SPOOL], env=env, capture_output=True, timeout=60
    )
    lines: list[dict[str, Any]] = []
    for path in sorted((guard_home / "audit").glob("*.jsonl")):
        lines += [json.loads(line) for line in path.read_text().splitlines()]
    return lines


IMPORT_SPOOL = """
try:
    from claude_guard.record.spool import import_spool
except ImportError:
    raise SystemExit(0)
from claude_guard.context import Environment
from claude_guard.record.audit_log import open_audit_log
home = Environment.from_env().guard_home
import_spool(home.spool_dir, open_audit_log(home))
"""


def let_through(result: subprocess.CompletedProcess[bytes]) -> bool:
    if result.returncode != 0 or SSN.encode() in result.stdout:
        return True
    try:
        answer = json.loads(result.stdout)
    except ValueError:
        return True
    return "updatedToolOutput" not in answer.get("hookSpecificOutput", {})


def summary(
    env: dict[str, str], results: list[subprocess.CompletedProcess[bytes]], seconds: float
) -> dict[str, Any]:
    per_call = Counter(r.get("tool_use_id") for r in trail(env) if r.get("tool_use_id"))
    in_process = {r.get("tool_use_id") for r in trail(env) if r.get("decided_by") == "hook"}
    return {
        "calls": len(results),
        "let_through": sum(let_through(r) for r in results),
        "last_resort_plain": sum(
            r.returncode == 2 and b"no decision within" in r.stderr for r in results
        ),
        "decided_by_hook": len(in_process),
        "spooled": sum(1 for r in trail(env) if r.get("spooled")),
        "without_one_record": sum(
            per_call.get(f"toolu_{i:04d}", 0) != 1 for i in range(len(results))
        ),
        "seconds": round(seconds, 2),
    }


def stop(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-I", "-m", "claude_guard.cli.main", "service", "stop"],
        env=env,
        capture_output=True,
        timeout=30,
    )


def warm_service(env: dict[str, str]) -> int:
    """Start the service with one call (not one of the counted ones) and return its pid."""
    subprocess.run(
        [sys.executable, "-I", "-S", str(HOOK)],
        input=event(env["HOME"], 9999),
        capture_output=True,
        env=env,
        timeout=60,
    )
    status = subprocess.run(
        [sys.executable, "-I", "-m", "claude_guard.cli.main", "service", "status"],
        env=env,
        capture_output=True,
        timeout=30,
        text=True,
    ).stdout
    return int(json.loads(status[status.index("{") :])["pid"])


def scenario_cold(env: dict[str, str], calls: int) -> dict[str, Any]:
    started = time.monotonic()
    results = run_calls(env, calls)
    return summary(env, results, time.monotonic() - started)


def scenario_stopped(env: dict[str, str], calls: int) -> dict[str, Any]:
    pid = warm_service(env)
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        results = run_calls(env, calls)
        elapsed = time.monotonic() - started
    finally:
        os.kill(pid, signal.SIGKILL)
    return summary(env, results, elapsed)


def scenario_impostor(env: dict[str, str], calls: int) -> dict[str, Any]:
    from claude_guard.home import runtime_dir

    run_dir = runtime_dir(Path(env["HOME"]) / ".claude-guard")
    run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(run_dir / "service.sock"))
    server.listen(64)
    allow = b"CGRS1\nA\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(1 << 20)
                    conn.sendall(allow)
                except OSError:
                    pass

    threading.Thread(target=serve, daemon=True).start()
    try:
        started = time.monotonic()
        results = run_calls(env, calls)
        return summary(env, results, time.monotonic() - started)
    finally:
        server.close()


def scenario_off(env: dict[str, str], calls: int) -> dict[str, Any]:
    started = time.monotonic()
    results = run_calls({**env, "CLAUDE_GUARD_SERVICE": "off"}, calls)
    return summary(env, results, time.monotonic() - started)


SCENARIOS = {
    "cold": scenario_cold,
    "stopped": scenario_stopped,
    "impostor": scenario_impostor,
    "off": scenario_off,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=32)
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    args = parser.parse_args()
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    for name in names:
        with tempfile.TemporaryDirectory(prefix="cg-bench-") as tmp:
            env = make_home(Path(tmp))
            try:
                figures = SCENARIOS[name](env, args.calls)
            finally:
                stop(env)
            print(json.dumps({"scenario": name, **figures}), flush=True)


if __name__ == "__main__":
    main()
