"""Builtins that change the shell (cd, read, set, source, eval ...) and everything that runs
another command: wrappers (sudo, env, timeout, nice ...), shells (`bash -c`), xargs, find."""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from claude_guard.shell.commands import options
from claude_guard.shell.interp import Handler, Invocation, Output
from claude_guard.shell.model import MAX_FIELDS, MAX_WALK_ENTRIES
from claude_guard.shell.words import Arg, decode_ansi_c

# ----------------------------------------------------------------------------- output only


def _echo(inv: Invocation) -> Output:
    args = list(inv.args)
    escapes, newline = False, True
    while args and re.fullmatch(r"-[neE]+", args[0].text):
        flags = args.pop(0).text
        newline = newline and "n" not in flags
        escapes = "e" in flags or (escapes and "E" not in flags)
    if any(a.dynamic for a in args):
        return None
    body = " ".join(a.text for a in args)
    if escapes:
        body = decode_ansi_c(body.split("\\c", 1)[0])
    return body + ("\n" if newline else "")


_PRINTF_SPEC = re.compile(r"%(%|[-+ #0]*\d*(?:\.\d+)?[sbqdiouxXcfeEgG])")


def _printf(inv: Invocation) -> Output:
    args = list(inv.args)
    target = None
    if len(args) >= 2 and args[0].text == "-v":
        target, args = args[1].text, args[2:]
    if args and args[0].text == "--":
        args = args[1:]
    if not args or any(a.dynamic for a in args):
        output: Output = None if args else ""
    else:
        output = _format(args[0].text, [a.text for a in args[1:]])
    if target is not None:
        inv.state.vars[target] = None if output is None else (output,)
        return ""
    return output


def _format(fmt: str, values: list[str]) -> str:
    pending = list(values)
    out: list[str] = []
    for _ in range(MAX_FIELDS):
        used = 0

        def one(match: re.Match[str]) -> str:
            nonlocal used
            spec = match.group(1)
            if spec == "%":
                return "%"
            used += 1
            value = pending.pop(0) if pending else ""
            return decode_ansi_c(value) if spec.endswith("b") else value

        out.append(decode_ansi_c(_PRINTF_SPEC.sub(one, fmt)))
        if not pending or used == 0:
            break
    return "".join(out)


def _constant(value: str) -> Handler:
    def handler(inv: Invocation) -> Output:
        return value

    return handler


def _basename(inv: Invocation) -> Output:
    operands = [a for a in inv.args if not a.text.startswith("-")]
    if not operands or operands[0].dynamic:
        return None
    name = posixpath.basename(operands[0].text.rstrip("/"))
    if len(operands) > 1 and name.endswith(operands[1].text):
        name = name[: -len(operands[1].text)]
    return name + "\n"


def _dirname(inv: Invocation) -> Output:
    operands = [a for a in inv.args if not a.text.startswith("-")]
    if not operands or any(a.dynamic for a in operands):
        return None
    return "".join((posixpath.dirname(a.text.rstrip("/")) or ".") + "\n" for a in operands)


def _pwd(inv: Invocation) -> Output:
    return None if inv.state.cwd is None else inv.state.cwd + "\n"


# ----------------------------------------------------------------------------- shell state


def _cd(inv: Invocation) -> Output:
    operands = [a for a in inv.args if not (a.text.startswith("-") and len(a.text) > 1)]
    old = inv.state.cwd
    if not operands:
        inv.state.cwd = inv.interp.home_of(inv.state)  # $HOME as the script has set it
    elif len(operands) > 1:
        # Several fields: the operand has several possible values (a loop variable, braces).
        # Which one is the directory is not known, so later relative paths are not either.
        inv.state.cwd = None
    elif operands[0].text == "-" and not operands[0].dynamic:
        previous = inv.state.vars.get("OLDPWD")
        inv.state.cwd = previous[0] if previous and len(previous) == 1 else None
    else:
        inv.state.cwd = _directory(inv, operands[0])
    inv.state.vars["OLDPWD"] = None if old is None else (old,)
    return ""


def _directory(inv: Invocation, arg: Arg) -> str | None:
    """Where `cd ARG` leads, or None when that is not known. A directory that does not exist
    (and was not made earlier in this command) makes cd fail and the shell stay where it was,
    or not, depending on what runs in between: either way not one known place."""
    if arg.dynamic:
        return None
    target = inv.resolve(arg.text)
    if target is None or os.path.isdir(target) or _made_here(inv, target):
        return target
    return None


