"""Merge policy layers into the one policy a decision is made against.

The merge is tighten-only by construction: every setting takes the strictest value any layer
gives, and rules from every layer all apply (a matching deny anywhere wins over an allow
anywhere). A lower layer therefore cannot un-deny a path, turn a deny into an allow, switch an
enforcing org into monitor mode, or raise a detection `min_score` the org set.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field
from typing import Any

from claude_guard.policy.loader import LoadedLayer
from claude_guard.policy.schema import (
    BUILTIN_DEFAULTS,
    BUILTIN_LIMITS,
    Action,
    Category,
    CategoryPolicy,
    Defaults,
    Limits,
    Mode,
    PathRule,
)


@dataclass(frozen=True, slots=True)
class EffectiveDefaults:
    unknown_tool: Action
    unanalysable_command: Action


@dataclass(frozen=True, slots=True)
class EffectiveLimits:
    max_event_bytes: int
    deadline_seconds: float
    max_walk_entries: int


@dataclass(frozen=True, slots=True)
class LayeredRule:
    layer: str
    rule: PathRule

    @property
    def qualified_id(self) -> str:
        return f"{self.layer}:{self.rule.id}"


@dataclass(frozen=True, slots=True)
class LayerToolRules:
    layer: str
    rules: dict[str, Action]
    unknown_tool: Action | None  # this layer's default for tools it does not name

    def opinion(self, tool_name: str, *, known: bool) -> ToolVerdict | None:
        pattern = _best_tool_pattern(tool_name, self.rules)
        if pattern is not None:
            return ToolVerdict(self.rules[pattern], self.layer, pattern)
        if not known and self.unknown_tool is not None:
            return ToolVerdict(self.unknown_tool, self.layer, "defaults.unknown_tool")
        return None


@dataclass(frozen=True, slots=True)
class ToolVerdict:
    action: Action
    layer: str | None  # None: no layer named the tool, the default for unknown tools applied
    pattern: str | None


@dataclass(frozen=True)
class EffectivePolicy:
    layers: tuple[LoadedLayer, ...]
    mode: Mode
    defaults: EffectiveDefaults
    limits: EffectiveLimits
    path_rules: tuple[LayeredRule, ...]
    tool_rules: tuple[LayerToolRules, ...]
    detection: dict[Category, CategoryPolicy] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """One hash over every layer's bytes, in layer order: changes whenever any file does."""
        digest = hashlib.sha256()
        for layer in self.layers:
            digest.update(f"{layer.layer}\0{layer.sha256}\0".encode())
        return digest.hexdigest()

    @property
    def version(self) -> str:
        return "+".join(f"{layer.layer}@{layer.policy.version}" for layer in self.layers)

    def tool_verdict(self, tool_name: str, *, known: bool) -> ToolVerdict:
        """The strictest opinion any layer has of this tool.

        A layer's opinion is its most specific `tools` entry, else (for a tool claude-guard does
        not know) its `defaults.unknown_tool`. Taking the strictest opinion keeps the merge
        tighten-only: a project naming an unknown tool `allow` cannot lift the org's default deny.
        With no opinion at all, known tools are allowed and unknown ones denied.
        """
        verdicts = [v for rules in self.tool_rules if (v := rules.opinion(tool_name, known=known))]
        if verdicts:
            return max(verdicts, key=lambda v: v.action.rank)
        return ToolVerdict(Action.ALLOW if known else Action.DENY, None, None)


def _best_tool_pattern(tool_name: str, rules: dict[str, Action]) -> str | None:
    if tool_name in rules:
        return tool_name
    matches = [p for p in rules if fnmatch.fnmatchcase(tool_name, p)]
    # The most specific pattern speaks for the layer: "mcp__db__*" over "mcp__*".
    return max(matches, key=len, default=None)


def merge_layers(layers: list[LoadedLayer]) -> EffectivePolicy:
    policies = [layer.policy for layer in layers]
    modes = [p.mode for p in policies if p.mode is not None]
    mode = Mode.MONITOR if modes and all(m is Mode.MONITOR for m in modes) else Mode.ENFORCE
    return EffectivePolicy(
        layers=tuple(layers),
        mode=mode,
        defaults=_merge_defaults([p.defaults for p in policies if p.defaults is not None]),
        limits=_merge_limits([p.limits for p in policies if p.limits is not None]),
        path_rules=tuple(
            LayeredRule(layer.layer, rule) for layer in layers for rule in layer.policy.paths
        ),
        tool_rules=tuple(
            LayerToolRules(
                layer.layer,
                dict(layer.policy.tools),
                layer.policy.defaults.unknown_tool if layer.policy.defaults else None,
            )
            for layer in layers
        ),
        detection=_merge_detection(layers),
    )


def _merge_defaults(all_defaults: list[Defaults]) -> EffectiveDefaults:
    def strictest(name: str) -> Action:
        given = [a for d in all_defaults if (a := getattr(d, name)) is not None]
        return Action.strictest(*given) if given else BUILTIN_DEFAULTS[name]

    return EffectiveDefaults(
        unknown_tool=strictest("unknown_tool"),
        unanalysable_command=strictest("unanalysable_command"),
    )


def _merge_limits(all_limits: list[Limits]) -> EffectiveLimits:
    def smallest(name: str) -> Any:
        given = [v for lim in all_limits if (v := getattr(lim, name)) is not None]
        return min(given) if given else BUILTIN_LIMITS[name]

    return EffectiveLimits(
        max_event_bytes=int(smallest("max_event_bytes")),
        deadline_seconds=float(smallest("deadline_seconds")),
        max_walk_entries=int(smallest("max_walk_entries")),
    )


def _merge_detection(layers: list[LoadedLayer]) -> dict[Category, CategoryPolicy]:
    merged: dict[Category, CategoryPolicy] = {}
    for layer in layers:
        if layer.policy.detection is None:
            continue
        for category, setting in layer.policy.detection.categories.items():
            current = merged.get(category)
            if current is None:
                merged[category] = setting
                continue
            merged[category] = CategoryPolicy(
                action=Action.strictest(current.action, setting.action),
                min_score=min(current.min_score, setting.min_score),
            )
    return merged
