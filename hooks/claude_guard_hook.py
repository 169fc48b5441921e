#!/usr/bin/env python3
"""claude-guard's hook entry: Claude Code runs this for every tool call, prompt and session event.

Standard library only, and fail closed. Claude Code lets a call through when a hook exits 1,
crashes, hangs past its timeout or prints invalid JSON, so this script makes sure none of that
can happen: stdin is read with a size and a time bound, a watchdog denies when the deadline
passes, and any error becomes exit 2 with a reason on stderr.
"""

from __future__ import annotations

import os
import select
import sys
import threading
import time

EXIT_BLOCK = 2
DEFAULT_DEADLINE_SECONDS = 10.0
DEFAULT_MAX_EVENT_BYTES = 64 * 1024 * 1024  # hard ceiling; the policy sets the real limit
_answered = threading.Lock()


def deny(reason: str) -> None:
    """Write the reason and exit 2, once, from whichever thread gets here first."""
    if not _answered.acquire(blocking=False):
        return
    try:
        os.write(2, f"claude-guard: {reason}\n".encode("utf-8", "replace"))
    finally:
        os._exit(EXIT_BLOCK)


def answer(exit_code: int, stdout: str, stderr: str) -> None:
    if not _answered.acquire(blocking=False):
        return
    # Only 0 (allow / JSON answer) and 2 (block) are meaningful; anything else fails open.
    code = exit_code if exit_code in (0, EXIT_BLOCK) else EXIT_BLOCK
    try:
        if stdout:
            os.write(1, stdout.encode("utf-8"))
        if stderr:
            os.write(2, stderr.encode("utf-8", "replace"))
    finally:
        os._exit(code)


def env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def start_watchdog(seconds: float) -> None:
    timer = threading.Timer(seconds, deny, args=(f"no decision within {seconds:g}s; denied",))
    timer.daemon = True
    timer.start()


def read_event(limit: int, deadline: float) -> bytes:
    """Read stdin to EOF, but no more than `limit` bytes and not past `deadline`."""
    chunks: list[bytes] = []
    size = 0
    fd = sys.stdin.fileno()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            deny("timed out reading the event from stdin; denied")
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            deny(f"event larger than {limit} bytes; denied")
        chunks.append(chunk)


def main() -> None:
    deadline_seconds = env_number("CLAUDE_GUARD_DEADLINE_SECONDS", DEFAULT_DEADLINE_SECONDS)
    start_watchdog(deadline_seconds)
    limit = int(env_number("CLAUDE_GUARD_MAX_EVENT_BYTES", DEFAULT_MAX_EVENT_BYTES))
    # Reading gets most of the deadline, so a stuck stdin is reported as such, not as a timeout.
    raw = read_event(limit, time.monotonic() + deadline_seconds * 0.8)
    try:
        from claude_guard.hookmain import run_hook
    except Exception as exc:
        deny(f"claude-guard is not installed correctly ({type(exc).__name__}); denied")
        return
    result = run_hook(raw)
    answer(result.exit_code, result.stdout, result.stderr)


if __name__ == "__main__":
    try:
        main()
    except BaseException as exc:
        deny(f"internal error in the hook ({type(exc).__name__}); denied")