def _made_here(inv: Invocation, directory: str) -> bool:
    return any(a.mode == "write" and a.path == directory for a in inv.findings.accesses)


def ambiguous_directory(inv: Invocation, following: Arg | None) -> bool:
    """After `-C DIR`, a next word that names an existing directory instead of what the
    command expects there (a command, a subcommand) is most likely another value of the same
    word (`env -C $d cmd` with `d` a loop variable): which directory applies is not known."""
    if following is None or following.dynamic:
        return False
    resolved = inv.resolve(following.text)
    return resolved is not None and os.path.isdir(resolved)


def _pushd(inv: Invocation) -> Output:
    operands = [a for a in inv.args if not a.text.startswith(("-", "+"))]
    if any(a.text.startswith("+") for a in inv.args):
        inv.state.cwd = None  # stack rotation: not followed
        return ""
    old = inv.state.cwd
    if operands:
        inv.state.cwd = _directory(inv, operands[0]) if len(operands) == 1 else None
        inv.state.dirstack.append(old)
    elif inv.state.dirstack:
        inv.state.cwd, inv.state.dirstack[-1] = inv.state.dirstack[-1], old
    return ""


def _popd(inv: Invocation) -> Output:
    if any(a.text.startswith(("+", "-")) for a in inv.args):
        inv.state.cwd = None
    elif inv.state.dirstack:
        inv.state.cwd = inv.state.dirstack.pop()
    return ""


def _read(inv: Invocation) -> Output:
    parsed = options.parse(inv.args, ("-a", "-d", "-n", "-N", "-p", "-t", "-u", "-i"))
    names = [a.text for a in parsed.operands] + [a.text for a in parsed.values("-a")]
    names = names or ["REPLY"]
    if not inv.piped or inv.stdin is None:
        value = None if inv.piped else ("",)
        for name in names:
            inv.state.vars[name] = value
        return ""
    # Every line the loop may read is a candidate value (`while read f; do cat "$f"; done`).
    lines = tuple(line.strip() for line in inv.stdin.splitlines() if line.strip())[:MAX_FIELDS]
    tokens = tuple(t for line in lines for t in line.split())[:MAX_FIELDS]
    for name in names:
        inv.state.vars[name] = (lines if len(names) == 1 else tokens) or ("",)
    return ""


def _set(inv: Invocation) -> Output:
    if not inv.args:
        inv.findings.env_dump = True
        return None
    words = [a.text for a in inv.args]
    if "--" in words:
        rest = inv.args[words.index("--") + 1 :]
        inv.state.positional = None if any(a.dynamic for a in rest) else tuple(a.text for a in rest)
    return ""


# shopt options that change which files a glob matches: the analysis globs like plain bash.
_GLOB_OPTIONS = frozenset({"dotglob", "nocaseglob", "globstar", "extglob", "globasciiranges"})


def _shopt(inv: Invocation) -> Output:
    words = [a.text for a in inv.args]
    if "-s" in words and (any(a.dynamic for a in inv.args) or _GLOB_OPTIONS & set(words)):
        inv.blind("changes how later globs match files")
    return ""


def _shift(inv: Invocation) -> Output:
    count = int(inv.args[0].text) if inv.args and inv.args[0].text.isdigit() else 1
    if inv.state.positional is not None:
        inv.state.positional = inv.state.positional[count:]
    return ""


def _declare(inv: Invocation) -> Output:
    names = [a for a in inv.args if not a.text.startswith(("-", "+"))]
    flags = "".join(a.text[1:] for a in inv.args if a.text.startswith(("-", "+")))
    if not names and inv.name != "local" and not set(flags) & set("fF"):
        inv.findings.env_dump = True
        return None
    for arg in names:
        name, eq, value = arg.text.partition("=")
        if eq:
            inv.state.vars[name] = None if arg.dynamic else (value,)
    return ""


def _printenv(inv: Invocation) -> Output:
    if not [a for a in inv.args if not a.text.startswith("-")]:
        inv.findings.env_dump = True
    return None


