"""The policy file format: one YAML document per layer, validated by these models.

A policy layer says which tools may run, which paths may be read or written, and how strict
content detection is. Layers are merged by `claude_guard.policy.merge` so that a lower layer
(user, project) can only make the result stricter than a higher one (managed).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator


class Action(StrEnum):
    """What happens to a call. Ordered from least to most restrictive."""

    ALLOW = "allow"
    ASK = "ask"
    DENY = "deny"

    @property
    def rank(self) -> int:
        return _ACTION_RANK[self]

    @staticmethod
    def strictest(*actions: Action) -> Action:
        return max(actions, key=lambda a: a.rank, default=Action.ALLOW)


_ACTION_RANK = {Action.ALLOW: 0, Action.ASK: 1, Action.DENY: 2}


class Mode(StrEnum):
    """`monitor` records what would have been decided but lets every call through."""

    MONITOR = "monitor"
    ENFORCE = "enforce"


class Access(StrEnum):
    READ = "read"
    WRITE = "write"


class Scope(StrEnum):
    """Where a path rule's patterns apply.

    anywhere: any path on the machine; patterns without a slash match at any depth, `~/x` is
    anchored at the home directory, `/x` at the filesystem root.
    project: paths inside the project root, patterns relative to it (gitignore semantics).
    outside_project: like anywhere, but only for paths that resolve outside the project root.
    """

    ANYWHERE = "anywhere"
    PROJECT = "project"
    OUTSIDE_PROJECT = "outside_project"


RuleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]{0,80}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PathRule(_Strict):
    id: RuleId
    description: str = ""
    action: Action = Action.DENY
    access: list[Access] = Field(default_factory=lambda: [Access.READ, Access.WRITE], min_length=1)
    scope: Scope = Scope.ANYWHERE
    patterns: list[str] = Field(min_length=1)

    @field_validator("patterns")
    @classmethod
    def _patterns_are_sane(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            if not pattern.strip() or "\x00" in pattern:
                raise ValueError("empty pattern")
        if all(p.startswith("!") for p in patterns):
            raise ValueError("a rule needs at least one pattern that is not a negation")
        return patterns

    @model_validator(mode="after")
    def _home_only_outside_project_scope(self) -> PathRule:
        if self.scope is Scope.PROJECT and any(
            p.lstrip("!").startswith("~") for p in self.patterns
        ):
            raise ValueError("'~/' patterns cannot be used with scope: project")
        return self


class Defaults(_Strict):
    """Fallback actions. A field left out has no opinion; the merge fills in the built-in one."""

    # A tool this version of claude-guard does not know (and no `tools` entry names).
    unknown_tool: Action | None = None
    # A shell command whose reads/writes cannot be worked out. Not `ask` by default: in
    # `claude -p` and CI nobody can answer, so the safe default must work unattended.
    unanalysable_command: Action | None = None


BUILTIN_DEFAULTS = {"unknown_tool": Action.DENY, "unanalysable_command": Action.DENY}


class Limits(_Strict):
    """Resource bounds. A field left out has no opinion; the merge fills in the built-in one."""

    max_event_bytes: int | None = Field(default=None, ge=1024)
    # Upper bound on directory entries walked to find what a recursive search would reach.
    max_walk_entries: int | None = Field(default=None, ge=1)


BUILTIN_LIMITS = {
    "max_event_bytes": 16 * 1024 * 1024,
    "max_walk_entries": 50_000,
}


Category = Literal["secret", "phi", "pii"]


class CategoryPolicy(_Strict):
    """What a finding of one category does to a call, and how sure a detector must be."""

    action: Action = Action.DENY
    # A finding counts only at or above this score. Stricter = lower.
    min_score: float = Field(default=0.5, ge=0.0, le=1.0)


# What a category does when the top policy layer does not say (secrets and PHI never reach the
# model; other personal data alone, with no health context, is allowed and logged).
BUILTIN_DETECTION: dict[Category, CategoryPolicy] = {
    "secret": CategoryPolicy(action=Action.DENY, min_score=0.5),
    "phi": CategoryPolicy(action=Action.DENY, min_score=0.5),
    "pii": CategoryPolicy(action=Action.ALLOW, min_score=0.5),
}


FindingType = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,63}$")]


class PresidioSettings(_Strict):
    """The optional Presidio stage: NER for person names in prose, on candidate windows only.

    Needs the `ner` extra (presidio-analyzer) and, for NER, an installed spaCy pipeline; it is
    never downloaded. Without them detection keeps working with the fast stage alone.
    """

    enabled: bool | None = None
    # An installed spaCy package name (en_core_web_sm) or a directory with a saved pipeline.
    nlp_pipeline: str | None = Field(default=None, max_length=500)


class Detection(_Strict):
    """Content detection. Fields left out have no opinion; the merge fills in built-ins."""

    categories: dict[Category, CategoryPolicy] = Field(default_factory=dict)
    # Per finding type (e.g. EMAIL_ADDRESS). In the top layer it replaces its category's
    # setting; in lower layers it can only tighten.
    types: dict[FindingType, CategoryPolicy] = Field(default_factory=dict)
    # Files larger than this are scanned only in the window the tool will return.
    max_scan_bytes: int | None = Field(default=None, ge=1024)
    # Time budget for one scan; running out of it is decided by `incomplete`.
    scan_seconds: float | None = Field(default=None, gt=0, le=120)
    # Files that are not text (images, PDFs, archives) cannot be scanned.
    binary: Action | None = None
    incomplete: Action | None = None
    presidio: PresidioSettings | None = None


BUILTIN_SCAN = {
    "max_scan_bytes": 8 * 1024 * 1024,
    "scan_seconds": 4.0,
    "binary": Action.ALLOW,
    "incomplete": Action.DENY,
}


class AfterSensitive(_Strict):
    """What changes once a kind of sensitive data has been seen in the session."""

    # Calls that send data off the machine: WebFetch, WebSearch, shell network senders.
    egress: Action | None = None
    # Writes to paths outside the project root.
    write_outside_project: Action | None = None


class SessionRules(_Strict):
    """Policy that depends on what the session has already touched (session memory)."""

    after_phi: AfterSensitive | None = None
    after_secret: AfterSensitive | None = None
    # A file the session derived from protected data (`cp .env x`) is treated like its source.
    tainted: Action | None = None


BUILTIN_SESSION = {
    "after_phi.egress": Action.DENY,
    "after_phi.write_outside_project": Action.DENY,
    "after_secret.egress": Action.ALLOW,
    "after_secret.write_outside_project": Action.ALLOW,
    "tainted": Action.DENY,
}


ClientVersion = Annotated[str, Field(pattern=r"^[0-9]{1,6}(\.[0-9]{1,6}){1,3}$")]


class ClientSettings(_Strict):
    """What the Claude Code client itself must be. Only a version that holds the guarantees
    the policy relies on may run (2.1.197 ignores `onFailure: "block"`, and lets a repository's
    `env` reach managed hooks). Lower layers may only raise the minimum."""

    # Below it, or when the running client's version cannot be told, tool calls and prompts
    # are denied until the client is updated.
    min_version: ClientVersion | None = None


class AuditSettings(_Strict):
    """What the audit trail carries besides decisions."""

    # A running service writes a `heartbeat` record this often, so that a SIEM notices a
    # machine that went silent. Lower layers may only make it more frequent.
    heartbeat_minutes: int | None = Field(default=None, ge=1, le=1440)


BUILTIN_HEARTBEAT_MINUTES = 15


def version_key(version: str) -> tuple[int, ...]:
    """`2.1.332` -> (2, 1, 332, 0): compares as numbers, missing parts as zero."""
    parts = tuple(int(part) for part in version.split("."))
    return parts + (0,) * (4 - len(parts))


ProfileName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,40}$")]
RoutePattern = Annotated[str, Field(pattern=r"^[a-z0-9*?][a-z0-9*?.@\-]{0,120}$")]

VersionLabel = Annotated[
    str, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v)
]


class PolicyLayer(_Strict):
    """One policy file as written."""

    # `version: 3` in YAML is an int; a version is a label, so accept numbers as text.
    version: Annotated[
        str, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v)
    ] = Field(default="unversioned", max_length=64)
    name: str = Field(default="", max_length=120)
    description: str = ""
    # The organisation's policy only: a shipped profile (policies/<name>.yaml) this layer adds
    # to. Every rule of the profile applies; where both set a value the stricter one holds.
    extends: ProfileName | None = None
    mode: Mode | None = None
    defaults: Defaults | None = None
    tools: dict[str, Action] = Field(default_factory=dict)
    paths: list[PathRule] = Field(default_factory=list)
    limits: Limits | None = None
    detection: Detection | None = None
    session: SessionRules | None = None
    # The model routes (claude_guard/route.py) data of a category may reach, as glob patterns
    # (`bedrock`, `vertex`, `gateway@*.corp.example`). A category not named may go anywhere
    # its detection setting lets it; on any other route its findings are denied (redacted
    # after a tool ran). Every layer that names a category narrows it further.
    routes: dict[Category, list[RoutePattern]] = Field(default_factory=dict)
    client: ClientSettings | None = None
    audit: AuditSettings | None = None

    @model_validator(mode="after")
    def _rule_ids_unique(self) -> PolicyLayer:
        seen: set[str] = set()
        for rule in self.paths:
            if rule.id in seen:
                raise ValueError(f"path rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return self
