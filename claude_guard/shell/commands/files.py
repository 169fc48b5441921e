"""Commands that read and write the files they name: a table of option shapes, plus the few
that need their own logic (cp/mv/ln, dd, tar, zip, sed -i, chmod, ...)."""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from claude_guard.shell.commands import options
from claude_guard.shell.commands.code import sed_script
from claude_guard.shell.commands.find_xargs import tree_files
from claude_guard.shell.interp import Handler, Invocation, Output
from claude_guard.shell.words import Arg, decode_ansi_c


@dataclass(frozen=True)
class FileCommand:
    """How one command treats its words.

    operands: what the non-option words are ("read", "write", "readwrite", "none");
    skip: leading operands that are not files (a grep pattern, a chmod mode);
    reads/writes: options whose value is a file read/written;
    recursive: options that make directory operands walked recursively;
    passthrough: prints its input (file contents or stdin), so its output can be followed.
    """

    value: frozenset[str] = frozenset()
    operands: str = "read"
    skip: int = 0
    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    recursive: frozenset[str] = frozenset()
    recursive_default: bool = False
    passthrough: bool = False
    last_writes: bool = False  # the last operand is an output file (uniq IN OUT)

    def __call__(self, inv: Invocation) -> Output:
        parsed = options.parse(inv.args, self.value | self.reads | self.writes)
        for value in parsed.values(*self.reads):
            inv.read(value)
        for value in parsed.values(*self.writes):
            inv.write(value)
        files = parsed.operands[self.skip :]
        recursive = self.recursive_default or parsed.has(*self.recursive)
        if self.last_writes and len(files) > 1:
            inv.write(files[-1])
            files = files[:-1]
        for operand in files:
            self._operand(inv, operand, recursive)
        if recursive and not files and self.recursive_default:
            inv.recursive(".")
        return self._output(inv, files)

    def _operand(self, inv: Invocation, operand: Arg, recursive: bool) -> None:
        if operand.text == "-" and not operand.dynamic:
            return
        if self.operands in ("read", "readwrite"):
            if recursive and _is_dir(inv, operand):
                inv.recursive(operand)
            else:
                inv.read(operand)
        if self.operands in ("write", "readwrite"):
            inv.write(operand)

    def _output(self, inv: Invocation, files: list[Arg]) -> Output:
        if not self.passthrough:
            return None
        if not files:
            return inv.stdin if inv.piped else ""
        contents = [inv.static_file(f) for f in files]
        return None if any(c is None for c in contents) else "".join(c or "" for c in contents)


def _is_dir(inv: Invocation, arg: Arg) -> bool:
    resolved = None if arg.dynamic else inv.resolve(arg.text)
    return resolved is not None and os.path.isdir(resolved)


def _f(*values: str) -> frozenset[str]:
    return frozenset(values)


