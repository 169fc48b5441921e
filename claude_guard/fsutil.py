"""Two file operations every writer here needs: replace a file so that no reader ever sees it
half-written, and hold an exclusive lock across processes."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`.

    A reader (a hook starting mid-install, another process reading session state) sees the old
    file or the new one, never an empty or partial one. A symlinked `path` (a dotfiles link)
    is followed, so the link stays and its target is what changes.
    """
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def locked(lock_path: Path) -> Iterator[None]:
    """An exclusive flock on `lock_path` (created 0600), released when the block ends.

    A lock file may be removed (see `remove_locked`); a process that was waiting on the removed
    file would otherwise hold a lock nobody else can see. So after taking the lock, the file
    must still be the one at `lock_path`, or the whole thing starts again.
    """
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if _still_there(fd, lock_path):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield
    finally:
        os.close(fd)  # closing releases the lock


def remove_locked(lock_path: Path, *paths: Path, wait: bool = True) -> bool:
    """Remove `paths` and then the lock file itself, holding the lock throughout, so that no
    other holder exists while the lock file goes. Without `wait`, a busy lock is left alone
    (returns False)."""
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except FileNotFoundError:
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return True
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        if not _still_there(fd, lock_path):
            return remove_locked(lock_path, *paths, wait=wait)
        for path in (*paths, lock_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return True
    finally:
        os.close(fd)


def _still_there(fd: int, lock_path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(lock_path).st_ino
    except FileNotFoundError:
        return False
