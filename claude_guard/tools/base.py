"""One class per tool, in a registry: everything claude-guard knows about a tool in one place.

A tool says which names the client gives it, the shape of its input (a pydantic model), what a
call touches (paths, contents, destinations), and the shape of its output (so that redaction can
rewrite it in a form the client accepts). Adding a tool is one new module in this package: the
registry finds every module here and each registers its classes with `@register`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from claude_guard.tools.output import Shape, unknown_shape
from claude_guard.touches.arguments import generic_touches
from claude_guard.touches.touchset import TouchContext, TouchSet


class ToolInput(BaseModel):
    """Base for every tool input model: unknown fields are kept (new client versions add
    them), the fields a decision depends on are validated."""

    model_config = ConfigDict(extra="allow", frozen=True)


class Tool:
    """A tool claude-guard models. Subclasses set the class attributes and override
    `touches` (and `output_shape` when the output is not a plain keyed object)."""

    names: ClassVar[tuple[str, ...]] = ()
    input_model: ClassVar[type[ToolInput] | None] = None
    # Allowed unless the policy names them (the built-in tools claude-guard has always known);
    # any other tool needs the policy's word: its `tools:` entry, else `defaults.unknown_tool`.
    allowed_unless_named: ClassVar[bool] = True
    # Keys the tool's response always has: checked before trusting the output's shape.
    output_keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def claims(cls, name: str) -> bool:
        """For a family registered with `register_family`: is `name` one of its tools?"""
        return False

    def needs_policy_word(self) -> bool:
        """True when only the policy's `tools:` (or its unknown-tool default) may allow it."""
        return not self.allowed_unless_named

    def validate(self, tool_input: dict[str, Any]) -> None:
        """A tool with an input model must have its input shape: a Read without file_path is not "no
        path". Raises pydantic's ValidationError."""
        if self.input_model is not None:
            self.input_model.model_validate(tool_input)

    def touches(self, tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        generic_touches(tool_input, ctx, found)

    def output_shape(self, response: Any) -> Shape:
        if (
            self.output_keys
            and isinstance(response, dict)
            and all(k in response for k in self.output_keys)
        ):
            return Shape(self.name, True, scan_keys=False)
        return unknown_shape(response)


class UnmodelledTool(Tool):
    """A tool claude-guard has no model of (new to the client, or a helper the policy names):
    every path-like argument is checked and every string scanned, and its output is redacted
    generically."""

    allowed_unless_named = False


_REGISTRY: dict[str, type[Tool]] = {}


def register(cls: type[Tool]) -> type[Tool]:
    for name in cls.names:
        if name in _REGISTRY:
            raise ValueError(f"tool {name} is registered twice")
        _REGISTRY[name] = cls
    return cls


def registered() -> dict[str, type[Tool]]:
    return dict(_REGISTRY)


# Families of tools named by a pattern (an MCP server's tools), asked in turn by `claims`.
_FAMILIES: list[type[Tool]] = []


def register_family(cls: type[Tool]) -> type[Tool]:
    _FAMILIES.append(cls)
    return cls


def lookup(name: str) -> Tool:
    """The tool class for `name`: registered by name, claimed by a family, or unmodelled."""
    cls = _REGISTRY.get(name) or next((c for c in _FAMILIES if c.claims(name)), UnmodelledTool)
    return cls(name)
