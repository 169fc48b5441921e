"""The policy decisions are made against: the merged layers, refused when the top of it would
switch claude-guard off.

A top policy (the organisation's, or the default standing in for it) that has no path rules,
or that lets the agent rewrite the settings files that register the hook (`disableAllHooks`, or
the hook entries themselves, live there), is refused with an error naming what is missing:
every call is then denied with that reason, never decided by a policy that silently lost its
protection. Lower layers cannot supply the protection: they belong to the developer and the
repository. (claude-guard's own home and key are protected by the engine whatever the policy.)
"""

from __future__ import annotations

from claude_guard.paths import NormalPath
from claude_guard.policy.loader import LoadedLayer, PolicyError
from claude_guard.policy.merge import EffectivePolicy, merge_layers, top_group
from claude_guard.policy.path_rules import PathRuleSet
from claude_guard.policy.schema import Access, Action

# Checked in a home and project that exist nowhere: the rules are judged, not the disk.
_HOME = "/nonexistent-home-for-policy-check"
_PROJECT = f"{_HOME}/some/project"
# Writing any of these can take the hook away (its registration, or `disableAllHooks`).
HOOK_SETTINGS = (
    f"{_HOME}/.claude/settings.json",
    f"{_HOME}/.claude/settings.local.json",
    f"{_PROJECT}/.claude/settings.json",
    f"{_PROJECT}/.claude/settings.local.json",
)


def effective_policy(layers: list[LoadedLayer]) -> EffectivePolicy:
    policy = merge_layers(layers)
    check_self_protection(policy)
    return policy


def check_self_protection(policy: EffectivePolicy) -> None:
    group = top_group(list(policy.layers))
    names = {layer.layer for layer in group}
    rules = [rule for rule in policy.path_rules if rule.layer in names]
    where = f"{group[0].path}: "
    if not rules:
        raise PolicyError(
            f"{where}the policy has no path rules, so nothing would be protected; add "
            "`extends: default` to build on the shipped default policy"
        )
    ruleset = PathRuleSet(rules, _HOME, _PROJECT)
    open_ = [path for path in HOOK_SETTINGS if not _write_denied(ruleset, path)]
    if open_:
        shown = ", ".join(p.replace(_PROJECT, "<project>").replace(_HOME, "~") for p in open_)
        raise PolicyError(
            f"{where}the policy would let the agent rewrite {shown}, where the hooks are "
            "registered (and can be switched off); add `extends: default`, or a path rule "
            "that denies writes to them"
        )


def _write_denied(ruleset: PathRuleSet, path: str) -> bool:
    target = NormalPath(raw=path, lexical=path, real=path, is_dir=False, exists=False)
    return any(m.action is Action.DENY for m in ruleset.matches(target, Access.WRITE))
