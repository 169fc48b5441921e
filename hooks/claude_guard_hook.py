#!/usr/bin/env python3
"""claude-guard's hook entry: Claude Code runs this for every tool call, prompt and session event.

A thin client, standard library only, started with `-I -S` so that even site-packages are not
imported: it reads the event, sends it to the warm claude-guard service over a Unix socket and
writes back the answer. If the service is not running it starts it and waits (within the
deadline); if the service cannot answer sanely it decides in-process, in a forked child; if even
that cannot finish by the deadline it denies. A decision always arrives.

Fail closed throughout. Claude Code lets a call through when a hook exits 1, crashes, hangs past
its timeout or prints invalid JSON, so none of that can happen here: stdin is read with a size
and a time bound, every socket operation has a timeout, a watchdog guards the in-process
decision, and any error becomes exit 2 with a reason on stderr.
"""

from __future__ import annotations

import _socket
import _thread
import os
import select
import sys
import time

TYPE_CHECKING = False  # typing itself costs an import on every call; mypy reads this as usual
if TYPE_CHECKING:
    from collections.abc import Callable

EXIT_BLOCK = 2
SIGKILL = 9  # the same on every Unix; spares importing signal (and enum) on every call
DEFAULT_DEADLINE_SECONDS = 10.0
# Claude Code kills a hook after its configured timeout (30 s, see
# claude_guard/cli/claude_settings.py) and then lets the call through: the deadline, the
# last-resort wait and building a failure answer must all fit inside it, whatever the
# environment asks for.
MAX_DEADLINE_SECONDS = 20.0
DEFAULT_MAX_EVENT_BYTES = 64 * 1024 * 1024  # hard ceiling; the policy sets the real limit
_answered = _thread.allocate_lock()
_child = {"pid": 0, "timed_out": False}  # the evaluating child, killed at the deadline
# If even answering for a dead child hangs, a plain deny this long after the deadline.
LAST_RESORT_SECONDS = 5.0

# The service protocol; claude_guard/entry/wire.py holds the other side and says why it is copied.
REQUEST_MAGIC = b"CGRQ1\n"
RESPONSE_MAGIC = b"CGRS1\n"
SOCKET_NAME = "service.sock"
MAX_SOCKET_PATH = 100
MAX_ANSWER_BYTES = 64 * 1024 * 1024
REQUEST_ENV = (
    "HOME",
    "CLAUDE_GUARD_HOME",
    "CLAUDE_GUARD_MANAGED_POLICY",
    "CLAUDE_PROJECT_DIR",
    "AI_AGENT",  # the client's name and version (claude_guard/entry/client_version.py)
    # The model route (claude_guard/route.py); any other CLAUDE_CODE_USE_* flag goes too.
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "CLAUDE_CODE_USE_FOUNDRY",
)
# Base URLs: only their scheme and authority are sent (never a path, query or credentials).
ORIGIN_ENV = (
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_BEDROCK_BASE_URL",
    "ANTHROPIC_VERTEX_BASE_URL",
    "ANTHROPIC_FOUNDRY_BASE_URL",
)
# Credentials tell an API key from a login: only whether they are set is sent, never a value.
PRESENCE_ENV = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
PROVIDER_FLAG_PREFIX = "CLAUDE_CODE_USE_"
# A managed install (claude_guard/managed.py): its marker makes every CLAUDE_GUARD_* variable
# moot, and the only service trusted is root's system service.
MANAGED_MARKER = "/etc/claude-guard/managed.json"
SYSTEM_RUN_DIR = "/run/claude-guard"
SYSTEM_SOCKET_NAME = "system.sock"
# Of the deadline, the share the service gets before the client decides in-process instead
# (which costs about half a second for imports and detectors).
SERVICE_SHARE = 0.6
# After our service exits because another holds the lock, how long that one has to answer.
START_RACE_SECONDS = 2.0
# What building a failure answer in-process takes (importing the package), kept in reserve.
FAILURE_ANSWER_SECONDS = 1.0