_READERS: dict[str, FileCommand] = {
    "cat": FileCommand(passthrough=True),
    "tac": FileCommand(passthrough=True),
    "head": FileCommand(_f("-n", "-c", "--lines", "--bytes"), passthrough=True),
    "tail": FileCommand(
        _f("-n", "-c", "--lines", "--bytes", "--pid", "-s", "--sleep-interval"), passthrough=True
    ),
    "less": FileCommand(
        _f("-b", "-h", "-j", "-p", "-P", "-t", "-T", "-x", "-y", "-z", "-#"),
        writes=_f("-o", "-O", "--log-file"),
    ),
    "more": FileCommand(_f("-n")),
    "most": FileCommand(),
    "pg": FileCommand(),
    "bat": FileCommand(
        _f("-l", "--language", "-r", "--line-range", "--style", "--theme", "-H"), passthrough=True
    ),
    "batcat": FileCommand(_f("-l", "--language", "-r", "--line-range", "--style", "-H")),
    "nl": FileCommand(_f("-b", "-d", "-f", "-h", "-i", "-l", "-n", "-s", "-v", "-w")),
    "strings": FileCommand(_f("-n", "-t", "-e", "--bytes", "--radix", "--encoding")),
    "od": FileCommand(_f("-A", "-t", "-j", "-N", "-w", "-S")),
    "xxd": FileCommand(_f("-s", "-l", "-c", "-g", "-o", "-n"), last_writes=True),
    "hexdump": FileCommand(_f("-s", "-n", "-e"), reads=_f("-f")),
    "hd": FileCommand(_f("-s", "-n", "-e"), reads=_f("-f")),
    "base64": FileCommand(_f("-w", "--wrap")),
    "base32": FileCommand(_f("-w", "--wrap")),
    "basenc": FileCommand(_f("-w", "--wrap")),
    "cut": FileCommand(_f("-d", "-f", "-c", "-b", "--delimiter", "--fields", "--output-delimiter")),
    "sort": FileCommand(
        _f("-k", "-t", "-S", "-T", "--key", "--field-separator", "--buffer-size", "--parallel"),
        reads=_f("--files0-from"),
        writes=_f("-o", "--output"),
        passthrough=True,
    ),
    "uniq": FileCommand(_f("-f", "-s", "-w"), last_writes=True, passthrough=True),
    "wc": FileCommand(reads=_f("--files0-from")),
    "diff": FileCommand(
        _f("-U", "-C", "-x", "-I", "-L", "--label", "-W", "--width", "--exclude", "-F"),
        reads=_f("-X", "--exclude-from"),
        recursive=_f("-r", "--recursive"),
    ),
    "diff3": FileCommand(_f("-L", "--label")),
    "sdiff": FileCommand(writes=_f("-o")),
    "cmp": FileCommand(_f("-i", "-n", "--bytes", "--ignore-initial")),
    "comm": FileCommand(_f("--output-delimiter")),
    "paste": FileCommand(_f("-d", "--delimiters")),
    "join": FileCommand(_f("-t", "-1", "-2", "-j", "-o", "-a", "-v", "-e")),
    "fold": FileCommand(_f("-w", "--width")),
    "fmt": FileCommand(_f("-w", "-p", "-g")),
    "pr": FileCommand(_f("-w", "-l", "-h", "-o")),
    "expand": FileCommand(_f("-t")),
    "unexpand": FileCommand(_f("-t")),
    "column": FileCommand(_f("-s", "-c", "-o", "-N", "-W", "-H", "-R")),
    "rev": FileCommand(),
    "shuf": FileCommand(_f("-n", "--random-source"), writes=_f("-o", "--output")),
    "iconv": FileCommand(_f("-f", "-t", "--from-code", "--to-code"), writes=_f("-o", "--output")),
    "file": FileCommand(_f("-F", "-P", "-e"), reads=_f("-m", "-f", "--magic-file", "--files-from")),
    "stat": FileCommand(_f("-c", "--format", "--printf")),
    "md5sum": FileCommand(),
    "sha1sum": FileCommand(),
    "sha224sum": FileCommand(),
    "sha256sum": FileCommand(),
    "sha384sum": FileCommand(),
    "sha512sum": FileCommand(),
    "b2sum": FileCommand(),
    "cksum": FileCommand(),
    "sum": FileCommand(),
    "shasum": FileCommand(_f("-a", "--algorithm")),
    "ls": FileCommand(
        _f("-I", "--ignore", "-w", "-T", "--hide", "--format", "--sort", "--time-style", "--color")
    ),
    "dir": FileCommand(),
    "vdir": FileCommand(),
    "tree": FileCommand(_f("-L", "-P", "-I", "--filelimit", "--charset"), writes=_f("-o")),
    "du": FileCommand(_f("-d", "--max-depth", "-B", "--exclude", "-t"), reads=_f("-X")),
    "realpath": FileCommand(operands="none"),
    "readlink": FileCommand(operands="none"),
    "zcat": FileCommand(),
    "bzcat": FileCommand(),
    "xzcat": FileCommand(),
    "zstdcat": FileCommand(),
    "lzcat": FileCommand(),
    "zless": FileCommand(),
    "zmore": FileCommand(),
    "gzcat": FileCommand(),
    "zgrep": FileCommand(_f("-e", "-m", "-A", "-B", "-C"), skip=1),
    "zdiff": FileCommand(),
    "zcmp": FileCommand(),
    "look": FileCommand(skip=1),
    "csplit": FileCommand(_f("-f", "-b", "-n"), skip=0),
    "split": FileCommand(_f("-l", "-b", "-n", "-a", "-C", "--additional-suffix"), last_writes=True),
    "pdftotext": FileCommand(_f("-f", "-l"), last_writes=True),
    "xmllint": FileCommand(_f("--xpath"), writes=_f("--output")),
    "yq": FileCommand(skip=1),
    "ssh-add": FileCommand(_f("-t", "-E", "-S")),
}

