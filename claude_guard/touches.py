"""What does this call touch? Every path a tool call or prompt would read or write.

Write, Edit, MultiEdit and NotebookEdit count as reads too: their tool response carries the
file's original content (`originalFile`), so overwriting a secret file would show it to the model.
"""

from __future__ import annotations

import glob as globmod
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pathspec

from claude_guard.pathrules import walk_files
from claude_guard.paths import NormalPath, PathError, normalise
from claude_guard.policy.schema import Access

READ_WRITE = (Access.READ, Access.WRITE)


@dataclass(frozen=True, slots=True)
class Touch:
    path: NormalPath
    access: Access
    via: str  # which argument named it, for the explanation


@dataclass
class TouchSet:
    touches: list[Touch] = field(default_factory=list)
    # Things that could not be worked out completely; the policy's fallback decides them.
    unresolved: list[str] = field(default_factory=list)

    def add(self, raw: str, cwd: str, accesses: tuple[Access, ...], via: str) -> None:
        if not raw:
            return
        try:
            path = normalise(raw, cwd)
        except PathError as exc:
            self.unresolved.append(f"{via}: {exc}")
            return
        for access in accesses:
            self.touches.append(Touch(path, access, via))


@dataclass(frozen=True, slots=True)
class TouchContext:
    cwd: str
    max_walk_entries: int


def touches_of_tool(tool_name: str, tool_input: dict[str, Any], ctx: TouchContext) -> TouchSet:
    handler = _TOOL_HANDLERS.get(tool_name)
    found = TouchSet()
    if handler is not None:
        handler(tool_input, ctx, found)
    else:
        # MCP and unknown tools: any argument that looks like a path may be read or written.
        for via, value in _path_like_arguments(tool_input):
            found.add(value, ctx.cwd, READ_WRITE, via)
    return found


def touches_of_prompt(prompt: str, cwd: str) -> TouchSet:
    """`@path` mentions inline a file into the prompt without any tool call."""
    found = TouchSet()
    for mention in _MENTION.finditer(prompt):
        raw = mention.group(1).split("#", 1)[0].rstrip(".,;:!?)]}'\"")
        found.add(raw, cwd, (Access.READ,), "prompt @mention")
    return found


_MENTION = re.compile(r"(?:^|(?<=[\s(\[{'\"]))@(\"[^\"]+\"|[^\s]+)")


# ----------------------------------------------------------------------------- per tool