def deny(reason: str) -> None:
    """Write the reason and exit 2, once, from whichever thread gets here first."""
    if not _answered.acquire(False):
        return
    try:
        if _child["pid"]:
            # It holds no pipe of Claude Code's, but must not outlive the answer either.
            os.kill(_child["pid"], SIGKILL)
        os.write(2, f"claude-guard: {reason}\n".encode("utf-8", "replace"))
    finally:
        os._exit(EXIT_BLOCK)


def answer(exit_code: int, stdout: str | bytes, stderr: str | bytes) -> None:
    if not _answered.acquire(False):
        return
    # Only 0 (allow / JSON answer) and 2 (block) are meaningful; anything else fails open.
    code = exit_code if exit_code in (0, EXIT_BLOCK) else EXIT_BLOCK
    try:
        if stdout:
            os.write(1, stdout if isinstance(stdout, bytes) else stdout.encode("utf-8"))
        if stderr:
            os.write(2, stderr if isinstance(stderr, bytes) else stderr.encode("utf-8", "replace"))
    finally:
        os._exit(code)


def env_number(name: str, default: float, most: float = float("inf")) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return min(value, most) if value > 0 else default


def start_watchdog(seconds: float, deadline: float) -> None:
    """At the deadline, kill the evaluating child. The main thread then answers as for any dead
    child: a deny, or, after a tool ran, its output withheld (a plain deny there would only add
    feedback and let the output through), with an audit record either way."""

    def fire() -> None:
        _child["timed_out"] = True
        deny_later(LAST_RESORT_SECONDS, f"no decision within {deadline:g}s; denied")
        if _child["pid"]:
            os.kill(_child["pid"], SIGKILL)

    after(seconds, fire)


def deny_later(seconds: float, reason: str) -> None:
    """A plain deny in `seconds`, should the answer being prepared hang."""
    after(seconds, lambda: deny(reason))


def after(seconds: float, action: Callable[[], None]) -> None:
    import threading  # only the slow paths need a thread

    timer = threading.Timer(seconds, action)
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


def evaluate(raw: bytes, decision_id: str) -> bytes:
    """Run the decision in a forked child and return its answer (JSON), or b"" if it died.

    A native crash (a C extension's segfault, the OOM killer) would otherwise end this very
    process with a signal, which Claude Code treats as "let the call through". Isolated in a
    child, it becomes a deny here instead. Forking costs about a millisecond.
    """
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        _evaluate_in_child(raw, writer, decision_id)
    _child["pid"] = pid
    os.close(writer)
    chunks = []
    while chunk := os.read(reader, 1 << 16):
        chunks.append(chunk)
    os.close(reader)
    _, status = os.waitpid(pid, 0)
    _child["pid"] = 0
    return b"".join(chunks) if status == 0 else b""


def _evaluate_in_child(raw: bytes, writer: int, decision_id: str) -> None:
    try:
        # Claude Code waits for EOF on the hook's stdout: the child must not hold it.
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        import json

        try:
            load_site_packages()
            from claude_guard.entry.hook import run_hook
        except Exception as exc:
            reason = f"claude-guard is not installed correctly ({type(exc).__name__}); denied"
            result = [EXIT_BLOCK, "", f"claude-guard: {reason}\n"]
        else:
            answered = run_hook(raw, decision_id=decision_id)
            result = [answered.exit_code, answered.stdout, answered.stderr]
        data = json.dumps(result).encode()
        while data:
            data = data[os.write(writer, data) :]
    finally:
        os._exit(0)


def load_site_packages() -> None:
    """Started with -S, the hook has no site-packages: the package is needed from here on."""
    if sys.flags.no_site:
        import site

        site.main()


def answer_for_dead_child(raw: bytes, deadline: float, decision_id: str) -> None:
    """The child died without answering: deny, or withhold a tool's output after it ran."""
    if _child["timed_out"]:
        reason = f"no decision within {deadline:g}s; denied"
    else:
        reason = "the decision process died unexpectedly; denied"
    answer_failure(raw, reason, True, decision_id)


