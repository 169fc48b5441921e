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
    from typing import Any

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
# What the last resort needs to answer and record a call (see "the last resort" below).
_call: dict[str, Any] = {
    "decision_id": "",
    "kind": "",  # the event kind the registration names (argv), "" for an old registration
    "raw": b"",  # the event, once read whole
    "head": b"",  # its first bytes, even when it was not read whole (too large, too slow)
    "payload": None,  # the event parsed by the last resort, {} when it could not be
    "spool_dir": "",
    "recorded_elsewhere": False,  # the service claimed the call: it records it
}
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
MANAGED_SPOOL_DIR = "/var/spool/claude-guard"
# Of the deadline, the share the service gets before the client decides in-process instead
# (which costs about half a second for imports and detectors).
SERVICE_SHARE = 0.6
# On a managed machine no process of the developer's decides (the agent could have changed it):
# root's system service gets all but the reserve for the last resort.
MANAGED_SERVICE_SHARE = 0.8
# After our service exits because another holds the lock, how long that one has to answer.
START_RACE_SECONDS = 2.0
# What building a failure answer in-process takes (importing the package), kept in reserve.
FAILURE_ANSWER_SECONDS = 1.0
# A client that leaves stdin open: once a whole JSON object arrived, this much quiet ends it.
STDIN_QUIET_SECONDS = 0.1
# The in-process child's answer when the package cannot be imported: the last resort answers.
PACKAGE_MISSING = -1


def deny(reason: str) -> None:
    """The last resort, once, from whichever thread gets here first: a deny (exit 2), or after a
    tool ran its output withheld; and a record in the spool unless another process records it."""
    if not _answered.acquire(False):
        return
    code = EXIT_BLOCK
    try:
        if _child["pid"]:
            # It holds no pipe of Claude Code's, but must not outlive the answer either.
            os.kill(_child["pid"], SIGKILL)
        withheld = last_resort_answer(reason)
        if not _call["recorded_elsewhere"]:
            spool_last_resort(reason, withheld is not None)
        if withheld is not None:
            os.write(1, withheld)
            code = 0
        os.write(2, f"claude-guard: {reason}\n".encode("utf-8", "replace"))
    finally:
        os._exit(code)


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
    """Read stdin to EOF, but no more than `limit` bytes and not past `deadline`. Some clients
    never close stdin: a complete JSON object followed by a quiet spell ends the read too."""
    chunks: list[bytes] = []
    size = 0
    fd = sys.stdin.fileno()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            deny("timed out reading the event from stdin; denied")
        ready, _, _ = select.select([fd], [], [], min(remaining, STDIN_QUIET_SECONDS))
        if not ready:
            if chunks and is_complete_object(b"".join(chunks)):
                return b"".join(chunks)
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        if size < HEAD_BYTES:
            _call["head"] += chunk[: HEAD_BYTES - size]
        size += len(chunk)
        if size > limit:
            deny(f"event larger than {limit} bytes; denied")
        chunks.append(chunk)


def is_complete_object(data: bytes) -> bool:
    """Whether `data` is one whole JSON object (checked only when stdin went quiet)."""
    if not data.rstrip().endswith(b"}"):
        return False
    import json

    try:
        return isinstance(json.loads(data), dict)
    except (ValueError, RecursionError):
        # Too deep for the parser but whole as far as it can tell: the decision will say so.
        return False


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
            # The parent answers (and spools the record) as its last resort: nothing here can.
            reason = f"claude-guard is not installed correctly ({type(exc).__name__}); denied"
            result = [PACKAGE_MISSING, "", reason]
        else:
            answered = run_hook(raw, decision_id=decision_id, event_kind=_call["kind"] or None)
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
    if not record:
        _call["recorded_elsewhere"] = True  # so the last resort does not spool it either
    try:
        load_site_packages()
        from claude_guard.entry.failure import fail_answer

        result = fail_answer(raw, reason, record, decision_id, _call["kind"] or None)
    except BaseException:
        deny(reason)  # withholds after a tool ran, and spools the record
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
    if code == PACKAGE_MISSING:
        deny(str(stderr))
    answer(code, stdout, stderr)


