"""git: history readers (reported `via="git history"`), working-tree changes, pushes, and the
configuration values that are themselves shell commands (`-c alias.x='!cat .env'`)."""

from __future__ import annotations

import os
import re
import shlex

from claude_guard.shell.commands import options
from claude_guard.shell.commands.builtins import ambiguous_directory
from claude_guard.shell.commands.command_variables import REMOTE_HOST_STAND_IN
from claude_guard.shell.commands.network import host_of
from claude_guard.shell.commands.unknown import unknown_command
from claude_guard.shell.interp import Handler, Invocation, Output, State
from claude_guard.shell.words import Arg

_GLOBAL_VALUES = (
    "-C",
    "-c",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--exec-path",
    "--config-env",
    "--super-prefix",
    "--list-cmds",
    "--attr-source",
)
# Config keys whose value git runs as a shell command.
_COMMAND_KEYS = re.compile(
    r"^(alias\..*|core\.(pager|editor|sshcommand|fsmonitor|askpass|hookspath)|pager\..*|"
    r"diff\..*\.(textconv|command)|diff\.external|filter\..*\.(clean|smudge|process)|"
    r"credential\.helper|credential\..*\.helper|sequence\.editor|gpg\.program|"
    r"gpg\..*\.program|uploadpack\.packobjectshook|merge\..*\.driver|difftool\..*\.cmd|"
    r"mergetool\..*\.cmd|web\.browser|browser\..*\.cmd|sendemail\..*cmd|"
    r"remote\..*\.(uploadpack|receivepack|vcs)|protocol\..*|include\.path|includeif\..*)$",
    re.IGNORECASE,
)
_HISTORY = frozenset(
    {
        "show",
        "log",
        "diff",
        "grep",
        "blame",
        "annotate",
        "cat-file",
        "whatchanged",
        "format-patch",
        "archive",
        "shortlog",
        "difftool",
        "range-diff",
        "show-branch",
        "reflog",
        "bundle",
        "rev-list",
        "ls-tree",
        "diff-tree",
        "diff-index",
        "diff-files",
        "cherry",
        "notes",
    }
)
_HISTORY_VALUES = (
    "-n",
    "--max-count",
    "-L",
    "-S",
    "-G",
    "-e",
    "-U",
    "--unified",
    "--skip",
    "--author",
    "--committer",
    "--grep",
    "--since",
    "--until",
    "--format",
    "--pretty",
    "-m",
    "--abbrev",
    "--date",
    "-O",
    "--diff-filter",
    "-A",
    "-B",
    "-C",
    "--prefix",
    "--remote",
    "--encoding",
    "--stat",
    "-t",
)
_WORKTREE_WRITES = frozenset(
    {
        "checkout",
        "restore",
        "rm",
        "mv",
        "reset",
        "stash",
        "clean",
        "apply",
        "am",
        "switch",
        "merge",
        "rebase",
        "pull",
        "cherry-pick",
        "revert",
    }
)


def _git(inv: Invocation) -> Output:
    parsed = options.parse(inv.args, _GLOBAL_VALUES, stop_at_operand=True)
    state = inv.state
    for directory in parsed.values("-C"):
        state = state.copy()
        state.cwd = None if directory.dynamic else inv.interp.resolve(directory.text, state)
    aliases: dict[str, str] = {}
    settings = [*_config_files(inv, state), *_config_environment(inv)]
    settings += [*parsed.values("-c"), *_config_env(inv, parsed)]
    for setting in settings:
        _config_value(inv, setting, aliases)
    if not parsed.operands:
        return None
    sub, *rest = parsed.operands
    known = sub.text in aliases or sub.text in _SUBCOMMANDS or sub.text in _HISTORY
    if parsed.values("-C") and not known and ambiguous_directory(inv, sub):
        # `git -C $d log` with several values of `d`: the next value took the subcommand's
        # place, and which directory git runs in is not known.
        state = state.copy()
        state.cwd = None
        inv.blind("`-C` names one of several directories")
    inner = Invocation(inv.interp, state, inv.name, rest, inv.stdin, inv.piped)
    if sub.text in aliases:
        return inner.run_script(aliases[sub.text] + " " + " ".join(a.text for a in rest))
    if sub.dynamic:
        inv.blind("the git subcommand is computed at run time")
    return _subcommand(inner, sub.text)


