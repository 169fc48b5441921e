"""An organisation's policy that extends a shipped profile: the two read as one top layer.

`extends: default` in the top layer means "the default policy, and this": every path rule of
the profile still applies beside the organisation's own, and where both set a value (a
detection category, a tool, a default, a limit) the organisation's word holds, because it is
the organisation's policy. To drop one of the profile's path rules it writes its own policy
instead, which must then keep claude-guard's self-protection (effective.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from claude_guard.policy.schema import (
    Action,
    AfterSensitive,
    AuditSettings,
    CategoryPolicy,
    ClientSettings,
    Defaults,
    Detection,
    Limits,
    PolicyLayer,
    PresidioSettings,
    SessionRules,
)

T = TypeVar("T")


def compose_top(group: Sequence[PolicyLayer]) -> PolicyLayer:
    """One layer standing for the top layer and the profiles it extends, the top's settings
    first (path rules, tool entries and routes stay with the layer that wrote them)."""
    if len(group) == 1:
        return group[0]
    return PolicyLayer(
        version=group[0].version,
        name=group[0].name,
        mode=_first([p.mode for p in group]),
        defaults=_defaults([p.defaults for p in group if p.defaults]),
        limits=_limits([p.limits for p in group if p.limits]),
        detection=_detection([p.detection for p in group if p.detection]),
        session=_session([p.session for p in group if p.session]),
        client=ClientSettings(
            min_version=_first([p.client.min_version for p in group if p.client])
        ),
        audit=AuditSettings(
            heartbeat_minutes=_first([p.audit.heartbeat_minutes for p in group if p.audit])
        ),
    )


def tighter(a: CategoryPolicy, b: CategoryPolicy) -> CategoryPolicy:
    return CategoryPolicy(
        action=Action.strictest(a.action, b.action), min_score=min(a.min_score, b.min_score)
    )


def _first(values: Sequence[T | None]) -> T | None:
    return next((v for v in values if v is not None), None)


def _defaults(layers: Sequence[Defaults]) -> Defaults | None:
    if not layers:
        return None
    return Defaults(
        unknown_tool=_first([d.unknown_tool for d in layers]),
        unanalysable_command=_first([d.unanalysable_command for d in layers]),
    )


def _limits(layers: Sequence[Limits]) -> Limits | None:
    if not layers:
        return None
    return Limits(
        max_event_bytes=_first([lim.max_event_bytes for lim in layers]),
        max_walk_entries=_first([lim.max_walk_entries for lim in layers]),
    )


def _overlaid(maps: Sequence[dict[Any, CategoryPolicy]]) -> dict[Any, CategoryPolicy]:
    """Later maps first, so that the first (the top's) entries land last and hold."""
    merged: dict[Any, CategoryPolicy] = {}
    for mapping in reversed(maps):
        merged.update(mapping)
    return merged


def _detection(layers: Sequence[Detection]) -> Detection | None:
    if not layers:
        return None
    presidio = [d.presidio for d in layers if d.presidio]
    return Detection(
        categories=_overlaid([d.categories for d in layers]),
        types=_overlaid([d.types for d in layers]),
        max_scan_bytes=_first([d.max_scan_bytes for d in layers]),
        scan_seconds=_first([d.scan_seconds for d in layers]),
        binary=_first([d.binary for d in layers]),
        incomplete=_first([d.incomplete for d in layers]),
        presidio=PresidioSettings(
            enabled=_first([p.enabled for p in presidio]),
            nlp_pipeline=_first([p.nlp_pipeline for p in presidio]),
        )
        if presidio
        else None,
    )


def _session(layers: Sequence[SessionRules]) -> SessionRules | None:
    if not layers:
        return None

    def after(pick: Callable[[SessionRules], AfterSensitive | None]) -> AfterSensitive | None:
        given = [a for s in layers if (a := pick(s)) is not None]
        if not given:
            return None
        return AfterSensitive(
            egress=_first([a.egress for a in given]),
            write_outside_project=_first([a.write_outside_project for a in given]),
        )

    return SessionRules(
        after_phi=after(lambda s: s.after_phi),
        after_secret=after(lambda s: s.after_secret),
        tainted=_first([s.tainted for s in layers]),
    )
