"""File operations shared across the package: replace a file so that no reader ever sees it
half-written, hold an exclusive lock across processes, and walk a directory tree within a
bound, with one rule for symbolic links."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class TreeEntry:
    path: str  # the root joined with the names below it (not resolved)
    depth: int  # 0 for the root, 1 for what is directly in it ...
    is_dir: bool  # a directory the walk goes into; a link to one is not
    is_link: bool  # a symbolic link, reported but never followed


class TreeWalk:
    """The entries of a directory tree, the root first, at most `max_entries` of them.

    Symbolic links met below the root are reported as entries and never followed, as
    `find`, `grep -r` and ripgrep do by default: a link cannot lead the walk out of the tree
    or round in a cycle. The root itself is followed when it is a link, as those tools do
    with a path named on their command line. Directories that cannot be listed are passed
    over. Within a directory entries come in the order the file system lists them; a
    directory's entries all come before those of the subdirectories met in it, the last
    subdirectory listed being walked first.

    `truncated` tells, once iterated, whether entries were left out for `max_entries`.
    Iterating again walks the tree again.
    """

    def __init__(
        self, root: str, max_entries: int, max_depth: int | None, prune: frozenset[str]
    ) -> None:
        self.root, self.max_entries, self.max_depth = root, max_entries, max_depth
        self.prune = prune
        self.truncated = False

    def __iter__(self) -> Iterator[TreeEntry]:
        self.truncated = False
        for count, entry in enumerate(self._entries()):
            if count >= self.max_entries:
                self.truncated = True
                return
            yield entry

    def _entries(self) -> Iterator[TreeEntry]:
        if not os.path.lexists(self.root):
            return
        yield TreeEntry(self.root, 0, os.path.isdir(self.root), os.path.islink(self.root))
        stack = [(self.root, 0)]
        while stack:
            directory, depth = stack.pop()
            if self.max_depth is not None and depth >= self.max_depth:
                continue
            try:
                with os.scandir(directory) as listing:
                    entries = list(listing)
            except OSError:
                continue
            for entry in entries:
                is_dir = entry.is_dir(follow_symlinks=False)
                yield TreeEntry(entry.path, depth + 1, is_dir, entry.is_symlink())
                if is_dir and entry.name not in self.prune:
                    stack.append((entry.path, depth + 1))


def walk_tree(
    root: str,
    *,
    max_entries: int,
    max_depth: int | None = None,
    prune: frozenset[str] = frozenset(),
) -> TreeWalk:
    """The entries under `root` (see `TreeWalk`): `for entry in (walk := walk_tree(...))`,
    then `walk.truncated`. `max_depth` 0 gives the root alone, 1 adds what is in it ...
    Directories named in `prune` (say `.git`) are reported but not entered."""
    return TreeWalk(root, max_entries, max_depth, prune)
