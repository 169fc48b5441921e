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
from typing import TYPE_CHECKING, Any

from claude_guard.policy.compose import compose_top, tighter
from claude_guard.policy.loader import LoadedLayer
from claude_guard.policy.schema import (
    BUILTIN_DEFAULTS,
    BUILTIN_DETECTION,
    BUILTIN_HEARTBEAT_MINUTES,
    BUILTIN_LIMITS,
    BUILTIN_SCAN,
    BUILTIN_SESSION,
    Action,
    CategoryPolicy,
    Defaults,
    Detection,
    Limits,
    Mode,
    PathRule,
    PolicyLayer,
    version_key,
)

if TYPE_CHECKING:
    from claude_guard.detect.findings import Finding


@dataclass(frozen=True, slots=True)
class EffectiveDefaults:
    unknown_tool: Action
    unanalysable_command: Action


@dataclass(frozen=True, slots=True)
class EffectiveLimits:
    max_event_bytes: int
    max_walk_entries: int


@dataclass(frozen=True)
class EffectiveDetection:
    categories: dict[str, CategoryPolicy]
    types: dict[str, CategoryPolicy]
    top_typed: frozenset[str]  # types the top layer set explicitly (those may loosen)
    max_scan_bytes: int
    scan_seconds: float
    binary: Action
    incomplete: Action
    presidio_enabled: bool = False
    nlp_pipeline: str | None = None
    # Category -> one tuple of route patterns per layer that named it: a route must match
    # every layer's list (each layer can only narrow where data may go).
    routes: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    def route_allows(self, category: str, route: str) -> bool:
        return all(
            any(fnmatch.fnmatchcase(route, pattern) for pattern in allowed)
            for allowed in self.routes.get(category, ())
        )

    def policy_for(self, category: str, finding_type: str) -> CategoryPolicy:
        """The setting that decides a finding: the top layer's type override if it has one,
        else the category's; lower layers' type settings only ever tighten that."""
        base = self.categories.get(category, CategoryPolicy())
        typed = self.types.get(finding_type)
        if typed is None:
            return base
        if finding_type in self.top_typed:
            return typed
        return tighter(base, typed)

    def action_for(self, finding: Finding, route: str | None = None) -> Action | None:
        """What one finding does to a call, or None when it does not count (its score is
        below the deciding setting's min_score). The one place that decides which count.
        On a model `route` the policy does not allow for its category, a finding that would
        reach the model is denied."""
        setting = self.policy_for(finding.category, finding.type)
        if finding.score < setting.min_score:
            return None
        if route is not None and self.off_route(finding, route):
            return Action.DENY
        return setting.action

    def off_route(self, finding: Finding, route: str) -> bool:
        """The finding's category may not reach the model on this route."""
        return not self.route_allows(finding.category, route)


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
    # The profiles this layer extends (layer name, their `tools`): where this layer does not
    # name a tool, their entries speak for it; its default applies when none does.
    extended: tuple[tuple[str, dict[str, Action]], ...] = ()

    def opinion(self, tool_name: str, *, known: bool) -> ToolVerdict | None:
        for layer, rules in ((self.layer, self.rules), *self.extended):
            pattern = _best_tool_pattern(tool_name, rules)
            if pattern is not None:
                return ToolVerdict(rules[pattern], layer, pattern)
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
    detection: EffectiveDetection
    session: dict[str, Action] = field(default_factory=dict)  # "after_phi.egress" -> action
    # The oldest Claude Code client allowed to run (None: any); the highest any layer names.
    client_min_version: str | None = None
    heartbeat_minutes: int = BUILTIN_HEARTBEAT_MINUTES

    def client_too_old(self, client_version: str | None) -> bool:
        """The running client is below the minimum, or unknown while a minimum is set."""
        if self.client_min_version is None:
            return False
        if client_version is None:
            return True
        return version_key(client_version) < version_key(self.client_min_version)

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
    """Merge layers (highest first). The top layer always has an opinion on every setting: its
    own value or, where it is silent, the built-in one. Lower layers can only move from there
    towards strict; a silent top layer must not let a lower one pick a looser starting point.
    A profile the top layer extends is part of the top (compose.py)."""
    group = top_group(layers)
    rest = layers[len(group) :]
    policies = [compose_top([la.policy for la in group]), *(la.policy for la in rest)]
    top, lower = policies[0], policies[1:]
    top_tools = LayerToolRules(
        group[0].layer,
        dict(group[0].policy.tools),
        _unknown_tool_opinion(top, is_top=True),
        tuple((la.layer, dict(la.policy.tools)) for la in group[1:]),
    )
    return EffectivePolicy(
        layers=tuple(layers),
        mode=_merge_mode(top.mode, [p.mode for p in lower]),
        defaults=_merge_defaults(top.defaults or Defaults(), [p.defaults for p in lower]),
        limits=_merge_limits(top.limits or Limits(), [p.limits for p in lower]),
        path_rules=tuple(
            LayeredRule(layer.layer, rule) for layer in layers for rule in layer.policy.paths
        ),
        tool_rules=(
            top_tools,
            *(
                LayerToolRules(
                    la.layer, dict(la.policy.tools), _unknown_tool_opinion(la.policy, is_top=False)
                )
                for la in rest
            ),
        ),
        detection=_merge_detection(
            policies,
            _merge_routes(layers),
            # Which spaCy pipeline is loaded is code to run: the project layer comes with the
            # repository, so only the top and user layers may name one.
            pipeline_layers=[
                *([top] if group[0].layer != "project" else []),
                *(la.policy for la in rest if la.layer != "project"),
            ],
        ),
        session=_merge_session(policies),
        client_min_version=_merge_min_version(policies),
        heartbeat_minutes=_merge_heartbeat(policies),
    )