def answer_failure(raw: bytes, reason: str, record: bool, decision_id: str) -> None:
    """A deny, or after a tool ran its output withheld (a deny there would only add feedback
    and let the output through); recorded unless another process records this call."""
    try:
        load_site_packages()
        from claude_guard.entry.failure import fail_answer

        result = fail_answer(raw, reason, record, decision_id)
    except BaseException:
        deny(reason)
        return
    answer(result.exit_code, result.stdout, result.stderr)


def decide_in_process(
    raw: bytes, started: float, deadline_seconds: float, decision_id: str
) -> None:
    import json

    # Started before the fork, whose child can hang.
    start_watchdog(max(0.1, deadline_seconds - (time.monotonic() - started)), deadline_seconds)
    reply = evaluate(raw, decision_id)
    try:
        code, stdout, stderr = json.loads(reply)
    except (ValueError, TypeError):
        answer_for_dead_child(raw, deadline_seconds, decision_id)
        return
    answer(code, stdout, stderr)


# ----------------------------------------------------------------------------- the service


class ServiceUnavailable(Exception):
    """No sane answer from the service: the client decides in-process."""


class Call:
    """One request to the service, with the claim that makes its audit record unique."""

    def __init__(self, run_dir: str, socket_name: str, raw: bytes, request_id: str) -> None:
        self.run_dir = run_dir
        self.socket_path = os.path.join(self.run_dir, socket_name)
        self.request_id = request_id  # the decision id: both sides record it
        self.claim_path = os.path.join(self.run_dir, "claims", self.request_id)
        env = [(k, os.environ[k]) for k in REQUEST_ENV if k in os.environ]
        env += [
            (k, v)
            for k, v in os.environ.items()
            if k.startswith(PROVIDER_FLAG_PREFIX) and k not in REQUEST_ENV
        ]
        env += [(k, origin_of(os.environ[k])) for k in ORIGIN_ENV if k in os.environ]
        env += [(k, "1") for k in PRESENCE_ENV if os.environ.get(k)]
        meta = b"\0".join(
            os.fsencode(part) for pair in [("request_id", self.request_id), *env] for part in pair
        )
        self.request = b"".join(
            (REQUEST_MAGIC, len(meta).to_bytes(4, "big"), meta, len(raw).to_bytes(8, "big"), raw)
        )
        self.sent = False

    def claim(self) -> bool:
        """Take the call over from the service. False: the service has claimed it (and so
        records it); True: it never will, and this process must record it."""
        try:
            os.close(os.open(self.claim_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            return False
        except OSError:
            pass  # no claims directory: the service never got far enough to claim either
        return True

    def release(self) -> None:
        try:  # noqa: SIM105 (contextlib costs an import on every call)
            os.unlink(self.claim_path)
        except OSError:
            pass


def origin_of(url: str) -> str:
    """A base URL cut to its scheme and authority; one the route would call invalid (a
    backslash, credentials) is sent as such, so the service sees no more than that."""
    scheme, sep, rest = url.strip().partition("://")
    authority = rest
    for mark in "/?#":
        authority = authority.split(mark, 1)[0]
    if not sep or "\\" in url or "@" in authority:
        return "invalid://invalid"
    return scheme + "://" + authority


def runtime_dir(guard_home: str) -> str:
    preferred = os.path.join(guard_home, "run")
    if len(os.fsencode(os.path.join(preferred, SOCKET_NAME))) <= MAX_SOCKET_PATH:
        return preferred
    import hashlib

    digest = hashlib.sha256(os.fsencode(guard_home)).hexdigest()[:16]
    return f"/tmp/claude-guard-{os.getuid()}-{digest}"  # noqa: S108 (see entry/wire.py)


def private_dir_ok(path: str) -> bool:
    """Ours, a real directory, closed to everyone else: otherwise the socket is not trusted."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return (
        (info.st_mode & 0o170000) == 0o040000
        and info.st_uid == os.getuid()
        and not (info.st_mode & 0o077)
    )


def connect(call: Call, until: float) -> _socket.socket:
    spawned = 0
    exited_at = 0.0  # when the service we started exited (0: it has not)
    while True:
        if private_dir_ok(call.run_dir):
            sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
            sock.settimeout(max(0.01, until - time.monotonic()))
            try:
                sock.connect(call.socket_path)
                return sock
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()
            except OSError as exc:
                sock.close()
                raise ServiceUnavailable(type(exc).__name__) from None
        if not spawned:
            spawned = start_service(call.run_dir)
        elif spawned > 0 and not exited_at:
            status = service_exit_status(spawned)
            if status is not None and status != 0:
                raise ServiceUnavailable("the service did not start")
            if status == 0:  # another service holds the lock: give it time to come up
                exited_at = time.monotonic()
        if exited_at and time.monotonic() - exited_at > START_RACE_SECONDS:
            raise ServiceUnavailable("the running service does not accept connections")
        if time.monotonic() + 0.005 >= until:
            raise ServiceUnavailable("the service did not start in time")
        time.sleep(0.005)


def connect_system(call: Call, until: float) -> _socket.socket:
    """The managed system service, or nobody: its directory must be root's and closed to
    others' writes (so only root could have bound the socket), and the kernel must say the
    process listening is root's. It is never started from here: it runs as a system service."""
    try:
        info = os.lstat(call.run_dir)
    except OSError:
        raise ServiceUnavailable("no system service directory") from None
    if (info.st_mode & 0o170000) != 0o040000 or info.st_uid != 0 or info.st_mode & 0o022:
        raise ServiceUnavailable("the system service directory is not root's")
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    sock.settimeout(max(0.01, until - time.monotonic()))
    try:
        sock.connect(call.socket_path)
        # struct ucred {pid_t pid; uid_t uid; gid_t gid;}: Linux only, like the managed install.
        creds = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
    except OSError as exc:
        sock.close()
        raise ServiceUnavailable(type(exc).__name__) from None
    if int.from_bytes(creds[4:8], sys.byteorder) != 0:
        sock.close()
        raise ServiceUnavailable("the system socket is not root's service")
    return sock


def start_service(run_dir: str) -> int:
    """Start the service, detached from Claude Code's pipes and session. Returns its pid (or
    -1 if it could not be started: the caller keeps polling for one started by another hook)."""
    try:  # noqa: SIM105
        os.mkdir(run_dir, 0o700)
    except OSError:
        pass
    null = os.devnull
    try:
        return os.posix_spawn(
            sys.executable,
            [sys.executable, "-I", "-m", "claude_guard.entry.service"],
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, null, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, null, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_OPEN, 2, null, os.O_WRONLY, 0),
            ],
            setsid=True,
        )
    except OSError:
        return -1


