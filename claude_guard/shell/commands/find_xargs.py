"""Commands that build command lines from file names: xargs (from its input) and find (from
the tree it walks, with `fsutil.walk_tree`), and the file list of a tree that `grep -r`-style
commands search."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass

from claude_guard.fsutil import walk_tree
from claude_guard.shell.commands import options
from claude_guard.shell.commands.options import split_words
from claude_guard.shell.interp import Handler, Invocation, Output
from claude_guard.shell.model import MAX_FIELDS, MAX_WALK_ENTRIES
from claude_guard.shell.words import Arg, decode_ansi_c

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
    return split_words(source)


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
    walk = walk_tree(root, max_entries=MAX_WALK_ENTRIES, max_depth=plan.maxdepth)
    for entry in walk:
        if entry.depth < plan.mindepth:
            continue
        shown = shown_root
        if entry.depth:
            shown = shown_root.rstrip("/") + entry.path[len(root.rstrip("/")) :]
        if plan.complex or _find_matches(plan, entry.path, shown, entry.is_dir):
            matches.append(entry.path)
    return matches, walk.truncated


def tree_files(root: str, globs: list[str]) -> list[str] | None:
    """Files under `root` whose name matches one of `globs`; None when the tree is too big."""
    found = []
    # One entry more than `find` is allowed: the limit this has always had.
    walk = walk_tree(root, max_entries=MAX_WALK_ENTRIES + 1)
    for entry in walk:
        name = os.path.basename(entry.path)
        if not entry.is_dir and any(fnmatch.fnmatchcase(name, g.rsplit("/", 1)[-1]) for g in globs):
            found.append(entry.path)
    return None if walk.truncated else found


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


def handlers() -> dict[str, Handler]:
    return {"xargs": _xargs, "gxargs": _xargs, "find": _find, "gfind": _find}
