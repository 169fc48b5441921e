"""Environment variables whose value a command runs as a command line: pagers, editors,
askpass helpers, LESSOPEN, GIT_SSH_COMMAND ... `with_command_variables` wraps a command's
handler so the command lines they name are followed too."""

from __future__ import annotations

import re
import shlex

from claude_guard.shell.interp import Handler, Invocation, Output

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
