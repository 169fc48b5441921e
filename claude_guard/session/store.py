"""Per-session memory: what sensitive data a session has seen, and its redaction placeholders.

One small JSON file per Claude Code session under `<guard home>/sessions/`. Many hook processes
of one session run at once (matching hooks run in parallel, tool calls can be concurrent), so
every read-modify-write holds an exclusive flock on a sibling `.lock` file and replaces the data
file atomically; a reader without the lock therefore always sees a whole file, old or new.

The file never holds a matched value: placeholders are keyed by the scanner's keyed fingerprint
(an HMAC), so the same value gets the same placeholder within a session without being stored.
Nothing here logs. A corrupt or oversized file is treated as absent (fresh state), never a crash.
"""

from __future__ import annotations

import contextlib
import copy
import errno
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from claude_guard.fsutil import atomic_write, locked, remove_locked
from claude_guard.home import GuardHome
from claude_guard.session.effects import Effects, Sighting

SWEEP_STAMP = ".last-sweep"
LOCK_SUFFIX = ".lock"
SWEEP_INTERVAL_SECONDS = 3600.0
DEFAULT_MAX_AGE_SECONDS = 7 * 24 * 3600.0
# Bounds keep every hook's load/save cheap however long a session runs. When a table is full the
# oldest entries go first; placeholder counters never go back, so an evicted value seen again
# gets a new number rather than one that already names a different value.
MAX_PLACEHOLDERS = 4096
MAX_FILES = 2048
MAX_TAINTED = 2048
MAX_PATH_CHARS = 4096
MAX_STATE_BYTES = 2 * 1024 * 1024
STATE_VERSION = 1

T = TypeVar("T")
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_SAFE_TYPE = re.compile(r"[^A-Z0-9_]")


@dataclass
class SessionState:
    """Everything remembered about one session. Paths, counts and fingerprints only."""

    phi_seen: bool = False
    secret_seen: bool = False
    counts: dict[str, int] = field(default_factory=dict)  # finding type -> occurrences seen
    files: dict[str, list[str]] = field(default_factory=dict)  # path -> categories found in it
    tainted: dict[str, str] = field(default_factory=dict)  # path -> protected path it came from
    placeholders: dict[str, str] = field(default_factory=dict)  # fingerprint -> placeholder
    counters: dict[str, int] = field(default_factory=dict)  # finding type -> last number used
    updated: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "phi_seen": self.phi_seen,
            "secret_seen": self.secret_seen,
            "counts": self.counts,
            "files": self.files,
            "tainted": self.tainted,
            "placeholders": self.placeholders,
            "counters": self.counters,
            "updated": self.updated,
        }

    @classmethod
    def from_json(cls, data: Any) -> SessionState:
        """Strictly typed parse; anything unexpected raises ValueError (caller starts fresh)."""
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError("unknown session state layout")
        return cls(
            phi_seen=_typed(data.get("phi_seen", False), bool),
            secret_seen=_typed(data.get("secret_seen", False), bool),
            counts=_str_map(data.get("counts", {}), int),
            files={k: _str_list(v) for k, v in _str_map(data.get("files", {}), list).items()},
            tainted=_str_map(data.get("tainted", {}), str),
            placeholders=_str_map(data.get("placeholders", {}), str),
            counters=_str_map(data.get("counters", {}), int),
            updated=float(_typed(data.get("updated", 0.0), (int, float))),
        )


def _typed(value: Any, kind: type | tuple[type, ...]) -> Any:
    # bool is an int subclass: a count of `true` is corruption, not 1.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError("session state field has the wrong type")
    return value


def _str_map(value: Any, kind: type) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("session state table has the wrong type")
    return {_typed(k, str): _typed(v, kind) for k, v in value.items()}


def _str_list(value: list[Any]) -> list[str]:
    return [_typed(v, str) for v in value]


def sessions_dir(home: Path) -> Path:
    """Where `home` (a guard home's root) keeps session state."""
    return GuardHome(home).sessions_dir