_EDITORS = {
    name: FileCommand(
        _f("-c", "--cmd", "-u", "-U", "-i", "-S", "-s", "-w", "-W", "-T"), operands="readwrite"
    )
    for name in (
        "vim",
        "vi",
        "nvim",
        "view",
        "nano",
        "emacs",
        "ed",
        "ex",
        "pico",
        "micro",
        "joe",
        "code",
        "subl",
        "gedit",
        "kate",
        "hx",
        "kak",
    )
}

_WRITERS: dict[str, FileCommand] = {
    "rm": FileCommand(operands="write"),
    "rmdir": FileCommand(operands="write"),
    "unlink": FileCommand(operands="write"),
    "shred": FileCommand(_f("-n", "-s", "--iterations", "--size"), operands="write"),
    "touch": FileCommand(_f("-d", "-t", "--date"), reads=_f("-r", "--reference"), operands="write"),
    "truncate": FileCommand(_f("-s", "--size"), reads=_f("-r", "--reference"), operands="write"),
    "mkdir": FileCommand(_f("-m", "--mode", "-Z", "--context"), operands="write"),
    "mkfifo": FileCommand(_f("-m"), operands="write"),
    "tee": FileCommand(_f("--output-error"), operands="write", passthrough=False),
    "gzip": FileCommand(_f("-S", "--suffix"), operands="readwrite"),
    "gunzip": FileCommand(_f("-S", "--suffix"), operands="readwrite"),
    "bzip2": FileCommand(operands="readwrite"),
    "bunzip2": FileCommand(operands="readwrite"),
    "xz": FileCommand(_f("-T", "--threads"), operands="readwrite"),
    "unxz": FileCommand(operands="readwrite"),
    "lz4": FileCommand(operands="readwrite"),
    "zstd": FileCommand(_f("-T"), writes=_f("-o"), operands="readwrite"),
    "unzstd": FileCommand(operands="readwrite"),
    "compress": FileCommand(operands="readwrite"),
    "patch": FileCommand(
        _f("-p", "-F", "-B", "-V", "-z", "-D"),
        reads=_f("-i", "--input"),
        writes=_f("-o", "--output", "-r"),
        operands="readwrite",
    ),
    "ssh-keygen": FileCommand(
        _f(
            "-t",
            "-b",
            "-C",
            "-N",
            "-P",
            "-E",
            "-I",
            "-n",
            "-V",
            "-O",
            "-a",
            "-m",
            "-Z",
            "-z",
            "-Y",
            "-D",
        ),
        reads=_f("-f", "-s"),
        writes=_f("-f", "-R"),
        operands="read",
    ),
    "mktemp": FileCommand(_f("-p", "-t", "--tmpdir", "--suffix"), operands="none"),
}


def _tee(inv: Invocation) -> Output:
    _WRITERS["tee"](inv)
    return inv.stdin if inv.piped else ""


