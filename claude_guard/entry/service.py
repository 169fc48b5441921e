"""The warm scanner service: one per user and guard home, deciding for hook clients over a
Unix socket so that no tool call pays for imports, policy parsing or building detectors.

Trust: the socket sits in a 0700 directory of the user's and is itself 0600, and every
connection's peer credentials are checked (same user or nothing). Requests are size-bounded
and validated; a malformed one is dropped without a decision.

Exactly one audit record per decision: the client names each request, and whoever is about to
record it (this service, or a client that gave up waiting and decides in-process) first
creates `claims/<request id>` with O_EXCL. Only the creator records and answers.

The service is disposable: a client that cannot reach it, or gets no sane answer, decides
in-process. It exits when idle, when its socket is taken away, and when a decision hangs.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import fcntl
import json
import os
import re
import socket
import struct
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from claude_guard.answer.answer import HookAnswer
from claude_guard.context import CONTEXT_VARIABLES, IDENTITY_VARIABLES, Environment
from claude_guard.entry import wire as runtime
from claude_guard.entry.hook import internal_error, run_hook
from claude_guard.entry.posture import session_posture
from claude_guard.entry.warm import WarmState
from claude_guard.managed import ManagedLayout
from claude_guard.policy.loader import PolicyError, layer_sources
from claude_guard.policy.merge import EffectivePolicy
from claude_guard.policy.schema import BUILTIN_HEARTBEAT_MINUTES
from claude_guard.record.audit_log import AuditError, open_audit_log
from claude_guard.record.record import ClaimedElsewhere, Decider, heartbeat_record, write_record
from claude_guard.record.spool import import_spool
from claude_guard.route import PROVIDER_FLAG_PREFIX

# What a request may carry from the client's environment. The identity variables pick the
# service (they decide where policy, keys and the audit log live) and must equal its own.
IDENTITY_ENV = IDENTITY_VARIABLES
REQUEST_ENV = CONTEXT_VARIABLES
_REQUEST_ID = re.compile(r"[0-9a-f]{32}")
READ_TIMEOUT_SECONDS = 5.0  # a client that connects and goes quiet is dropped
# A decision this slow means the process is stuck: it exits (clients have long since decided
# in-process) and the next call starts a fresh one.
HUNG_DECISION_SECONDS = float(os.environ.get("CLAUDE_GUARD_SERVICE_HUNG_SECONDS", "30"))
CLAIM_MAX_AGE_SECONDS = 600.0
LOCK_WAIT_SECONDS = 3.0
DEFAULT_IDLE_SECONDS = 900.0
# Last-resort records spooled by hooks join the trail this soon even if no decision follows.
SPOOL_IMPORT_SECONDS = 10.0


class BadRequest(Exception):
    pass


class Service:
    def __init__(
        self,
        home: Path,
        idle_seconds: float,
        env: Mapping[str, str] | None = None,
        heartbeat_seconds: float | None = None,
        layout: ManagedLayout | None = None,
    ) -> None:
        self.home = home
        self.env = dict(os.environ if env is None else env)
        self.idle_seconds = idle_seconds
        self.run_dir = runtime.runtime_dir(home)
        self.socket_path = self.run_dir / runtime.SOCKET_NAME
        self.claims = self.run_dir / "claims"
        self.warm = WarmState()
        self.started = time.monotonic()
        self.decisions = 0
        self._last_activity = time.monotonic()
        self._decide = threading.Lock()  # tree-sitter parsers are not shared between threads
        self._deciding_since: float | None = None
        self._stopping = threading.Event()
        self._socket_ino = 0
        self._server: socket.socket | None = None
        # None: the policy's audit.heartbeat_minutes, read whenever one is due.
        self.heartbeat_seconds = heartbeat_seconds
        self.layout = layout or ManagedLayout.system()
        self._next_heartbeat = float("inf")  # set when the service starts listening

    # ------------------------------------------------------------------------- lifecycle

    def serve(self) -> int:
        runtime.ensure_private_dir(self.run_dir)
        runtime.ensure_private_dir(self.claims)
        lock = os.open(self.run_dir / "service.lock", os.O_RDWR | os.O_CREAT, 0o600)
        if not self._take_lock(lock):
            os.close(lock)
            return 0  # another instance runs or is starting: clients will reach that one
        self.warm_up()
        self._import_spool()
        server = self._bind()
        # The first one interval after the start: a service that lives shorter says nothing.
        self._next_heartbeat = time.monotonic() + self.heartbeat_interval(self._policy()[0])
        self.log(f"started pid={os.getpid()} idle={self.idle_seconds:g}s")
        try:
            self._accept_loop(server)
        finally:
            self._unbind(server)
            os.close(lock)
        return 0

    def _take_lock(self, lock: int) -> bool:
        """The lock, unless another instance is serving. One that is on its way out (stopped,
        idle) still holds the lock for a moment after its socket is gone: wait for it."""
        end = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if self.socket_path.exists() or time.monotonic() > end:
                    return False
                time.sleep(0.02)

    def warm_up(self) -> None:
        """Pay for imports, policy parsing, detectors and the shell parser now, not on the
        first call. The warm-up events are decided in full but never claimed, so they leave
        no audit record; the closing SessionEnd removes any session state they made."""
        for event in _WARM_UP_EVENTS:
            try:
                run_hook(event, self.env, self.warm, claim=lambda: False)
            except ClaimedElsewhere:
                continue
            except Exception as exc:  # the first real call will report a broken policy
                self.log(f"warm-up failed: {internal_error(exc)}")
                return

    def _bind(self) -> socket.socket:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)  # stale: a live service would hold the lock
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)  # born 0600: no window in which others could connect
        try:
            server.bind(str(self.socket_path))
        finally:
            os.umask(old_umask)
        server.listen(128)
        server.settimeout(1.0)
        self._server = server
        self._socket_ino = os.stat(self.socket_path).st_ino
        return server

    def _unbind(self, server: socket.socket) -> None:
        server.close()
        try:
            if os.stat(self.socket_path).st_ino == self._socket_ino:
                os.unlink(self.socket_path)
        except FileNotFoundError:
            pass

    def _accept_loop(self, server: socket.socket) -> None:
        last_sweep = last_import = 0.0
        while not self._stopping.is_set():
            # Checked on every turn, not only when idle: clients keep arriving while a decision
            # hangs (each then decides in-process), and this service must still make way.
            self._exit_if_hung()
            self._heartbeat_if_due()
            try:
                conn, _ = server.accept()
            except TimeoutError:
                reason = self._reason_to_exit()
                if reason:
                    self.log(f"exiting: {reason}")
                    return
                if time.monotonic() - last_import > SPOOL_IMPORT_SECONDS:
                    self._import_spool()
                    last_import = time.monotonic()
                if time.monotonic() - last_sweep > 60:
                    self._sweep_claims()
                    last_sweep = time.monotonic()
                continue
            except OSError:  # shut down by a stop request
                if self._stopping.is_set():
                    return
                raise
            if self._stopping.is_set():
                conn.close()  # the client decides in-process
                return
            self._last_activity = time.monotonic()
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _exit_if_hung(self) -> None:
        deciding = self._deciding_since
        if deciding is not None and time.monotonic() - deciding > HUNG_DECISION_SECONDS:
            self.log(f"a decision has run for over {HUNG_DECISION_SECONDS:g}s; exiting")
            os._exit(70)

    def _heartbeat_if_due(self) -> None:
        now = time.monotonic()
        if now < self._next_heartbeat:
            return
        interval = self.heartbeat()
        self._next_heartbeat = now + interval

    def heartbeat(self) -> float:
        """Write one heartbeat record; the seconds until the next is due. Posture here is what
        does not depend on a client (entry/posture.py); a policy that cannot be loaded is
        itself posture, and the heartbeat is still written."""
        policy, posture = self._policy()
        posture = [*(p.check for p in session_posture(self.layout)), *posture]
        record = heartbeat_record(policy, posture, Decider("service"))
        try:
            write_record(Environment.from_env(self.env).guard_home, record, time.monotonic())
        except AuditError as exc:
            self.log(f"heartbeat not recorded: {exc}")
        return self.heartbeat_interval(policy)

    def heartbeat_interval(self, policy: EffectivePolicy | None) -> float:
        if self.heartbeat_seconds is not None:
            return self.heartbeat_seconds
        minutes = policy.heartbeat_minutes if policy else BUILTIN_HEARTBEAT_MINUTES
        return minutes * 60.0

    def _policy(self) -> tuple[EffectivePolicy | None, list[str]]:
        """The policy outside any project (the org's, the default, the user's), or None and
        the posture check it fails."""
        environment = Environment.from_env(self.env)
        sources = layer_sources(None, environment.managed_policy, environment.guard_home)
        try:
            return self.warm.policy(sources), []
        except PolicyError:
            return None, ["policy"]

    def _reason_to_exit(self) -> str | None:
        deciding = self._deciding_since
        idle = time.monotonic() - self._last_activity
        if self.idle_seconds > 0 and deciding is None and idle > self.idle_seconds:
            return f"idle for {self.idle_seconds:g}s"
        try:
            if os.stat(self.socket_path).st_ino != self._socket_ino:
                return "socket replaced"
        except FileNotFoundError:
            return "socket removed"
        return None

    def _sweep_claims(self) -> None:
        cutoff = time.time() - CLAIM_MAX_AGE_SECONDS
        try:
            for entry in os.scandir(self.claims):
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
        except OSError:
            pass

    def _import_spool(self) -> None:
        """Bring the hooks' spooled last-resort records into the trail (record/spool.py)."""
        home = Environment.from_env(self.env).guard_home
        # Not while a decision runs (it imports the spool itself before its record), and never
        # waiting for one: a stuck decision must not stop the accept loop from noticing it.
        if not self._decide.acquire(blocking=False):
            return
        try:
            done = import_spool(home.spool_dir, open_audit_log(home))
        except (AuditError, OSError) as exc:
            self.log(f"spool import failed: {type(exc).__name__}")
            return
        finally:
            self._decide.release()
        if done.imported or done.bad:
            self.log(f"spool: {done.imported} imported, {done.bad} unreadable set aside")

    def log(self, message: str) -> None:
        """Lifecycle lines only: never an event, a path from one, or an exception message."""
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {message}\n"
        try:
            with open(self.run_dir / "service.log", "a", encoding="utf-8") as handle:
                handle.write(line)
        except OSError:
            pass

    # ------------------------------------------------------------------------- requests

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                pid, uid = peer_credentials(conn)
                if uid != os.getuid():
                    return  # not ours to answer: no decision, no state, nothing
                conn.settimeout(READ_TIMEOUT_SECONDS)
                meta, raw = read_request(conn)
                reply = self._respond(meta, raw, pid)
            except (BadRequest, OSError, ValueError) as exc:
                self.log(f"dropped a request: {type(exc).__name__}")
                return
            except ClaimedElsewhere:
                return  # the client gave up on us and decides (and records) itself
            try:
                conn.sendall(reply)
            except OSError:
                pass
            finally:
                self._last_activity = time.monotonic()

    def _respond(self, meta: dict[str, str], raw: bytes, hook_pid: int) -> bytes:
        op = meta.get("op", "decide")
        if op == "status":
            return encode_response(runtime.ANSWERED, HookAnswer(0, json.dumps(self.status())))
        if op == "stop":
            self._stop()
            return encode_response(runtime.ANSWERED, HookAnswer(0, "stopping"))
        if op != "decide":
            raise BadRequest("unknown op")
        request_id = meta.get("request_id", "")
        if not _REQUEST_ID.fullmatch(request_id):
            raise BadRequest("bad request id")
        env = {
            k: v for k, v in meta.items() if k in REQUEST_ENV or k.startswith(PROVIDER_FLAG_PREFIX)
        }
        if any(env.get(k) != self.env.get(k) for k in IDENTITY_ENV):
            # Another home or policy location: this service's caches and keys are not theirs.
            return encode_response(runtime.REFUSED, HookAnswer(2))
        with self._decide:
            self._deciding_since = time.monotonic()
            try:
                answer = run_hook(
                    raw,
                    env,
                    self.warm,
                    claim=lambda: self._claim(request_id),
                    hook_pid=hook_pid or None,
                    decision_id=request_id,
                    event_kind=event_kind_of(meta),
                )
            finally:
                self._deciding_since = None
            self.decisions += 1
        return encode_response(runtime.ANSWERED, answer)

    def _stop(self) -> None:
        """Take the socket away now, so that the next hook call starts a new service instead
        of reaching this one on its way out, and wake the accept loop."""
        self._stopping.set()
        with contextlib.suppress(FileNotFoundError):
            if os.stat(self.socket_path).st_ino == self._socket_ino:
                os.unlink(self.socket_path)
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)

    def _claim(self, request_id: str) -> bool:
        try:
            os.close(os.open(self.claims / request_id, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            return False
        return True

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "uptime_seconds": round(time.monotonic() - self.started, 1),
            "decisions": self.decisions,
            "scan_cache": self.warm.cache_stats(),
            "max_rss_kb": _max_rss_kb(),
        }


# ----------------------------------------------------------------------------- wire format


def read_request(conn: socket.socket) -> tuple[dict[str, str], bytes]:
    if read_exact(conn, len(runtime.REQUEST_MAGIC)) != runtime.REQUEST_MAGIC:
        raise BadRequest("not a claude-guard request")
    meta_size = int.from_bytes(read_exact(conn, 4), "big")
    if meta_size > runtime.MAX_META_BYTES:
        raise BadRequest("meta too large")
    meta = runtime.decode_meta(read_exact(conn, meta_size))
    event_size = int.from_bytes(read_exact(conn, 8), "big")
    if event_size > runtime.MAX_EVENT_BYTES:
        raise BadRequest("event too large")
    return meta, read_exact(conn, event_size)


def read_exact(conn: socket.socket, size: int) -> bytes:
    """Exactly `size` bytes from `conn`; BadRequest if it ends first."""
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = conn.recv(min(remaining, 1 << 20))
        if not chunk:
            raise BadRequest("ended early")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def encode_response(status: bytes, answer: HookAnswer) -> bytes:
    stdout = answer.stdout.encode("utf-8")
    stderr = answer.stderr.encode("utf-8", "replace")
    return b"".join(
        (
            runtime.RESPONSE_MAGIC,
            status,
            bytes([answer.exit_code]),
            len(stdout).to_bytes(4, "big"),
            stdout,
            len(stderr).to_bytes(4, "big"),
            stderr,
        )
    )


def peer_credentials(conn: socket.socket) -> tuple[int, int]:
    """The connecting process's pid (0 where unknown) and user, from the kernel: the peer
    cannot forge them."""
    if hasattr(socket, "SO_PEERCRED"):  # Linux: struct ucred {pid, uid, gid}
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        pid, uid, _ = struct.unpack("3i", creds)
        return int(pid), int(uid)
    if hasattr(socket, "LOCAL_PEERCRED"):  # macOS: struct xucred {version, uid, ...}
        creds = conn.getsockopt(0, socket.LOCAL_PEERCRED, struct.calcsize("2I"))
        return 0, int(struct.unpack("2I", creds[:8])[1])
    raise OSError(errno.ENOTSUP, "peer credentials are not available on this platform")


def event_kind_of(meta: Mapping[str, str]) -> str | None:
    """The event kind the hook's registration names, if the client sent a plausible one."""
    kind = meta.get("event_kind", "")
    return kind if kind.isalnum() and len(kind) <= 64 else None


def _max_rss_kb() -> int:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage // 1024 if sys.platform == "darwin" else usage  # bytes there, KiB here


_WARM_UP_SESSION = {"session_id": "claude-guard-service-warm-up", "cwd": "/"}
_WARM_UP_EVENTS = [
    json.dumps({**_WARM_UP_SESSION, **event}).encode()
    for event in (
        {"hook_event_name": "UserPromptSubmit", "prompt": "warm up: summarise README.md"},
        {
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "git diff --stat | head -5 && cat README.md"},
            "tool_use_id": "warm-up",
        },
        {"hook_event_name": "SessionEnd", "reason": "other"},
    )
]