def safe_session_name(session_id: str) -> str:
    """A file name for a session id. Ids are UUIDs; anything else is hashed so that a hostile id
    can never climb out of the sessions directory or collide with the sweep stamp."""
    if _SAFE_ID.match(session_id):
        return session_id
    return "h-" + hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def placeholder_label(finding_type: str) -> str:
    """The type as it may appear inside a placeholder (types are already UPPER_SNAKE)."""
    return _SAFE_TYPE.sub("_", finding_type.upper())[:64] or "SENSITIVE"


class Session:
    """A handle on one session's state file. Cheap to create; every change is one locked
    load-modify-replace. If storage fails (full disk, permissions) the change is still applied to
    an in-memory copy and `storage_error` names the failure, because a redaction must never be
    skipped just because its placeholders could not be remembered."""

    def __init__(self, session_id: str, home: Path) -> None:
        self.directory = sessions_dir(home)
        name = safe_session_name(session_id)
        self.path = self.directory / f"{name}.json"
        self._lock_path = self.directory / f"{name}{LOCK_SUFFIX}"
        self._memory: SessionState | None = None
        self.storage_error: str | None = None  # e.g. "OSError:ENOSPC"; safe to log
        self.recovered = False  # a corrupt state file was discarded

    # ------------------------------------------------------------------ reading and writing

    def load(self) -> SessionState:
        """A snapshot without the lock (the file is only ever replaced whole)."""
        if self._memory is not None:
            return self._memory
        try:
            return self._read()
        except OSError as exc:
            self.storage_error = _describe_os_error(exc)
            return unknown_history()

    def update(self, change: Callable[[SessionState], T]) -> T:
        """Exclusive read-modify-write: apply `change` to the current state and save it."""
        if self._memory is not None:
            return change(self._memory)
        state = SessionState()
        saved_result: list[T] = []
        try:
            with self._locked():
                state = self._read()
                result = change(state)
                saved_result = [result]
                state.updated = time.time()
                _bound(state)
                self._write(state)
                return result
        except OSError as exc:
            self.storage_error = _describe_os_error(exc)
            if saved_result:  # the change was applied in memory; only the save failed
                self._memory = state
                return saved_result[0]
            # Carry on in memory: later calls on this handle see the same placeholders.
            self._memory = unknown_history()
            return change(self._memory)

    def _read(self) -> SessionState:
        try:
            with open(self.path, "rb") as handle:
                raw = handle.read(MAX_STATE_BYTES + 1)
        except FileNotFoundError:
            return SessionState()
        try:
            if len(raw) > MAX_STATE_BYTES:
                raise ValueError("session state too large")
            return SessionState.from_json(json.loads(raw))
        except (ValueError, TypeError, RecursionError):
            # Corrupt, truncated by a crash of an older version, or tampered with. Crashing is
            # not an option, and neither is forgetting: a fresh state would lift `after_phi`.
            self.recovered = True
            return unknown_history()

    @property
    def history_unknown(self) -> bool:
        """The state could not be read: what the session saw is assumed, not known."""
        return self.recovered or self.storage_error is not None

    def _write(self, state: SessionState) -> None:
        atomic_write(self.path, _serialise(state))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        _ensure_private_dir(self.directory)
        with locked(self._lock_path):
            yield

    # ------------------------------------------------------------------ what callers record

    def placeholders_for(self, sightings: Sequence[Sighting]) -> dict[str, str]:
        """The session's placeholder for each fingerprint, assigning new ones as needed, and
        record what was seen. One transaction, so concurrent hooks agree on every number."""

        return self.update(lambda state: learn(state, Effects(sightings=tuple(sightings))))

    def record_file(self, path: str, categories: Sequence[str]) -> None:
        """A file the session touched, with the categories of data found in it (may be none)."""

        def change(state: SessionState) -> None:
            key = path[:MAX_PATH_CHARS]
            known = set(state.files.pop(key, []))  # pop, then set: most recent goes last
            state.files[key] = sorted(known | set(categories))
            state.phi_seen |= "phi" in categories
            state.secret_seen |= "secret" in categories

        self.update(change)

    def taint(self, path: str, source: str) -> None:
        """`path` now holds data copied or derived from the protected `source`."""

        self.update(lambda state: _taint(state, path, source))

    def taint_source(self, path: str) -> str | None:
        """The protected path `path` was derived from, if the session tainted it."""
        return self.load().tainted.get(path)


