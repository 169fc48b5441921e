"""Records that a hook's last resort left in the spool, brought into the chained audit trail.

The hook script's last resort (a deadline passed, the package cannot be imported) cannot write
the trail: it has no key handling, no lock discipline, maybe no package. It writes one small
JSON file per decision instead (hooks/claude_guard_hook.py `spool_record`): created as
`<name>.part` with O_EXCL, fsynced, then renamed to `<ns timestamp>-<decision id>.json`. Only
`*.json` names are imported, so a file cut short by a crash (still `.part`) is never taken as
a record; a `.json` that does not parse or carries what a spool record cannot carry is moved
aside as `.bad` and counted, never imported.

Import order is the names' order (their nanosecond timestamps); each file is recorded, then
removed, under the spool's lock, so two importers do not record one file twice. A crash between
the two leaves the file and imports it again: a duplicate, never a loss.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claude_guard.fsutil import locked
from claude_guard.record.audit_log import AuditError, AuditLog

SPOOL_SUFFIX = ".json"
_NAME = re.compile(r"[0-9]{20}-[0-9a-f]{32}\.json")
MAX_SPOOL_FILE_BYTES = 16 * 1024
MAX_REASON_CHARS = 500
# What a spooled record may carry, each checked by kind; anything else makes the file bad.
_IDENTIFIER_FIELDS = (
    "session_id",
    "prompt_id",
    "tool_use_id",
    "agent_id",
    "agent_type",
    "event",
    "tool",
    "decision_id",
)
_DECISIONS = ("deny", "redact")


@dataclass(frozen=True, slots=True)
class SpoolImport:
    imported: int
    bad: int


def import_spool(
    directory: Path,
    log: AuditLog,
    stamp: Callable[[os.stat_result], dict[str, Any]] | None = None,
) -> SpoolImport:
    """Record every complete spool file in `directory` into `log`, oldest first, and remove it.
    `stamp` adds what the importer knows of a file that its writer cannot forge (a shared spool:
    who owns it); it is applied after the file's own fields were checked."""
    if not _has_records(directory):
        return SpoolImport(0, 0)
    imported = bad = 0
    with locked(directory / ".lock"):
        for path in sorted(p for p in directory.iterdir() if p.name.endswith(SPOOL_SUFFIX)):
            fields = read_spooled(path)
            if fields is not None and stamp is not None:
                try:
                    fields.update(stamp(path.lstat()))
                except OSError:
                    fields = None
            if fields is None:
                bad += 1
                with contextlib.suppress(OSError):
                    os.replace(path, path.with_suffix(".bad"))
                continue
            log.record(**fields)  # AuditError propagates: the file stays for the next try
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            imported += 1
    return SpoolImport(imported, bad)


def _has_records(directory: Path) -> bool:
    """Cheap enough to run before every record: one directory listing, usually empty."""
    try:
        with os.scandir(directory) as entries:
            return any(e.name.endswith(SPOOL_SUFFIX) for e in entries)
    except OSError:
        return False


def read_spooled(path: Path) -> dict[str, Any] | None:
    """The record fields of one spool file, or None when it is not a valid spool record."""
    if not _NAME.fullmatch(path.name):
        return None
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SPOOL_FILE_BYTES + 1)
        if len(data) > MAX_SPOOL_FILE_BYTES:
            return None
        spooled = json.loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(spooled, dict) or spooled.get("spooled") is not True:
        return None
    return _checked_fields(spooled, path.name.split("-", 1)[1].removesuffix(SPOOL_SUFFIX))


def _checked_fields(spooled: dict[str, Any], name_id: str) -> dict[str, Any] | None:
    """Only what the hook's last resort writes, each of the right kind: a spool file written by
    anything else (in the managed spool, any user can write one) cannot add other fields."""
    allowed = {*_IDENTIFIER_FIELDS, "decision", "reason", "error", "decided_at", "spooled"}
    allowed |= {"decided_by", "hook_pid"}
    if set(spooled) - allowed or spooled.get("decision_id") != name_id:
        return None
    if spooled.get("decision") not in _DECISIONS or spooled.get("decided_by") != "hook":
        return None
    for key in _IDENTIFIER_FIELDS:
        if key in spooled and not _is_identifier(spooled[key]):
            return None
    for key in ("reason", "error", "decided_at"):
        value = spooled.get(key)
        if value is not None and not (isinstance(value, str) and len(value) <= MAX_REASON_CHARS):
            return None
    pid = spooled.get("hook_pid")
    if pid is not None and not (isinstance(pid, int) and not isinstance(pid, bool) and pid > 0):
        return None
    return dict(spooled)


def _is_identifier(value: object) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= 128
        and all(c.isalnum() or c in "-_.:" for c in value)
    )


def import_quietly(directory: Path, log: AuditLog) -> SpoolImport:
    """For callers about to write their own record: a spool that cannot be imported now stays
    for the next writer and must not cost this call its own record."""
    try:
        return import_spool(directory, log)
    except (AuditError, OSError):
        return SpoolImport(0, 0)
