"""Shell builtins: the ones whose output can be known without running anything (echo,
printf, pwd, basename, dirname) and the ones that change the shell's own state (cd, pushd,
read, set, declare, alias, source, eval, trap ...)."""

from __future__ import annotations

import os
import posixpath
import re

from claude_guard.shell.commands import options
from claude_guard.shell.interp import Handler, Invocation, Output
from claude_guard.shell.model import MAX_FIELDS
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
        inv.state.cwd = cd_destination(inv, operands[0])
    inv.state.vars["OLDPWD"] = None if old is None else (old,)
    return ""


def cd_destination(inv: Invocation, arg: Arg) -> str | None:
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
        inv.state.cwd = cd_destination(inv, operands[0]) if len(operands) == 1 else None
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


def handlers() -> dict[str, Handler]:
    return {
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
    }