def learn(state: SessionState, effects: Effects) -> dict[str, str]:
    """Apply what a decision asks the session to remember; the placeholder of each sighting."""
    for path, source in effects.tainted:
        _taint(state, path, source)
    for sighting in effects.sightings:
        _assign(state, sighting)
        _note_seen(state, sighting.category, sighting.type)
    return {s.fingerprint: state.placeholders[s.fingerprint] for s in effects.sightings}


def _taint(state: SessionState, path: str, source: str) -> None:
    key = path[:MAX_PATH_CHARS]
    state.tainted.pop(key, None)
    state.tainted[key] = source[:MAX_PATH_CHARS]


def _assign(state: SessionState, sighting: Sighting) -> None:
    if sighting.fingerprint in state.placeholders:
        return
    label = placeholder_label(sighting.type)
    number = state.counters.get(label, 0) + 1
    state.counters[label] = number
    state.placeholders[sighting.fingerprint] = f"<{label}_{number}>"


def _note_seen(state: SessionState, category: str, finding_type: str) -> None:
    state.counts[finding_type] = state.counts.get(finding_type, 0) + 1
    state.phi_seen |= category == "phi"
    state.secret_seen |= category == "secret"


def unknown_history() -> SessionState:
    """The state to assume when the real one cannot be read: that the session saw PHI and
    secrets, so the session rules stay as strict as they may have been."""
    return SessionState(phi_seen=True, secret_seen=True)


def _bound(state: SessionState) -> None:
    """Drop the oldest entries of any table over its bound (dicts keep insertion order)."""
    for table, limit in (
        (state.placeholders, MAX_PLACEHOLDERS),
        (state.files, MAX_FILES),
        (state.tainted, MAX_TAINTED),
    ):
        _trim(table, limit)


