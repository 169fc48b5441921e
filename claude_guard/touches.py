"""What does this call touch? Every path a tool call or prompt would read or write.

Write, Edit, MultiEdit and NotebookEdit count as reads too: their tool response carries the
file's original content (`originalFile`), so overwriting a secret file would show it to the model.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pathspec

from claude_guard.memory import memory_files
from claude_guard.pathrules import walk_files
from claude_guard.paths import NormalPath, PathError, home_dir, normalise
from claude_guard.policy.schema import Access
from claude_guard.shell import analyse

READ_WRITE = (Access.READ, Access.WRITE)


@dataclass(frozen=True, slots=True)
class Touch:
    path: NormalPath
    access: Access
    via: str  # which argument named it, for the explanation


@dataclass(frozen=True, slots=True)
class ContentTarget:
    """Text the call would show the model or write somewhere: given inline or as a file."""

    via: str
    text: str | None = None
    path: NormalPath | None = None
    # For reads of files too large to scan whole: the line window the tool will return.
    first_line: int = 1
    line_limit: int | None = None


@dataclass
class TouchSet:
    touches: list[Touch] = field(default_factory=list)
    contents: list[ContentTarget] = field(default_factory=list)
    # Ways the call sends data off the machine (a URL host, a shell network sender).
    egress: list[str] = field(default_factory=list)
    # Things that could not be worked out completely; the policy's fallback decides them.
    unresolved: list[str] = field(default_factory=list)

    def add_text(self, via: str, text: object) -> None:
        if isinstance(text, str) and text:
            self.contents.append(ContentTarget(via, text=text))

    def add_file(
        self, via: str, path: NormalPath, first_line: int = 1, limit: int | None = None
    ) -> None:
        target = ContentTarget(via, path=path, first_line=first_line, line_limit=limit)
        self.contents.append(target)

    def add(self, raw: str, cwd: str, accesses: tuple[Access, ...], via: str) -> NormalPath | None:
        """Record `raw` as touched; the path, or None if there is none (an unusable path is
        recorded as unresolved, so the policy's fallback decides it)."""
        if not raw:
            return None
        try:
            path = normalise(raw, cwd)
        except PathError as exc:
            self.unresolved.append(f"{via}: {exc}")
            return None
        for access in accesses:
            self.touches.append(Touch(path, access, via))
        return path

    def add_readable(
        self, raw: str, cwd: str, accesses: tuple[Access, ...], via: str
    ) -> NormalPath | None:
        """`add`, and queue the file's content for a scan when it exists: whatever reads it
        shows the content to the model."""
        path = self.add(raw, cwd, accesses, via)
        if path is not None and path.exists and not path.is_dir:
            self.add_file(via, path)
        return path


@dataclass(frozen=True, slots=True)
class TouchContext:
    cwd: str
    max_walk_entries: int
    # Content a recursive search may reach and still be scanned before the call runs.
    max_scan_bytes: int = 8 * 1024 * 1024


def touches_of_tool(tool_name: str, tool_input: dict[str, Any], ctx: TouchContext) -> TouchSet:
    handler = _TOOL_HANDLERS.get(tool_name)
    found = TouchSet()
    if handler is not None:
        handler(tool_input, ctx, found)
    else:
        # MCP and unknown tools: any argument that looks like a path may be read or written,
        # and every string argument may carry data out (a query, a message body).
        for via, value in _path_like_arguments(tool_input, "tool_input", found.unresolved):
            # An MCP tool that reads a file returns its contents: scan it like a Read.
            found.add_readable(value, ctx.cwd, READ_WRITE, via)
        found.add_text("arguments", "\n".join(_string_leaves(tool_input, 0, found.unresolved)))
    return found


def touches_of_prompt(prompt: str, cwd: str, home: str) -> TouchSet:
    """The prompt, the files its `@path` mentions inline, and the memory files (CLAUDE.md and
    their imports) that the client sends along: none of them pass through a tool call."""
    found = TouchSet()
    found.add_text("prompt", prompt)
    for memory, via in memory_files(cwd, home):
        found.touches.append(Touch(memory, Access.READ, via))
        if not memory.is_dir:
            found.add_file(via, memory)
    for mention in _MENTION.finditer(prompt):
        raw = mention.group(1).strip('"').split("#", 1)[0].rstrip(".,;:!?)]}'\"")
        path = found.add(raw, cwd, (Access.READ,), "prompt @mention")
        if path is not None and not path.is_dir:
            found.add_file(f"@{path.raw}", path)
    return found


_MENTION = re.compile(r"(?:^|(?<=[\s(\[{'\"]))@(\"[^\"]+\"|[^\s]+)")


# ----------------------------------------------------------------------------- per tool


def _read(key: str) -> Any:
    def handler(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        path = found.add(str(tool_input.get(key, "")), ctx.cwd, (Access.READ,), key)
        if path is not None:
            found.add_file(key, path, *_line_window(tool_input))

    return handler


def _line_window(tool_input: dict[str, Any]) -> tuple[int, int | None]:
    offset, limit = tool_input.get("offset"), tool_input.get("limit")
    first = offset if isinstance(offset, int) and offset > 0 else 1
    return first, limit if isinstance(limit, int) and limit > 0 else None


def _write(key: str, *content_keys: str) -> Any:
    def handler(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        found.add(str(tool_input.get(key, "")), ctx.cwd, READ_WRITE, key)
        for content_key in content_keys:
            found.add_text(content_key, tool_input.get(content_key))

    return handler


def _grep(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
    start = found.add(str(tool_input.get("path") or ctx.cwd), ctx.cwd, (Access.READ,), "path")
    if start is None:
        return
    if not start.is_dir:
        found.add_file("path", start)
        return
    _recursive_read(start, ctx, found, _include_spec(tool_input.get("glob")), "path")


def _recursive_read(
    start: NormalPath,
    ctx: TouchContext,
    found: TouchSet,
    include: pathspec.PathSpec[Any] | None,
    via: str,
) -> None:
    """Everything a recursive reader under `start` could open: path rules for every file,
    and the contents too while they fit the scan budget."""
    walked = walk_files(start, ctx.max_walk_entries, include)
    if walked.truncated:
        found.unresolved.append(
            f"{via}: more than {ctx.max_walk_entries} entries under {start.lexical}; "
            "cannot verify what a recursive read would open"
        )
    reachable = 0
    for file in walked.files:
        found.touches.append(Touch(file, Access.READ, f"{via} (recursive read)"))
        reachable += _size(file)
    if reachable > ctx.max_scan_bytes:
        found.unresolved.append(
            f"{via}: a recursive read would reach {reachable // 1_000_000} MB under "
            f"{start.lexical}, more than the {ctx.max_scan_bytes // 1_000_000} MB that can be "
            "checked first; narrow the path"
        )
        return
    for file in walked.files:
        found.add_file(f"{via} (recursive read)", file)


def _size(path: NormalPath) -> int:
    try:
        return os.path.getsize(path.real) if path.exists and not path.is_dir else 0
    except OSError:
        return 0


def _include_spec(glob_value: object) -> pathspec.PathSpec[Any] | None:
    """ripgrep's --glob semantics: gitignore-style; only negations means 'all but these'."""
    if not isinstance(glob_value, str) or not glob_value.strip():
        return None
    globs = _expand_braces(glob_value.strip())
    if all(g.startswith("!") for g in globs):
        globs = ["*", *globs]
    return pathspec.GitIgnoreSpec.from_lines(globs)


def _expand_braces(pattern: str) -> list[str]:
    match = re.search(r"\{([^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [e for alt in match.group(1).split(",") for e in _expand_braces(head + alt + tail)]


def _glob(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
    # Glob returns names, not contents: the searched directory itself is what is checked,
    # including a directory spelled inside the pattern (`~/.ssh/*`).
    found.add(str(tool_input.get("path") or ctx.cwd), ctx.cwd, (Access.READ,), "path")
    prefix = _literal_prefix(str(tool_input.get("pattern", "")))
    if prefix:
        found.add(prefix, ctx.cwd, (Access.READ,), "pattern")


def _literal_prefix(pattern: str) -> str:
    parts = []
    for part in pattern.split("/"):
        if any(c in part for c in "*?[{"):
            break
        parts.append(part)
    prefix = "/".join(parts)
    if pattern.startswith("/") and not prefix:
        return "/"
    return prefix


def _web_fetch(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
    url = str(tool_input.get("url", ""))
    found.add_text("url", url)
    found.add_text("prompt", tool_input.get("prompt"))
    if url.lower().startswith("file:"):
        # A local file the fetch would read and summarise: path rules and its content.
        local = re.sub(r"^file:(//)?", "", url, flags=re.IGNORECASE)
        found.add_readable(local, ctx.cwd, (Access.READ,), "url")
    else:
        found.egress.append(f"WebFetch {_host_of(url)}")


def _web_search(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
    found.add_text("query", tool_input.get("query"))
    found.egress.append("WebSearch")


def _host_of(destination: str) -> str:
    """The host of a URL or `user@host:path` destination; never credentials, path or query."""
    match = re.match(
        r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?:[^/@\s]*@)?([A-Za-z0-9.\-\[\]]+)", destination
    )
    return match.group(1)[:100] if match else "?"


def _multi_edit(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
    _write("file_path")(tool_input, ctx, found)
    edits = tool_input.get("edits")
    for index, edit in enumerate(edits if isinstance(edits, list) else []):
        if isinstance(edit, dict):
            found.add_text(f"edits[{index}].new_string", edit.get("new_string"))


def _text_fields(*keys: str) -> Any:
    def handler(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        for key in keys:
            found.add_text(key, tool_input.get(key))

    return handler


def _bash(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
    """What a shell command reads, writes and sends, from the shell analysis."""
    command = str(tool_input.get("command", ""))
    found.add_text("command", command)
    analysis = analyse(command, ctx.cwd, home_dir())
    for access in analysis.accesses:
        via = f"command ({access.via})"
        if access.mode == "write":
            found.add(access.path, ctx.cwd, (Access.WRITE,), via)
            continue
        found.add_readable(access.path, ctx.cwd, (Access.READ,), via)
    for directory in analysis.recursive_reads:
        start = found.add(directory, ctx.cwd, (Access.READ,), "command (recursive read)")
        if start is not None and start.is_dir:
            _recursive_read(start, ctx, found, None, "command")
    if analysis.env_dump:
        # The environment holds tokens: treated as a read of the process environment, so the
        # policy's rule for /proc/*/environ decides.
        found.add("/proc/self/environ", ctx.cwd, (Access.READ,), "command (environment dump)")
    # Only the host: a destination URL can carry a token in its path or query, and this text
    # ends up in the deny reason and the audit log.
    found.egress.extend(
        f"{e.kind} to {_host_of(e.destination or '')} via {e.via}" for e in analysis.egress
    )
    found.unresolved.extend(f"command: {reason}" for reason in analysis.unanalysable)
    for code in analysis.inline_code:
        found.add_text("command (inline code)", code)


_TOOL_HANDLERS: dict[str, Any] = {
    "Read": _read("file_path"),
    "NotebookRead": _read("notebook_path"),
    "Write": _write("file_path", "content"),
    "Edit": _write("file_path", "new_string"),
    "MultiEdit": _multi_edit,
    "NotebookEdit": _write("notebook_path", "new_source"),
    "Grep": _grep,
    "Glob": _glob,
    "LS": _read("path"),
    "WebFetch": _web_fetch,
    "WebSearch": _web_search,
    "Bash": _bash,
    "Agent": _text_fields("prompt", "description"),
    "Task": _text_fields("prompt", "description"),
}


# ----------------------------------------------------------------------------- MCP / unknown

_PATH_KEY = re.compile(
    r"(^|_)(path|paths|file|files|filename|filepath|dir|directory|folder|uri|source|target|dest|"
    r"destination|src|dst|root|cwd)s?$",
    re.IGNORECASE,
)


# Arguments beyond these bounds are not checked, and say so in `unresolved`, which the policy's
# unanalysable default then decides (deny by default): never a silent skip.
MAX_ARGUMENT_ITEMS = 1000
MAX_ARGUMENT_DEPTH = 20


def _path_like_arguments(
    value: Any, via: str, skipped: list[str], depth: int = 0
) -> Iterator[tuple[str, str]]:
    if depth > MAX_ARGUMENT_DEPTH:
        skipped.append(f"{via}: nested deeper than {MAX_ARGUMENT_DEPTH} levels; not checked")
    elif isinstance(value, dict):
        for key, item in value.items():
            sub = f"{via}.{key}" if _safe_key(key) else f"{via}.?"
            if isinstance(item, str) and (_PATH_KEY.search(str(key)) or _looks_like_path(item)):
                yield sub, item
            else:
                yield from _path_like_arguments(item, sub, skipped, depth + 1)
    elif isinstance(value, list):
        if len(value) > MAX_ARGUMENT_ITEMS:
            skipped.append(f"{via}: more than {MAX_ARGUMENT_ITEMS} items; the rest not checked")
        for index, item in enumerate(value[:MAX_ARGUMENT_ITEMS]):
            yield from _path_like_arguments(item, f"{via}[{index}]", skipped, depth + 1)
    elif isinstance(value, str) and _looks_like_path(value):
        yield via, value


def _string_leaves(value: Any, depth: int, skipped: list[str]) -> Iterator[str]:
    if depth > MAX_ARGUMENT_DEPTH:
        skipped.append(f"arguments nested deeper than {MAX_ARGUMENT_DEPTH} levels; not scanned")
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_leaves(key, depth + 1, skipped)
            yield from _string_leaves(item, depth + 1, skipped)
    elif isinstance(value, list):
        for item in value:
            yield from _string_leaves(item, depth + 1, skipped)


def _looks_like_path(value: str) -> bool:
    return len(value) < 4096 and value.startswith(("/", "~", "./", "../", "file:", "$HOME"))


def _safe_key(key: object) -> bool:
    return isinstance(key, str) and re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", key) is not None
