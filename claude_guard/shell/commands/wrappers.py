"""Commands that run the command after their own options: sudo-style runners (nohup, nice,
timeout, sudo, strace ...), command/exec/env, the project runners (`uv run`, `poetry run`),
direnv and dotenv, watch, script, flock."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from claude_guard.shell.commands import options
from claude_guard.shell.commands.builtins import ambiguous_directory, cd_destination
from claude_guard.shell.commands.options import split_words
from claude_guard.shell.commands.shells import run_shell_text
from claude_guard.shell.commands.unknown import unknown_command
from claude_guard.shell.interp import Handler, Invocation, Output
from claude_guard.shell.words import Arg


@dataclass(frozen=True)
class Wrapper:
    """A command that runs the command after its own options (and `positional` words)."""

    value: tuple[str, ...] = ()
    positional: int = 0
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    chdir: tuple[str, ...] = ()
    shell_string: tuple[str, ...] = ()  # options whose value is shell text (`su -c`)

    def __call__(self, inv: Invocation) -> Output:
        wanted = self.value + self.reads + self.writes + self.chdir + self.shell_string
        parsed = options.parse(inv.args, wanted, stop_at_operand=True)
        for value in parsed.values(*self.reads):
            inv.read(value)
        for value in parsed.values(*self.writes):
            inv.write(value)
        for value in parsed.values(*self.shell_string):
            run_shell_text(inv, value)
        operands = parsed.operands
        lead, command = operands[: self.positional], operands[self.positional :]
        del lead
        state = inv.state
        directories = parsed.values(*self.chdir)
        if directories:
            state = inv.state.copy()
            state.cwd = cd_destination(inv, directories[-1])
        return inv.run(command, state=state) if command else None


_WRAPPERS: dict[str, Wrapper] = {
    "nohup": Wrapper(),
    "setsid": Wrapper(),
    "unbuffer": Wrapper(),
    "catchsegv": Wrapper(),
    "builtin": Wrapper(),
    "dbus-run-session": Wrapper(),
    "ssh-agent": Wrapper(),
    "proxychains": Wrapper(("-f",)),
    "proxychains4": Wrapper(("-f",)),
    "torsocks": Wrapper(),
    "time": Wrapper(("-f", "--format"), writes=("-o", "--output")),
    "nice": Wrapper(("-n", "--adjustment")),
    "ionice": Wrapper(("-c", "-n", "-p", "-P", "-u", "--class", "--classdata")),
    "stdbuf": Wrapper(("-i", "-o", "-e", "--input", "--output", "--error")),
    "timeout": Wrapper(("-s", "--signal", "-k", "--kill-after"), positional=1),
    "gtimeout": Wrapper(("-s", "--signal", "-k", "--kill-after"), positional=1),
    "chrt": Wrapper(("-T", "-P", "-D"), positional=1),
    "taskset": Wrapper(positional=1),
    "caffeinate": Wrapper(("-w", "-t")),
    "sudo": Wrapper(
        (
            "-u",
            "-g",
            "-C",
            "-h",
            "-p",
            "-r",
            "-t",
            "-U",
            "-T",
            "--user",
            "--group",
            "--host",
            "--prompt",
            "--role",
            "--type",
            "--other-user",
            "--command-timeout",
            "--close-from",
        ),
        chdir=("-D", "--chdir"),
    ),
    "doas": Wrapper(("-u",), reads=("-C",)),
    "strace": Wrapper(
        ("-e", "-p", "-s", "-u", "-E", "-a", "-b", "-I", "-O", "-P", "-S", "-X"), writes=("-o",)
    ),
    "ltrace": Wrapper(("-e", "-p", "-s", "-u", "-n", "-a"), writes=("-o",)),
    "chroot": Wrapper(("--userspec", "--groups"), positional=1),
    "runuser": Wrapper(
        ("-u", "-g", "-G", "--user", "--group", "-s", "--shell"), shell_string=("-c", "--command")
    ),
    "su": Wrapper(
        ("-s", "--shell", "-g", "-G", "--group"), shell_string=("-c", "--command"), positional=1
    ),
    "xvfb-run": Wrapper(("-n", "-s", "-e", "-p", "-f")),
    "systemd-run": Wrapper(
        (
            "-p",
            "--property",
            "-u",
            "--unit",
            "-E",
            "--setenv",
            "--uid",
            "--gid",
            "--nice",
            "--slice",
            "-M",
            "-H",
            "--description",
        ),
        chdir=("--working-directory",),
    ),
    "firejail": Wrapper(),
    "nsenter": Wrapper(("-t", "--target")),
    "unshare": Wrapper(),
    "setpriv": Wrapper(("--reuid", "--regid", "--groups")),
}


def _command(inv: Invocation) -> Output:
    parsed = options.parse(inv.args, (), stop_at_operand=True)
    if parsed.has("-v", "-V"):
        return "".join(a.text + "\n" for a in parsed.operands)
    return inv.run(parsed.operands) if parsed.operands else ""


def _exec(inv: Invocation) -> Output:
    parsed = options.parse(inv.args, ("-a",), stop_at_operand=True)
    return inv.run(parsed.operands) if parsed.operands else ""


def _multicall(inv: Invocation) -> Output:
    """busybox / toybox: the first word names the applet."""
    return inv.run(list(inv.args)) if inv.args else None


def _env(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args,
        ("-u", "--unset", "-C", "--chdir", "-S", "--split-string", "-P", "-a", "--argv0"),
        stop_at_operand=True,
    )
    state = inv.state.copy()
    for directory in parsed.values("-C", "--chdir"):
        state.cwd = cd_destination(inv, directory)
    operands = list(parsed.operands)
    if parsed.values("-C", "--chdir") and ambiguous_directory(
        inv, operands[0] if operands else None
    ):
        state.cwd = None
    while operands and "=" in operands[0].text and not operands[0].text.startswith("="):
        name, _, value = operands.pop(0).text.partition("=")
        state.vars[name] = (value,)
    split: list[Arg] = []
    for text_arg in parsed.values("-S", "--split-string"):
        if text_arg.dynamic:
            inv.blind("`env -S` splits text computed at run time")
            return None
        split.extend(Arg(w) for w in split_words(text_arg.text))
    command = split + operands
    if not command:
        inv.findings.env_dump = True
        return None
    return inv.run(command, state=state)


_SUBCOMMAND_RUNNERS = {
    "uv": ("run", "tool"),
    "poetry": ("run",),
    "pipenv": ("run",),
    "bundle": ("exec",),
    "pixi": ("run", "exec"),
    "rye": ("run",),
    "hatch": ("run",),
    "pdm": ("run",),
    "conda": ("run",),
    "mamba": ("run",),
    "micromamba": ("run",),
}
_RUNNER_VALUES = (
    "--with",
    "--python",
    "-p",
    "--project",
    "--directory",
    "--group",
    "--extra",
    "-n",
    "--name",
    "--prefix",
    "-e",
    "--environment",
    "--package",
    "--from",
    "--index",
    "--index-url",
    "--extra-index-url",
    "-m",
    "--module",
)


def _runner(inv: Invocation) -> Output:
    """`uv run CMD`, `poetry run CMD` ...: the run target is a command like any other."""
    subcommands = _SUBCOMMAND_RUNNERS.get(inv.name, ())
    if not inv.args or inv.args[0].text not in subcommands:
        return unknown_command(inv)
    rest = inv.args[1:]
    if inv.name == "uv" and inv.args[0].text == "tool" and rest and rest[0].text == "run":
        rest = rest[1:]
    parsed = options.parse(rest, (*_RUNNER_VALUES, "--env-file"), stop_at_operand=True)
    for env_file in parsed.values("--env-file"):
        inv.read(env_file)
    if not parsed.operands:
        return None
    return inv.run(parsed.operands)


def _direnv(inv: Invocation) -> Output:
    if len(inv.args) >= 2 and inv.args[0].text == "exec":
        directory = inv.args[1]
        if not directory.dynamic:
            inv.read(Arg(posixpath.join(directory.text, ".envrc")), "direnv")
        return inv.run(inv.args[2:]) if len(inv.args) > 2 else None
    if inv.args and inv.args[0].text in ("export", "dump", "allow", "exec"):
        inv.read(".envrc", "direnv")
    return unknown_command(inv)


def _dotenv(inv: Invocation) -> Output:
    """The dotenv CLIs load `.env` (or `-f FILE`) into the command's environment."""
    parsed = options.parse(inv.args, ("-f", "--file", "-e", "-c", "-v"), stop_at_operand=True)
    files = parsed.values("-f", "--file", "-e") or [Arg(".env")]
    for file in files:
        inv.read(file)
    operands = parsed.operands
    if operands and operands[0].text in ("run", "get", "list", "set"):
        if operands[0].text == "run":
            return inv.run(operands[1:]) if len(operands) > 1 else None
        return None
    return inv.run(operands) if operands else None