def _modes(inv: Invocation) -> Output:
    """chmod/chown/chgrp/chattr: the first operand is the mode or owner, unless --reference."""
    parsed = options.parse(inv.args, ("--reference", "--from"))
    references = parsed.values("--reference")
    for reference in references:
        inv.read(reference)
    files = parsed.operands if references else parsed.operands[1:]
    for operand in files:
        inv.write(operand)
    return None


def _copy_like(inv: Invocation, move: bool) -> Output:
    parsed = options.parse(
        inv.args,
        (
            "-t",
            "--target-directory",
            "-S",
            "--suffix",
            "-m",
            "--mode",
            "-o",
            "--owner",
            "-g",
            "--group",
            "--backup",
            "--reflink",
            "--sparse",
            "--preserve",
            "-Z",
        ),
    )
    targets = parsed.values("-t", "--target-directory")
    sources = parsed.operands if targets else parsed.operands[:-1]
    destination = targets[0] if targets else (parsed.operands[-1] if parsed.operands else None)
    if destination is None:
        return None
    if inv.name == "install" and parsed.has("-d", "--directory"):
        for operand in parsed.operands:
            inv.write(operand)
        return None
    recursive = parsed.has("-r", "-R", "-a", "--recursive", "--archive") or move
    for source in sources:
        if recursive and _is_dir(inv, source):
            inv.recursive(source)
        else:
            inv.read(source)
        if move:
            inv.write(source)
    _write_destination(inv, sources, destination)
    return None


def _write_destination(inv: Invocation, sources: list[Arg], destination: Arg) -> None:
    """`cp .env /tmp/` writes `/tmp/.env`: name the file, not just the directory."""
    written = inv.write(destination)
    if written is None or not (os.path.isdir(written) or destination.text.endswith("/")):
        return
    for source in sources:
        if not source.dynamic:
            inv.write(Arg(os.path.join(written, os.path.basename(source.text.rstrip("/")))))


def _cp(inv: Invocation) -> Output:
    return _copy_like(inv, move=False)


def _mv(inv: Invocation) -> Output:
    return _copy_like(inv, move=True)


def _ln(inv: Invocation) -> Output:
    """A link made now is followed by later reads in the same command line."""
    parsed = options.parse(inv.args, ("-t", "--target-directory", "-S", "--suffix"))
    targets = parsed.values("-t", "--target-directory")
    sources = parsed.operands if targets else parsed.operands[:-1]
    link_at = (
        targets[0] if targets else (parsed.operands[-1] if len(parsed.operands) > 1 else Arg("."))
    )
    link = inv.write(link_at)
    if link is None:
        return None
    link_dir = os.path.isdir(link) or bool(targets)
    for source in sources:
        base = os.path.dirname(link) if parsed.has("-s", "--symbolic") and not link_dir else None
        origin = inv.interp.resolve(source.text, inv.state) if not source.dynamic else None
        if base is not None and not source.text.startswith(("/", "~")):
            origin = os.path.join(base, source.text)  # relative symlinks resolve from the link
        if origin is None:
            inv.blind("a link target is computed at run time")
            continue
        name = os.path.join(link, os.path.basename(source.text)) if link_dir else link
        inv.interp.links[name] = (*inv.interp.links.get(name, ()), origin)
    return None


def _dd(inv: Invocation) -> Output:
    for arg in inv.args:
        key, eq, value = arg.text.partition("=")
        if eq and key == "if":
            inv.read(Arg(value, arg.dynamic))
        elif eq and key == "of":
            inv.write(Arg(value, arg.dynamic))
    return None