def service_exit_status(pid: int) -> int | None:
    """The exit status of the service we started, or None while it runs. Exit 0 right away
    means another instance holds the service lock (it is starting, or it is stuck)."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None
    return status if done else None


class Answer:
    """Reads the service's answer; restartable, so a read that timed out can be resumed."""

    def __init__(self, sock: _socket.socket) -> None:
        self.sock = sock
        self.buffer = b""
        self.pos = 0

    def take(self, size: int) -> bytes:
        while len(self.buffer) < self.pos + size:
            chunk = self.sock.recv(min(self.pos + size - len(self.buffer), 1 << 20))
            if not chunk:
                raise ServiceUnavailable("the service closed the connection")
            self.buffer += chunk
        self.pos += size
        return self.buffer[self.pos - size : self.pos]

    def read(self) -> tuple[int, bytes, bytes]:
        self.pos = 0
        head = self.take(len(RESPONSE_MAGIC) + 2)
        if head[: len(RESPONSE_MAGIC)] != RESPONSE_MAGIC:
            raise ServiceUnavailable("not a claude-guard service")
        status, code = head[-2:-1], head[-1]
        stdout = self.take(self.length())
        stderr = self.take(self.length())
        if status != b"A":
            raise ServiceUnavailable("the service refused")
        if code not in (0, EXIT_BLOCK) or not answer_is_sane(code, stdout, stderr):
            raise ServiceUnavailable("the service answered nonsense")
        return code, stdout, stderr

    def length(self) -> int:
        size = int.from_bytes(self.take(4), "big")
        if size > MAX_ANSWER_BYTES:
            raise ServiceUnavailable("answer too large")
        return size


