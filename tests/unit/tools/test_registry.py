"""The tool registry: every tool the client offers has one class that knows its input, what a
call touches and the shape of its output; what it does not know is handled generically."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from claude_guard.tools import lookup, registered
from claude_guard.tools.base import Tool, UnmodelledTool, register
from claude_guard.touches.touchset import TouchContext, TouchSet

REPO = Path(__file__).resolve().parents[3]
MODELLED = [
    *("Read", "NotebookRead", "Write", "Edit", "MultiEdit", "NotebookEdit", "Bash"),
    *("Grep", "Glob", "LS", "WebFetch", "WebSearch", "Agent", "Task"),
]


@pytest.mark.parametrize("name", MODELLED)
def test_the_built_in_tools_are_modelled(name: str) -> None:
    tool = lookup(name)
    assert tool.name == name and not tool.needs_policy_word() and tool.input_model is not None
    with pytest.raises(ValidationError):
        tool.validate({})  # every modelled tool has a required field


def test_a_name_registers_once() -> None:
    class Again(Tool):
        names = ("Read",)

    with pytest.raises(ValueError, match="registered twice"):
        register(Again)


def test_every_tool_the_default_policy_names_is_registered() -> None:
    policy = yaml.safe_load((REPO / "policies" / "default.yaml").read_text())
    named = {name for name in policy["tools"] if "*" not in name}
    assert named - set(registered()) == set()


def test_mcp_tools_are_a_family() -> None:
    assert not lookup("mcp__files__read").needs_policy_word()
    assert lookup("mcp__x").needs_policy_word()  # names no server's tool
    assert lookup("mcp__files__read").output_shape([{"type": "text", "text": "x"}]).name == (
        "MCP:blocks"
    )


def test_an_unknown_tool_is_unmodelled_and_handled_generically(tmp_path: Path) -> None:
    tool = lookup("BrandNewTool")
    assert isinstance(tool, UnmodelledTool) and tool.needs_policy_word()
    secret_file = tmp_path / "notes.txt"
    secret_file.write_text("hello\n")
    found = TouchSet(str(tmp_path))
    tool.touches(
        {"target": str(secret_file), "note": "free text"},
        TouchContext(str(tmp_path), str(tmp_path), 100),
        found,
    )
    assert [t.path.lexical for t in found.touches] == [str(secret_file)] * 2  # read and write
    assert any(c.text and "free text" in c.text for c in found.contents)
    assert not tool.output_shape({"anything": 1}).known


def test_output_shapes_are_checked_before_they_are_trusted() -> None:
    bash = lookup("Bash")
    assert bash.output_shape({"stdout": "", "stderr": ""}).known
    assert not bash.output_shape({"stdout": ""}).known  # a key missing: generic redaction
    image = lookup("Read").output_shape({"type": "image", "file": {"base64": "AAAA"}})
    assert image.name == "Read:image" and ("file", "base64") in image.skip
    assert not lookup("LS").output_shape({"type": "text", "file": {}}).known