# ----------------------------------------------------------------------------- the last resort
#
# What answers when nothing else can (the deadline passed, the package cannot be imported, the
# event cannot be read): standard library only, and it must not fail. After a tool ran, a deny
# would only add feedback while the output still reached the model, so the output is withheld:
# in the tool's own shape where that is known (Bash, Read: seen replacing the output on
# clients 2.1.197 and 2.1.332). Where it is not (the event did not parse, another tool), the
# answer adds `continue: false`, which ends the turn before the model gets the tool's result
# (seen on both clients in `-p`); but a replacement the client ignored leaves the original in
# the transcript, and a `--resume` of that session sends it (seen on both). Every such decision
# leaves a record in the spool (claude_guard/record/spool.py brings it into the trail).

WITHHELD = "[claude-guard: output withheld, it could not be scanned completely]"
MAX_LAST_RESORT_PARSE_BYTES = 8 * 1024 * 1024  # beyond this, parsing costs more than it tells
MAX_WITHHELD_DEPTH = 32
HEAD_BYTES = 64 * 1024  # where an unparsed event's tool_name is looked for
RECORD_ID_FIELDS = ("session_id", "prompt_id", "tool_use_id", "agent_id", "agent_type")
MAX_SPOOLED_REASON_CHARS = 500
BASH_WITHHELD = {
    "stdout": WITHHELD,
    "stderr": "",
    "interrupted": False,
    "isImage": False,
    "noOutputExpected": False,
}
READ_TEXT_WITHHELD = {
    "type": "text",
    "file": {"filePath": "", "content": WITHHELD, "numLines": 1, "startLine": 1, "totalLines": 1},
}


def registered_event_kind(args: list[str]) -> str:
    """The event kind the registration passes as the argument (cli/claude_settings.py), so
    the hook knows a tool already ran even when it cannot parse the event. Old registrations
    pass none."""
    kind = args[0] if args else ""
    return kind if kind.isalnum() and len(kind) <= 64 else ""


def default_guard_home() -> str:
    return os.environ.get("CLAUDE_GUARD_HOME") or os.path.join(
        os.path.expanduser("~"), ".claude-guard"
    )


def spool_dir_of(guard_home: str) -> str:
    """The per-user spool; a managed install spools into /var/spool/claude-guard instead."""
    return os.path.join(guard_home, "spool")


def last_resort_payload() -> dict[str, Any]:
    """The event as plain JSON, or {} when it cannot be parsed (too large, too deep, torn)."""
    if _call["payload"] is None:
        _call["payload"] = {}
        raw = _call["raw"]
        if raw and len(raw) <= MAX_LAST_RESORT_PARSE_BYTES:
            import json

            try:
                parsed = json.loads(raw)
            except (ValueError, RecursionError, MemoryError):
                parsed = None
            if isinstance(parsed, dict):
                _call["payload"] = parsed
    payload: dict[str, Any] = _call["payload"]
    return payload


def last_resort_kind(payload: dict[str, Any]) -> str:
    name = payload.get("hook_event_name")
    return name if isinstance(name, str) else str(_call["kind"])


def last_resort_answer(reason: str) -> bytes | None:
    """After a tool ran, the answer that keeps its output from the model; None otherwise."""
    payload = last_resort_payload()
    if last_resort_kind(payload) != "PostToolUse":
        return None
    import json

    tool = payload.get("tool_name") if payload else sniffed_tool_name(_call["head"])
    output, shape_known = withheld_output(tool if isinstance(tool, str) else "", payload)
    shape_known = shape_known and bool(payload)  # a sniffed name may be wrong: stop as well
    answer: dict[str, Any] = {
        "hookSpecificOutput": {"hookEventName": "PostToolUse", "updatedToolOutput": output}
    }
    if not shape_known:
        answer["continue"] = False
        answer["stopReason"] = f"claude-guard: {reason}"
    return json.dumps(answer).encode()


def sniffed_tool_name(head: bytes) -> str:
    """The first `"tool_name": "X"` in an event that did not parse. It picks the replacement's
    shape only: `continue: false` goes with it, so a wrong guess still withholds in this session,
    and a right one also keeps the output out of a resumed session (whose transcript holds
    whatever replacement the client accepted; seen on 2.1.197 and 2.1.332)."""
    start = head.find(b'"tool_name"')
    if start < 0:
        return ""
    rest = head[start + len(b'"tool_name"') :].lstrip()
    if not rest.startswith(b":"):
        return ""
    rest = rest[1:].lstrip()
    if not rest.startswith(b'"'):
        return ""
    name = rest[1:].split(b'"', 1)[0]
    return name.decode("ascii", "replace") if name.isalnum() and len(name) <= 64 else ""


