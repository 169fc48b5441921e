"""The interpreter: walks the syntax tree the way bash would run it, without running anything.

It keeps what changes where later words resolve (cwd, directory stack, variables, positional
parameters, functions, aliases, links made earlier in the same command) and hands each command
line, fully expanded, to the handler for that command (`commands/`). Output that can be known
without running anything (`echo`, `printf`, here-docs, `find` matches, small files) flows on
through pipes and `$(...)`, so `echo .env | xargs cat` is followed; anything else is unknown.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from tree_sitter import Node

from claude_guard.shell import words
from claude_guard.shell.model import (
    MAX_FIELDS,
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

_T = TypeVar("_T")
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
    # Function and alias names defined differently on different paths (`x && f() {...}`).
    unsure: set[str] = field(default_factory=set)

    def copy(self) -> State:
        return State(
            self.cwd,
            dict(self.vars),
            self.positional,
            list(self.dirstack),
            dict(self.functions),
            dict(self.aliases),
            set(self.unsure),
        )

    def become(self, other: State) -> None:
        """Take on another state in place (callers hold on to this object)."""
        self.cwd, self.vars, self.positional = other.cwd, dict(other.vars), other.positional
        self.dirstack, self.functions = list(other.dirstack), dict(other.functions)
        self.aliases, self.unsure = dict(other.aliases), set(other.unsure)

    def same(self, other: State) -> bool:
        return (
            self.cwd == other.cwd
            and self.positional == other.positional
            and self.dirstack == other.dirstack
            and self.vars == other.vars
            and self.functions == other.functions
            and self.aliases == other.aliases
            and self.unsure == other.unsure
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
        return _join(self.run_statements(node.children, state, stdin, piped))

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
        """The state after one of several paths (`a && b`, if/else, a loop run 0..n times):
        each variable takes every value it has on any path, a cwd or positional parameters
        that differ become unknown, functions and aliases that differ are marked unsure."""
        first = states[0]
        result = first.copy()
        if len(states) == 1:
            return result
        if any(_folded(s.cwd) != _folded(first.cwd) for s in states):
            result.cwd = None  # (`cd` is logical: `src/..` is the directory it started in)
        if any(s.positional != first.positional for s in states):
            result.positional = None
        if any(s.dirstack != first.dirstack for s in states):
            result.dirstack = [None] * max(len(s.dirstack) for s in states)
        names = dict.fromkeys(name for s in states for name in s.vars)
        for name in names:
            values = [s.vars[name] if name in s.vars else self.lookup(name, s) for s in states]
            result.vars[name] = _union(values)
        _merge_definitions([s.functions for s in states], result.functions, result.unsure)
        _merge_definitions([s.aliases for s in states], result.aliases, result.unsure)
        for s in states[1:]:
            result.unsure |= s.unsure
        return result

    def branches(self, state: State, runs: list[Callable[[State], Output]], keep: bool) -> Output:
        """Run each alternative on its own copy of `state`, then make `state` their merge (with
        itself too when `keep`: none of the alternatives may run)."""
        ends: list[State] = []
        outputs: list[Output] = []
        for run in runs:
            branch = state.copy()
            outputs.append(run(branch))
            ends.append(branch)
        if ends:
            state.become(self.merged([state, *ends] if keep else ends))
        return _join(outputs)

    def loop(self, state: State, passes: list[Callable[[State], Output]]) -> Output:
        """A loop body runs zero or more times: repeat it (each of `passes` is one way through
        one iteration) from the merged state until the state no longer changes; values that
        keep changing become unknown after a few rounds."""
        outputs: list[Output] = []
        for round_number in range(_LOOP_ROUNDS):
            collected: list[State] = []
            ends: list[State] = []
            self.escapes.append(collected)
            try:
                for run in passes:
                    trial = state.copy()
                    output = run(trial)
                    if output not in outputs:
                        outputs.append(output)
                    ends.append(trial)
            finally:
                self.escapes.pop()
            new = self.merged([state, *ends, *collected])
            if round_number >= _LOOP_WIDEN:
                _widen(state, new)
            if new.same(state):
                return _join(outputs)
            state.become(new)
        raise TooComplex("a loop changes the shell state in ways too complex to follow")

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
            elif child.type in ("command_substitution", "process_substitution", "regex"):
                words.run_substitutions(child, _Scope(self, state))
            elif child.child_count and not is_benign_error(child):
                self._generic(child, state, stdin, piped)
        return _join(outputs) if outputs else ""

    def _list(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        """`a && b || c`: a always runs; each later part runs or not by the status before it,
        which is not known, so the state after is any of those the chain may stop in."""
        chain = _chain(node)
        if not chain:
            return ""
        outputs = [self.exec(chain[0][1], state, stdin, piped)]
        succeeded: list[State] = [state]  # states where the last status may be 0
        failed: list[State] = [state]  # ... and where it may be non-zero
        for operator, right in chain[1:]:
            if operator == "&&":
                start = self.merged(succeeded)
            elif operator == "||":
                start = self.merged(failed)
            else:
                start = self.merged([*succeeded, *failed])
            outputs.append(self.exec(right, start, stdin, piped))
            if operator == "&&":
                succeeded, failed = [start], [*failed, start]
            elif operator == "||":
                succeeded, failed = [*succeeded, start], [start]
            else:
                succeeded, failed = [start], [start]
        ends = list({id(s): s for s in [*succeeded, *failed]}.values())
        state.become(self.merged(ends))
        return _join(outputs)

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

    def _if(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        """Conditions run in turn until one holds; then exactly one branch runs (or none
        without `else`)."""
        condition, body = _split_then(node)
        outputs = self.run_statements(condition, state, stdin, piped)
        runs: list[Callable[[State], Output]] = []
        has_else = False
        conditions: list[list[Node]] = []  # run before each later branch is reached
        runs.append(self._branch_run(conditions[:], body, stdin, piped))
        for clause in node.named_children:
            if clause.type == "elif_clause":
                clause_condition, clause_body = _split_then(clause)
                conditions.append(clause_condition)
                runs.append(self._branch_run(conditions[:], clause_body, stdin, piped))
            elif clause.type == "else_clause":
                has_else = True
                runs.append(self._branch_run(conditions[:], list(clause.children), stdin, piped))
        if not has_else:
            # No branch taken: every elif condition ran and failed.
            runs.append(self._branch_run(conditions[:], [], stdin, piped))
        outputs.append(self.branches(state, runs, keep=False))
        return _join(outputs)

    def _branch_run(
        self, conditions: list[list[Node]], body: list[Node], stdin: Output, piped: bool
    ) -> Callable[[State], Output]:
        def run(branch: State) -> Output:
            outputs: list[Output] = []
            for condition in conditions:
                outputs.extend(self.run_statements(condition, branch, stdin, piped))
            outputs.extend(self.run_statements(body, branch, stdin, piped))
            return _join(outputs)

        return run

    def _while(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        """`while`/`until`: the condition runs once, then body and condition zero or more
        times."""
        condition = list(node.children_by_field_name("condition"))
        body = node.child_by_field_name("body")
        outputs = self.run_statements(condition, state, stdin, piped)

        def one_pass(trial: State) -> Output:
            output = self.exec(body, trial, stdin, piped) if body is not None else ""
            return _join([output, *self.run_statements(condition, trial, stdin, piped)])

        outputs.append(self.loop(state, [one_pass]))
        return _join(outputs)

    def _c_for(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        """`for ((init; cond; update))`: init and cond once, then body, update and cond."""
        fields = ("initializer", "condition", "update")
        parts = {name: list(node.children_by_field_name(name)) for name in fields}
        body = node.child_by_field_name("body")
        outputs = self.run_statements(parts["initializer"] + parts["condition"], state, "", False)

        def one_pass(trial: State) -> Output:
            output = self.exec(body, trial, stdin, piped) if body is not None else ""
            self.run_statements(parts["update"] + parts["condition"], trial, "", False)
            return output

        outputs.append(self.loop(state, [one_pass]))
        return _join(outputs)

    def _negated(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        return self.run_body(node, state, stdin, piped)

    def _function(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name is not None and body is not None:
            state.functions[text(name)] = body
            state.unsure.discard(text(name))
        return ""

    def _for(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        variable = node.child_by_field_name("variable")
        values: list[Arg] = []
        has_in = any(c.type == "in" for c in node.children)
        for child in node.children_by_field_name("value"):
            values.extend(self.fields(child, state))
        name = text(variable) if variable is not None else ""
        value: Value = None
        if not has_in:
            value = state.positional
        elif not any(v.dynamic for v in values):
            value = tuple(v.text for v in values)
        if name:
            state.vars[name] = value
        body = node.child_by_field_name("body")
        if body is None:
            return ""

        def one_pass(trial: State, current: Value = value) -> Output:
            if name:
                trial.vars[name] = current
            return self.exec(body, trial, stdin, piped)

        if name and value is not None and 0 < len(value) <= _PER_VALUE_LOOP:
            # One pass per value, so `cd "$d"` in the body moves to one directory at a time.
            passes: list[Callable[[State], Output]] = [
                functools.partial(one_pass, current=(v,)) for v in value
            ]
            return self.loop(state, passes)
        return self.loop(state, [one_pass])

    def _case(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        """Patterns are tried in turn; the first that matches runs its item (and the next
        ones after `;&` / `;;&`), or none does."""
        value = node.child_by_field_name("value")
        if value is not None:
            self.fields(value, state)
        outputs: list[Output] = []
        ends: list[State] = []
        previous: State | None = None  # end of an item that falls through into the next
        for item in node.named_children:
            if item.type != "case_item":
                continue
            statements: list[Node] = []
            for index, child in enumerate(item.children):
                if item.field_name_for_child(index) == "value":
                    words.expand_node(child, _Scope(self, state))  # runs `$(...)` in patterns
                else:
                    statements.append(child)
            start = state.copy() if previous is None else self.merged([state, previous])
            outputs.extend(self.run_statements(statements, start, stdin, piped))
            ends.append(start)
            falls = any(c.type in (";&", ";;&") for c in item.children)
            previous = start if falls else None
        state.become(self.merged([state, *ends]))
        return _join(outputs)

    def _test(self, node: Node, state: State, stdin: Output, piped: bool) -> Output:
        words.run_substitutions(node, _Scope(self, state))
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
        self.check_settings(write_state)

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
                        self.check_reevaluated(keyword, arg)
        if "n" in flags and keyword != "export":
            self.findings.blind(f"{keyword}: a name reference (-n) is not followed")
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
        self.check_settings(state)
        return words.to_fields(words.expand_node(node, scope), scope)

    def check_reevaluated(self, name: str, arg: Arg) -> None:
        """Builtins that parse an operand as a variable name (`declare 'a[$(cmd)]=1'`,
        `read`, `printf -v`, `let`, `test -v`) expand a subscript in it, running commands."""
        if "$(" in arg.text or "`" in arg.text:
            self.findings.blind(f"{safe_name(name)}: an operand would be expanded again")

    def check_settings(self, state: State) -> None:
        """Variables that change what later globs, `cd`s and shells do are not followed, nor
        values that bash runs a command from when it evaluates them as arithmetic
        (`x='a[$(cmd)]'; echo $((x))`: an array subscript is expanded)."""
        for name, is_harmless in _SETTINGS:
            if name in state.vars and not is_harmless(state.vars[name]):
                self.findings.blind(f"{name} is set, which changes how later commands run")
        for value in state.vars.values():
            if value is not None and any(_ARITHMETIC_COMMAND.search(v) for v in value):
                self.findings.blind("a variable holds a command that arithmetic would run")
                return

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
        output = self._dispatch(argv, state, stdin, piped)
        self.check_settings(state)  # what `read`, `printf -v`, `export` ... set
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
        if name in _REEVALUATING:
            for arg in invocation.args:
                self.check_reevaluated(name, arg)
        elif name in _REEVALUATING_AFTER_V:
            for before, arg in zip(invocation.args, invocation.args[1:], strict=False):
                if before.text == "-v":
                    self.check_reevaluated(name, arg)
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


def _append(old: Value, new: Value) -> Value:
    if old is None or new is None:
        return None
    return tuple(a + b for a in old for b in new) if len(old) * len(new) < 64 else None


def _join(outputs: list[Output]) -> Output:
    if any(o is None for o in outputs):
        return None
    return "".join(o for o in outputs if o is not None)


_LOOP_ROUNDS = 8  # times a loop body is re-run from the merged state before giving up
_LOOP_WIDEN = 2  # after this many rounds, values that still change become unknown
_PER_VALUE_LOOP = 16  # `for x in ...` lists up to this long run the body once per value
_JUMPS = frozenset({"break", "continue", "return"})
_ARITHMETIC_COMMAND = re.compile(r"\[[^]]*(\$\(|`)")
# Builtins that take variable names (with array subscripts) or arithmetic among operands; for
# `printf` and `test` only the operand of `-v` is one.
_REEVALUATING = frozenset(
    {
        "declare",
        "typeset",
        "local",
        "export",
        "readonly",
        "let",
        "read",
        "unset",
        "mapfile",
        "readarray",
        "getopts",
    }
)
_REEVALUATING_AFTER_V = frozenset({"printf", "test", "[", "[["})


def _harmless_if_empty(value: Value) -> bool:
    return value == ("",)


def _harmless_prompt(value: Value) -> bool:
    return value is not None and not any("$" in v or "`" in v for v in value)


# Shell variables that change globbing (GLOBIGNORE turns on dotglob), `cd` (CDPATH), what a
# new bash runs first (BASH_ENV, ENV) or what `set -x` expands (PS4).
_SETTINGS: tuple[tuple[str, Callable[[Value], bool]], ...] = (
    ("GLOBIGNORE", _harmless_if_empty),
    ("CDPATH", _harmless_if_empty),
    ("BASH_ENV", _harmless_if_empty),
    ("ENV", _harmless_if_empty),
    ("PS4", _harmless_prompt),
)


def _folded(cwd: str | None) -> str | None:
    return None if cwd is None else posixpath.normpath(cwd)


def _union(values: list[Value]) -> Value:
    if any(v is None for v in values):
        return None
    merged = tuple(dict.fromkeys(item for v in values if v is not None for item in v))
    return merged if len(merged) <= MAX_FIELDS else None


def _widen(old: State, new: State) -> None:
    """What still changes from one loop round to the next becomes unknown."""
    for name, value in new.vars.items():
        if old.vars.get(name, value) != value or name not in old.vars:
            new.vars[name] = None
    if _folded(new.cwd) != _folded(old.cwd):
        new.cwd = None
    if new.positional != old.positional:
        new.positional = None
    if new.dirstack != old.dirstack:
        new.dirstack = [None] * len(new.dirstack)
    new.unsure.update(k for k in new.functions if old.functions.get(k) != new.functions[k])
    new.unsure.update(k for k in new.aliases if old.aliases.get(k) != new.aliases[k])


def _merge_definitions(
    tables: list[dict[str, _T]], merged: dict[str, _T], unsure: set[str]
) -> None:
    """A function or alias defined differently (or only) on some paths is marked unsure."""
    for key in dict.fromkeys(key for table in tables for key in table):
        definitions = [table.get(key) for table in tables]
        if any(d != definitions[0] for d in definitions):
            unsure.add(key)
            merged[key] = next(d for d in definitions if d is not None)


def _chain(node: Node) -> list[tuple[str, Node]]:
    """`a && b || c` (nested to the left by the grammar) as [("", a), ("&&", b), ("||", c)]."""
    pending: list[Node] = []
    current = node
    while current.type == "list":
        parts = [c for c in current.children if c.type != "comment"]
        if not parts:
            break
        pending.append(current)
        current = parts[0]
    chain: list[tuple[str, Node]] = [] if current.type == "list" else [("", current)]
    for item in reversed(pending):
        parts = [c for c in item.children if c.type != "comment"][1:]
        operator = ""
        for part in parts:
            if part.is_named:
                chain.append((operator or "?", part))
                operator = ""
            else:
                operator = part.type
    return chain


def _split_then(node: Node) -> tuple[list[Node], list[Node]]:
    """An `if`/`elif`'s condition (before `then`) and body (after it), without its clauses."""
    condition: list[Node] = []
    body: list[Node] = []
    target = condition
    for child in node.children:
        if child.type == "then":
            target = body
        elif child.type not in ("elif_clause", "else_clause"):
            target.append(child)
    return condition, body


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
    "if_statement": Interpreter._if,
    "elif_clause": Interpreter._sequence,
    "else_clause": Interpreter._sequence,
    "while_statement": Interpreter._while,
    "until_statement": Interpreter._while,
    "c_style_for_statement": Interpreter._c_for,
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