def answer_is_sane(code: int, stdout: bytes, stderr: bytes) -> bool:
    """What a real answer looks like: a block has a reason and no output, any stdout is one
    JSON object. A process answering garbage fails this and the call is decided here."""
    if code == EXIT_BLOCK:
        return not stdout and stderr.startswith(b"claude-guard: ")
    return not stdout or (stdout[:1] == b"{" and stdout.rstrip()[-1:] == b"}")


def decide_with_service(
    raw: bytes, started: float, deadline_seconds: float, decision_id: str, managed: bool
) -> None:
    """Answer from the service if it gives a sane answer in time; return if not, and the
    caller decides in-process."""
    if managed:
        call = Call(SYSTEM_RUN_DIR, SYSTEM_SOCKET_NAME, raw, decision_id)
        connector = connect_system
    else:
        home = os.environ.get("CLAUDE_GUARD_HOME") or os.path.join(
            os.path.expanduser("~"), ".claude-guard"
        )
        call = Call(runtime_dir(home), SOCKET_NAME, raw, decision_id)
        connector = connect
    until = started + deadline_seconds * SERVICE_SHARE
    try:
        sock = connector(call, until)
    except (ServiceUnavailable, OSError):
        return
    reader = Answer(sock)
    try:
        try:
            sock.settimeout(max(0.01, until - time.monotonic()))
            sock.sendall(call.request)
            call.sent = True
            reply = reader.read()
        except (ServiceUnavailable, OSError):
            if not call.sent or call.claim():
                return  # the service will not record it: decided and recorded here instead
            # The service has claimed the call and records it; its answer is only late. Wait
            # for it, leaving time to build a failure answer (imports) within the deadline.
            end = started + deadline_seconds - FAILURE_ANSWER_SECONDS
            try:
                sock.settimeout(max(0.01, end - time.monotonic()))
                reply = reader.read()
            except (ServiceUnavailable, OSError):
                reason = "the service took the decision but gave no answer in time; denied"
                deny_later(FAILURE_ANSWER_SECONDS + LAST_RESORT_SECONDS, reason)
                answer_failure(raw, reason, False, decision_id)  # the service records it
                return
    finally:
        sock.close()
    call.release()
    answer(*reply)


def main() -> None:
    # On a managed machine nothing in the developer's environment tunes or turns off the guard.
    managed = os.path.isfile(MANAGED_MARKER)
    deadline_seconds = DEFAULT_DEADLINE_SECONDS
    limit = DEFAULT_MAX_EVENT_BYTES
    if not managed:
        deadline_seconds = env_number(
            "CLAUDE_GUARD_DEADLINE_SECONDS", DEFAULT_DEADLINE_SECONDS, MAX_DEADLINE_SECONDS
        )
        limit = int(env_number("CLAUDE_GUARD_MAX_EVENT_BYTES", DEFAULT_MAX_EVENT_BYTES))
    started = time.monotonic()
    # Reading gets most of the deadline, so a stuck stdin is reported as such, not as a timeout.
    raw = read_event(limit, started + deadline_seconds * 0.8)
    # One id per call, in its audit record whoever decides it (the service or this process).
    decision_id = os.urandom(16).hex()
    if managed or os.environ.get("CLAUDE_GUARD_SERVICE", "on") != "off":
        decide_with_service(raw, started, deadline_seconds, decision_id, managed)
    decide_in_process(raw, started, deadline_seconds, decision_id)


if __name__ == "__main__":
    try:
        main()
    except BaseException as exc:
        deny(f"internal error in the hook ({type(exc).__name__}); denied")
