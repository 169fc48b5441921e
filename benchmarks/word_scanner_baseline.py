"""The first-line word scanner claude-guard used for Bash before the shell analysis: kept here
only as the baseline the shell corpus report compares against."""

from __future__ import annotations

import glob as globmod
import shlex
from collections.abc import Iterator

from claude_guard.paths import normalise
from claude_guard.policy.schema import Access
from claude_guard.touches.touchset import READ_WRITE, TouchSet

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
        for candidate in _word_candidates(token, cwd, found.home):
            yield candidate, accesses


def _word_candidates(token: str, cwd: str, home: str) -> Iterator[str]:
    yield token
    if "=" in token:  # VAR=path, --file=path
        yield token.split("=", 1)[1]
    if any(c in token for c in "*?["):
        pattern = token if token.startswith(("/", "~")) else f"{cwd}/{token}"
        yield from globmod.glob(
            pattern.replace("~", normalise("~", cwd, home).lexical, 1), recursive=False
        )