def _sed(inv: Invocation) -> Output:
    parsed = options.parse(inv.args, ("-e", "--expression", "-l", "--line-length", "-f", "--file"))
    scripts = [v.text for v in parsed.values("-e", "--expression")]
    script_files = _sed_script_files(inv.args)
    for script_file in script_files:
        inv.read(script_file)
    files = parsed.operands
    if not scripts and not script_files and files:
        if files[0].dynamic:
            inv.blind("the sed script is computed at run time")
        scripts, files = [files[0].text], files[1:]
    for script in scripts:
        sed_script(inv, script)
    in_place = any(
        a.text.startswith("-i")
        or a.text.startswith("--in-place")
        or (a.text.startswith("-") and not a.text.startswith("--") and "i" in a.text)
        for a in inv.args
        if not a.dynamic
    )
    for operand in files:
        inv.read(operand)
        if in_place:
            inv.write(operand)
    return None


def _sed_script_files(args: list[Arg]) -> list[Arg]:
    found = []
    for index, arg in enumerate(args):
        if arg.text in ("-f", "--file") and index + 1 < len(args):
            found.append(args[index + 1])
        elif arg.text.startswith("--file="):
            found.append(Arg(arg.text[7:], arg.dynamic))
    return found


def _tar(inv: Invocation) -> Output:
    args = list(inv.args)
    if args and not args[0].text.startswith("-") and not args[0].dynamic:
        args[0] = Arg("-" + args[0].text)  # `tar czf x.tgz dir`: old-style bundled letters
    parsed = options.parse(
        args,
        (
            "-f",
            "--file",
            "-C",
            "--directory",
            "-T",
            "--files-from",
            "-X",
            "--exclude-from",
            "--exclude",
            "-b",
            "-H",
            "--format",
            "-I",
            "--use-compress-program",
            "--transform",
            "-N",
            "--owner",
            "--group",
            "--mode",
            "-V",
            "-L",
            "-K",
        ),
    )
    create = parsed.has("-c", "--create", "-r", "--append", "-u", "--update")
    archives = parsed.values("-f", "--file")
    for archive in archives:
        (inv.write if create else inv.read)(archive)
    for listing in parsed.values("-T", "--files-from", "-X", "--exclude-from"):
        inv.read(listing)
    if create:
        _tar_members(inv, args)
    else:
        for directory in parsed.values("-C", "--directory"):
            inv.write(directory)
        for member in parsed.operands:
            inv.write(member)
    return None


def _tar_members(inv: Invocation, args: list[Arg]) -> None:
    """Members are read relative to the latest `-C dir` before them."""
    base = inv.state.cwd
    index = 0
    saved = inv.state.cwd
    value_next = False
    try:
        while index < len(args):
            arg = args[index]
            index += 1
            if arg.text in ("-C", "--directory") and index < len(args):
                _tar_chdir(inv, args[index], args[index + 1 : index + 2])
                index += 1
                continue
            if arg.text.startswith("--directory="):
                _tar_chdir(
                    inv, Arg(arg.text.split("=", 1)[1], arg.dynamic), args[index : index + 1]
                )
                continue
            if value_next or arg.text.startswith("-"):
                value_next = (
                    arg.text.startswith("-")
                    and arg.text[-1:] in "fTXbHINVLK"
                    and ("=" not in arg.text)
                )
                continue
            _read_maybe_tree(inv, arg)
    finally:
        inv.state.cwd = saved if saved is not None else base


def _tar_chdir(inv: Invocation, directory: Arg, following: list[Arg]) -> None:
    """`-C DIR`: later members are relative to DIR. A next word that is a directory here but
    not in DIR would make tar fail: it is another value of the same word (`-C $d` with `d`
    a loop variable), so which directory applies is not known."""
    before = inv.state.cwd
    inv.state.cwd = None if directory.dynamic else inv.resolve(directory.text)
    if inv.state.cwd is None or not following or following[0].dynamic:
        return
    member = following[0].text
    if member.startswith(("-", "/", "~")) or before is None:
        return
    if os.path.isdir(os.path.join(before, member)) and not os.path.exists(
        os.path.join(inv.state.cwd, member)
    ):
        inv.state.cwd = None


def _read_maybe_tree(inv: Invocation, arg: Arg) -> None:
    if _is_dir(inv, arg):
        inv.recursive(arg)
    else:
        inv.read(arg)