def withheld_output(tool: str, payload: dict[str, Any]) -> tuple[Any, bool]:
    """The output with nothing of the original text, and whether the client is known to take
    that shape for this tool."""
    response = payload.get("tool_response")
    if tool == "Bash":
        return BASH_WITHHELD, True
    if tool == "Read" and (not isinstance(response, dict) or response.get("type") == "text"):
        return READ_TEXT_WITHHELD, isinstance(response, dict)
    if response is None:
        return WITHHELD, False
    return withhold_strings(response), False


def withhold_strings(value: Any) -> Any:
    """`value` with every string replaced by the notice and anything nested deeper than
    MAX_WITHHELD_DEPTH replaced whole; iterative, so no depth can overflow the stack."""
    top: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, int]] = [(value, top, 0, 0)]
    while stack:
        node, parent, key, depth = stack.pop()
        if isinstance(node, str) or (isinstance(node, dict | list) and depth >= MAX_WITHHELD_DEPTH):
            parent[key] = WITHHELD
        elif isinstance(node, dict):
            members: dict[str, Any] = {}
            parent[key] = members
            stack += [(v, members, k, depth + 1) for k, v in node.items()]
        elif isinstance(node, list):
            parent[key] = items = [None] * len(node)
            stack += [(v, items, i, depth + 1) for i, v in enumerate(node)]
        else:
            parent[key] = node  # numbers, booleans, null: the shape, not the content
    return top[0]


def spool_last_resort(reason: str, withheld: bool) -> None:
    """Leave the last resort's record in the spool. Never raises: the answer must still go."""
    try:  # noqa: SIM105 (contextlib costs an import on every call)
        spool_record(_call["spool_dir"], last_resort_record(reason, withheld))
    except Exception:  # noqa: S110 (nothing is left to report it to; the answer still goes)
        pass


def last_resort_record(reason: str, withheld: bool) -> dict[str, Any]:
    """The fields record/record.py `failure_record` keeps, and nothing else from the event."""
    payload = last_resort_payload()
    record: dict[str, Any] = {k: v for k in RECORD_ID_FIELDS if is_identifier(v := payload.get(k))}
    kind = last_resort_kind(payload)
    if is_identifier(kind):
        record["event"] = kind
    if is_identifier(tool := payload.get("tool_name")):
        record["tool"] = tool
    reason = reason[:MAX_SPOOLED_REASON_CHARS]
    now = time.time()
    record.update(
        decided_by="hook",
        decision_id=_call["decision_id"],
        decision="redact" if withheld else "deny",
        reason=reason,
        error=reason.split(" (")[0],
        decided_at=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
        + f".{int(now % 1 * 1e6):06d}+00:00",
        spooled=True,
    )
    return record


def is_identifier(value: object) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= 128
        and all(c.isalnum() or c in "-_.:" for c in value)
    )


