"""The system service of a managed install: root-owned, one per machine, deciding for every user.

Why root: whatever runs as the developer, the agent can be talked into stopping, replacing or
impersonating. This service holds what a developer's account must not reach (the audit key,
the fingerprint key, the trail under /var/log/claude-guard) and is the only thing that can bind
its socket (`/run/claude-guard` is root's), so a hook client that finds the socket there with a
root peer knows who answers.

    root process (single-threaded select loop; forks only from here)
      accept ─▶ peer uid from the kernel ─▶ that user's worker (forked on first use)
                                             gets the connection over SCM_RIGHTS
      worker records ─▶ stamped with the worker's user, chained and signed (root key) ─▶ ack

    worker (one per user, forked warm from root, then drops to the user for good)
      reads the request, decides as the user (their files, their session state) with the
      fingerprint key it inherited, sends the record to root, and answers only once root has
      written it (or denies / withholds when it could not be written)

Deciding as the user means the service reads nothing the user could not read: a request cannot
make it judge root's files. A worker that dropped from root is undumpable, so its user cannot
read the key it holds; they can only kill it, and the next call gets a new one. Workers are
forked once per user and stay warm, so a call costs what it costs the per-user service.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import re
import selectors
import signal
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_guard.answer.answer import HookAnswer
from claude_guard.context import Environment
from claude_guard.entry import wire
from claude_guard.entry.hook import internal_error, run_hook
from claude_guard.entry.posture import session_posture
from claude_guard.entry.service import (
    BadRequest,
    encode_response,
    event_kind_of,
    peer_credentials,
    read_exact,
    read_request,
)
from claude_guard.entry.warm import WarmState
from claude_guard.home import GuardHome, KeyFileError, derive_key, load_or_create_key
from claude_guard.managed import ManagedLayout
from claude_guard.policy.loader import LayerSource, PolicyError
from claude_guard.policy.merge import EffectivePolicy
from claude_guard.policy.schema import BUILTIN_HEARTBEAT_MINUTES
from claude_guard.record.audit_log import AuditError, AuditLog
from claude_guard.record.record import ClaimedElsewhere, Decider, heartbeat_record
from claude_guard.record.spool import import_spool
from claude_guard.route import (
    CREDENTIAL_VARIABLES,
    PROVIDER_FLAG_PREFIX,
    ROUTE_VARIABLES,
    model_route,
)

READ_TIMEOUT_SECONDS = 5.0
CLAIM_MAX_AGE_SECONDS = 600.0
WORKER_IDLE_SECONDS = 1800.0
# A retired worker's calls in flight get this long to finish before it exits.
WORKER_FINISH_SECONDS = 30.0
# How often spooled last-resort records are signed into the trail, idle workers retired and
# old claims forgotten.
SWEEP_SECONDS = 10.0
_REQUEST_ID = re.compile(r"[0-9a-f]{32}")
# What a request may carry from the client's environment. Nothing that says where policy, keys
# or the trail live: on a managed machine those are root's, whatever the environment says.
REQUEST_ENV = ("CLAUDE_PROJECT_DIR", "AI_AGENT", *ROUTE_VARIABLES, *CREDENTIAL_VARIABLES)
MAX_RECORD_BYTES = 4 * 1024 * 1024
RECORD_WRITTEN = b"\x01"
RECORD_FAILED = b"\x00"


@dataclass
class Worker:
    uid: int
    user: str
    pid: int
    handoff: socket.socket  # root → worker: client connections (SCM_RIGHTS)
    records: socket.socket  # worker → root: records; root → worker: one ack byte each
    last_used: float = field(default_factory=time.monotonic)


class SystemService:
    def __init__(
        self,
        layout: ManagedLayout,
        warm: WarmState | None = None,
        heartbeat_seconds: float | None = None,
    ) -> None:
        self.layout = layout
        # None: the org policy's audit.heartbeat_minutes, read whenever one is due.
        self.heartbeat_seconds = heartbeat_seconds
        self.warm = warm or WarmState()
        self.claims = layout.run_dir / "claims"
        self.audit_key = b""
        self.fingerprint_key = b""
        self.workers: dict[int, Worker] = {}
        self._stopping = False

    # ------------------------------------------------------------------------- lifecycle

    def prepare(self) -> None:
        """Keys and directories; raises if the machine is not laid out for it."""
        if os.geteuid() != 0:
            raise PermissionError("the system service runs as root")
        self.audit_key = _root_key(self.layout.audit_key)
        self.fingerprint_key = derive_key(_root_key(self.layout.fingerprint_key), "fingerprint")
        _root_dir(self.layout.run_dir, 0o755)
        # Sticky and open, like /tmp: a client that gave up on this service claims the call
        # here so that exactly one side records it; nobody can remove another's claim.
        _root_dir(self.claims, 0o1733)
        _root_dir(self.layout.audit_dir, 0o755)
        _root_dir(self.layout.spool_dir, 0o1733)

    def bind(self) -> socket.socket:
        path = self.layout.system_socket
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        # Every user connects; the peer's credentials, not the socket's mode, say who they are.
        os.chmod(path, 0o666)  # noqa: S103
        server.listen(256)
        return server

    def serve(self) -> int:
        self.prepare()
        self.warm_up()
        server = self.bind()
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
        signal.signal(signal.SIGTERM, self._on_term)
        self.log(f"started pid={os.getpid()}")
        selector = selectors.DefaultSelector()
        selector.register(server, selectors.EVENT_READ, None)
        self.import_spool()
        last_sweep = time.monotonic()
        next_heartbeat = time.monotonic() + self._heartbeat_interval(self._org_policy()[0])
        while not self._stopping:
            for key, _ in selector.select(timeout=1.0):
                if key.data is None:
                    self._accept(server, selector)
                else:
                    self._take_record(key.data, selector)
            if time.monotonic() >= next_heartbeat:
                next_heartbeat = time.monotonic() + self.heartbeat()
            if time.monotonic() - last_sweep > SWEEP_SECONDS:
                self.import_spool()
                self._sweep(selector)
                last_sweep = time.monotonic()
        server.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.layout.system_socket)
        self.log("stopped")
        return 0

    def _on_term(self, _signum: int, _frame: Any) -> None:
        self._stopping = True

    def warm_up(self) -> None:
        """Build detectors and parse the shipped and org policies once, here, so that every
        worker starts warm. Warm-up decisions judge no user's files and are never recorded."""
        from claude_guard.entry.service import _WARM_UP_EVENTS

        env = {"HOME": "/nonexistent"}
        for event in _WARM_UP_EVENTS:
            try:
                run_hook(
                    event,
                    env,
                    self.warm,
                    claim=lambda: False,
                    fingerprint_key=self.fingerprint_key,
                    recorder=lambda _record, _started: None,
                    environment=self.environment_for("/nonexistent", env),
                    layout=self.layout,
                )
            except ClaimedElsewhere:
                continue
            except Exception as exc:  # the first real call reports a broken policy
                self.log(f"warm-up failed: {internal_error(exc)}")
                return

    # ------------------------------------------------------------------------- root side

    def _accept(self, server: socket.socket, selector: selectors.BaseSelector) -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            try:
                hook_pid, uid = peer_credentials(conn)
                user = pwd.getpwuid(uid)
            except (OSError, KeyError):
                return  # no account, no decision: the client decides in-process
            for _attempt in range(2):  # a worker its user killed is replaced once
                worker = self.workers.get(uid) or self._start_worker(user, selector, [server, conn])
                if worker is None:
                    return
                try:
                    message = b"C" + hook_pid.to_bytes(4, "big", signed=True)
                    socket.send_fds(worker.handoff, [message], [conn.fileno()])
                    worker.last_used = time.monotonic()
                    return
                except OSError:
                    self._drop_worker(worker, selector)

    def _start_worker(
        self,
        user: pwd.struct_passwd,
        selector: selectors.BaseSelector,
        inherited: list[socket.socket],
    ) -> Worker | None:
        """`inherited`: root's sockets the fork copies, closed in the worker (a copy of a
        client's connection held there would keep that client waiting for EOF)."""
        handoff_root, handoff_worker = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        records_root, records_worker = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            pid = os.fork()
        except OSError:
            for end in (handoff_root, handoff_worker, records_root, records_worker):
                end.close()
            return None
        if pid == 0:
            try:
                for sock in (handoff_root, records_root, *inherited):
                    sock.close()
                self._close_other_workers()
                WorkerProcess(self, user, handoff_worker, records_worker).run()
            finally:
                os._exit(0)
        handoff_worker.close()
        records_worker.close()
        worker = Worker(user.pw_uid, user.pw_name, pid, handoff_root, records_root)
        self.workers[user.pw_uid] = worker
        selector.register(records_root, selectors.EVENT_READ, worker)
        self.log(f"worker pid={pid} for uid={user.pw_uid}")
        return worker

    def _close_other_workers(self) -> None:
        for worker in self.workers.values():
            worker.handoff.close()
            worker.records.close()

    def _drop_worker(self, worker: Worker, selector: selectors.BaseSelector) -> None:
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(worker.records)
        worker.handoff.close()
        worker.records.close()
        if self.workers.get(worker.uid) is worker:
            del self.workers[worker.uid]

    def _take_record(self, worker: Worker, selector: selectors.BaseSelector) -> None:
        """One record from a worker: stamped with who the worker decides for (never what it
        says), appended, acknowledged. A worker that sends nonsense is dropped."""
        try:
            worker.records.settimeout(READ_TIMEOUT_SECONDS)
            size = int.from_bytes(read_exact(worker.records, 4), "big")
            if size > MAX_RECORD_BYTES:
                raise BadRequest("record too large")
            record = json.loads(read_exact(worker.records, size))
            if not isinstance(record, dict):
                raise BadRequest("not a record")
        except (OSError, ValueError, BadRequest):
            self._drop_worker(worker, selector)
            return
        record["user"] = worker.user
        record["decided_by"] = "system"
        try:
            AuditLog(self.layout.audit_dir, self.audit_key).record(**record)
            ack = RECORD_WRITTEN
        except AuditError as exc:
            self.log(f"record not written: {exc}")
            ack = RECORD_FAILED
        try:
            worker.records.sendall(ack)
        except OSError:
            self._drop_worker(worker, selector)

    def _sweep(self, selector: selectors.BaseSelector) -> None:
        """Close the hand-off of idle workers (they finish what they have and exit) and
        forget old claims."""
        now = time.monotonic()
        for worker in list(self.workers.values()):
            if now - worker.last_used > WORKER_IDLE_SECONDS:
                self._drop_worker(worker, selector)
        cutoff = time.time() - CLAIM_MAX_AGE_SECONDS
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.claims):
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)

    def heartbeat(self) -> float:
        """One heartbeat record for the machine, so a SIEM notices one that went silent; the
        seconds until the next. Posture is what does not depend on a client or a user."""
        policy, posture = self._org_policy()
        posture = [*(p.check for p in session_posture(self.layout)), *posture]
        record = heartbeat_record(policy, posture, Decider("system"))
        try:
            AuditLog(self.layout.audit_dir, self.audit_key).record(**record)
        except AuditError as exc:
            self.log(f"heartbeat not recorded: {exc}")
        return self._heartbeat_interval(policy)

    def _heartbeat_interval(self, policy: EffectivePolicy | None) -> float:
        if self.heartbeat_seconds is not None:
            return self.heartbeat_seconds
        return (policy.heartbeat_minutes if policy else BUILTIN_HEARTBEAT_MINUTES) * 60.0

    def _org_policy(self) -> tuple[EffectivePolicy | None, list[str]]:
        """The org policy (with what it extends), or None and the posture check it fails."""
        try:
            return self.warm.policy([LayerSource("managed", self.layout.org_policy)]), []
        except PolicyError:
            return None, ["policy"]

    def import_spool(self) -> None:
        """Records hooks left in the shared spool when this service did not answer them, each
        stamped with who wrote it (the file's owner: the one thing a writer cannot forge)."""
        log = AuditLog(self.layout.audit_dir, self.audit_key)
        try:
            result = import_spool(self.layout.spool_dir, log, _spool_owner)
        except (OSError, AuditError) as exc:
            self.log(f"spool import failed: {type(exc).__name__}")
            return
        if result.imported or result.bad:
            self.log(f"spool: {result.imported} imported, {result.bad} bad")

    # ------------------------------------------------------------------------- shared

    def environment_for(self, home: str, env: Mapping[str, str]) -> Environment:
        """A user's environment as a managed machine defines it: their home from the password
        database, claude-guard's per-user state under it, the org policy from /etc."""
        return Environment(
            user_home=home,
            guard_home=GuardHome(Path(home) / ".claude-guard"),
            managed_policy=self.layout.org_policy,
            declared_project=env.get("CLAUDE_PROJECT_DIR"),
            route=model_route(env),
            client_agent=env.get("AI_AGENT"),  # the client's version (entry/client_version.py)
        )

    def claim(self, request_id: str) -> bool:
        """Made as the user in the sticky claims directory: the client's own claim for the
        same call (it gave up waiting) is the only one that can stop ours."""
        try:
            fd = os.open(self.claims / request_id, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        os.close(fd)
        return True

    def log(self, message: str) -> None:
        """Lifecycle lines only, never an event or a path from one."""
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {message}\n"
        log = self.layout.state_dir / "system-service.log"
        with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as out:
            out.write(line)


class WorkerProcess:
    """One user's decider: forked warm from root, then that user for good."""

    def __init__(
        self,
        service: SystemService,
        user: pwd.struct_passwd,
        handoff: socket.socket,
        records: socket.socket,
    ) -> None:
        self.service = service
        self.user = user
        self.handoff = handoff
        self.records = records
        self._record_lock = threading.Lock()
        self._decide = threading.Lock()  # tree-sitter parsers are not shared between threads

    def run(self) -> None:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        become(self.user)
        self.service.audit_key = b""  # root's; this process never signs
        running: list[threading.Thread] = []
        while True:
            try:
                message, fds, _, _ = socket.recv_fds(self.handoff, 16, 1)
            except OSError:
                break
            if not message or not fds:
                break  # root closed the hand-off: finish what runs, then exit
            conn = socket.socket(fileno=fds[0])
            hook_pid = int.from_bytes(message[1:5], "big", signed=True)
            thread = threading.Thread(target=self.handle, args=(conn, hook_pid))
            thread.start()
            running = [t for t in running if t.is_alive()] + [thread]
        for thread in running:
            thread.join(WORKER_FINISH_SECONDS)

    def handle(self, conn: socket.socket, hook_pid: int) -> None:
        with conn:
            try:
                conn.settimeout(READ_TIMEOUT_SECONDS)
                meta, raw = read_request(conn)
                reply = self.respond(meta, raw, hook_pid)
            except (BadRequest, OSError, ValueError):
                return
            except ClaimedElsewhere:
                return  # the client gave up on us and decides (and records) itself
            with contextlib.suppress(OSError):
                conn.sendall(reply)

    def respond(self, meta: dict[str, str], raw: bytes, hook_pid: int) -> bytes:
        if meta.get("op", "decide") == "status":
            status = {"pid": os.getpid(), "managed": True, "uid": os.getuid()}
            return encode_response(wire.ANSWERED, HookAnswer(0, json.dumps(status)))
        request_id = meta.get("request_id", "")
        if not _REQUEST_ID.fullmatch(request_id):
            raise BadRequest("bad request id")
        env = {
            k: v for k, v in meta.items() if k in REQUEST_ENV or k.startswith(PROVIDER_FLAG_PREFIX)
        }
        with self._decide:
            answer = run_hook(
                raw,
                {**env, "HOME": self.user.pw_dir},
                self.service.warm,
                claim=lambda: self.service.claim(request_id),
                hook_pid=hook_pid or None,
                decision_id=request_id,
                fingerprint_key=self.service.fingerprint_key,
                recorder=self.send_record,
                environment=self.service.environment_for(self.user.pw_dir, env),
                event_kind=event_kind_of(meta),
                layout=self.service.layout,
            )
        return encode_response(wire.ANSWERED, answer)

    def send_record(self, record: dict[str, Any], started: float) -> None:
        """Root writes it; the answer waits for root's word that it did."""
        record["duration_ms"] = round((time.monotonic() - started) * 1000, 3)
        data = json.dumps(record).encode()
        with self._record_lock:
            try:
                self.records.settimeout(None)
                self.records.sendall(len(data).to_bytes(4, "big") + data)
                ack = read_exact(self.records, 1)
            except (OSError, BadRequest):
                raise AuditError("the system service did not take the record") from None
        if ack != RECORD_WRITTEN:
            raise AuditError("the system service could not write the record")


# ----------------------------------------------------------------------------- helpers


def become(user: pwd.struct_passwd) -> None:
    """Drop every privilege for good: groups, gid, uid (real, effective and saved). Changing
    credentials also makes the process undumpable, so the user cannot read the key it holds."""
    os.setgroups(os.getgrouplist(user.pw_name, user.pw_gid))
    os.setresgid(user.pw_gid, user.pw_gid, user.pw_gid)
    os.setresuid(user.pw_uid, user.pw_uid, user.pw_uid)
    if os.geteuid() != user.pw_uid or (user.pw_uid != 0 and _can_regain_root()):
        raise PermissionError("could not drop privileges")
    os.chdir("/")


def _can_regain_root() -> bool:
    try:
        os.setuid(0)
    except PermissionError:
        return False
    return True


def _spool_owner(info: os.stat_result) -> dict[str, Any]:
    try:
        user = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        user = str(info.st_uid)
    return {"user": user}


def _root_key(path: Path) -> bytes:
    try:
        return load_or_create_key(path)
    except KeyFileError as exc:
        raise SystemExit(f"claude-guard system service: {exc}") from None


def _root_dir(path: Path, mode: int) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, 0, 0)
    os.chmod(path, mode)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m claude_guard.entry.system_service")
    parser.add_argument("--root", type=Path, default=Path("/"), help=argparse.SUPPRESS)
    parser.add_argument("--heartbeat", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.closerange(3, 1024)
    os.chdir("/")
    os.umask(0o022)
    return SystemService(ManagedLayout(args.root), heartbeat_seconds=args.heartbeat).serve()


if __name__ == "__main__":
    sys.exit(main())
