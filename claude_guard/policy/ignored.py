"""What a lower layer says that the merge ignores, because it would loosen a higher layer.

Lower layers (the user's, the project's) can only tighten. A setting that asks for less than
the layers above already require is silently outvoted by the merge; `claude-guard policy
validate` names each one, so that nobody believes a project file made something allowed.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator

from claude_guard.policy.loader import LoadedLayer
from claude_guard.policy.merge import EffectivePolicy, top_group
from claude_guard.policy.schema import Action, Mode, PolicyLayer, version_key

_WHY = "lower layers can only tighten"


def ignored_settings(
    policy: EffectivePolicy, allowed_unless_named: Callable[[str], bool] = lambda _: False
) -> list[str]:
    """One line per ignored setting, naming the file, the setting and what holds instead.
    `allowed_unless_named` tells the tools claude-guard allows when no policy names them (the
    caller asks the tool registry, a later stage)."""
    layers = list(policy.layers)
    lower = layers[len(top_group(layers)) :]
    return [
        f"{layer.path}: {line}"
        for index, layer in enumerate(lower)
        for line in _ignored(
            layer, policy, allowed_unless_named, layers[: len(layers) - len(lower) + index]
        )
    ]


def _ignored(
    layer: LoadedLayer,
    policy: EffectivePolicy,
    allowed_unless_named: Callable[[str], bool],
    higher: list[LoadedLayer],
) -> Iterator[str]:
    own = layer.policy
    yield from _mode(own, policy)
    yield from _paths(own)
    yield from _defaults(own, policy)
    yield from _limits(own, policy)
    yield from _tools(own, policy, allowed_unless_named)
    yield from _detection(own, policy, layer.layer)
    yield from _session(own, policy)
    yield from _routes(own, higher)
    yield from _client_and_audit(own, policy)


def _looser(given: Action, holds: Action) -> bool:
    return given.rank < holds.rank


def _mode(own: PolicyLayer, policy: EffectivePolicy) -> Iterator[str]:
    if own.mode is Mode.MONITOR and policy.mode is Mode.ENFORCE:
        yield f"mode: monitor is ignored: a higher layer enforces ({_WHY})"


def _client_and_audit(own: PolicyLayer, policy: EffectivePolicy) -> Iterator[str]:
    given = own.client.min_version if own.client else None
    holds = policy.client_min_version
    if given is not None and holds is not None and version_key(given) < version_key(holds):
        yield f"client.min_version: {given} is ignored: {holds} holds ({_WHY})"
    minutes = own.audit.heartbeat_minutes if own.audit else None
    if minutes is not None and minutes > policy.heartbeat_minutes:
        yield (
            f"audit.heartbeat_minutes: {minutes} is ignored: {policy.heartbeat_minutes} holds "
            f"({_WHY})"
        )


def _paths(own: PolicyLayer) -> Iterator[str]:
    for rule in own.paths:
        if rule.action is Action.ALLOW:
            yield (
                f"paths.{rule.id}: action allow has no effect: every matching rule of every "
                "layer applies and the strictest wins"
            )


def _defaults(own: PolicyLayer, policy: EffectivePolicy) -> Iterator[str]:
    if own.defaults is None:
        return
    for name in ("unknown_tool", "unanalysable_command"):
        given, holds = getattr(own.defaults, name), getattr(policy.defaults, name)
        if given is not None and _looser(given, holds):
            yield f"defaults.{name}: {given.value} is ignored: {holds.value} holds ({_WHY})"


def _limits(own: PolicyLayer, policy: EffectivePolicy) -> Iterator[str]:
    if own.limits is None:
        return
    for name in ("max_event_bytes", "max_walk_entries"):
        given, holds = getattr(own.limits, name), getattr(policy.limits, name)
        if given is not None and given > holds:
            yield f"limits.{name}: {given} is ignored: {holds} holds ({_WHY})"


def _tools(
    own: PolicyLayer, policy: EffectivePolicy, allowed_unless_named: Callable[[str], bool]
) -> Iterator[str]:
    for name, given in own.tools.items():
        holds = policy.tool_verdict(name, known=allowed_unless_named(name))
        if _looser(given, holds.action):
            yield f"tools.{name}: {given.value} is ignored: {holds.action.value} holds ({_WHY})"


def _detection(own: PolicyLayer, policy: EffectivePolicy, layer: str) -> Iterator[str]:
    detection = own.detection
    if detection is None:
        return
    effective = policy.detection
    for category, given in detection.categories.items():
        holds = effective.categories[category]
        if _looser(given.action, holds.action) or given.min_score > holds.min_score:
            yield (
                f"detection.categories.{category}: {given.action.value} at {given.min_score} is "
                f"ignored where stricter: {holds.action.value} at {holds.min_score} holds ({_WHY})"
            )
    for name, typed in detection.types.items():
        held = effective.types.get(name)
        if held is not None and (
            _looser(typed.action, held.action) or typed.min_score > held.min_score
        ):
            yield (
                f"detection.types.{name}: {typed.action.value} at {typed.min_score} is ignored "
                f"where stricter: {held.action.value} at {held.min_score} holds ({_WHY})"
            )
    for name, given_action in (("binary", detection.binary), ("incomplete", detection.incomplete)):
        holds_action: Action = getattr(effective, name)
        if given_action is not None and _looser(given_action, holds_action):
            yield f"detection.{name}: {given_action.value} is ignored: {holds_action.value} holds"
    for name in ("max_scan_bytes", "scan_seconds"):
        given_value, holds_value = getattr(detection, name), getattr(effective, name)
        if given_value is not None and given_value < holds_value:
            yield f"detection.{name}: {given_value} is ignored: {holds_value} holds ({_WHY})"
    if layer == "project" and detection.presidio and detection.presidio.nlp_pipeline:
        yield (
            "detection.presidio.nlp_pipeline is ignored: loading a pipeline runs its code, and a "
            "project's policy comes with the repository"
        )


def _session(own: PolicyLayer, policy: EffectivePolicy) -> Iterator[str]:
    rules = own.session
    if rules is None:
        return
    given: dict[str, Action | None] = {"tainted": rules.tainted}
    for kind in ("after_phi", "after_secret"):
        after = getattr(rules, kind)
        if after is not None:
            given[f"{kind}.egress"] = after.egress
            given[f"{kind}.write_outside_project"] = after.write_outside_project
    for key, action in given.items():
        holds = policy.session[key]
        if action is not None and _looser(action, holds):
            yield f"session.{key}: {action.value} is ignored: {holds.value} holds ({_WHY})"


def _routes(own: PolicyLayer, higher: list[LoadedLayer]) -> Iterator[str]:
    """A route a higher layer does not allow for the category stays closed."""
    for category, patterns in own.routes.items():
        above = [la.policy.routes[category] for la in higher if category in la.policy.routes]
        for pattern in patterns:
            if any(not any(fnmatch.fnmatchcase(pattern, p) for p in allowed) for allowed in above):
                yield (
                    f"routes.{category}: {pattern} is ignored: a higher layer does not allow it "
                    f"({_WHY})"
                )