def _config_env(inv: Invocation, parsed: options.Parsed) -> list[Arg]:
    """`--config-env=KEY=VAR`: KEY is set to the value of the environment variable VAR."""
    settings: list[Arg] = []
    for spec in parsed.values("--config-env"):
        key, eq, variable = spec.text.partition("=")
        if not eq:
            continue
        value = None if spec.dynamic else inv.interp.lookup(variable, inv.state)
        if value is None:
            settings.append(Arg(key + "=*", dynamic=True))
        else:
            settings.extend(Arg(f"{key}={v}") for v in value)
    return settings


_CONFIG_KEY_VARIABLE = re.compile(r"GIT_CONFIG_KEY_(\d+)")
_MAX_INCLUDES = 4


def _config_environment(inv: Invocation) -> list[Arg]:
    """Settings given in the environment: `GIT_CONFIG_PARAMETERS` (as `git -c` passes them
    on) and `GIT_CONFIG_COUNT` with `GIT_CONFIG_KEY_<n>` / `GIT_CONFIG_VALUE_<n>`."""
    variables = inv.state.vars
    settings: list[Arg] = []
    if "GIT_CONFIG_PARAMETERS" in variables:
        parameters = variables["GIT_CONFIG_PARAMETERS"]
        for text in parameters or ("*",):
            try:
                words = shlex.split(text)
            except ValueError:
                words = ["*"]
            if parameters is None or "*" in words:
                inv.blind("git settings in the environment are computed at run time")
            settings.extend(Arg(w) for w in words if w != "*")
    indexes = {int(m.group(1)) for m in map(_CONFIG_KEY_VARIABLE.fullmatch, variables) if m}
    counts = variables.get("GIT_CONFIG_COUNT", ("0",))
    for count in counts if counts is not None else ("*",):
        indexes.update(range(min(int(count), 64) if count.isdigit() else 64))
    for index in sorted(indexes):
        key_value = inv.interp.lookup(f"GIT_CONFIG_KEY_{index}", inv.state)
        value = inv.interp.lookup(f"GIT_CONFIG_VALUE_{index}", inv.state)
        for key in key_value or ("*",):
            for item in value or ("*",):
                unknown = key_value is None or value is None
                settings.append(Arg(f"{key}={item}", dynamic=unknown))
    return settings


def _config_files(inv: Invocation, state: State) -> list[Arg]:
    """Settings in config files this command line names (`GIT_CONFIG_GLOBAL=f`) or wrote
    (`echo ... >> .git/config`). The user's own config files, untouched, are theirs."""
    settings: list[Arg] = []
    for name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG"):
        if name not in state.vars:
            continue
        paths = state.vars[name]
        if paths is None:
            inv.blind(f"${name} names a config file computed at run time")
        for path in paths or ():
            if path and path != "/dev/null":
                settings.extend(_config_file(inv, Arg(path)))
    root = _repo_root(state)
    candidates = [os.path.join(root, ".git", "config")] if root else []
    candidates += ["~/.gitconfig", "~/.config/git/config"]
    for candidate in candidates:
        resolved = inv.interp.resolve(candidate, state)
        if resolved is not None and resolved in inv.interp.written:
            settings.extend(_config_file(inv, Arg(resolved)))
    return settings


def _config_file(inv: Invocation, path: Arg) -> list[Arg]:
    """The `section.sub.key=value` settings of a git config file."""
    inv.read(path, "git config file")
    resolved = None if path.dynamic else inv.resolve(path.text)
    content = inv.static_file(path)
    if content is None:
        if resolved is None or resolved in inv.interp.written or os.path.exists(resolved):
            inv.blind("reads a git config file whose text cannot be known")
        return []
    settings: list[Arg] = []
    section = ""
    for raw in content.splitlines():
        line = raw.strip()
        header = re.match(r'^\[\s*([\w.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\](.*)$', line)
        if header:
            section = header.group(1) + ("." + header.group(2) if header.group(2) else "")
            line = header.group(3).strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, eq, value = line.partition("=")
        value = value.strip()
        if len(value) > 1 and value[0] == value[-1] == '"':
            value = value[1:-1]
        settings.append(Arg(f"{section}.{key.strip()}={value}" if eq else f"{section}.{key}"))
    return settings