def _alias(inv: Invocation) -> Output:
    for arg in inv.args:
        name, eq, value = arg.text.partition("=")
        if eq and not arg.dynamic:
            inv.state.aliases[name] = value
        elif eq:
            inv.blind("an alias is defined from run-time text")
    return ""


def _unalias(inv: Invocation) -> Output:
    for arg in inv.args:
        inv.state.aliases.pop(arg.text, None)
    return ""


def _source(inv: Invocation) -> Output:
    if not inv.args:
        return ""
    script, *rest = inv.args
    inv.read(script)
    content = inv.script_text(script)
    if content is None:
        return None
    saved = inv.state.positional
    if rest:
        inv.state.positional = None if any(a.dynamic for a in rest) else tuple(a.text for a in rest)
    try:
        return inv.run_script(content, new_shell=False)
    finally:
        inv.state.positional = saved


def _eval(inv: Invocation) -> Output:
    if any(a.dynamic for a in inv.args):
        inv.blind("evaluates text computed at run time")
        return None
    return inv.run_script(" ".join(a.text for a in inv.args), new_shell=False)


def _trap(inv: Invocation) -> Output:
    if inv.args and not inv.args[0].text.startswith("-"):
        action = inv.args[0]
        if action.dynamic:
            inv.blind("a trap runs text computed at run time")
        elif action.text:
            inv.run_script(action.text, inv.state.positional, new_shell=False)
    return ""


# ----------------------------------------------------------------------------- wrappers


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
            _shell_text(inv, value)
        operands = parsed.operands
        lead, command = operands[: self.positional], operands[self.positional :]
        del lead
        state = inv.state
        directories = parsed.values(*self.chdir)
        if directories:
            state = inv.state.copy()
            state.cwd = _directory(inv, directories[-1])
        return inv.run(command, state=state) if command else None


def _shell_text(inv: Invocation, value: Arg, positional: tuple[str, ...] | None = ()) -> Output:
    if value.dynamic:
        inv.blind("runs shell text computed at run time")
        return None
    return inv.run_script(value.text, positional)


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
        state.cwd = _directory(inv, directory)
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
        split.extend(Arg(w) for w in _split_words(text_arg.text))
    command = split + operands
    if not command:
        inv.findings.env_dump = True
        return None
    return inv.run(command, state=state)