def _watch(inv: Invocation) -> Output:
    parsed = options.parse(inv.args, ("-n", "--interval", "-q", "--equexit"), stop_at_operand=True)
    if not parsed.operands:
        return None
    if parsed.has("-x", "--exec"):
        return inv.run(parsed.operands)
    return run_shell_text(
        inv, Arg(" ".join(a.text for a in parsed.operands), any(a.dynamic for a in parsed.operands))
    )


def _script(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args, ("-c", "--command", "-t", "--timing", "-T", "-I", "-O", "-B", "-E", "-m")
    )
    for command in parsed.values("-c", "--command"):
        run_shell_text(inv, command)
    for log in parsed.operands:
        inv.write(log)
    return None


def _flock(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args,
        ("-w", "--timeout", "-E", "--conflict-exit-code", "-c", "--command"),
        stop_at_operand=True,
    )
    if parsed.operands:
        inv.read(parsed.operands[0])
    for command in parsed.values("-c", "--command"):
        run_shell_text(inv, command)
    return inv.run(parsed.operands[1:]) if len(parsed.operands) > 1 else None


def handlers() -> dict[str, Handler]:
    table: dict[str, Handler] = dict(_WRAPPERS)
    table.update(
        {
            "command": _command,
            "exec": _exec,
            "busybox": _multicall,
            "toybox": _multicall,
            "env": _env,
            "watch": _watch,
            "script": _script,
            "flock": _flock,
            "direnv": _direnv,
            "dotenv": _dotenv,
            "dotenvx": _dotenv,
            **{name: _runner for name in _SUBCOMMAND_RUNNERS},
        }
    )
    return table