def _config_value(inv: Invocation, setting: Arg, aliases: dict[str, str], depth: int = 0) -> None:
    key, eq, value = setting.text.partition("=")
    if not eq or not _COMMAND_KEYS.match(key):
        if setting.dynamic and "*" in key:
            inv.blind("a git setting is computed at run time")
        return
    if setting.dynamic:
        inv.blind("a git setting that runs commands is computed at run time")
        return
    lowered = key.lower()
    if lowered.startswith("alias."):
        if value.startswith("!"):
            aliases[key[6:]] = value[1:]
        return
    if lowered.startswith("include"):
        if depth >= _MAX_INCLUDES:
            inv.blind("git config files include each other too deeply to follow")
            return
        for included in _config_file(inv, Arg(value)):
            _config_value(inv, included, aliases, depth + 1)
        return
    if lowered == "core.hookspath":
        inv.read(value)
        return
    # core.sshCommand runs with the remote host appended, like $GIT_SSH_COMMAND.
    suffix = REMOTE_HOST_STAND_IN if lowered == "core.sshcommand" else ""
    inv.run_script(value.lstrip("!") + suffix, stdin=None)


def _subcommand(inv: Invocation, sub: str) -> Output:
    handler = _SUBCOMMANDS.get(sub)
    if handler is not None:
        return handler(inv)
    if sub in _HISTORY:
        return _history(inv, sub)
    return unknown_command(inv)


def _repo_root(state: State) -> str | None:
    directory = state.cwd
    while directory:
        if os.path.exists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent
    return None


def _history(inv: Invocation, sub: str) -> Output:
    """Paths named in history commands: `HEAD:.env` (repo-root relative), `-- path`."""
    parsed = options.parse(inv.args, _HISTORY_VALUES)
    operands = parsed.operands
    if sub == "grep" and not parsed.values("-e") and operands:
        operands = operands[1:]
    if sub == "diff" and parsed.has("--no-index"):
        for operand in operands:
            inv.read(operand)
        return None
    root = _repo_root(inv.state) or inv.state.cwd
    for operand in operands:
        if operand.text.startswith("-"):
            continue
        rev, colon, path = operand.text.partition(":")
        if colon and not rev.startswith(("/", ".")) and "/" not in rev:
            base = inv.state.cwd if path.startswith(("./", "../")) else root
            if path and base is not None:
                inv.read(Arg(os.path.join(base, path), operand.dynamic), "git history")
            elif operand.dynamic:
                inv.blind("a revision is computed at run time")
            continue
        inv.read(operand, "git history")
    for value in parsed.values("-O"):
        inv.read(value)
    return None


def _stash(inv: Invocation) -> Output:
    if inv.args and inv.args[0].text == "show":
        return _history(
            Invocation(inv.interp, inv.state, inv.name, inv.args[1:], inv.stdin, inv.piped), "show"
        )
    return _worktree(inv)


def _worktree(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args,
        (
            "-m",
            "--message",
            "-b",
            "-B",
            "--author",
            "--date",
            "-S",
            "--gpg-sign",
            "-s",
            "--strategy",
            "-X",
            "-C",
            "-c",
            "--source",
            "--onto",
            "--exec",
            "-x",
            "--pathspec-from-file",
        ),
    )
    for message_file in parsed.values("-F", "--file", "--pathspec-from-file"):
        inv.read(message_file)
    for shell_text in parsed.values("--exec", "-x"):
        if shell_text.dynamic:
            inv.blind("runs shell text computed at run time")
        else:
            inv.run_script(shell_text.text, stdin="")
    for operand in parsed.operands:
        inv.read(operand)
        inv.write(operand)
    return None


def _add(inv: Invocation) -> Output:
    parsed = options.parse(inv.args, ("--chmod", "--pathspec-from-file"))
    for operand in parsed.operands:
        inv.read(operand)
    return None


def _commit(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args,
        (
            "-m",
            "--message",
            "-C",
            "-c",
            "--author",
            "--date",
            "--fixup",
            "--squash",
            "-t",
            "--template",
            "-F",
            "--file",
            "--trailer",
            "--cleanup",
            "-S",
            "--gpg-sign",
        ),
    )
    for message_file in parsed.values("-F", "--file", "-t", "--template"):
        if message_file.text != "-":
            inv.read(message_file)
    for operand in parsed.operands:
        inv.read(operand)
    return None