def control(home: Path, op: str, timeout: float = 5.0) -> str | None:
    """Send `op` ("status" or "stop") to the service of `home`; None if none is running."""
    path = runtime.runtime_dir(home) / runtime.SOCKET_NAME
    request = runtime.encode_request({"op": op})
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(request)
            head = read_exact(sock, len(runtime.RESPONSE_MAGIC) + 2)
            if head[: len(runtime.RESPONSE_MAGIC)] != runtime.RESPONSE_MAGIC:
                return None
            stdout = read_exact(sock, int.from_bytes(read_exact(sock, 4), "big"))
    except (OSError, BadRequest):
        return None
    return stdout.decode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m claude_guard.entry.service")
    parser.add_argument(
        "--idle", type=float, default=None, help="exit after this many idle seconds (0: never)"
    )
    parser.add_argument(
        "--heartbeat",
        type=float,
        default=None,
        help="seconds between heartbeat records (default: the policy's audit.heartbeat_minutes)",
    )
    args = parser.parse_args(argv)
    idle = args.idle
    if idle is None:
        idle = float(os.environ.get("CLAUDE_GUARD_SERVICE_IDLE_SECONDS", DEFAULT_IDLE_SECONDS))
    # Started by a hook, it could inherit a descriptor the client leaked into the hook without
    # close-on-exec: a pipe end held here would keep the client waiting for EOF until we exit.
    os.closerange(3, 1024)
    os.chdir("/")  # hold no directory of the user's busy; every path in an event is absolute
    home = Environment.from_env().guard_home.root
    return Service(home, idle, heartbeat_seconds=args.heartbeat).serve()


if __name__ == "__main__":
    raise SystemExit(main())