def _zip(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args,
        ("-x", "-i", "-b", "-n", "-t", "-tt", "-P", "--password", "-O", "--out", "-Z", "-s"),
    )
    if not parsed.operands:
        return None
    inv.write(parsed.operands[0])
    recursive = parsed.has("-r", "-R")
    for member in parsed.operands[1:]:
        if recursive and _is_dir(inv, member):
            inv.recursive(member)
        else:
            inv.read(member)
    if parsed.has("-@"):
        _names_from_stdin(inv)
    return None


def _names_from_stdin(inv: Invocation) -> None:
    if inv.stdin is None:
        inv.blind("file names come from a pipe")
        return
    for name in inv.stdin.splitlines():
        if name.strip():
            inv.read(name.strip())


def _unzip(inv: Invocation) -> Output:
    parsed = options.parse(inv.args, ("-d", "-x", "-P"))
    if parsed.operands:
        inv.read(parsed.operands[0])
    for directory in parsed.values("-d"):
        inv.write(directory)
    return None


def _seven_zip(inv: Invocation) -> Output:
    parsed = options.parse(inv.args, ())
    if len(parsed.operands) < 2:
        return None
    mode, archive, *members = parsed.operands
    if mode.text in ("a", "u"):
        inv.write(archive)
        for member in members:
            _read_maybe_tree(inv, member)
    else:
        inv.read(archive)
    return None


def _base64(inv: Invocation) -> Output:
    FileCommand(_f("-w", "--wrap"))(inv)
    decode = any(a.text in ("-d", "--decode", "-D") for a in inv.args)
    source = _single_input(inv)
    if source is None or not decode:
        return None
    try:
        return base64.b64decode(source.strip() + "===", validate=False).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def _xxd(inv: Invocation) -> Output:
    _READERS["xxd"](inv)
    source = _single_input(inv)
    if source is None or not any(a.text == "-r" for a in inv.args):
        return None
    try:
        return bytes.fromhex("".join(source.split())).decode("utf-8", "replace")
    except ValueError:
        return None


def _rev(inv: Invocation) -> Output:
    _READERS["rev"](inv)
    source = _single_input(inv)
    if source is None:
        return None
    return "".join(line[::-1] + "\n" for line in source.splitlines())


def _single_input(inv: Invocation) -> str | None:
    files = [a for a in inv.args if not a.text.startswith("-")]
    if files:
        return inv.static_file(files[0]) if len(files) == 1 else None
    return inv.stdin if inv.piped else None


def _tr(inv: Invocation) -> Output:
    """tr reads only stdin; a simple translation is applied so `tr a-z n-za-m` is followed."""
    sets = [a for a in inv.args if not a.text.startswith("-")]
    if inv.stdin is None or not inv.piped or any(a.dynamic for a in sets):
        return None
    flags = "".join(a.text[1:] for a in inv.args if a.text.startswith("-"))
    if "d" in flags and sets:
        drop = set(_tr_set(sets[0].text))
        return "".join(c for c in inv.stdin if c not in drop)
    if len(sets) != 2 or flags:
        return None
    source, target = _tr_set(sets[0].text), _tr_set(sets[1].text)
    if not target:
        return None
    target = target + target[-1] * max(0, len(source) - len(target))
    return inv.stdin.translate({ord(s): t for s, t in zip(source, target, strict=False)})


