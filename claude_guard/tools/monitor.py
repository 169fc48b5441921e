"""Monitor: a shell command the client runs in the background; what it prints reaches the model
later, as notifications. What the command reads, writes and sends is judged like Bash's."""

from __future__ import annotations

from claude_guard.tools.base import ToolInput, register
from claude_guard.tools.bash import Bash


class MonitorInput(ToolInput):
    command: str
    description: str | None = None


@register
class Monitor(Bash):
    names = ("Monitor",)
    input_model = MonitorInput
    # New to the client: it runs only where the policy says so (the default policy does), as
    # before it was analysed; an org policy that never named it keeps denying it.
    allowed_unless_named = False
    output_keys = ()  # its PostToolUse response was not seen on a client: redacted generically
