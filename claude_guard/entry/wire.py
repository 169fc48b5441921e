"""Where the service's socket lives and the wire format between hook client and service.

The hook client (hooks/claude_guard_hook.py) runs without site-packages and so cannot import
this module: it carries its own copy of these few rules, and tests/unit/entry/test_service.py
checks that both sides agree by running the real client against the real service.

Request:  REQUEST_MAGIC, meta length (4 bytes, big-endian), meta, event length (8 bytes), event.
          The meta is NUL-separated key/value pairs (environment values cannot contain NUL).
Response: RESPONSE_MAGIC, status (b"A" answered, b"R" refused: decide elsewhere), exit code
          (1 byte), stdout length (4 bytes) and bytes, stderr length (4 bytes) and bytes.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

# Where the socket lives is the guard home's business; the names stay importable from here.
from claude_guard.home import MAX_SOCKET_PATH, SOCKET_NAME, runtime_dir

__all__ = ["MAX_SOCKET_PATH", "SOCKET_NAME", "runtime_dir"]

REQUEST_MAGIC = b"CGRQ1\n"
RESPONSE_MAGIC = b"CGRS1\n"
ANSWERED = b"A"
REFUSED = b"R"
MAX_META_BYTES = 64 * 1024
MAX_EVENT_BYTES = 64 * 1024 * 1024  # the hook's own hard cap; the policy sets the real limit


class UnsafeRuntimeDir(Exception):
    """The directory exists but another user could reach into it."""


def ensure_private_dir(path: Path) -> Path:
    """Create `path` as 0700, or check that the existing one is a real directory of ours that
    nobody else can enter. A socket's own mode is not honoured everywhere; its directory's is."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeRuntimeDir(f"{path} is not a directory")
    if info.st_uid != os.getuid():
        raise UnsafeRuntimeDir(f"{path} belongs to another user")
    if info.st_mode & 0o077:
        raise UnsafeRuntimeDir(f"{path} is open to other users (mode {info.st_mode & 0o777:o})")
    return path


def encode_meta(fields: dict[str, str]) -> bytes:
    return b"\0".join(os.fsencode(part) for pair in fields.items() for part in pair)


def encode_request(fields: dict[str, str], event: bytes = b"") -> bytes:
    meta = encode_meta(fields)
    return b"".join(
        (REQUEST_MAGIC, len(meta).to_bytes(4, "big"), meta, len(event).to_bytes(8, "big"), event)
    )


def decode_meta(data: bytes) -> dict[str, str]:
    parts = data.split(b"\0") if data else []
    if len(parts) % 2:
        raise ValueError("meta is not key/value pairs")
    return {os.fsdecode(parts[i]): os.fsdecode(parts[i + 1]) for i in range(0, len(parts), 2)}