def _tr_set(spec: str) -> str:
    spec = decode_ansi_c(spec)
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.extend(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


_GREP_VALUES = (
    "-A",
    "-B",
    "-C",
    "-m",
    "-d",
    "-D",
    "--max-count",
    "--include",
    "--exclude",
    "--exclude-dir",
    "--color",
    "--colour",
    "--label",
    "--binary-files",
    "--context",
    "--after-context",
    "--before-context",
    "--devices",
    "--directories",
    "-NUM",
    "--group-separator",
)
_RG_VALUES = (
    "-g",
    "--glob",
    "--iglob",
    "-t",
    "--type",
    "-T",
    "--type-not",
    "-A",
    "-B",
    "-C",
    "-m",
    "--max-count",
    "-M",
    "--max-columns",
    "-j",
    "--threads",
    "--type-add",
    "--sort",
    "--sortr",
    "-E",
    "--encoding",
    "-r",
    "--replace",
    "--max-depth",
    "-d",
    "--max-filesize",
    "--color",
    "--colors",
    "--context-separator",
    "--path-separator",
    "--field-match-separator",
    "-u",
)


def _grep(inv: Invocation) -> Output:
    """grep family: the pattern is the first operand unless -e/-f gives it; -r walks."""
    searcher = inv.name in ("rg", "ag", "ack", "ack-grep", "pt", "sift", "ugrep", "ug")
    parsed = options.parse(
        inv.args,
        (
            *(_RG_VALUES if searcher else _GREP_VALUES),
            "-e",
            "--regexp",
            "-f",
            "--file",
            "--pre",
            "--ignore-file",
        ),
    )
    for pattern_file in parsed.values("-f", "--file", "--ignore-file"):
        inv.read(pattern_file)
    if parsed.values("--pre"):
        inv.blind("a preprocessor command runs on every file")
    operands = (
        parsed.operands
        if parsed.values("-e", "--regexp", "-f", "--file")
        else (parsed.operands[1:])
    )
    recursive = searcher or parsed.has("-r", "-R", "--recursive", "--dereference-recursive")
    recursive |= any(v.text == "recurse" for v in parsed.values("-d", "--directories"))
    includes = [
        v.text for v in parsed.values("--include", "-g", "--glob", "--iglob") if not v.dynamic
    ]
    if recursive and not operands:
        operands = [Arg(".")]
    for operand in operands:
        if operand.text == "-":
            continue
        if recursive and (_is_dir(inv, operand) or operand.dynamic):
            _search_tree(inv, operand, includes)
        else:
            inv.read(operand)
    return None


def _search_tree(inv: Invocation, root: Arg, includes: list[str]) -> None:
    """A recursive search limited by `--include`/`-g` globs reads only the matching files:
    name them, so the caller need not treat the whole tree as read."""
    positive = [g for g in includes if not g.startswith("!")]
    resolved = None if root.dynamic else inv.resolve(root.text)
    files = tree_files(resolved, positive) if resolved and positive else None
    if files is None:
        inv.recursive(root)
        return
    inv.read(root)
    for path in files:
        inv.read(Arg(path))


def handlers() -> dict[str, Handler]:
    table: dict[str, Handler] = {}
    table.update(_READERS)
    table.update(_EDITORS)
    table.update(_WRITERS)
    table.update(
        {
            "tee": _tee,
            "chmod": _modes,
            "chown": _modes,
            "chgrp": _modes,
            "chattr": _modes,
            "setfacl": _modes,
            "cp": _cp,
            "install": _cp,
            "mv": _mv,
            "ln": _ln,
            "dd": _dd,
            "sed": _sed,
            "gsed": _sed,
            "tar": _tar,
            "gtar": _tar,
            "bsdtar": _tar,
            "zip": _zip,
            "unzip": _unzip,
            "7z": _seven_zip,
            "7za": _seven_zip,
            "7zz": _seven_zip,
            "base64": _base64,
            "xxd": _xxd,
            "rev": _rev,
            "tr": _tr,
            **{
                name: _grep
                for name in (
                    "grep",
                    "egrep",
                    "fgrep",
                    "rgrep",
                    "rg",
                    "ag",
                    "ack",
                    "ack-grep",
                    "pt",
                    "sift",
                    "ugrep",
                    "ug",
                    "zgrep",
                    "bzgrep",
                    "xzgrep",
                    "pcregrep",
                    "pcre2grep",
                )
            },
        }
    )
    return table
