"""The interpreter: walks the syntax tree the way bash would run it, without running anything.

It keeps what changes where later words resolve (cwd, directory stack, variables, positional
parameters, functions, aliases, links made earlier in the same command) and hands each command
line, fully expanded, to the handler for that command (`commands/`). Output that can be known
without running anything (`echo`, `printf`, here-docs, `find` matches, small files) flows on
through pipes and `$(...)`, so `echo .env | xargs cat` is followed; anything else is unknown.

This module holds the core: variables and paths, scripts, and running one command. The
statements are run by `control_flow` (lists, pipelines, if/while/for/case), `assignments`
(assignments, declarations, values bash evaluates again) and `redirections` (files, here-docs);
the state they carry and merge is in `state`.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tree_sitter import Node

from claude_guard.shell import assignments, control_flow, redirections, words
from claude_guard.shell.model import (
    MAX_NESTING,
    MAX_NODE_DEPTH,
    MAX_SECONDS,
    MAX_STATIC_BYTES,
    MAX_STEPS,
    Findings,
    Mode,
    TooComplex,
    safe_name,
)
from claude_guard.shell.state import Output as Output
from claude_guard.shell.state import State as State
from claude_guard.shell.state import join_outputs, merge_states
from claude_guard.shell.syntax import has_real_error, is_benign_error, parse, text
from claude_guard.shell.words import Arg, Value

Handler = Callable[["Invocation"], Output]

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


def is_loopback(host: str | None) -> bool:
    return host is not None and _LOOPBACK.match(host) is not None


@dataclass
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
    def home(self) -> str | None:
        return self.interp.home_of(self.state)

    @property
    def oldpwd(self) -> str | None:
        value = self.lookup("OLDPWD")
        return value[0] if value is not None and len(value) == 1 and value[0] else None

    @property
    def deadline(self) -> float:
        return self.interp.deadline

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
        # States at a `break`/`continue`/`return`, one list per enclosing loop, function
        # and script: the state there also leaves the loop or function.
        self.escapes: list[list[State]] = []

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

    def home_of(self, state: State) -> str | None:
        """`$HOME` as the shell has it now (`~`); None when it is not one known value."""
        value = self.lookup("HOME", state)
        return value[0] if value is not None and len(value) == 1 else None

    def resolve(self, raw: str, state: State) -> str | None:
        if raw == "~" or raw.startswith("~/"):
            home = self.home_of(state)
            if home is None:
                return None
            raw = home + raw[1:]
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
            # A `return` in a sourced script leaves it with the state it has there.
            return self.escaping(state, lambda: self.run_body(root, state, stdin, stdin != ""))
        finally:
            self.nesting -= 1

    def escaping(self, state: State, run: Callable[[], Output]) -> Output:
        """Run a function body or script; a `return` inside leaves it with the state it has
        there, so the state after it is any of those and the one at its end."""
        collected: list[State] = []
        self.escapes.append(collected)
        try:
            output = run()
        finally:
            self.escapes.pop()
        if collected:
            state.become(self.merged([state, *collected]))
        return output

    def run_body(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        return join_outputs(self.run_statements(node.children, state, stdin, piped))

    def run_statements(
        self, nodes: list[Node], state: State, stdin: Output, piped: bool
    ) -> list[Output]:
        """Statements one after the other; one sent to the background (`cmd &`) runs in a
        subshell, so what it changes (`cd`, variables) does not carry on."""
        outputs: list[Output] = []
        for index, child in enumerate(nodes):
            if not child.is_named or child.type == "comment":
                continue
            following = nodes[index + 1] if index + 1 < len(nodes) else None
            background = following is not None and following.type == "&"
            outputs.append(self.exec(child, state.copy() if background else state, stdin, piped))
        return outputs

    # ------------------------------------------------------------------ paths that may not run

    def merged(self, states: list[State]) -> State:
        return merge_states(states, self.lookup)

    def scope(self, state: State) -> _Scope:
        return _Scope(self, state)

    def is_statement(self, node_type: str) -> bool:
        return node_type in _STATEMENTS

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
        return self.run_nested(node, state, stdin, piped)

    def run_nested(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        """Anything else: run statements found inside, expand substitutions found inside."""
        outputs: list[Output] = []
        for child in node.named_children:
            if child.type in _STATEMENTS:
                outputs.append(self.exec(child, state, stdin, piped))
            elif child.type in ("command_substitution", "process_substitution", "regex"):
                words.run_substitutions(child, _Scope(self, state))
            elif child.child_count and not is_benign_error(child):
                self.run_nested(child, state, stdin, piped)
        return join_outputs(outputs) if outputs else ""

    # ------------------------------------------------------------------ commands

    def fields(self, node: Node, state: State) -> list[Arg]:
        scope = _Scope(self, state)
        assignments.check_settings(self, state)
        return words.to_fields(words.expand_node(node, scope), scope)

    def run_command(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
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
        applied = redirections.redirects(self, redirects, state)
        if not argv:
            for assignment in prefix:
                assignments.assign(self, assignment, state, state)
            return ""
        run_state = state
        if prefix:
            run_state = state.copy()
            for assignment in prefix:
                assignments.assign(self, assignment, state, run_state)
        output = self.dispatch(
            argv, run_state, applied.stdin if applied.piped else stdin, piped or applied.piped
        )
        redirections.remember(self, applied.stdout_files, output)
        output = "" if applied.to_file else output
        for continuation in applied.continuations:
            output = self.exec(continuation, state.copy(), output, True)
        return output

    def dispatch(self, argv: list[Arg], state: State, stdin: Output, piped: bool) -> Output:
        output = self._dispatch(argv, state, stdin, piped)
        assignments.check_settings(self, state)  # what `read`, `printf -v`, `export` ... set
        return output

    def _dispatch(self, argv: list[Arg], state: State, stdin: Output, piped: bool) -> Output:
        self.tick()
        if not argv:
            return ""
        head = argv[0]
        name = posixpath.basename(head.text) if not head.dynamic else head.text
        invocation = Invocation(self, state, name, argv[1:], stdin, piped)
        if head.dynamic:
            self.findings.blind("a command name is computed at run time")
            return self.fallback(invocation)
        if name in state.unsure:
            self.findings.blind("a function or alias is defined on only some paths")
        assignments.check_operands(self, name, invocation.args)
        if head.text in _JUMPS and name not in state.functions:
            for collected in self.escapes:  # every enclosing loop and function: `break 2`
                collected.append(state.copy())
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
            return self.escaping(
                inv.state, lambda: self.exec(body, inv.state, inv.stdin, inv.piped)
            )
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


_JUMPS = frozenset({"break", "continue", "return"})


def _check_depth(root: Node) -> None:
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NODE_DEPTH:
            raise TooComplex("command nested too deeply to follow")
        stack.extend((c, depth + 1) for c in node.children)


_STATEMENTS: dict[str, Callable[[Interpreter, Node, State, Output, bool], Output]] = {
    "program": control_flow.run_sequence,
    "compound_statement": control_flow.run_sequence,
    "do_group": control_flow.run_sequence,
    "if_statement": control_flow.run_if,
    "elif_clause": control_flow.run_sequence,
    "else_clause": control_flow.run_sequence,
    "while_statement": control_flow.run_while,
    "until_statement": control_flow.run_while,
    "c_style_for_statement": control_flow.run_c_for,
    "list": control_flow.run_list,
    "pipeline": control_flow.run_pipeline,
    "subshell": control_flow.run_subshell,
    "negated_command": control_flow.run_negated,
    "redirected_statement": redirections.run_redirected,
    "command": Interpreter.run_command,
    "function_definition": control_flow.define_function,
    "for_statement": control_flow.run_for,
    "case_statement": control_flow.run_case,
    "test_command": control_flow.run_test,
    "variable_assignment": assignments.run_assignment,
    "variable_assignments": assignments.run_assignments,
    "declaration_command": assignments.run_declaration,
    "unset_command": assignments.run_unset,
    "file_redirect": redirections.run_bare_redirect,
}
