"""The decision log: one JSON line per decision, HMAC-chained so tampering is evident.

Data flows one way through a structlog pipeline of small pure processors (timestamp, static
context, field allow-list, value-free error rendering); the last stage is a sink that, under an
exclusive file lock, numbers the record, links it to the previous record's MAC, signs it and
appends it with a single write. Many hook processes may log at once: the lock serialises them,
so no line is interleaved, lost or duplicated, and the chain stays linear.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import hmac
import json
import os
import socket
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from claude_guard import __version__
from claude_guard.fsutil import atomic_write, locked
from claude_guard.home import GuardHome, KeyFileError, derive_key

# Every key a record may carry. Anything else is dropped before it can reach the disk, so a
# careless caller cannot log a file's contents or a matched value by adding a field.
AUDIT_FIELDS = (
    "time",
    "host",
    "user",
    "pid",
    "version",
    "event",
    "session_id",
    "prompt_id",
    "tool_use_id",
    "agent_id",
    "agent_type",
    "tool",
    "decision",
    "policy_decision",
    "mode",
    "rule_ids",
    "reason",
    "paths",
    "findings",
    "notes",
    "error",
    "policy_hash",
    "policy_version",
    "duration_ms",
    "decided_by",
    "decision_id",
    "hook_pid",
    "route",
    "spooled",  # a last-resort record the hook left in the spool (record/spool.py)
    "decided_at",  # when a spooled decision was made; `time` is when it joined the trail
    "client_version",
    "posture",
    "heartbeat_minutes",
)
CHAIN_FIELDS = ("seq", "prev", "mac")
GENESIS = "0" * 64

EventDict = MutableMapping[str, Any]


class AuditError(Exception):
    """The decision could not be recorded (the caller denies: no unaudited decisions)."""


# ----------------------------------------------------------------------------- processors


def add_timestamp(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    event_dict["time"] = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    return event_dict


def static_context() -> dict[str, Any]:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return {"host": socket.gethostname(), "user": user, "pid": os.getpid(), "version": __version__}


def make_add_static(context: dict[str, Any]) -> Any:
    def add_static(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
        for key, value in context.items():
            event_dict.setdefault(key, value)
        return event_dict

    return add_static


def keep_audit_fields(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """Drop anything not on the allow-list and every empty value; fix the key order."""
    return {k: event_dict[k] for k in AUDIT_FIELDS if event_dict.get(k) not in (None, "", [], ())}


# ----------------------------------------------------------------------------- sink


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(record: dict[str, Any], key: bytes) -> str:
    return hmac.new(key, canonical(record), hashlib.sha256).hexdigest()


class ChainedJsonlSink:
    """structlog's final 'logger': appends signed records to `<dir>/<UTC date>.jsonl`."""

    def __init__(self, directory: Path, key: bytes) -> None:
        self.directory = directory
        self._key = key

    def msg(self, **record: Any) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with locked(self.directory / ".lock"):
            state = self._read_state()
            record["seq"] = state["seq"] + 1
            record["prev"] = state["mac"]
            record["mac"] = sign(record, self._key)
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
            name = self.directory / f"{record['time'][:10]}.jsonl"
            fd = os.open(name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                data = line.encode()
                if os.write(fd, data) != len(data):
                    raise AuditError("short write to the audit log")
            finally:
                os.close(fd)
            self._write_state({"seq": record["seq"], "mac": record["mac"]})

    # Same interface for every level structlog may call.
    info = warning = error = msg

    def _read_state(self) -> dict[str, Any]:
        try:
            state = json.loads((self.directory / ".chain").read_text())
            return {"seq": int(state["seq"]), "mac": str(state["mac"])}
        except FileNotFoundError:
            return {"seq": 0, "mac": GENESIS}
        except (ValueError, KeyError, TypeError):
            # A damaged state file must not stop logging; the break shows up in `audit verify`.
            return {"seq": 0, "mac": "state-damaged"}

    def _write_state(self, state: dict[str, Any]) -> None:
        # Signed, so that `audit verify` can tell whether the newest records were removed.
        state = {**state, "sig": _state_signature(state["seq"], state["mac"], self._key)}
        atomic_write(self.directory / ".chain", json.dumps(state).encode())


# ----------------------------------------------------------------------------- logger


@dataclass(frozen=True)
class AuditLog:
    directory: Path
    key: bytes

    def logger(self) -> Any:
        return structlog.wrap_logger(
            ChainedJsonlSink(self.directory, derive_key(self.key, "audit-chain")),
            processors=[
                add_timestamp,
                make_add_static(static_context()),
                keep_audit_fields,
            ],
            # The sink is called as sink.info(**record): hand it the dict as keyword arguments.
            wrapper_class=structlog.BoundLogger,
        )

    def record(self, **fields: Any) -> None:
        try:
            self.logger().info(**fields)
        except AuditError:
            raise
        except Exception as exc:  # disk full, permissions, a bad state file ...
            raise AuditError(f"cannot write the audit log ({type(exc).__name__})") from None


def open_audit_log(home: GuardHome, key: bytes | None = None) -> AuditLog:
    """The home's audit trail, signed with `key` (the installation key) when the caller has
    already read it, else with the key read now."""
    if key is None:
        try:
            key = home.load_key()
        except KeyFileError as exc:
            raise AuditError(str(exc)) from None
    return AuditLog(home.audit_dir, key)


# ----------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class VerifyResult:
    records: int
    problems: list[str]


def verify_chain(directory: Path, key: bytes) -> VerifyResult:
    """Check every record's MAC and its link to the one before, across all daily files, and
    that the last record is the one the signed chain state names (so removing the newest
    records shows too)."""
    chain_key = derive_key(key, "audit-chain")
    problems: list[str] = []
    prev, seq, count = GENESIS, 0, 0
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            where = f"{path.name}:{number}"
            count += 1
            try:
                record = json.loads(line)
                mac = record.pop("mac")
            except (ValueError, KeyError, AttributeError, TypeError):
                problems.append(f"{where}: not a signed record")
                continue
            if not isinstance(mac, str) or not isinstance(record.get("seq"), int):
                problems.append(f"{where}: not a signed record")
                continue
            if not hmac.compare_digest(mac, sign(record, chain_key)):
                problems.append(f"{where}: MAC mismatch (record altered)")
            if record.get("prev") != prev:
                problems.append(
                    f"{where}: chain broken (a record before it was removed or altered)"
                )
            if record["seq"] != seq + 1:
                problems.append(f"{where}: sequence {record['seq']} after {seq}")
            prev, seq = mac, record["seq"]
    problems += _check_tail(directory, chain_key, seq, prev, count)
    return VerifyResult(count, problems)


def _check_tail(directory: Path, chain_key: bytes, seq: int, mac: str, count: int) -> list[str]:
    try:
        state = json.loads((directory / ".chain").read_text())
    except FileNotFoundError:
        return [".chain: missing, but records exist"] if count else []
    except ValueError:
        return [".chain: not readable"]
    if not isinstance(state, dict) or not hmac.compare_digest(
        str(state.get("sig", "")), _state_signature(state.get("seq"), state.get("mac"), chain_key)
    ):
        return [".chain: signature mismatch (chain state altered)"]
    if state.get("seq") != seq or state.get("mac") != mac:
        return [
            f".chain: the log ends at record {seq} but {state.get('seq')} were written "
            "(the newest records were removed)"
        ]
    return []


def _state_signature(seq: object, mac: object, chain_key: bytes) -> str:
    return hmac.new(chain_key, f"{seq}:{mac}".encode(), hashlib.sha256).hexdigest()
