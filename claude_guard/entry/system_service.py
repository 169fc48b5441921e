"""The system service of a managed install: root-owned, one per machine, deciding for every user.

Why root: whatever runs as the developer, the agent can be talked into stopping, replacing or
impersonating. This service holds what a developer's account must not reach (the audit key,
the fingerprint key, the trail under /var/log/claude-guard) and is the only thing that can bind
its socket (`/run/claude-guard` is root's), so a hook client that finds the socket there with a
root peer knows who answers.

Per connection (one process each, so no thread ever forks):

    accept (root) ─▶ fork: connection process (root)
                         read the request, peer credentials from the kernel
                         fork: decider (drops to the peer's uid, gids and home; undumpable)
                               decides as that user, with the fingerprint key from root's memory,
                               applies session effects in the user's own home,
                               sends back the answer and the unchained record
                         chain and sign the record into the system trail (root key)
                         answer the client (or deny / withhold if the record could not be written)

Deciding as the user means the service reads nothing the user could not read: a request cannot
make it judge root's files. The warm state (imports, detectors, parsed default and org policy)
is built once in the root process and shared copy-on-write with every fork.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import re
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from claude_guard.answer.answer import HookAnswer, failure_answer
from claude_guard.context import Environment
from claude_guard.entry import wire
from claude_guard.entry.failure import plain_payload
from claude_guard.entry.hook import internal_error, run_hook
from claude_guard.entry.service import (
    BadRequest,
    encode_response,
    peer_credentials,
    read_request,
)
from claude_guard.entry.warm import WarmState
from claude_guard.home import GuardHome, KeyFileError, derive_key, load_or_create_key
from claude_guard.managed import ManagedLayout
from claude_guard.record.audit_log import AuditError, AuditLog
from claude_guard.record.record import ClaimedElsewhere, Decider, failure_record
from claude_guard.route import (
    CREDENTIAL_VARIABLES,
    PROVIDER_FLAG_PREFIX,
    ROUTE_VARIABLES,
    model_route,
)

READ_TIMEOUT_SECONDS = 5.0
# A decider that has not answered by then is killed: the client has long since decided itself.
DECIDER_SECONDS = 25.0
CLAIM_MAX_AGE_SECONDS = 600.0
_REQUEST_ID = re.compile(r"[0-9a-f]{32}")
# What a request may carry from the client's environment. Nothing that says where policy, keys
# or the trail live: on a managed machine those are root's, whatever the environment says.
REQUEST_ENV = ("CLAUDE_PROJECT_DIR", *ROUTE_VARIABLES, *CREDENTIAL_VARIABLES)
MAX_RECORD_BYTES = 4 * 1024 * 1024


class SystemService:
    def __init__(self, layout: ManagedLayout, warm: WarmState | None = None) -> None:
        self.layout = layout
        self.warm = warm or WarmState()
        self.claims = layout.run_dir / "claims"
        self.audit_key = b""
        self.fingerprint_key = b""
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
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # connection processes reap themselves
        signal.signal(signal.SIGTERM, self._on_term)
        self.log(f"started pid={os.getpid()}")
        last_sweep = 0.0
        server.settimeout(1.0)
        while not self._stopping:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                if time.monotonic() - last_sweep > 60:
                    self._sweep_claims()
                    last_sweep = time.monotonic()
                continue
            except InterruptedError:
                continue
            except OSError:
                if self._stopping:
                    break
                raise
            self._fork_connection(server, conn)
        server.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.layout.system_socket)
        self.log("stopped")
        return 0

    def _on_term(self, _signum: int, _frame: Any) -> None:
        self._stopping = True

    def warm_up(self) -> None:
        """Build detectors and parse the shipped and org policies once, here, so that every fork
        starts warm. A warm-up decision runs as root against no user's files and is never
        recorded (it is never claimed)."""
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
                    environment=self._environment_for("/nonexistent", env),
                )
            except ClaimedElsewhere:
                continue
            except Exception as exc:  # the first real call reports a broken policy
                self.log(f"warm-up failed: {internal_error(exc)}")
                return

    def _fork_connection(self, server: socket.socket, conn: socket.socket) -> None:
        try:
            pid = os.fork()
        except OSError:
            conn.close()  # the client decides in-process (and spools its record)
            return
        if pid:
            conn.close()
            return
        try:
            server.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # this process waits for its decider
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            self.handle(conn)
        finally:
            os._exit(0)

    # ------------------------------------------------------------------------- one request

    def handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                hook_pid, uid = peer_credentials(conn)
                conn.settimeout(READ_TIMEOUT_SECONDS)
                meta, raw = read_request(conn)
                reply = self.respond(meta, raw, uid, hook_pid)
            except (BadRequest, OSError, ValueError, KeyError) as exc:
                self.log(f"dropped a request: {type(exc).__name__}")
                return
            if reply is None:
                return  # the client claimed the call: it decides and records it
            with contextlib.suppress(OSError):
                conn.sendall(reply)

    def respond(self, meta: dict[str, str], raw: bytes, uid: int, hook_pid: int) -> bytes | None:
        if meta.get("op", "decide") == "status":
            status = {"pid": os.getpid(), "managed": True}
            return encode_response(wire.ANSWERED, HookAnswer(0, json.dumps(status)))
        request_id = meta.get("request_id", "")
        if not _REQUEST_ID.fullmatch(request_id):
            raise BadRequest("bad request id")
        user = pwd.getpwuid(uid)  # KeyError: a uid without an account gets no decision
        env = {
            k: v for k, v in meta.items() if k in REQUEST_ENV or k.startswith(PROVIDER_FLAG_PREFIX)
        }
        started = time.monotonic()
        outcome = self._decide_as(user, env, raw, request_id, hook_pid)
        if outcome is None:
            return None
        answer, records = outcome
        for record in records:
            # Who asked comes from the kernel, not from anything the client said.
            record.update({"user": user.pw_name, "hook_pid": hook_pid or None})
            record["decided_by"] = "system"
            try:
                self.append(record, started)
            except AuditError as exc:
                reason = f"{exc}; the call is denied because it could not be recorded"
                answer = failure_answer(reason, plain_payload(raw))
        return encode_response(wire.ANSWERED, answer)

    def _decide_as(
        self,
        user: pwd.struct_passwd,
        env: dict[str, str],
        raw: bytes,
        request_id: str,
        hook_pid: int,
    ) -> tuple[HookAnswer, list[dict[str, Any]]] | None:
        """Fork a decider that becomes `user`; None when the client claimed the call first."""
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(reader)
            self._decider(user, env, raw, request_id, hook_pid, writer)
        os.close(writer)
        reply = _read_all(reader, time.monotonic() + DECIDER_SECONDS)
        if reply is None:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        try:
            data = json.loads(reply or b"")
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("claimed_elsewhere"):
            return None
        if not isinstance(data, dict) or "answer" not in data:
            return self._failed_decision(raw, request_id, env)
        code, stdout, stderr = data["answer"]
        return HookAnswer(int(code), str(stdout), str(stderr)), list(data.get("records", []))

    def _failed_decision(
        self, raw: bytes, request_id: str, env: Mapping[str, str]
    ) -> tuple[HookAnswer, list[dict[str, Any]]] | None:
        """The decider died or hung: deny (or withhold), recorded here unless the client has
        claimed the call meanwhile."""
        if not self._claim(request_id):
            return None
        payload = plain_payload(raw)
        reason = "the decision process died or hung; denied"
        answer = failure_answer(reason, payload)
        decider = Decider("system", request_id)
        record = failure_record(payload, reason, bool(answer.stdout), decider, model_route(env))
        return answer, [record]

    def _decider(
        self,
        user: pwd.struct_passwd,
        env: dict[str, str],
        raw: bytes,
        request_id: str,
        hook_pid: int,
        writer: int,
    ) -> None:
        """In the forked decider: become the user, decide, send the outcome, exit."""
        result: dict[str, Any]
        try:
            _become(user)
            records: list[dict[str, Any]] = []

            def keep(record: dict[str, Any], started: float) -> None:
                record["duration_ms"] = round((time.monotonic() - started) * 1000, 3)
                records.append(record)

            environment = self._environment_for(user.pw_dir, env)
            try:
                answer = run_hook(
                    raw,
                    {**env, "HOME": user.pw_dir},
                    self.warm,
                    claim=lambda: self._claim(request_id),
                    hook_pid=hook_pid or None,
                    decision_id=request_id,
                    fingerprint_key=self.fingerprint_key,
                    recorder=keep,
                    environment=environment,
                )
            except ClaimedElsewhere:
                result = {"claimed_elsewhere": True}
            else:
                stdout, stderr = answer.stdout, answer.stderr
                result = {"answer": [answer.exit_code, stdout, stderr], "records": records}
            data = json.dumps(result).encode()
            while data:
                data = data[os.write(writer, data) :]
        finally:
            os._exit(0)

    def _environment_for(self, home: str, env: Mapping[str, str]) -> Environment:
        """The user's environment as a managed machine defines it: their home from the password
        database, claude-guard's per-user state under it, the org policy from /etc."""
        return Environment(
            user_home=home,
            guard_home=GuardHome(Path(home) / ".claude-guard"),
            managed_policy=self.layout.org_policy,
            declared_project=env.get("CLAUDE_PROJECT_DIR"),
            route=model_route(env),
        )

    def _claim(self, request_id: str) -> bool:
        """Claims are made as whoever decides (root here, or the user in the decider): the
        sticky directory lets each create, and only the client's own creation can block us."""
        try:
            fd = os.open(self.claims / request_id, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        os.close(fd)
        return True

    def append(self, record: dict[str, Any], started: float) -> None:
        record.setdefault("duration_ms", round((time.monotonic() - started) * 1000, 3))
        AuditLog(self.layout.audit_dir, self.audit_key).record(**record)

    def _sweep_claims(self) -> None:
        cutoff = time.time() - CLAIM_MAX_AGE_SECONDS
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.claims):
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)

    def log(self, message: str) -> None:
        """Lifecycle lines only, never an event or a path from one."""
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {message}\n"
        log = self.layout.state_dir / "system-service.log"
        with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as out:
            out.write(line)


# ----------------------------------------------------------------------------- helpers


def _become(user: pwd.struct_passwd) -> None:
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


def _root_key(path: Path) -> bytes:
    try:
        return load_or_create_key(path)
    except KeyFileError as exc:
        raise SystemExit(f"claude-guard system service: {exc}") from None


def _root_dir(path: Path, mode: int) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, 0, 0)
    os.chmod(path, mode)


def _read_all(fd: int, until: float) -> bytes | None:
    """Everything the decider writes, or None if it is not done by `until`."""
    import select

    chunks: list[bytes] = []
    try:
        while True:
            remaining = until - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            if sum(map(len, chunks)) > wire.MAX_EVENT_BYTES + MAX_RECORD_BYTES:
                return None
    finally:
        os.close(fd)


def main(argv: list[str] | None = None, serve: Callable[[SystemService], int] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m claude_guard.entry.system_service")
    parser.add_argument("--root", type=Path, default=Path("/"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.closerange(3, 1024)
    os.chdir("/")
    os.umask(0o022)
    service = SystemService(ManagedLayout(args.root))
    return (serve or SystemService.serve)(service)


if __name__ == "__main__":
    sys.exit(main())
