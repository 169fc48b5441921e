"""Compound commands: lists (`a && b || c`), pipelines, subshells, if, while/until, for,
case and function definitions. A path that may or may not run is run on a copy of the state,
and the state after it is the merge of every way through (`state.merge_states`); a loop is
re-run from the merged state until nothing changes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from tree_sitter import Node

from claude_guard.shell import words
from claude_guard.shell.model import TooComplex
from claude_guard.shell.state import Output, State, join_outputs, widen
from claude_guard.shell.syntax import text
from claude_guard.shell.words import Arg, Value

if TYPE_CHECKING:  # the interpreter calls in here; only its type is needed
    from claude_guard.shell.interp import Interpreter

_LOOP_ROUNDS = 8  # times a loop body is re-run from the merged state before giving up
_LOOP_WIDEN = 2  # after this many rounds, values that still change become unknown
_PER_VALUE_LOOP = 16  # `for x in ...` lists up to this long run the body once per value


def run_list(interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool) -> Output:
    """`a && b || c`: a always runs; each later part runs or not by the status before it,
    which is not known, so the state after is any of those the chain may stop in."""
    chain = _chain(node)
    if not chain:
        return ""
    outputs = [interp.exec(chain[0][1], state, stdin, piped)]
    succeeded: list[State] = [state]  # states where the last status may be 0
    failed: list[State] = [state]  # ... and where it may be non-zero
    for operator, right in chain[1:]:
        if operator == "&&":
            start = interp.merged(succeeded)
        elif operator == "||":
            start = interp.merged(failed)
        else:
            start = interp.merged([*succeeded, *failed])
        outputs.append(interp.exec(right, start, stdin, piped))
        if operator == "&&":
            succeeded, failed = [start], [*failed, start]
        elif operator == "||":
            succeeded, failed = [*succeeded, start], [start]
        else:
            succeeded, failed = [start], [start]
    ends = list({id(s): s for s in [*succeeded, *failed]}.values())
    state.become(interp.merged(ends))
    return join_outputs(outputs)


def run_pipeline(
    interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool
) -> Output:
    output = stdin
    for index, child in enumerate(c for c in node.named_children if c.type != "comment"):
        # Every element of a pipeline runs in a subshell.
        output = interp.exec(child, state.copy(), output, piped or index > 0)
    return output


def run_subshell(
    interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool
) -> Output:
    return interp.run_body(node, state.copy(), stdin, piped)


def run_sequence(
    interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool
) -> Output:
    return interp.run_body(node, state, stdin, piped)


def run_if(interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool) -> Output:
    """Conditions run in turn until one holds; then exactly one branch runs (or none
    without `else`)."""
    condition, body = _split_then(node)
    outputs = interp.run_statements(condition, state, stdin, piped)
    runs: list[Callable[[State], Output]] = []
    has_else = False
    conditions: list[list[Node]] = []  # run before each later branch is reached
    runs.append(_branch_run(interp, conditions[:], body, stdin, piped))
    for clause in node.named_children:
        if clause.type == "elif_clause":
            clause_condition, clause_body = _split_then(clause)
            conditions.append(clause_condition)
            runs.append(_branch_run(interp, conditions[:], clause_body, stdin, piped))
        elif clause.type == "else_clause":
            has_else = True
            runs.append(_branch_run(interp, conditions[:], list(clause.children), stdin, piped))
    if not has_else:
        # No branch taken: every elif condition ran and failed.
        runs.append(_branch_run(interp, conditions[:], [], stdin, piped))
    outputs.append(branches(interp, state, runs, keep=False))
    return join_outputs(outputs)


def _branch_run(
    interp: Interpreter, conditions: list[list[Node]], body: list[Node], stdin: Output, piped: bool
) -> Callable[[State], Output]:
    def run(branch: State) -> Output:
        outputs: list[Output] = []
        for condition in conditions:
            outputs.extend(interp.run_statements(condition, branch, stdin, piped))
        outputs.extend(interp.run_statements(body, branch, stdin, piped))
        return join_outputs(outputs)

    return run


def run_while(interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool) -> Output:
    """`while`/`until`: the condition runs once, then body and condition zero or more
    times."""
    condition = list(node.children_by_field_name("condition"))
    body = node.child_by_field_name("body")
    outputs = interp.run_statements(condition, state, stdin, piped)

    def one_pass(trial: State) -> Output:
        output = interp.exec(body, trial, stdin, piped) if body is not None else ""
        return join_outputs([output, *interp.run_statements(condition, trial, stdin, piped)])

    outputs.append(loop(interp, state, [one_pass]))
    return join_outputs(outputs)


def run_c_for(interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool) -> Output:
    """`for ((init; cond; update))`: init and cond once, then body, update and cond."""
    fields = ("initializer", "condition", "update")
    parts = {name: list(node.children_by_field_name(name)) for name in fields}
    body = node.child_by_field_name("body")
    outputs = interp.run_statements(parts["initializer"] + parts["condition"], state, "", False)

    def one_pass(trial: State) -> Output:
        output = interp.exec(body, trial, stdin, piped) if body is not None else ""
        interp.run_statements(parts["update"] + parts["condition"], trial, "", False)
        return output

    outputs.append(loop(interp, state, [one_pass]))
    return join_outputs(outputs)


def run_negated(
    interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool
) -> Output:
    return interp.run_body(node, state, stdin, piped)


def define_function(
    interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool
) -> Output:
    name = node.child_by_field_name("name")
    body = node.child_by_field_name("body")
    if name is not None and body is not None:
        state.functions[text(name)] = body
        state.unsure.discard(text(name))
    return ""


def run_for(interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool) -> Output:
    variable = node.child_by_field_name("variable")
    values: list[Arg] = []
    has_in = any(c.type == "in" for c in node.children)
    for child in node.children_by_field_name("value"):
        values.extend(interp.fields(child, state))
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
        return interp.exec(body, trial, stdin, piped)

    if name and value is not None and 0 < len(value) <= _PER_VALUE_LOOP:
        # One pass per value, so `cd "$d"` in the body moves to one directory at a time.
        passes: list[Callable[[State], Output]] = [
            functools.partial(one_pass, current=(v,)) for v in value
        ]
        return loop(interp, state, passes)
    return loop(interp, state, [one_pass])


def run_case(interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool) -> Output:
    """Patterns are tried in turn; the first that matches runs its item (and the next
    ones after `;&` / `;;&`), or none does."""
    value = node.child_by_field_name("value")
    if value is not None:
        interp.fields(value, state)
    outputs: list[Output] = []
    ends: list[State] = []
    previous: State | None = None  # end of an item that falls through into the next
    for item in node.named_children:
        if item.type != "case_item":
            continue
        statements: list[Node] = []
        for index, child in enumerate(item.children):
            if item.field_name_for_child(index) == "value":
                words.expand_node(child, interp.scope(state))  # runs `$(...)` in patterns
            else:
                statements.append(child)
        start = state.copy() if previous is None else interp.merged([state, previous])
        outputs.extend(interp.run_statements(statements, start, stdin, piped))
        ends.append(start)
        falls = any(c.type in (";&", ";;&") for c in item.children)
        previous = start if falls else None
    state.become(interp.merged([state, *ends]))
    return join_outputs(outputs)


def run_test(interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool) -> Output:
    words.run_substitutions(node, interp.scope(state))
    return ""


def branches(
    interp: Interpreter, state: State, runs: list[Callable[[State], Output]], keep: bool
) -> Output:
    """Run each alternative on its own copy of `state`, then make `state` their merge (with
    itself too when `keep`: none of the alternatives may run)."""
    ends: list[State] = []
    outputs: list[Output] = []
    for run in runs:
        branch = state.copy()
        outputs.append(run(branch))
        ends.append(branch)
    if ends:
        state.become(interp.merged([state, *ends] if keep else ends))
    return join_outputs(outputs)


def loop(interp: Interpreter, state: State, passes: list[Callable[[State], Output]]) -> Output:
    """A loop body runs zero or more times: repeat it (each of `passes` is one way through
    one iteration) from the merged state until the state no longer changes; values that
    keep changing become unknown after a few rounds."""
    outputs: list[Output] = []
    for round_number in range(_LOOP_ROUNDS):
        collected: list[State] = []
        ends: list[State] = []
        interp.escapes.append(collected)
        try:
            for run in passes:
                trial = state.copy()
                output = run(trial)
                if output not in outputs:
                    outputs.append(output)
                ends.append(trial)
        finally:
            interp.escapes.pop()
        new = interp.merged([state, *ends, *collected])
        if round_number >= _LOOP_WIDEN:
            widen(state, new)
        if new.same(state):
            return join_outputs(outputs)
        state.become(new)
    raise TooComplex("a loop changes the shell state in ways too complex to follow")


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