def _merge_heartbeat(policies: list[PolicyLayer]) -> int:
    """The most frequent heartbeat any layer asks for, starting from the top's (or built-in)."""
    given = [p.audit.heartbeat_minutes if p.audit else None for p in policies]
    start = given[0] or BUILTIN_HEARTBEAT_MINUTES
    return min([start, *(m for m in given[1:] if m is not None)])


def _merge_min_version(policies: list[PolicyLayer]) -> str | None:
    """The highest minimum any layer names: a lower layer may raise the top's, never lower it."""
    named = [p.client.min_version for p in policies if p.client and p.client.min_version]
    return max(named, key=version_key, default=None)


def _merge_routes(layers: list[LoadedLayer]) -> dict[str, tuple[tuple[str, ...], ...]]:
    routes: dict[str, list[tuple[str, ...]]] = {}
    for layer in layers:
        for category, patterns in layer.policy.routes.items():
            routes.setdefault(category, []).append(tuple(patterns))
    return {category: tuple(lists) for category, lists in routes.items()}


def top_group(layers: list[LoadedLayer]) -> list[LoadedLayer]:
    """The top layer and the shipped profiles it extends, which follow it."""
    count = 1
    while count < len(layers) and layers[count].extended:
        count += 1
    return layers[:count]


def _merge_session(policies: list[PolicyLayer]) -> dict[str, Action]:
    def value(layer: PolicyLayer, key: str) -> Action | None:
        node: object = layer.session
        for part in key.split("."):
            node = getattr(node, part, None) if node is not None else None
        return node if isinstance(node, Action) else None

    merged = {}
    for key, builtin in BUILTIN_SESSION.items():
        start = value(policies[0], key) or builtin
        merged[key] = Action.strictest(start, *(a for p in policies[1:] if (a := value(p, key))))
    return merged


def _merge_mode(top: Mode | None, lower: list[Mode | None]) -> Mode:
    if (top or Mode.ENFORCE) is Mode.ENFORCE or Mode.ENFORCE in lower:
        return Mode.ENFORCE
    return Mode.MONITOR


def _unknown_tool_opinion(policy: PolicyLayer, *, is_top: bool) -> Action | None:
    given = policy.defaults.unknown_tool if policy.defaults else None
    if given is None and is_top:
        return BUILTIN_DEFAULTS["unknown_tool"]
    return given


def _merge_defaults(top: Defaults, lower: list[Defaults | None]) -> EffectiveDefaults:
    def strictest(name: str) -> Action:
        start = getattr(top, name) or BUILTIN_DEFAULTS[name]
        given = [a for d in lower if d is not None and (a := getattr(d, name)) is not None]
        return Action.strictest(start, *given)

    return EffectiveDefaults(
        unknown_tool=strictest("unknown_tool"),
        unanalysable_command=strictest("unanalysable_command"),
    )


def _merge_limits(top: Limits, lower: list[Limits | None]) -> EffectiveLimits:
    def smallest(name: str) -> Any:
        start = getattr(top, name)
        start = BUILTIN_LIMITS[name] if start is None else start
        given = [v for lim in lower if lim is not None and (v := getattr(lim, name)) is not None]
        return min([start, *given])

    return EffectiveLimits(
        max_event_bytes=int(smallest("max_event_bytes")),
        max_walk_entries=int(smallest("max_walk_entries")),
    )


def _merge_detection(
    policies: list[PolicyLayer],
    routes: dict[str, tuple[tuple[str, ...], ...]],
    pipeline_layers: list[PolicyLayer],
) -> EffectiveDetection:
    top = policies[0].detection or Detection()
    lower = [p.detection for p in policies[1:] if p.detection is not None]
    categories: dict[str, CategoryPolicy] = {
        str(name): setting
        for name, setting in [*BUILTIN_DETECTION.items(), *top.categories.items()]
    }
    types: dict[str, CategoryPolicy] = dict(top.types)
    for layer in lower:
        for category, setting in layer.categories.items():
            categories[category] = tighter(categories[category], setting)
    for layer in lower:
        for finding_type, setting in layer.types.items():
            # Without a top-layer override the type starts from its category, resolved later;
            # record the lower layer's wish and tighten against the category when deciding.
            current = types.get(finding_type)
            types[finding_type] = setting if current is None else tighter(current, setting)
    top_typed = set(top.types)

    def scan_value(name: str, pick: Any) -> Any:
        start = getattr(top, name)
        start = BUILTIN_SCAN[name] if start is None else start
        return pick([start, *(v for d in lower if (v := getattr(d, name)) is not None)])

    return EffectiveDetection(
        categories=categories,
        types=types,
        top_typed=frozenset(top_typed),
        max_scan_bytes=int(scan_value("max_scan_bytes", max)),
        scan_seconds=float(scan_value("scan_seconds", max)),
        binary=scan_value("binary", lambda actions: Action.strictest(*actions)),
        incomplete=scan_value("incomplete", lambda actions: Action.strictest(*actions)),
        # Any layer may switch the extra stage on (more detection); the top layer's pipeline
        # choice wins, else the user layer's. A project's choice is ignored.
        presidio_enabled=any(d.presidio.enabled for d in [top, *lower] if d.presidio),
        nlp_pipeline=next(
            (
                p.detection.presidio.nlp_pipeline
                for p in pipeline_layers
                if p.detection and p.detection.presidio and p.detection.presidio.nlp_pipeline
            ),
            None,
        ),
        routes=routes,
    )