def _split_words(value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


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
        return _unknown(inv)
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
    return _unknown(inv)


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
    return _shell_text(
        inv, Arg(" ".join(a.text for a in parsed.operands), any(a.dynamic for a in parsed.operands))
    )


def _script(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args, ("-c", "--command", "-t", "--timing", "-T", "-I", "-O", "-B", "-E", "-m")
    )
    for command in parsed.values("-c", "--command"):
        _shell_text(inv, command)
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
        _shell_text(inv, command)
    return inv.run(parsed.operands[1:]) if len(parsed.operands) > 1 else None


# ----------------------------------------------------------------------------- shells

_SHELL_VALUES = ("-o", "+o", "-O", "+O")


def _shell(inv: Invocation) -> Output:
    inv = _startup(inv)
    args = list(inv.args)
    command_mode = stdin_mode = False
    index = 0
    while index < len(args) and args[index].text.startswith(("-", "+")) and not args[index].dynamic:
        word = args[index].text
        index += 1
        if word == "--" or word == "-":
            break
        if word in ("--rcfile", "--init-file") and index < len(args):
            inv.read(args[index])
            index += 1
        elif word in _SHELL_VALUES or (
            word.startswith("-") and word[-1:] in "oO" and not word.startswith("--")
        ):
            index += 1
        elif not word.startswith("--"):
            command_mode |= "c" in word
            stdin_mode |= "s" in word
    operands = args[index:]
    if command_mode and operands:
        rest = operands[2:]
        positional = None if any(a.dynamic for a in rest) else tuple(a.text for a in rest)
        return _shell_text(inv, operands[0], positional)
    if operands and not stdin_mode:
        return _script_file(inv, operands[0], operands[1:])
    return _stdin_script(inv)


_STARTUP_FILES = ("BASH_ENV", "ENV")  # sourced by a new shell before anything else
_PROMPTS = ("PS0", "PS1", "PS2", "PS4")  # expanded (`$(...)` included) when shown


def _startup(inv: Invocation) -> Invocation:
    """A new shell first sources `$BASH_ENV` / `$ENV` and runs `$PROMPT_COMMAND`: when the
    command line set them, follow them, in the new shell's own state (a function defined
    there replaces a command the shell then runs)."""
    names = [n for n in (*_STARTUP_FILES, "PROMPT_COMMAND", *_PROMPTS) if n in inv.state.vars]
    if not names:
        return inv
    shell = Invocation(inv.interp, inv.state.copy(), inv.name, inv.args, inv.stdin, inv.piped)
    for name in names:
        value = shell.state.vars[name]
        texts = [t for t in value or () if t]
        if name == "PROMPT_COMMAND" and value is not None:
            for text in texts:
                shell.run_script(text, new_shell=False)
            continue
        # The startup file's name and the prompts are expanded by the new shell.
        expanded = ("$", "`") if name in _STARTUP_FILES else ("$(", "`")
        if value is None or any(mark in text for text in texts for mark in expanded):
            shell.blind(f"${name} is expanded by the new shell at run time")
        elif name in _STARTUP_FILES:
            for text in texts:
                _source_into(shell, Arg(text))
    return shell


def _source_into(inv: Invocation, script: Arg) -> None:
    inv.read(script)
    content = inv.script_text(script)
    if content is not None:
        inv.run_script(content, new_shell=False)


def _script_file(inv: Invocation, script: Arg, rest: list[Arg]) -> Output:
    inv.read(script)
    content = inv.script_text(script)
    if content is None:
        return None
    positional = None if any(a.dynamic for a in rest) else tuple(a.text for a in rest)
    return inv.run_script(content, positional)


def _stdin_script(inv: Invocation) -> Output:
    if not inv.piped:
        return None
    if inv.stdin is None:
        inv.blind("runs a script read from a pipe")
        return None
    return inv.run_script(inv.stdin, ())


# ----------------------------------------------------------------------------- xargs


def _xargs(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args,
        (
            "-a",
            "--arg-file",
            "-d",
            "--delimiter",
            "-E",
            "-I",
            "-L",
            "-l",
            "-n",
            "--max-args",
            "-P",
            "--max-procs",
            "-s",
            "--max-chars",
            "--process-slot-var",
        ),
        stop_at_operand=True,
    )
    items = _xargs_items(inv, parsed)
    command = parsed.operands or [Arg("echo")]
    replace = [v.text for v in parsed.values("-I")] + [
        name[2:] or "{}" for name, _ in parsed.options if name == "-i"
    ]
    if items is None:
        dynamic = Arg("*", dynamic=True)
        argv = (
            [_replace(a, replace[0], dynamic) for a in command] if replace else [*command, dynamic]
        )
        return inv.run(argv, stdin="", piped=False)
    if replace:
        outputs = [
            inv.run([_replace(a, replace[0], Arg(item)) for a in command], stdin="", piped=False)
            for item in items[:MAX_FIELDS]
        ]
        return None if any(o is None for o in outputs) else "".join(o or "" for o in outputs)
    return inv.run([*command, *(Arg(item) for item in items)], stdin="", piped=False)


def _xargs_items(inv: Invocation, parsed: options.Parsed) -> list[str] | None:
    arg_files = parsed.values("-a", "--arg-file")
    source: str | None
    if arg_files:
        inv.read(arg_files[0])
        source = inv.static_file(arg_files[0])
    else:
        source = inv.stdin if inv.piped else ""
    if source is None:
        return None
    delimiters = parsed.values("-d", "--delimiter")
    if parsed.has("-0", "--null"):
        return [item for item in source.split("\0") if item]
    if delimiters:
        return [item for item in source.split(decode_ansi_c(delimiters[0].text)) if item]
    if parsed.values("-I") or parsed.has("-i"):
        return [line.strip() for line in source.splitlines() if line.strip()]
    return _split_words(source)


def _replace(arg: Arg, marker: str, item: Arg) -> Arg:
    if marker not in arg.text:
        return arg
    return Arg(
        arg.text.replace(marker, item.text if not item.dynamic else "*"),
        arg.dynamic or item.dynamic,
    )


# ----------------------------------------------------------------------------- find

_FIND_PATTERNS = {
    "-name": "name",
    "-iname": "iname",
    "-path": "path",
    "-ipath": "ipath",
    "-wholename": "path",
    "-iwholename": "ipath",
    "-regex": "regex",
    "-iregex": "iregex",
    "-lname": "name",
    "-ilname": "iname",
}
_FIND_VALUES = frozenset(
    {
        "-type",
        "-xtype",
        "-maxdepth",
        "-mindepth",
        "-size",
        "-mtime",
        "-atime",
        "-ctime",
        "-mmin",
        "-amin",
        "-cmin",
        "-perm",
        "-user",
        "-group",
        "-uid",
        "-gid",
        "-links",
        "-inum",
        "-newer",
        "-anewer",
        "-cnewer",
        "-samefile",
        "-fstype",
        "-printf",
        "-regextype",
        "-used",
        "-context",
        "-newermt",
        "-newerct",
        "-newerat",
        "-files0-from",
    }
)
_FIND_WRITES = frozenset({"-fprint", "-fprint0", "-fprintf", "-fls"})
_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
_FIND_LOGIC = frozenset({"-o", "-or", "-not", "!", "-prune", ","})


@dataclass
class _FindPlan:
    roots: list[Arg]
    tests: list[tuple[str, str]]
    types: str
    maxdepth: int | None
    mindepth: int
    execs: list[tuple[list[Arg], bool]]
    delete: bool = False
    prints: bool = True
    print0: bool = False
    complex: bool = False


def _find(inv: Invocation) -> Output:
    plan = _find_plan(inv)
    if plan is None:
        return None
    matches: list[str] = []
    truncated = False
    for root in plan.roots:
        resolved = inv.read(root)
        if resolved is None:
            return None
        found, cut = _walk(resolved, root.text, plan)
        truncated |= cut
        if cut:
            inv.findings.recursive_reads[resolved] = None
        matches.extend(found)
    targets = [inv.resolve(r.text) or r.text for r in plan.roots] if truncated else matches
    for command, batch in plan.execs:
        _find_exec(inv, command, batch, targets)
    if plan.delete:
        for target in targets:
            inv.write(target)
    if truncated:
        return None
    end = "\0" if plan.print0 else "\n"
    return "".join(m + end for m in matches) if plan.prints else ""


def _find_plan(inv: Invocation) -> _FindPlan | None:
    args = list(inv.args)
    while args and re.fullmatch(r"-[HLP]|-O\d|-D", args[0].text):
        args.pop(0)
    roots = []
    while args and not (args[0].text.startswith(("-", "(", "!")) and not args[0].dynamic):
        roots.append(args.pop(0))
    plan = _FindPlan(roots or [Arg(".")], [], "", None, 0, [])
    while args:
        word = args.pop(0).text
        if word in _FIND_PATTERNS and args:
            plan.tests.append((_FIND_PATTERNS[word], args.pop(0).text))
        elif word in _FIND_EXEC:
            plan.execs.append(_exec_command(args))
            plan.prints = False
        elif word in _FIND_WRITES and args:
            inv.write(args.pop(0))
            plan.prints = False
        elif word in ("-type", "-xtype") and args:
            plan.types += args.pop(0).text
        elif word in ("-maxdepth", "-mindepth") and args:
            _depth(plan, word, args.pop(0).text)
        elif word in _FIND_VALUES and args:
            args.pop(0)
        elif word == "-delete":
            plan.delete = True
        elif word == "-print0":
            plan.print0 = True
        elif word in _FIND_LOGIC:
            plan.complex = True
    return plan


def _depth(plan: _FindPlan, word: str, value: str) -> None:
    if not value.isdigit():
        return
    if word == "-maxdepth":
        plan.maxdepth = int(value)
    else:
        plan.mindepth = int(value)


def _exec_command(args: list[Arg]) -> tuple[list[Arg], bool]:
    command: list[Arg] = []
    while args:
        arg = args.pop(0)
        if arg.text in (";", "+") and not arg.dynamic:
            return command, arg.text == "+"
        command.append(arg)
    return command, False


def _walk(root: str, shown_root: str, plan: _FindPlan) -> tuple[list[str], bool]:
    matches: list[str] = []
    seen = 0
    for path, depth, is_dir in _entries(root, plan.maxdepth):
        seen += 1
        if seen > MAX_WALK_ENTRIES:
            return matches, True
        if depth < plan.mindepth:
            continue
        shown = shown_root.rstrip("/") + path[len(root.rstrip("/")) :] if depth else shown_root
        if plan.complex or _find_matches(plan, path, shown, is_dir):
            matches.append(path)
    return matches, False


def tree_files(root: str, globs: list[str]) -> list[str] | None:
    """Files under `root` whose name matches one of `globs`; None when the tree is too big."""
    found = []
    for seen, (path, _, is_dir) in enumerate(_entries(root, None)):
        if seen > MAX_WALK_ENTRIES:
            return None
        name = os.path.basename(path)
        if not is_dir and any(fnmatch.fnmatchcase(name, g.rsplit("/", 1)[-1]) for g in globs):
            found.append(path)
    return found


def _entries(root: str, maxdepth: int | None) -> Iterator[tuple[str, int, bool]]:
    if not os.path.lexists(root):
        return
    yield root, 0, os.path.isdir(root)
    stack = [(root, 0)]
    while stack:
        directory, depth = stack.pop()
        if maxdepth is not None and depth >= maxdepth:
            continue
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            is_dir = entry.is_dir(follow_symlinks=False)
            yield entry.path, depth + 1, is_dir
            if is_dir:
                stack.append((entry.path, depth + 1))


def _find_matches(plan: _FindPlan, path: str, shown: str, is_dir: bool) -> bool:
    if plan.types and ("d" if is_dir else "f") not in plan.types and "l" not in plan.types:
        return False
    base = os.path.basename(path)
    return all(_find_test(kind, pattern, base, shown) for kind, pattern in plan.tests)


def _find_test(kind: str, pattern: str, base: str, shown: str) -> bool:
    if kind == "name":
        return fnmatch.fnmatchcase(base, pattern)
    if kind == "iname":
        return fnmatch.fnmatchcase(base.lower(), pattern.lower())
    if kind in ("path", "ipath"):
        fold = str.lower if kind == "ipath" else str
        return fnmatch.fnmatchcase(fold(shown), fold(pattern))
    try:
        return re.fullmatch(pattern, shown, re.IGNORECASE if kind == "iregex" else 0) is not None
    except re.error:
        return True  # a pattern we cannot read keeps every entry: over-report, never drop


def _find_exec(inv: Invocation, command: list[Arg], batch: bool, targets: list[str]) -> None:
    if not command:
        return
    if batch:
        argv: list[Arg] = []
        for arg in command:
            argv.extend(Arg(t) for t in targets) if arg.text == "{}" else argv.append(arg)
        inv.run(argv, stdin="", piped=False)
        return
    for target in targets[:MAX_FIELDS]:
        inv.run(
            [Arg(a.text.replace("{}", target), a.dynamic) for a in command], stdin="", piped=False
        )


# ----------------------------------------------------------------------------- misc


def _ps(inv: Invocation) -> Output:
    for arg in inv.args:
        if not arg.text.startswith("-") and "e" in arg.text:
            inv.findings.env_dump = True  # BSD `ps e`: every process's environment
    return None


def _unknown(inv: Invocation) -> Output:
    from claude_guard.shell.commands import unknown_command

    return unknown_command(inv)


def _coproc(inv: Invocation) -> Output:
    """`coproc cmd args`, `coproc NAME { cmd; }`: runs the command, stdin a pipe. The grammar
    leaves the words of a braced body as arguments (`{`, `cmd`, ...); later statements of
    the body come out as commands of their own, and are followed as such."""
    args = list(inv.args)
    if len(args) > 1 and args[1].text in ("{", "(") and not args[1].dynamic:
        args = args[1:]  # the coprocess's NAME
    if args and args[0].text in ("{", "(") and not args[0].dynamic:
        args = args[1:]
    return inv.run(args, stdin=None, piped=True) if args else None


def _pkexec(inv: Invocation) -> Output:
    """pkexec runs the command in the target user's home unless `--keep-cwd`: relative paths
    then name files in a directory the analysis does not know."""
    parsed = options.parse(inv.args, ("--user", "-u"), stop_at_operand=True)
    if not parsed.operands:
        return None
    state = inv.state
    if not parsed.has("--keep-cwd"):
        state = inv.state.copy()
        state.cwd = None
    return inv.run(parsed.operands, state=state)


# `ip` matches options and objects by prefix: (shortest accepted spelling, full name).
_IP_VALUES = (
    ("-n", "-netns"),
    ("-b", "-batch"),
    ("-f", "-family"),
    ("-rc", "-rcvbuf"),
    ("-l", "-loops"),
)
_IP_EXEC_OBJECTS = frozenset({"net", "netn", "netns", "v", "vr", "vrf"})


def _ip(inv: Invocation, depth: int = 0) -> Output:
    """`ip netns exec NAME CMD` / `ip vrf exec NAME CMD` run CMD; `ip -batch FILE` runs the
    ip commands in FILE. Nothing else ip does touches files."""
    args = list(inv.args)
    every = False
    index = 0
    while index < len(args) and args[index].text.startswith("-") and not args[index].dynamic:
        word = "-" + args[index].text.lstrip("-")
        index += 1
        if word == "-":
            break
        full = next((f for s, f in _IP_VALUES if word.startswith(s) and f.startswith(word)), "")
        if full == "-batch" and index < len(args):
            _ip_batch(inv, args[index], depth)
        if full and index < len(args):
            index += 1
        elif "-all".startswith(word):
            every = True
    rest = args[index:]
    if (
        len(rest) >= 2
        and rest[0].text in _IP_EXEC_OBJECTS
        and rest[1].text
        and "exec".startswith(rest[1].text)
    ):
        if any(a.dynamic for a in rest[:2]):
            inv.blind("the ip command is computed at run time")
        command = rest[2:] if every else rest[3:]
        return inv.run(command) if command else None
    return None


def _ip_batch(inv: Invocation, batch: Arg, depth: int) -> None:
    if batch.text == "-" and not batch.dynamic:
        content = inv.stdin if inv.piped else None
        if inv.piped and content is None:
            inv.blind("runs ip commands read from a pipe")
    else:
        inv.read(batch)
        content = inv.script_text(batch)
    if content is None:
        return
    if depth > 0:
        inv.blind("an ip batch file names another batch file")
        return
    for line in content.splitlines()[:MAX_FIELDS]:
        words = _split_words(line.split("#", 1)[0])
        if words:
            _ip(Invocation(inv.interp, inv.state, inv.name, [Arg(w) for w in words], "", False), 1)


def _parallel(inv: Invocation) -> Output:
    """GNU parallel builds each command line from a template and `:::` / stdin / file
    inputs, with its own replacement strings: not followed."""
    inv.blind("runs command lines it builds from its inputs")
    return _unknown(inv)


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


# Environment variables whose value a command runs as a shell command line (pagers,
# editors, helpers), by command. Only values set in the command line itself are known
# (prefix assignments, `export`, `env NAME=value`); the user's own environment is theirs.
_EDITOR_VARIABLES = ("VISUAL", "EDITOR")
COMMAND_VARIABLES: dict[str, tuple[str, ...]] = {
    "git": (
        "GIT_PAGER",
        "PAGER",
        "GIT_EDITOR",
        "GIT_SEQUENCE_EDITOR",
        *_EDITOR_VARIABLES,
        "GIT_ASKPASS",
        "SSH_ASKPASS",
        "GIT_EXTERNAL_DIFF",
        "GIT_PROXY_COMMAND",
    ),
    "man": ("MANPAGER", "PAGER"),
    "less": ("LESSOPEN", "LESSCLOSE"),
    "zless": ("LESSOPEN", "LESSCLOSE"),
    "crontab": _EDITOR_VARIABLES,
    "visudo": ("SUDO_EDITOR", *_EDITOR_VARIABLES),
    "sudoedit": ("SUDO_EDITOR", *_EDITOR_VARIABLES),
    "vipw": _EDITOR_VARIABLES,
    "vigr": _EDITOR_VARIABLES,
    "edquota": _EDITOR_VARIABLES,
    "sudo": ("SUDO_ASKPASS", "SUDO_EDITOR", *_EDITOR_VARIABLES),
    "systemctl": ("SYSTEMD_PAGER", "PAGER", "SYSTEMD_EDITOR", *_EDITOR_VARIABLES),
    "journalctl": ("SYSTEMD_PAGER", "PAGER"),
    "gh": ("GH_PAGER", "PAGER", "GH_EDITOR", "GIT_EDITOR", *_EDITOR_VARIABLES, "GH_BROWSER"),
    "psql": ("PSQL_PAGER", "PAGER", "PSQL_EDITOR", *_EDITOR_VARIABLES),
    "kubectl": ("KUBE_EDITOR", *_EDITOR_VARIABLES),
    "oc": ("KUBE_EDITOR", *_EDITOR_VARIABLES),
    "aws": ("AWS_PAGER",),
    "ssh": ("SSH_ASKPASS",),
    "scp": ("SSH_ASKPASS",),
    "sftp": ("SSH_ASKPASS",),
    "ssh-add": ("SSH_ASKPASS",),
}
# Remote-shell commands: run with the remote host (the one the command itself talks to, not
# reported here) and a command appended; a loopback stand-in takes the host's place.
REMOTE_SHELL_VARIABLES: dict[str, tuple[str, ...]] = {
    "git": ("GIT_SSH_COMMAND", "GIT_SSH"),
    "rsync": ("RSYNC_RSH",),
}
REMOTE_HOST_STAND_IN = " localhost"


def with_command_variables(handler: Handler) -> Handler:
    """The handler, then the commands named by the environment variables the command runs."""

    def wrapped(inv: Invocation) -> Output:
        output = handler(inv)
        for name in COMMAND_VARIABLES.get(inv.name, ()):
            _run_variable(inv, name)
        for name in REMOTE_SHELL_VARIABLES.get(inv.name, ()):
            _run_variable(inv, name, REMOTE_HOST_STAND_IN)
        return output

    return wrapped


def _run_variable(inv: Invocation, name: str, suffix: str = "") -> None:
    if name not in inv.state.vars:
        return
    value = inv.state.vars[name]
    if value is None:
        inv.blind(f"${name} names a command computed at run time")
        return
    for text in value:
        if name in ("LESSOPEN", "LESSCLOSE"):
            text = _less_preprocessor(inv, text)
        if text.strip():
            inv.run_script(text + suffix, stdin=None)


def _less_preprocessor(inv: Invocation, template: str) -> str:
    """`LESSOPEN='|cmd %s'` runs `cmd FILE` for each file less opens."""
    files = [a for a in inv.args if not a.text.startswith("-") or a.text == "-"]
    body = template.lstrip("|-")
    names = [a.text if re.fullmatch(r"[\w./@+~-]+", a.text) else shlex.quote(a.text) for a in files]
    return "\n".join(body.replace("%s", name) for name in names or ["-"])


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


def _unknown_output(inv: Invocation) -> Output:
    return None


def handlers() -> dict[str, Handler]:
    table: dict[str, Handler] = {name: _unknown_output for name in _NO_FILES}
    table.update({name: _constant("") for name in _SILENT})
    table.update(_WRAPPERS)
    table.update(
        {
            "echo": _echo,
            "printf": _printf,
            "basename": _basename,
            "dirname": _dirname,
            "pwd": _pwd,
            "cd": _cd,
            "pushd": _pushd,
            "popd": _popd,
            "read": _read,
            "set": _set,
            "shopt": _shopt,
            "shift": _shift,
            "declare": _declare,
            "typeset": _declare,
            "export": _declare,
            "readonly": _declare,
            "local": _declare,
            "printenv": _printenv,
            "alias": _alias,
            "unalias": _unalias,
            "source": _source,
            ".": _source,
            "eval": _eval,
            "trap": _trap,
            "command": _command,
            "exec": _exec,
            "busybox": _multicall,
            "toybox": _multicall,
            "env": _env,
            "watch": _watch,
            "script": _script,
            "flock": _flock,
            "xargs": _xargs,
            "gxargs": _xargs,
            "find": _find,
            "gfind": _find,
            "ps": _ps,
            "coproc": _coproc,
            "pkexec": _pkexec,
            "ip": _ip,
            "parallel": _parallel,
            "sem": _parallel,
            "make": _make,
            "gmake": _make,
            "direnv": _direnv,
            "dotenv": _dotenv,
            "dotenvx": _dotenv,
            **{name: _runner for name in _SUBCOMMAND_RUNNERS},
            **{
                name: _shell
                for name in (
                    "bash",
                    "sh",
                    "zsh",
                    "dash",
                    "ksh",
                    "mksh",
                    "ash",
                    "fish",
                    "rbash",
                    "yash",
                    "tcsh",
                    "csh",
                )
            },
        }
    )
    return table