def _serialise(state: SessionState) -> bytes:
    """The file's bytes, always within MAX_STATE_BYTES: a file over the cap could not be read
    back, and the session would forget what it saw. The largest table gives way first."""
    while True:
        data = json.dumps(state.to_json(), separators=(",", ":"), sort_keys=True).encode()
        tables: list[dict[str, Any]] = [state.placeholders, state.files, state.tainted]
        largest = max(tables, key=len)
        if len(data) <= MAX_STATE_BYTES or not largest:
            return data
        _trim(largest, len(largest) // 2)


def _trim(table: dict[str, Any], limit: int) -> None:
    excess = len(table) - limit
    for key in list(table)[: max(0, excess)]:
        del table[key]


def _ensure_private_dir(directory: Path) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkdir's mode is filtered by the umask, and an existing directory keeps its mode.
    if directory.stat().st_mode & 0o777 != 0o700:
        os.chmod(directory, 0o700)


def _describe_os_error(exc: OSError) -> str:
    """Error type and errno name only: the message may embed a path, never a value, but keep
    the record minimal anyway."""
    code = errno.errorcode.get(exc.errno or 0, "") if exc.errno else ""
    return f"{type(exc).__name__}:{code}" if code else type(exc).__name__


# ---------------------------------------------------------------------------- cleanup


def end_session(session_id: str, home: Path) -> None:
    """SessionEnd: forget the session (state and lock file). Missing files are fine."""
    session = Session(session_id, home)
    remove_locked(session._lock_path, session.path)


def sweep(
    max_age_seconds: float,
    home: Path,
    now: float | None = None,
) -> int:
    """Remove session files untouched for `max_age_seconds` (sessions that never sent a
    SessionEnd: crashes, killed terminals). Returns how many files were removed."""
    directory = sessions_dir(home)
    cutoff = (time.time() if now is None else now) - max_age_seconds
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if entry.name == SWEEP_STAMP or not entry.is_file(follow_symlinks=False):
            continue
        with contextlib.suppress(FileNotFoundError):
            if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                continue
            if entry.name.endswith(LOCK_SUFFIX):
                # Only under the lock, and never while a hook holds it: removing a held lock
                # file would let the next process lock a different file.
                removed += remove_locked(Path(entry.path), wait=False)
            else:
                os.unlink(entry.path)
                removed += 1
    return removed


def maybe_sweep(
    max_age_seconds: float,
    home: Path,
    interval_seconds: float = SWEEP_INTERVAL_SECONDS,
    now: float | None = None,
) -> int:
    """Sweep at most once per interval, so hooks can call this on every event for one stat()."""
    directory = sessions_dir(home)
    stamp = directory / SWEEP_STAMP
    current = time.time() if now is None else now
    try:
        if current - stamp.stat().st_mtime < interval_seconds:
            return 0
    except FileNotFoundError:
        pass
    try:
        _ensure_private_dir(directory)
        stamp.touch(mode=0o600)
        os.utime(stamp, (current, current))
    except OSError:
        return 0  # cleanup is best effort; it must never fail a hook
    return sweep(max_age_seconds, home, current)


def summary(state: SessionState) -> Mapping[str, Any]:
    """A value-free view for audit records: flags and counts, no paths or fingerprints."""
    return {
        "phi_seen": state.phi_seen,
        "secret_seen": state.secret_seen,
        "counts": dict(state.counts),
        "files": len(state.files),
        "tainted": len(state.tainted),
    }


# ---------------------------------------------------------------------------- for decisions


@dataclass(frozen=True)
class SessionMemory:
    """A snapshot of what a session remembers, for a decision to read: the decision never
    writes it (it asks for changes as effects)."""

    state: SessionState
    history_unknown: bool = False  # the state could not be read: assume the worst
    storage_error: str | None = None  # why, by error type only (e.g. "OSError:ENOSPC")

    @classmethod
    def empty(cls) -> SessionMemory:
        return cls(SessionState())


def memory_of(session_id: str, home: Path) -> SessionMemory:
    """The session's state as it is now (read without the lock: the file is replaced whole)."""
    session = Session(session_id, home)
    state = session.load()
    return SessionMemory(state, session.history_unknown, session.storage_error)


@dataclass(frozen=True)
class AppliedEffects:
    placeholders: dict[str, str]  # fingerprint -> the session's placeholder for it
    notes: tuple[str, ...] = ()  # what could not be stored, by error type only


def apply_effects(session_id: str, home: Path, effects: Effects) -> AppliedEffects:
    """Make the session remember what a decision asks, in one locked transaction, so that
    concurrent hooks of one session agree on every placeholder. A storage failure is a note,
    never a skipped redaction: the placeholders are then assigned in memory."""
    placeholders: dict[str, str] = {}
    notes: list[str] = []
    if effects.touches_session:
        session = Session(session_id, home)
        placeholders = session.update(lambda state: learn(state, effects))
        if session.storage_error:
            notes.append(f"session state not stored ({session.storage_error})")
    if effects.end_session:
        end_session(session_id, home)  # forget placeholders and state
    if effects.sweep_sessions:
        maybe_sweep(DEFAULT_MAX_AGE_SECONDS, home)  # sessions that never ended (killed terminals)
    return AppliedEffects(placeholders, tuple(notes))


def preview_effects(memory: SessionMemory, effects: Effects) -> AppliedEffects:
    """What `apply_effects` would give, worked out on a copy: for dry runs, which must leave
    the guard home exactly as it was."""
    state = copy.deepcopy(memory.state)
    return AppliedEffects(learn(state, effects))
