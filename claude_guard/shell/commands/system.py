"""Commands about processes and namespaces that may run another command: ps (which can
print every process's environment), coproc, pkexec, `ip netns exec` / `ip -batch`."""

from __future__ import annotations

from claude_guard.shell.commands import options
from claude_guard.shell.commands.options import split_words
from claude_guard.shell.interp import Handler, Invocation, Output
from claude_guard.shell.model import MAX_FIELDS
from claude_guard.shell.words import Arg


def _ps(inv: Invocation) -> Output:
    for arg in inv.args:
        if not arg.text.startswith("-") and "e" in arg.text:
            inv.findings.env_dump = True  # BSD `ps e`: every process's environment
    return None


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
        words = split_words(line.split("#", 1)[0])
        if words:
            _ip(Invocation(inv.interp, inv.state, inv.name, [Arg(w) for w in words], "", False), 1)


def handlers() -> dict[str, Handler]:
    return {"ps": _ps, "coproc": _coproc, "pkexec": _pkexec, "ip": _ip}
