"""One place for what Claude Code reads back: exit code, stdout JSON and stderr, for every outcome.

The client's contract (../shared/reference/claude-code-hooks.md): exit 2 blocks a tool call or a
prompt and stderr becomes the reason; exit 0 with a JSON object on stdout asks (PreToolUse) or,
after a tool ran, replaces its output (`updatedToolOutput`, in the tool's own shape). After a
tool ran a block only adds feedback and the output still reaches the model, so every failure
there withholds the output instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from claude_guard.answer.redaction import WITHHELD, updated_output_answer, withhold_all
from claude_guard.decide.decision import Decision
from claude_guard.policy.schema import Action

EXIT_ALLOW = 0
EXIT_BLOCK = 2

# What the reader of a block should do next: the user for a prompt, the model for a tool call.
NEXT_STEP = {
    "UserPromptSubmit": (
        ". Nothing was sent to the model. Remove or mask these values (or point to de-identified"
        " data) and send the prompt again; `claude-guard check` explains the rule."
    ),
    "PreToolUse": (
        ". Do not try to reach this content another way; if the task needs it, ask the user."
    ),
}


CLIENT_TOO_OLD = "client:min_version"


@dataclass(frozen=True)
class HookAnswer:
    exit_code: int
    stdout: str = ""
    stderr: str = ""


def render(event_name: str, decision: Decision, updated_output: Any = None) -> HookAnswer:
    """The answer in the form Claude Code acts on for this event. `updated_output` is the tool's
    redacted output when the decision redacts (rendered once placeholders were assigned)."""
    action = decision.enforced
    if decision.notice is not None and event_name == "SessionStart":
        return HookAnswer(EXIT_ALLOW, stdout=json.dumps(session_notice(decision.notice)))
    if decision.verdict == "redact":
        return HookAnswer(EXIT_ALLOW, stdout=json.dumps(updated_output_answer(updated_output)))
    if action is Action.ALLOW:
        # No output: defer to Claude Code's own permission flow (an explicit "allow" would
        # skip the user's permission prompts).
        return HookAnswer(EXIT_ALLOW)
    if action is Action.ASK and event_name == "PreToolUse":
        answer = {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "ask",
                "permissionDecisionReason": f"claude-guard: {decision.reason}",
            }
        }
        return HookAnswer(EXIT_ALLOW, stdout=json.dumps(answer))
    # Deny — and `ask` where the event has no way to ask. Exit 2 blocks tool calls and prompts.
    # A client too old is not about the content: its reason already says what to do.
    next_step = "" if CLIENT_TOO_OLD in decision.rule_ids else NEXT_STEP.get(event_name, "")
    return block(decision.reason + next_step)


def session_notice(text: str) -> dict[str, Any]:
    """A SessionStart answer both clients show: `systemMessage` to the user, and the same text
    as `additionalContext` to the model, so that it explains denials instead of working around
    them."""
    return {
        "systemMessage": text,
        "hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": text},
    }


def block(reason: str) -> HookAnswer:
    return HookAnswer(EXIT_BLOCK, stderr=f"claude-guard: {reason}\n")


def failure_answer(message: str, payload: dict[str, Any]) -> HookAnswer:
    """A call that could not be decided: a deny; or, after a tool ran, its whole output
    withheld in the tool's own shape (exit 2 there would only add feedback)."""
    withheld = withheld_output(payload, message)
    if withheld is not None:
        return HookAnswer(
            EXIT_ALLOW, stdout=json.dumps(withheld), stderr=f"claude-guard: {message}\n"
        )
    return block(message)


def withheld_output(payload: dict[str, Any], message: str = "") -> dict[str, Any] | None:
    """The answer that withholds a tool's output, or None when no tool has run. When the output
    cannot be given back in the tool's shape (the event did not parse, or its response could
    not be walked), the client would ignore the replacement: `continue: false` then ends the
    turn before the model gets the tool's result (seen on clients 2.1.197 and 2.1.332)."""
    if payload.get("hook_event_name") != "PostToolUse":
        return None
    tool = payload.get("tool_name")
    if "tool_response" in payload:
        withheld = withhold_all(tool if isinstance(tool, str) else "", payload["tool_response"])
    else:
        withheld = WITHHELD
    answer = updated_output_answer(withheld)
    if withheld == WITHHELD:
        answer |= {"continue": False, "stopReason": f"claude-guard: {message}"}
    return answer
