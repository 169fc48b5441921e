"""Build tools that run command lines of their own making: make (its makefile's recipes and
the programs named by CC, PYTHON ...) and GNU parallel."""

from __future__ import annotations

import posixpath
import re

from claude_guard.shell.commands import options
from claude_guard.shell.commands.unknown import unknown_command
from claude_guard.shell.interp import Handler, Invocation, Output


def _parallel(inv: Invocation) -> Output:
    """GNU parallel builds each command line from a template and `:::` / stdin / file
    inputs, with its own replacement strings: not followed."""
    inv.blind("runs command lines it builds from its inputs")
    return unknown_command(inv)


_MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
# Variables that name a program in make's built-in rules and in most makefiles' recipes:
# a value given on the command line or in the environment runs as a command.
_MAKE_PROGRAMS = frozenset(
    {
        "CC",
        "CXX",
        "CPP",
        "LD",
        "AR",
        "AS",
        "FC",
        "SHELL",
        "MAKE",
        "PYTHON",
        "PERL",
        "RM",
        "CP",
        "MV",
        "INSTALL",
        "NPM",
        "GO",
        "CARGO",
        "DOCKER",
    }
)


def _make(inv: Invocation) -> Output:
    """make runs the shell recipes of its makefile. A makefile already in the project is
    trusted like the project's other build scripts (`npm run`, `pytest`); one written earlier
    in this same command line, given as `--eval` text or read from a pipe is not followed
    (recipes use make's own expansion), so the command is unanalysable."""
    parsed = options.parse(
        inv.args,
        (
            "-f",
            "--file",
            "--makefile",
            "-C",
            "--directory",
            "-I",
            "--include-dir",
            "-o",
            "--old-file",
            "--assume-old",
            "-W",
            "--what-if",
            "--new-file",
            "--assume-new",
            "-E",
            "--eval",
        ),
    )
    state = inv.state
    for directory in parsed.values("-C", "--directory"):
        state = state.copy()
        state.cwd = None if directory.dynamic else inv.interp.resolve(directory.text, state)
    at = Invocation(inv.interp, state, inv.name, inv.args, inv.stdin, inv.piped)
    if parsed.values("-E", "--eval"):
        at.blind("`--eval` text is read as a makefile")
    makefiles = parsed.values("-f", "--file", "--makefile")
    for makefile in makefiles:
        if not makefile.dynamic and (makefile.text == "-" or makefile.text.startswith("/dev/")):
            at.blind("reads its makefile from a pipe")
            continue
        at.read(makefile)
    written = [p for p in inv.interp.written if _is_makefile(p)]
    written += [
        p
        for p in (at.resolve(m.text) for m in makefiles if not m.dynamic)
        if p in inv.interp.written
    ]
    if written or "MAKEFILES" in state.vars:
        at.blind("runs recipes from a makefile written or named in this command line")
    for name in ("MAKEFLAGS", "MFLAGS", "GNUMAKEFLAGS"):
        flags = state.vars.get(name, ("",))
        if flags is None or any(re.search(r"eval|file|=|(^|\s)-\w*[fEC]", f) for f in flags):
            at.blind(f"${name} changes what make reads")
    programs = [(n, v) for n, v in state.vars.items() if n in _MAKE_PROGRAMS and n != "SHELL"]
    for operand in parsed.operands:
        name, eq, value = operand.text.partition("=")
        name = name.rstrip(":+?! ")
        if eq and name in _MAKE_PROGRAMS:
            programs.append((name, None if operand.dynamic else (value,)))
    for name, values in programs:
        if values is None:
            at.blind(f"${name} names a program computed at run time")
            continue
        for value in values:
            if value.strip():
                at.run_script(value, stdin="")
    return None


def _is_makefile(path: str) -> bool:
    return posixpath.basename(path) in _MAKEFILES or path.endswith(".mk")


def handlers() -> dict[str, Handler]:
    return {"parallel": _parallel, "sem": _parallel, "make": _make, "gmake": _make}