def spool_record(spool_dir: str, record: dict[str, Any]) -> str:
    """Write one record into `spool_dir` (made 0700, with its parents, if missing): created
    under a `.part` name with O_EXCL, synced, then renamed, so the importer never sees a torn
    record. Returns the file's path."""
    import json

    os.makedirs(spool_dir, 0o700, exist_ok=True)  # a per-user one; the managed one exists
    name = f"{time.time_ns():020d}-{record['decision_id']}"
    part = os.path.join(spool_dir, name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        data = json.dumps(record, separators=(",", ":")).encode()
        while data:
            data = data[os.write(fd, data) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    final = os.path.join(spool_dir, name + ".json")
    os.rename(part, final)
    return final


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
        head = [("request_id", self.request_id)]
        if _call["kind"]:  # the registration's event kind, for an event that does not parse
            head.append(("event_kind", _call["kind"]))
        meta = b"\0".join(os.fsencode(part) for pair in [*head, *env] for part in pair)
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
    lock_seen_at = 0.0  # when the service lock was first seen held with no socket to reach
    while True:
        if private_dir_ok(call.run_dir):
            sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
            sock.settimeout(max(0.01, until - time.monotonic()))
            try:
                sock.connect(call.socket_path)
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()
            except OSError as exc:
                sock.close()
                raise ServiceUnavailable(type(exc).__name__) from None
            else:
                if not peer_is_service(sock):
                    sock.close()
                    raise ServiceUnavailable("the socket's listener is not the service")
                return sock
        turn = "" if spawned else start_turn(call.run_dir)
        if turn == START:
            spawned = start_service(call.run_dir)
        elif turn == SERVICE_LOCKED:
            # A service is warming up, or something holds its lock and never listens (a
            # stopped process): the latter must cost seconds, not the service's share.
            lock_seen_at = lock_seen_at or time.monotonic()
            if time.monotonic() - lock_seen_at > STUCK_LOCK_SECONDS:
                raise ServiceUnavailable("the service lock is held but nothing listens")
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
        time.sleep(0.005 if spawned else 0.02)


# ------------------------------------------------------------ one start, and only the service
#
# Many hooks start at once (a session's first calls, parallel agents): if each started a service
# (which imports the whole engine) and then, finding the service not yet up, decided in-process,
# the machine would be swamped and every call would miss its deadline. One hook starts it, under
# a lock it holds until it exits; the others wait for the socket within their service share.
# A same-user process bound on the socket is not trusted either: on Linux the peer must be this
# interpreter running the service module (a same-user attacker can still edit the per-user venv;
# the managed system service is the real answer there).

START_LOCK_NAME = "start.lock"
SERVICE_LOCK_NAME = "service.lock"
# A service takes its lock, warms up (about a second, more under load), then listens. A lock
# held longer than this with no socket is stuck (the lock wait plus the start race, as before).
STUCK_LOCK_SECONDS = 5.0
SERVICE_MODULE = b"claude_guard.entry.service"
# How hooks start it (-I), and how tests start one with a PYTHONPATH shim.
SERVICE_ARGS = ([b"-I", b"-m", SERVICE_MODULE], [b"-m", SERVICE_MODULE])
_start_lock: list[int] = []  # held open (and so locked) until this process exits


START = "start"  # this hook starts the service
SERVICE_LOCKED = "service-locked"  # a service holds its lock: up, warming up, or stuck
WAIT = "wait"  # another hook is starting it


def start_turn(run_dir: str) -> str:
    """Whether this hook is the one to start the service: START when no service holds its lock
    and no other hook has taken the start lock (kept until this process exits)."""
    import fcntl

    try:  # noqa: SIM105
        os.mkdir(run_dir, 0o700)
    except OSError:
        pass
    if not private_dir_ok(run_dir):
        return WAIT
    try:
        fd = os.open(os.path.join(run_dir, START_LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return START  # no lock to be had: start it, as before there was one
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return WAIT
    if lock_is_held(os.path.join(run_dir, SERVICE_LOCK_NAME)):
        os.close(fd)
        return SERVICE_LOCKED
    _start_lock.append(fd)
    return START


def lock_is_held(path: str) -> bool:
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing drops the lock taken for the test
    return False


def peer_is_service(sock: _socket.socket) -> bool:
    """On Linux: the peer (from the kernel, SO_PEERCRED) is this user, running this interpreter
    with the service module. Elsewhere only the private directory vouches for the socket."""
    if not hasattr(_socket, "SO_PEERCRED"):
        return True
    try:
        creds = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
        pid, uid = (int.from_bytes(creds[i : i + 4], sys.byteorder) for i in (0, 4))
        if uid != os.getuid() or pid <= 0:
            return False
        exe = os.readlink(f"/proc/{pid}/exe")
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read().split(b"\0")
    except OSError:
        return False
    if exe != os.path.realpath(sys.executable):
        return False
    return any(argv[1 : 1 + len(args)] == args for args in SERVICE_ARGS)


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
    until = started + deadline_seconds * (MANAGED_SERVICE_SHARE if managed else SERVICE_SHARE)
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
    # One id per call, in its audit record whoever decides it (the service, this process or
    # the last resort's spool), made first so that even a failed read has one.
    decision_id = _call["decision_id"] = os.urandom(16).hex()
    _call["kind"] = registered_event_kind(sys.argv[1:])
    # A managed machine's last resort spools where root's system service collects it.
    _call["spool_dir"] = MANAGED_SPOOL_DIR if managed else spool_dir_of(default_guard_home())
    # Reading gets most of the deadline, so a stuck stdin is reported as such, not as a timeout.
    raw = _call["raw"] = read_event(limit, started + deadline_seconds * 0.8)
    if managed:
        decide_with_service(raw, started, deadline_seconds, decision_id, True)
        deny("the claude-guard system service gave no answer; denied")
    if os.environ.get("CLAUDE_GUARD_SERVICE", "on") != "off":
        decide_with_service(raw, started, deadline_seconds, decision_id, False)
    decide_in_process(raw, started, deadline_seconds, decision_id)


if __name__ == "__main__":
    try:
        main()
    except BaseException as exc:
        deny(f"internal error in the hook ({type(exc).__name__}); denied")
