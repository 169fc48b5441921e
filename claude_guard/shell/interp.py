"""The interpreter: walks the syntax tree the way bash would run it, without running anything.

It keeps what changes where later words resolve (cwd, directory stack, variables, positional
parameters, functions, aliases, links made earlier in the same command) and hands each command
line, fully expanded, to the handler for that command (`commands/`). Output that can be known
without running anything (`echo`, `printf`, here-docs, `find` matches, small files) flows on
through pipes and `$(...)`, so `echo .env | xargs cat` is followed; anything else is unknown.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tree_sitter import Node

from claude_guard.shell import words
from claude_guard.shell.model import (
    MAX_NESTING,
    MAX_NODE_DEPTH,
    MAX_SECONDS,
    MAX_STATIC_BYTES,
    MAX_STEPS,
    Findings,
    Mode,
    TooComplex,
)
from claude_guard.shell.syntax import has_real_error, is_benign_error, parse, text
from claude_guard.shell.words import Arg, Value

Output = str | None  # what a command prints, when it can be known; None = unknown
Handler = Callable[["Invocation"], Output]

_SAFE_NAME = re.compile(r"[A-Za-z0-9_.+\-\[]{1,40}")
_ENVIRON = re.compile(r"^/proc/[^/]*/(task/[^/]*/)?environ$")
_DEV_NET = re.compile(r"^/dev/(tcp|udp)/([^/]*)/([^/]*)$")
_DEV_QUIET = frozenset(
    {
        "/dev/null",
        "/dev/stdout",
        "/dev/stderr",
        "/dev/stdin",
        "/dev/tty",
        "/dev/zero",
        "/dev/random",
        "/dev/urandom",
    }
)
_LOOPBACK = re.compile(
    r"^(localhost|127(\.\d+){3}|::1|\[::1\]|0\.0\.0\.0|[\w.-]*\.localhost)$", re.IGNORECASE
)


def safe_name(name: str) -> str:
    """A command name fit for a `via` or reason text; anything odd is not repeated."""
    return name if _SAFE_NAME.fullmatch(name) else "command"


def is_loopback(host: str | None) -> bool:
    return host is not None and _LOOPBACK.match(host) is not None


@dataclass
class Redirections:
    stdin: Output  # the new stdin's text when `piped`
    piped: bool  # stdin was redirected (file, here-doc, here-string)
    to_file: bool  # stdout goes to a file, so nothing flows on through a pipe
    continuations: list[Node]  # statements the grammar hangs off a here-doc (`<<EOF | x`)
    stdout_files: list[tuple[str, bool]]  # (path, appended) receiving stdout


@dataclass
class State:
    cwd: str | None
    vars: dict[str, Value] = field(default_factory=dict)
    positional: tuple[str, ...] | None = ()
    dirstack: list[str | None] = field(default_factory=list)
    functions: dict[str, Node] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def copy(self) -> State:
        return State(
            self.cwd,
            dict(self.vars),
            self.positional,
            list(self.dirstack),
            dict(self.functions),
            dict(self.aliases),
        )


@dataclass
class Invocation:
    """One expanded command line, with everything a handler needs to report what it does."""

    interp: Interpreter
    state: State
    name: str
    args: list[Arg]
    stdin: Output
    piped: bool  # stdin comes from a pipe, here-doc or file (not the terminal)

    @property
    def via(self) -> str:
        return safe_name(self.name)

    @property
    def findings(self) -> Findings:
        return self.interp.findings

    def path(self, arg: Arg | str, mode: Mode, via: str | None = None) -> str | None:
        return self.interp.touch(arg, mode, via or self.via, self.state)

    def read(self, arg: Arg | str, via: str | None = None) -> str | None:
        return self.path(arg, "read", via)

    def write(self, arg: Arg | str, via: str | None = None) -> str | None:
        return self.path(arg, "write", via)

    def recursive(self, arg: Arg | str, via: str | None = None) -> None:
        resolved = self.read(arg, via)
        if resolved is not None:
            self.findings.recursive_reads[resolved] = None

    def send(self, kind: str, destination: str | None, via: str | None = None) -> None:
        if not is_loopback(destination):
            self.findings.send(kind, destination, via or self.via)

    def blind(self, reason: str) -> None:
        self.findings.blind(f"{self.via}: {reason}")

    def run(
        self,
        argv: list[Arg],
        stdin: Output | None = None,
        piped: bool | None = None,
        state: State | None = None,
    ) -> Output:
        return self.interp.dispatch(
            argv,
            state or self.state,
            self.stdin if stdin is None else stdin,
            self.piped if piped is None else piped,
        )

    def run_script(
        self,
        script: str,
        positional: tuple[str, ...] | None = (),
        stdin: Output = "",
        new_shell: bool = True,
    ) -> Output:
        state = self.state.copy() if new_shell else self.state
        if new_shell:
            state.positional = positional
        return self.interp.run_script(script, state, f"{self.via} script", stdin)

    def resolve(self, raw: str) -> str | None:
        return self.interp.resolve(raw, self.state)

    def static_file(self, arg: Arg) -> str | None:
        resolved = None if arg.dynamic else self.resolve(arg.text)
        return self.interp.content(resolved, self.stdin) if resolved else None

    def script_text(self, arg: Arg) -> str | None:
        """Text of a script about to run; unanalysable when it exists but cannot be known."""
        resolved = None if arg.dynamic else self.resolve(arg.text)
        content = self.interp.content(resolved, self.stdin) if resolved else None
        if content is None and (
            resolved is None
            or resolved in self.interp.written
            or os.path.exists(resolved)
            or resolved.startswith("/dev/")
        ):
            self.blind("runs a script whose text cannot be known before it runs")
        return content


def read_small(path: str) -> str | None:
    """Content of a small regular file, to follow `cat list | xargs ...` and `source x.sh`."""
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > MAX_STATIC_BYTES:
            return None
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


class _Scope:
    """The expansion host for one state (words.Host)."""

    def __init__(self, interp: Interpreter, state: State) -> None:
        self.interp, self.state = interp, state

    @property
    def home(self) -> str:
        return self.interp.home

    @property
    def cwd(self) -> str | None:
        return self.state.cwd

    def lookup(self, name: str) -> Value:
        return self.interp.lookup(name, self.state)

    def assign(self, name: str, value: Value) -> None:
        self.state.vars[name] = value

    def substitute(self, node: Node) -> str | None:
        return self.interp.run_body(node, self.state.copy(), "", piped=False)

    def process_substitute(self, node: Node) -> None:
        self.interp.run_body(node, self.state.copy(), None, piped=True)

    def process_output(self, node: Node) -> str:
        """`<(cmd)` names a pipe; what `source`/`bash`/`cat` then read from it is cmd's
        output, remembered under a distinct /dev/fd name."""
        output = self.interp.run_body(node, self.state.copy(), "", piped=False)
        name = f"/dev/fd/{63 - len(self.interp.written) % 50}#{len(self.interp.written)}"
        self.interp.written[name] = output if text(node).startswith("<(") else ""
        return name

    @property
    def ifs(self) -> str | None:
        if "IFS" not in self.state.vars:
            return " \t\n"
        value = self.state.vars["IFS"]
        return None if value is None or len(value) != 1 else value[0]

    def indirect(self, name: str | None) -> None:
        if name is None:
            self.interp.findings.env_dump = True


class Interpreter:
    def __init__(
        self,
        findings: Findings,
        home: str,
        env: Mapping[str, str] | None,
        handlers: Mapping[str, Handler],
        fallback: Handler,
    ) -> None:
        self.findings, self.home, self.env = findings, home, env
        self.handlers, self.fallback = handlers, fallback
        self.links: dict[str, tuple[str, ...]] = {}
        # Files written earlier in this command line, with their content when known, so
        # `echo 'cat .env' > x.sh; sh x.sh` is followed; also `<(...)` pipes.
        self.written: dict[str, Output] = {}
        self.stdout_files: list[tuple[str, bool]] = []
        self.steps = 0
        self.nesting = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    # ------------------------------------------------------------------ variables and paths

    def lookup(self, name: str, state: State) -> Value:
        if name in state.vars:
            return state.vars[name]
        if name.isdigit() or name in ("@", "*", "#"):
            return self._positional(name, state)
        if name in ("$", "BASHPID", "PPID", "!"):
            return ("self",) if name != "!" else None
        if name == "HOME":
            return (self.home,)
        if name == "PWD":
            return None if state.cwd is None else (state.cwd,)
        if self.env is not None:
            return (self.env[name],) if name in self.env else ("",)
        return None

    @staticmethod
    def _positional(name: str, state: State) -> Value:
        params = state.positional
        if params is None:
            return None
        if name in ("@", "*"):
            return params if params else ("",)
        if name == "#":
            return (str(len(params)),)
        index = int(name)
        if index == 0:
            return ("bash",)
        return (params[index - 1],) if index <= len(params) else ("",)

    def resolve(self, raw: str, state: State) -> str | None:
        if raw == "~" or raw.startswith("~/"):
            raw = self.home + raw[1:]
        if raw.startswith("file://"):
            raw = raw[len("file://") :]
        if not raw.startswith("/"):
            if state.cwd is None:
                return None
            raw = posixpath.join(state.cwd, raw)
        cleaned = re.sub(r"/+", "/", raw)
        while "/./" in cleaned:
            cleaned = cleaned.replace("/./", "/")
        cleaned = cleaned.removesuffix("/.")
        return cleaned.rstrip("/") or "/"

    def touch(self, arg: Arg | str, mode: Mode, via: str, state: State) -> str | None:
        """Report one file access; returns the resolved path (None when it cannot be)."""
        item = Arg(arg) if isinstance(arg, str) else arg
        if item.text == "" and not item.dynamic:
            return None
        resolved = self.resolve(item.text, state)
        if item.dynamic:
            self.findings.blind(f"{via}: a file name is computed at run time")
        if resolved is None:
            self.findings.blind(f"{via}: a relative path after `cd` to a run-time directory")
            return None
        return self._record(resolved, mode, via + (" (computed name)" if item.dynamic else ""))

    def _record(self, path: str, mode: Mode, via: str) -> str | None:
        network = _DEV_NET.match(path)
        if network:
            host = network.group(2)
            if not is_loopback(host):
                self.findings.send("dev-tcp", f"{host}:{network.group(3)}", via)
            return None
        if path in _DEV_QUIET or path.startswith("/dev/fd/"):
            return None
        if _ENVIRON.match(posixpath.normpath(path)):
            self.findings.env_dump = True
        self.findings.access(path, mode, via)
        for origin in self._link_origins(path):
            self.findings.access(origin, mode, f"{via} (through a link made earlier)")
        return path

    def _link_origins(self, path: str) -> list[str]:
        found: list[str] = []
        for link, targets in self.links.items():
            if path == link or path.startswith(link + "/"):
                found.extend(t + path[len(link) :] for t in targets)
        return found

    def content(self, path: str, stdin: Output = None) -> str | None:
        if path in self.written:
            return self.written[path]
        if path in ("/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"):
            return stdin
        return read_small(path)

    # ------------------------------------------------------------------ scripts and statements

    def run_script(self, script: str, state: State, via: str, stdin: Output = "") -> Output:
        self.nesting += 1
        try:
            if self.nesting > MAX_NESTING:
                raise TooComplex("commands nested too deeply to follow")
            tree = parse(script)  # held until run_body returns: its nodes borrow from it
            root = tree.root_node
            _check_depth(root)
            if has_real_error(root):
                self.findings.blind(f"{safe_name(via)}: the shell text does not parse")
            return self.run_body(root, state, stdin, piped=stdin != "")
        finally:
            self.nesting -= 1

    def run_body(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        outputs = [
            self.exec(child, state, stdin, piped)
            for child in node.named_children
            if child.type not in ("comment", "$(", ")", "`", "<(", ">(")
        ]
        return _join(outputs)

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TooComplex("command too large to follow")
        if self.steps % 64 == 0 and time.monotonic() > self.deadline:
            raise TooComplex("command took too long to follow")

    def exec(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        self.tick()
        method = _STATEMENTS.get(node.type)
        if method is not None:
            return method(self, node, state, stdin, piped)
        return self._generic(node, state, stdin, piped)

    def _generic(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        """Anything else: run statements found inside, expand substitutions found inside."""
        outputs: list[Output] = []
        for child in node.named_children:
            if child.type in _STATEMENTS:
                outputs.append(self.exec(child, state, stdin, piped))
            elif child.type in ("command_substitution", "process_substitution"):
                self.run_body(child, state.copy(), "", piped=False)
            elif child.child_count and not is_benign_error(child):
                self._generic(child, state, stdin, piped)
        return _join(outputs) if outputs else ""

    def _list(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        return _join(
            [self.exec(c, state, stdin, piped) for c in node.named_children if c.type != "comment"]
        )

    def _pipeline(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        output = stdin
        for index, child in enumerate(c for c in node.named_children if c.type != "comment"):
            # Every element of a pipeline runs in a subshell.
            output = self.exec(child, state.copy(), output, piped or index > 0)
        return output

    def _subshell(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        return self.run_body(node, state.copy(), stdin, piped)

    def _sequence(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        return self.run_body(node, state, stdin, piped)

    def _negated(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        return self.run_body(node, state, stdin, piped)

    def _function(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name is not None and body is not None:
            state.functions[text(name)] = body
        return ""

    def _for(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        variable = node.child_by_field_name("variable")
        values: list[Arg] = []
        has_in = any(c.type == "in" for c in node.children)
        for child in node.children_by_field_name("value"):
            values.extend(self.fields(child, state))
        if variable is not None:
            name = text(variable)
            if not has_in:
                state.vars[name] = state.positional
            elif any(v.dynamic for v in values):
                state.vars[name] = None
            else:
                state.vars[name] = tuple(v.text for v in values)
        body = node.child_by_field_name("body")
        return self.run_body(body, state, stdin, piped) if body is not None else ""

    def _case(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        value = node.child_by_field_name("value")
        if value is not None:
            self.fields(value, state)
        outputs = []
        for item in node.named_children:
            if item.type != "case_item":
                continue
            for index, child in enumerate(item.named_children):
                if item.field_name_for_named_child(index) == "value":
                    continue
                outputs.append(self.exec(child, state, stdin, piped))
        return _join(outputs)

    def _test(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        for sub in _substitutions(node):
            self.run_body(sub, state.copy(), "", piped=False)
        return ""

    def _assignment(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        self.assign(node, state, state)
        return ""

    def _assignments(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        for child in node.named_children:
            self.assign(child, state, state)
        return ""

    def assign(self, node: Node, read_state: State, write_state: State) -> None:
        if node.type != "variable_assignment":
            self._generic(node, read_state, "", False)
            return
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = text(name_node) if name_node is not None else ""
        if name_node is not None and name_node.type != "variable_name":
            name = ""  # array element: value not tracked
        value: Value = ("",)
        if value_node is not None:
            scope = _Scope(self, read_state)
            alternatives = words.expand_node(value_node, scope)
            fields = words.to_fields(alternatives, scope, glob_paths=False)
            value = None if any(f.dynamic for f in fields) else tuple(f.text for f in fields)
            if value_node.type == "array":
                value = value if value else ("",)
        if name:
            append = any(c.type == "+=" for c in node.children)
            old = write_state.vars.get(name, ("",)) if append else ("",)
            write_state.vars[name] = _append(old, value) if append else value

    def _declaration(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        keyword = text(node.children[0]) if node.children else ""
        names = 0
        flags = ""
        for child in node.named_children:
            if child.type == "variable_assignment":
                self.assign(child, state, state)
                names += 1
            elif child.type == "variable_name":
                names += 1
            else:
                for arg in self.fields(child, state):
                    if arg.text.startswith(("-", "+")):
                        flags += arg.text[1:]
                    else:
                        names += 1
        if names == 0 and keyword != "local" and not (set(flags) & set("fF")):
            self.findings.env_dump = True  # export / export -p / declare -x / typeset
        return "" if names else None

    def _unset(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        for child in node.named_children:
            state.vars.pop(text(child), None)
        return ""

    # ------------------------------------------------------------------ redirections

    def _bare_redirect(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        """`$(< file)`: bash's shorthand for the file's content."""
        applied = self.redirects([node], state)
        self.remember(applied.stdout_files, "")
        return applied.stdin if applied.piped else ""

    def _redirected(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        body = node.child_by_field_name("body")
        applied = self.redirects([c for c in node.children if c is not body], state)
        stdin_in = applied.stdin if applied.piped else stdin
        output = self.exec(body, state, stdin_in, piped or applied.piped) if body else ""
        self.remember(applied.stdout_files, output)
        output = "" if applied.to_file else output
        for continuation in applied.continuations:
            output = self.exec(continuation, state.copy(), output, True)
        return output

    def redirects(self, nodes: list[Node], state: State) -> Redirections:
        """Apply redirections before the command runs (reads, writes, new stdin)."""
        saved, self.stdout_files = self.stdout_files, []
        try:
            return self._apply(nodes, state)
        finally:
            self.stdout_files = saved

    def _apply(self, nodes: list[Node], state: State) -> Redirections:
        stdin: Output = ""
        piped = to_file = False
        continuations: list[Node] = []
        herestring_next = False
        for node in nodes:
            if node.type == "ERROR" and is_benign_error(node):
                herestring_next = True
                continue
            if node.type == "herestring_redirect" or (
                herestring_next and node.type == "file_redirect"
            ):
                stdin, piped = self._herestring(node, state), True
            elif node.type == "heredoc_redirect":
                stdin, piped = self._heredoc(node, state), True
                for child in node.named_children:
                    if child.type == "file_redirect":
                        to_file |= self._file_redirect(child, state)[1]
                    elif child.type in _STATEMENTS:
                        continuations.append(child)
            elif node.type == "file_redirect":
                content, out = self._file_redirect(node, state)
                to_file |= out
                if not isinstance(content, bool):
                    stdin, piped = content, True
            herestring_next = False
        return Redirections(stdin, piped, to_file, continuations, self.stdout_files)

    def remember(self, targets: list[tuple[str, bool]], output: Output) -> None:
        for path, append in targets:
            before = self.written.get(path, "") if append else ""
            self.written[path] = None if before is None or output is None else before + output

    def _herestring(self, node: Node, state: State) -> Output:
        target = [c for c in node.named_children if c.type != "file_descriptor"]
        if not target:
            return ""
        literal = words.literal_text(words.expand_node(target[-1], _Scope(self, state)))
        return None if literal is None else literal + "\n"

    def _heredoc(self, node: Node, state: State) -> Output:
        start = next((c for c in node.children if c.type == "heredoc_start"), None)
        body = next((c for c in node.children if c.type == "heredoc_body"), None)
        quoted = start is not None and any(q in text(start) for q in "'\"\\")
        if any(c.type not in _HEREDOC_PARTS for c in node.children):
            # tree-sitter-bash misparses some bodies (a line starting with a backslash comes out
            # as words, the body empty): read the body from the raw text instead.
            if not quoted:
                self.findings.blind("a here-document the parser misreads")
                return None
            return _raw_heredoc_body(node)
        if body is None:
            return ""
        if quoted:
            return text(body)
        return words.literal_text(words.expand_node(body, _Scope(self, state)))

    def _file_redirect(self, node: Node, state: State) -> tuple[Output | bool, bool]:
        # (False, _) means stdin is untouched; a str or None is the new stdin's content.
        """Returns (stdin content or False when stdin is untouched, stdout goes to a file)."""
        ops = [c.type for c in node.children if not c.is_named or c.type == "ERROR"]
        op = "".join(">" if o == "ERROR" else o for o in ops)
        destination = node.child_by_field_name("destination")
        fd = next((text(c) for c in node.children if c.type == "file_descriptor"), "")
        if destination is None:
            return False, False
        if op in ("<&", ">&", "<&-", ">&-") and destination.type == "number":
            return False, False
        if op in (">&", "<&") and text(destination) == "-":
            return False, False
        for arg in self.fields(destination, state):
            written = self._redirect_target(arg, op, state)
            if written and ">" in op and fd in ("", "1", "&"):
                self.stdout_files.append((written, op.endswith(">>")))
        if op in ("<", "<>") and fd in ("", "0"):
            target = self.fields(destination, state)
            content = None
            if len(target) == 1 and not target[0].dynamic:
                resolved = self.resolve(target[0].text, state)
                content = self.content(resolved) if resolved else None
            return content, False
        return False, op not in ("<",) and fd in ("", "1", "&")

    def _redirect_target(self, arg: Arg, op: str, state: State) -> str | None:
        via = f"redirect {op}"
        if "<" in op:
            self.touch(arg, "read", via, state)
        if ">" in op:
            written = self.touch(arg, "write", via, state)
            return written if written is not None else self.resolve(arg.text, state)
        return None

    # ------------------------------------------------------------------ commands

    def fields(self, node: Node, state: State) -> list[Arg]:
        scope = _Scope(self, state)
        return words.to_fields(words.expand_node(node, scope), scope)

    def _command(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        prefix: list[Node] = []
        argv: list[Arg] = []
        redirects: list[Node] = []
        for index, child in enumerate(node.named_children):
            field_name = node.field_name_for_named_child(index)
            if child.type == "variable_assignment" and not argv:
                prefix.append(child)
            elif field_name == "redirect" or child.type.endswith("_redirect"):
                redirects.append(child)
            elif child.type == "command_name":
                argv.extend(
                    self.fields(child.named_children[0], state) if child.named_children else []
                )
            elif child.type != "comment":
                argv.extend(self.fields(child, state))
        applied = self.redirects(redirects, state)
        if not argv:
            for assignment in prefix:
                self.assign(assignment, state, state)
            return ""
        run_state = state
        if prefix:
            run_state = state.copy()
            for assignment in prefix:
                self.assign(assignment, state, run_state)
        output = self.dispatch(
            argv, run_state, applied.stdin if applied.piped else stdin, piped or applied.piped
        )
        self.remember(applied.stdout_files, output)
        output = "" if applied.to_file else output
        for continuation in applied.continuations:
            output = self.exec(continuation, state.copy(), output, True)
        return output

    def dispatch(self, argv: list[Arg], state: State, stdin: Output, piped: bool) -> Output:
        self.tick()
        if not argv:
            return ""
        head = argv[0]
        name = posixpath.basename(head.text) if not head.dynamic else head.text
        invocation = Invocation(self, state, name, argv[1:], stdin, piped)
        if head.dynamic:
            self.findings.blind("a command name is computed at run time")
            return self.fallback(invocation)
        if name in state.aliases:
            alias = state.aliases.pop(name)  # an alias is not expanded inside itself
            try:
                line = " ".join([alias, *(shlex.quote(a.text) for a in argv[1:])])
                return self.run_script(line, state, "alias", stdin)
            finally:
                state.aliases[name] = alias
        if name in state.functions and "/" not in head.text:
            return self._call_function(name, invocation)
        handler = self.handlers.get(name) or self.handlers.get(_family(name))
        if handler is None and "/" in head.text:
            return self._run_file(head, invocation)
        return (handler or self.fallback)(invocation)

    def _run_file(self, head: Arg, inv: Invocation) -> Output:
        """`./run.sh`: the script is read, and followed when it is a small shell script."""
        self.touch(head, "read", "executed file", inv.state)
        content = inv.script_text(head)
        self.fallback(inv)
        if content is None or not _is_shell_script(content):
            return None
        dynamic = any(a.dynamic for a in inv.args)
        return inv.run_script(content, None if dynamic else tuple(a.text for a in inv.args))

    def _call_function(self, name: str, inv: Invocation) -> Output:
        dynamic = any(a.dynamic for a in inv.args)
        positional = None if dynamic else tuple(a.text for a in inv.args)
        saved = inv.state.positional
        inv.state.positional = positional
        body = inv.state.functions.pop(name)  # no recursion into itself
        self.nesting += 1
        try:
            if self.nesting > MAX_NESTING:
                raise TooComplex("functions nested too deeply to follow")
            return self.exec(body, inv.state, inv.stdin, inv.piped)
        finally:
            self.nesting -= 1
            inv.state.functions[name] = body
            inv.state.positional = saved


def _is_shell_script(content: str) -> bool:
    first = content.split("\n", 1)[0]
    return not first.startswith("#!") or re.search(r"\b(ba|z|k|da)?sh\b", first) is not None


def _family(name: str) -> str:
    """`python3.11` -> `python3` style fallbacks, `pip3` -> `pip`."""
    match = re.fullmatch(r"([a-z]+?)(\d+(\.\d+)*)?", name)
    return match.group(1) if match else name


def _append(old: Value, new: Value) -> Value:
    if old is None or new is None:
        return None
    return tuple(a + b for a in old for b in new) if len(old) * len(new) < 64 else None


def _join(outputs: list[Output]) -> Output:
    if any(o is None for o in outputs):
        return None
    return "".join(o for o in outputs if o is not None)


def _substitutions(node: Node) -> list[Node]:
    found: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        for child in current.named_children:
            if child.type in ("command_substitution", "process_substitution"):
                found.append(child)
            else:
                stack.append(child)
    return found


def _check_depth(root: Node) -> None:
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NODE_DEPTH:
            raise TooComplex("command nested too deeply to follow")
        stack.extend((c, depth + 1) for c in node.children)


_STATEMENTS: dict[str, Callable[[Interpreter, Node, State, Output, bool], Output]] = {
    "program": Interpreter._sequence,
    "compound_statement": Interpreter._sequence,
    "do_group": Interpreter._sequence,
    "if_statement": Interpreter._sequence,
    "elif_clause": Interpreter._sequence,
    "else_clause": Interpreter._sequence,
    "while_statement": Interpreter._sequence,
    "until_statement": Interpreter._sequence,
    "c_style_for_statement": Interpreter._sequence,
    "list": Interpreter._list,
    "pipeline": Interpreter._pipeline,
    "subshell": Interpreter._subshell,
    "negated_command": Interpreter._negated,
    "redirected_statement": Interpreter._redirected,
    "command": Interpreter._command,
    "function_definition": Interpreter._function,
    "for_statement": Interpreter._for,
    "case_statement": Interpreter._case,
    "test_command": Interpreter._test,
    "variable_assignment": Interpreter._assignment,
    "variable_assignments": Interpreter._assignments,
    "declaration_command": Interpreter._declaration,
    "unset_command": Interpreter._unset,
    "file_redirect": Interpreter._bare_redirect,
}


_HEREDOC_PARTS = frozenset(
    {
        "<<",
        "<<-",
        "heredoc_start",
        "heredoc_body",
        "heredoc_end",
        "file_redirect",
        "herestring_redirect",
    }
)


def _raw_heredoc_body(node: Node) -> str:
    raw = text(node)
    newline = raw.find("\n")
    if newline == -1:
        return ""
    body = raw[newline + 1 :]
    end = next((c for c in node.children if c.type == "heredoc_end"), None)
    if end is not None and body.endswith(text(end)):
        body = body[: -len(text(end))]
    return body