def _read(key: str) -> Any:
    def handler(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        found.add(str(tool_input.get(key, "")), ctx.cwd, (Access.READ,), key)

    return handler


def _write(key: str) -> Any:
    def handler(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        found.add(str(tool_input.get(key, "")), ctx.cwd, READ_WRITE, key)

    return handler


def _grep(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
    root = str(tool_input.get("path") or ctx.cwd)
    found.add(root, ctx.cwd, (Access.READ,), "path")
    try:
        start = normalise(root, ctx.cwd)
    except PathError:
        return
    if not start.is_dir:
        return
    walked = walk_files(start, ctx.max_walk_entries, _include_spec(tool_input.get("glob")))
    if walked.truncated:
        found.unresolved.append(
            f"path: more than {ctx.max_walk_entries} entries under {start.lexical}; "
            "cannot verify what the search would read"
        )
    for file in walked.files:
        found.touches.append(Touch(file, Access.READ, "path (recursive search)"))


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
    if url.lower().startswith("file:"):
        found.add(
            re.sub(r"^file:(//)?", "", url, flags=re.IGNORECASE), ctx.cwd, (Access.READ,), "url"
        )


def _multi_path(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
    _write("file_path")(tool_input, ctx, found)


def _bash(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
    for raw, accesses in _shell_words(str(tool_input.get("command", "")), ctx.cwd, found):
        found.add(raw, ctx.cwd, accesses, "command")


def _nothing(tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
    return None


_TOOL_HANDLERS: dict[str, Any] = {
    "Read": _read("file_path"),
    "NotebookRead": _read("notebook_path"),
    "Write": _write("file_path"),
    "Edit": _write("file_path"),
    "MultiEdit": _multi_path,
    "NotebookEdit": _write("notebook_path"),
    "Grep": _grep,
    "Glob": _glob,
    "LS": _read("path"),
    "WebFetch": _web_fetch,
    "WebSearch": _nothing,
    "Bash": _bash,
    "Agent": _nothing,
    "Task": _nothing,
}


# ----------------------------------------------------------------------------- shell (first line)

# Commands that change or remove the files they name. Until the full shell analysis lands, a
# word is a write when the command is one of these or the word follows an output redirection.
_WRITING_COMMANDS = frozenset(
    [
        "rm",
        "rmdir",
        "mv",
        "cp",
        "ln",
        "tee",
        "truncate",
        "chmod",
        "chown",
        "chgrp",
        "touch",
        "install",
        "dd",
        "unlink",
        "shred",
        "sed",
        "perl",
    ]
)
_OUTPUT_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>", "1>", "2>"})
_COMMAND_SEPARATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", "\n"})


def _shell_words(
    command: str, cwd: str, found: TouchSet
) -> Iterator[tuple[str, tuple[Access, ...]]]:
    """A conservative first reading of a shell command: every word that could name a file.

    This treats every word as a possible path (a word that names no protected file costs
    nothing), so `cat .env`, `cp ~/.ssh/id_rsa x` and `> .claude/settings.json` are caught.
    Variables, command substitution, `cd` and interpreters need the full shell analysis.
    """
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError:
        found.unresolved.append("command: cannot be split into words (unbalanced quotes)")
        return
    command_word: str | None = None
    redirect_out = False
    for token in tokens:
        if token in _COMMAND_SEPARATORS:
            command_word, redirect_out = None, False
            continue
        if token in _OUTPUT_REDIRECTS or token.endswith(">"):
            redirect_out = True
            continue
        if set(token) <= set("<>&|;"):
            continue
        if command_word is None and "=" not in token:
            command_word = token.rsplit("/", 1)[-1]
        writes = redirect_out or command_word in _WRITING_COMMANDS
        accesses = READ_WRITE if writes else (Access.READ,)
        redirect_out = False
        for candidate in _word_candidates(token, cwd):
            yield candidate, accesses


def _word_candidates(token: str, cwd: str) -> Iterator[str]:
    yield token
    if "=" in token:  # VAR=path, --file=path
        yield token.split("=", 1)[1]
    if any(c in token for c in "*?["):
        pattern = token if token.startswith(("/", "~")) else f"{cwd}/{token}"
        yield from globmod.glob(
            pattern.replace("~", normalise("~", cwd).lexical, 1), recursive=False
        )


# ----------------------------------------------------------------------------- MCP / unknown

_PATH_KEY = re.compile(
    r"(^|_)(path|paths|file|files|filename|filepath|dir|directory|folder|uri|source|target|dest|"
    r"destination|src|dst|root|cwd)s?$",
    re.IGNORECASE,
)


def _path_like_arguments(value: Any, via: str = "tool_input") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{via}.{key}" if _safe_key(key) else f"{via}.?"
            if isinstance(item, str) and (_PATH_KEY.search(str(key)) or _looks_like_path(item)):
                yield sub, item
            else:
                yield from _path_like_arguments(item, sub)
    elif isinstance(value, list):
        for index, item in enumerate(value[:1000]):
            yield from _path_like_arguments(item, f"{via}[{index}]")
    elif isinstance(value, str) and _looks_like_path(value):
        yield via, value


def _looks_like_path(value: str) -> bool:
    return len(value) < 4096 and value.startswith(("/", "~", "./", "../", "file:", "$HOME"))


def _safe_key(key: object) -> bool:
    return isinstance(key, str) and re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", key) is not None
