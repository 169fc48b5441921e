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

# The rules are judged, not the disk: the hook settings files are probed where homes and
# projects usually are, so that an exception carved out of a rule (`!/home/**`) or a rule
# that covers only the current project (`scope: project`) shows.
_HOMES = ("/home/someone", "/Users/someone", "/root", "/var/lib/someone")
_PROJECT = "/home/someone/src/project"
# Other checkouts the agent can reach (probe strings only: nothing is created there).
_ELSEWHERE = ("/tmp/checkout", "/srv/work/other", "/home/someone/other-repo")  # noqa: S108
_SETTINGS = ("settings.json", "settings.local.json")


def _hook_settings(home: str) -> list[str]:
    """Where hooks can be registered (or switched off) for a user whose home is `home`."""
    folders = (home, _PROJECT, *_ELSEWHERE)
    return [f"{folder}/.claude/{name}" for folder in folders for name in _SETTINGS]


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
    open_ = []
    for home in _HOMES:
        ruleset = PathRuleSet(rules, home, _PROJECT)
        open_ += [path for path in _hook_settings(home) if not _write_denied(ruleset, path)]
    if open_:
        shown = ", ".join(dict.fromkeys(open_[:4]))
        raise PolicyError(
            f"{where}the policy would let the agent rewrite {shown}"
            f"{' (and more)' if len(open_) > 4 else ''}: the hooks are registered there (and "
            "can be switched off); add `extends: default`, or a path rule that denies writes "
            "to every `.claude/settings.json` and `.claude/settings.local.json`"
        )
    if policy.defaults.unanalysable_command is Action.ALLOW:
        raise PolicyError(
            f"{where}defaults.unanalysable_command: allow lets any command the analysis cannot "
            "follow run, including one that rewrites the hook settings; use deny or ask"
        )


def _write_denied(ruleset: PathRuleSet, path: str) -> bool:
    target = NormalPath(raw=path, lexical=path, real=path, is_dir=False, exists=False)
    return any(m.action is Action.DENY for m in ruleset.matches(target, Access.WRITE))