def _push(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args,
        (
            "--repo",
            "-o",
            "--push-option",
            "--receive-pack",
            "--exec",
            "--signed",
            "--force-with-lease",
        ),
    )
    target = parsed.operands[0] if parsed.operands else None
    destination = None if target is None or target.dynamic else _remote_host(target.text)
    inv.send("git-push", destination)
    return None


def _remote_host(target: str) -> str:
    return (host_of(target) or target) if ("/" in target or ":" in target) else target


def _remote(inv: Invocation) -> Output:
    words = [a.text for a in inv.args]
    if words[:1] in (["add"], ["set-url"]):
        urls = [a for a in inv.args[1:] if not a.text.startswith("-")]
        url = urls[-1] if urls else None
        inv.send("git-remote", None if url is None or url.dynamic else _remote_host(url.text))
    return None


def _send_email(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args,
        (
            "--to",
            "--cc",
            "--bcc",
            "--from",
            "--subject",
            "--smtp-server",
            "--in-reply-to",
            "--smtp-user",
        ),
    )
    for operand in parsed.operands:
        inv.read(operand)
    inv.send("mail", None)
    return None


def _config(inv: Invocation) -> Output:
    operands = [a for a in inv.args if not a.text.startswith("-")]
    for value in [a for a in inv.args if a.text.startswith("--file=")]:
        inv.read(Arg(value.text[7:], value.dynamic))
    if len(operands) >= 2 and _COMMAND_KEYS.match(operands[0].text):
        aliases: dict[str, str] = {}
        _config_value(
            inv,
            Arg(
                operands[0].text + "=" + operands[1].text,
                operands[0].dynamic or operands[1].dynamic,
            ),
            aliases,
        )
        for alias in aliases.values():
            inv.run_script(alias, stdin="")
    return None


def _credential(inv: Invocation) -> Output:
    inv.read("~/.git-credentials", "git credential")
    inv.read("~/.config/git/credentials", "git credential")
    return None


def _submodule(inv: Invocation) -> Output:
    words = [a.text for a in inv.args]
    if "foreach" in words:
        rest = inv.args[words.index("foreach") + 1 :]
        rest = [a for a in rest if a.text != "--recursive"]
        if rest:
            if any(a.dynamic for a in rest):
                inv.blind("runs shell text computed at run time")
            else:
                inv.run_script(" ".join(a.text for a in rest), stdin="")
    return None


def _bisect(inv: Invocation) -> Output:
    if inv.args and inv.args[0].text == "run":
        return inv.run(inv.args[1:], stdin="", piped=False)
    return None


def _filter_branch(inv: Invocation) -> Output:
    for index, arg in enumerate(inv.args[:-1]):
        if arg.text.endswith("-filter") and arg.text.startswith("--"):
            value = inv.args[index + 1]
            if value.dynamic:
                inv.blind("runs shell text computed at run time")
            else:
                inv.run_script(value.text, stdin="")
    return None


def _quiet(inv: Invocation) -> Output:
    return None


def _rev_parse(inv: Invocation) -> Output:
    if any(a.text == "--show-toplevel" for a in inv.args):
        root = _repo_root(inv.state)
        return None if root is None else root + "\n"
    return None


_SUBCOMMANDS: dict[str, Handler] = {
    "stash": _stash,
    "add": _add,
    "commit": _commit,
    "push": _push,
    "remote": _remote,
    "send-email": _send_email,
    "config": _config,
    "credential": _credential,
    "credential-store": _credential,
    "credential-cache": _credential,
    "submodule": _submodule,
    "bisect": _bisect,
    "filter-branch": _filter_branch,
    "rebase": _worktree,
    "status": _quiet,
    "fetch": _quiet,
    "clone": _quiet,
    "init": _quiet,
    "branch": _quiet,
    "tag": _quiet,
    "rev-parse": _rev_parse,
    "describe": _quiet,
    "ls-files": _quiet,
    "ls-remote": _quiet,
    "worktree": _quiet,
    "gc": _quiet,
    "version": _quiet,
    "help": _quiet,
    "merge-base": _quiet,
    "for-each-ref": _quiet,
    "symbolic-ref": _quiet,
    "update-index": _quiet,
    "count-objects": _quiet,
    "fsck": _quiet,
    **{name: _worktree for name in _WORKTREE_WRITES if name not in ("stash", "rebase")},
}


def handlers() -> dict[str, Handler]:
    return {"git": _git}
