"""Commands that touch no file: some print what cannot be known (whoami, uname, df ...), the
others print nothing a later command could take as a file name (true, sleep, test ...)."""

from __future__ import annotations

from claude_guard.shell.interp import Handler, Invocation, Output

# Commands that touch no file: what they print is not known.
_NO_FILES = (
    "jobs",
    "seq",
    "yes",
    "whoami",
    "id",
    "uname",
    "hostname",
    "uptime",
    "expr",
    "type",
    "which",
    "hash",
    "umask",
    "tput",
    "nproc",
    "free",
    "pgrep",
    "pkill",
    "killall",
    "tty",
    "groups",
    "arch",
    "logname",
    "users",
    "who",
    "w",
    "last",
    "lscpu",
    "lsblk",
    "df",
    "mount",
    "ifconfig",
    "sw_vers",
    "getconf",
    "locale",
    "stty",
    "reset",
    "compgen",
    "help",
    "times",
    "dirs",
    "caller",
    "cal",
    "factor",
    "numfmt",
    "nvidia-smi",
    "top",
    "htop",
    "vmstat",
    "iostat",
    "lsof",
    "netstat",
    "ss",
)

# Commands that touch no file and print nothing a later command could take as a file name.
_SILENT = (
    "true",
    "false",
    ":",
    "sleep",
    "kill",
    "exit",
    "return",
    "wait",
    "disown",
    "bg",
    "fg",
    "ulimit",
    "clear",
    "sync",
    "let",
    "getopts",
    "test",
    "[",
    "[[",
    "suspend",
    "logout",
    "bind",
    "complete",
    "enable",
    "usleep",
)


def _constant(value: str) -> Handler:
    def handler(inv: Invocation) -> Output:
        return value

    return handler


def _unknown_output(inv: Invocation) -> Output:
    return None


def handlers() -> dict[str, Handler]:
    table: dict[str, Handler] = {name: _unknown_output for name in _NO_FILES}
    table.update({name: _constant("") for name in _SILENT})
    return table
