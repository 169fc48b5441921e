"""Which Claude Code client started this hook: its version, found without running anything.

Seen on the real clients (2.1.197 and 2.1.332, December 2026): the client starts a hook as
`/bin/sh -c <command>`, so the hook's grandparent (the parent when the shell execs) is the
client. Its `/proc/<pid>/exe` is the native binary inside the npm package
`@anthropic-ai/claude-code` (`…/@anthropic-ai/claude-code/bin/claude.exe`), whose
`package.json` one level up names the version. The native installer keeps each version as
`…/claude/versions/<version>`, so there the path itself says it. Both clients also set
`AI_AGENT=claude-code_<major>-<minor>-<patch>_<entrypoint>` for hooks.

The environment belongs to whoever started the client, so a variable alone could claim any
version; the process is what actually runs. When both speak, the lower version counts (a
variable can then only make the client look older, never newer). Where there is no /proc
(macOS) only the variable is left; when neither says anything the version is unknown, which a
policy with a minimum treats as too old.

Cost: a few stats, readlinks and one small file read, no subprocess; the package.json read is
cached by the file's identity, so the warm service pays it once per installed client.
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path

from claude_guard.policy.schema import version_key

NPM_PACKAGE = "@anthropic-ai/claude-code"
AGENT_VARIABLE = "AI_AGENT"
# hook -> (sh) -> client; a few more for wrappers (a subagent's or a login shell's).
MAX_ANCESTORS = 5
_AGENT = re.compile(r"^claude-code_(\d{1,6})-(\d{1,6})-(\d{1,6})(?:_|$)")
_VERSION = re.compile(r"^\d{1,6}(\.\d{1,6}){1,3}$")
# A pre-release or build suffix (`2.1.400-beta.1`) counts as its release.
_PACKAGE_VERSION = re.compile(r"^(\d{1,6}(?:\.\d{1,6}){1,3})(?:[-+][0-9A-Za-z.\-]{1,64})?$")
MAX_PACKAGE_JSON_BYTES = 64 * 1024


def client_version(start_pid: int, agent: str | None, proc: Path = Path("/proc")) -> str | None:
    """The version of the client among `start_pid`'s ancestors (itself included), or of the one
    `agent` ($AI_AGENT) names; the lower when both do; None when neither does."""
    found = [v for v in (from_processes(start_pid, proc), from_agent(agent)) if v is not None]
    return min(found, key=version_key, default=None)


def from_agent(agent: str | None) -> str | None:
    match = _AGENT.match(agent or "")
    return ".".join(match.groups()) if match else None


def from_processes(start_pid: int, proc: Path = Path("/proc")) -> str | None:
    pid = start_pid
    for _ in range(MAX_ANCESTORS + 1):
        if pid <= 1:
            return None
        try:
            exe = os.readlink(proc / str(pid) / "exe")
        except OSError:
            exe = ""
        version = from_executable(exe)
        if version is not None:
            return version
        pid = _parent_of(pid, proc)
    return None


def from_executable(exe: str) -> str | None:
    """The version of the client binary at `exe`, or None when it is not one."""
    if not exe:
        return None
    path = Path(exe.removesuffix(" (deleted)"))  # upgraded under a running client
    if path.parent.name == "versions" and _VERSION.match(path.name):
        return path.name  # the native installer: …/claude/versions/2.1.332
    package = path.parent.parent / "package.json"
    try:
        stat = package.stat()
    except OSError:
        return None
    return _package_version(str(package), stat.st_ino, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _package_version(path: str, _ino: int, _mtime_ns: int, size: int) -> str | None:
    """The version a client package.json names (keyed by the file's identity, so an upgrade in
    place reads the new one)."""
    if size > MAX_PACKAGE_JSON_BYTES:
        return None
    try:
        data = json.loads(Path(path).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("name") != NPM_PACKAGE:
        return None
    match = _PACKAGE_VERSION.match(str(data.get("version", "")))
    return match.group(1) if match else None


def _parent_of(pid: int, proc: Path) -> int:
    try:
        stat = (proc / str(pid) / "stat").read_bytes()
        # `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last.
        return int(stat.rsplit(b")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0
