#!/usr/bin/env python3
"""claude-guard's hook entry: Claude Code runs this for every tool call, prompt and session event.

Standard library only, and fail closed. Claude Code lets a call through when a hook exits 1,
crashes, hangs past its timeout or prints invalid JSON, so this script makes sure none of that
can happen: stdin is read with a size and a time bound, a watchdog denies when the deadline
passes, and any error becomes exit 2 with a reason on stderr.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import threading
import time

EXIT_BLOCK = 2
DEFAULT_DEADLINE_SECONDS = 10.0
DEFAULT_MAX_EVENT_BYTES = 64 * 1024 * 1024  # hard ceiling; the policy sets the real limit
_answered = threading.Lock()
_child = {"pid": 0, "timed_out": False}  # the evaluating child, killed at the deadline
# If even answering for a dead child hangs, a plain deny this long after the deadline.
LAST_RESORT_SECONDS = 5.0


def deny(reason: str) -> None:
    """Write the reason and exit 2, once, from whichever thread gets here first."""
    if not _answered.acquire(blocking=False):
        return
    try:
        if _child["pid"]:
            # It holds no pipe of Claude Code's, but must not outlive the answer either.
            os.kill(_child["pid"], signal.SIGKILL)
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


def start_watchdog(seconds: float, deadline: float) -> None:
    """At the deadline, kill the evaluating child. The main thread then answers as for any dead
    child: a deny, or, after a tool ran, its output withheld (a plain deny there would only add
    feedback and let the output through), with an audit record either way."""

    def fire() -> None:
        _child["timed_out"] = True
        last_resort = threading.Timer(
            LAST_RESORT_SECONDS, deny, args=(f"no decision within {deadline:g}s; denied",)
        )
        last_resort.daemon = True
        last_resort.start()
        if _child["pid"]:
            os.kill(_child["pid"], signal.SIGKILL)

    timer = threading.Timer(seconds, fire)
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


def evaluate(raw: bytes) -> bytes:
    """Run the decision in a forked child and return its answer (JSON), or b"" if it died.

    A native crash (a C extension's segfault, the OOM killer) would otherwise end this very
    process with a signal, which Claude Code treats as "let the call through". Isolated in a
    child, it becomes a deny here instead. Forking costs about a millisecond.
    """
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        _evaluate_in_child(raw, writer)
    _child["pid"] = pid
    os.close(writer)
    chunks = []
    while chunk := os.read(reader, 1 << 16):
        chunks.append(chunk)
    os.close(reader)
    _, status = os.waitpid(pid, 0)
    _child["pid"] = 0
    return b"".join(chunks) if status == 0 else b""


def _evaluate_in_child(raw: bytes, writer: int) -> None:
    try:
        # Claude Code waits for EOF on the hook's stdout: the child must not hold it.
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        try:
            from claude_guard.hookmain import run_hook
        except Exception as exc:
            reason = f"claude-guard is not installed correctly ({type(exc).__name__}); denied"
            result = [EXIT_BLOCK, "", f"claude-guard: {reason}\n"]
        else:
            answered = run_hook(raw)
            result = [answered.exit_code, answered.stdout, answered.stderr]
        data = json.dumps(result).encode()
        while data:
            data = data[os.write(writer, data) :]
    finally:
        os._exit(0)


def answer_for_dead_child(raw: bytes, deadline: float) -> None:
    """The child died without answering: deny, or withhold a tool's output after it ran."""
    if _child["timed_out"]:
        reason = f"no decision within {deadline:g}s; denied"
    else:
        reason = "the decision process died unexpectedly; denied"
    try:
        from claude_guard.failclosed import fail_answer

        result = fail_answer(raw, reason)
    except BaseException:
        deny(reason)
        return
    answer(result.exit_code, result.stdout, result.stderr)


def main() -> None:
    deadline_seconds = env_number("CLAUDE_GUARD_DEADLINE_SECONDS", DEFAULT_DEADLINE_SECONDS)
    started = time.monotonic()
    limit = int(env_number("CLAUDE_GUARD_MAX_EVENT_BYTES", DEFAULT_MAX_EVENT_BYTES))
    # Reading gets most of the deadline, so a stuck stdin is reported as such, not as a timeout.
    raw = read_event(limit, started + deadline_seconds * 0.8)
    # Started after reading (the read has its own bound) and before the fork's child can hang.
    start_watchdog(max(0.1, deadline_seconds - (time.monotonic() - started)), deadline_seconds)
    reply = evaluate(raw)
    try:
        code, stdout, stderr = json.loads(reply)
    except (ValueError, TypeError):
        answer_for_dead_child(raw, deadline_seconds)
        return
    answer(code, stdout, stderr)


if __name__ == "__main__":
    try:
        main()
    except BaseException as exc:
        deny(f"internal error in the hook ({type(exc).__name__}); denied")
