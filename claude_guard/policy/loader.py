"""Read policy layers from disk: YAML with line numbers in every error, validated by the schema."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from claude_guard.home import GuardHome
from claude_guard.managed import ManagedLayout
from claude_guard.policy.schema import PolicyLayer

SYSTEM_MANAGED_POLICY = ManagedLayout.system().org_policy
PROJECT_POLICY_NAME = ".claude-guard.yaml"
MAX_POLICY_BYTES = 1024 * 1024

# The C loader is ~10x faster and this runs on every hook call.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PolicyError(Exception):
    """A policy that cannot be used. The message names the file and, when known, the line."""


@dataclass(frozen=True, slots=True)
class LayerSource:
    layer: str  # managed | user | project
    path: Path


@dataclass(frozen=True, slots=True)
class LoadedLayer:
    layer: str
    path: Path
    sha256: str
    policy: PolicyLayer
    extended: bool = False  # a shipped profile the top layer extends (part of the top)


def managed_policy_path(env: Mapping[str, str], layout: ManagedLayout | None = None) -> Path:
    """The org layer. The system file always wins, and so does a managed install even while
    its policy file is missing (then every call is denied for want of a policy, never decided
    by one a developer points at): an environment variable can point elsewhere only on
    machines the organisation has not claimed (tests, evaluation)."""
    layout = layout or ManagedLayout.system()
    if layout.installed() or layout.org_policy.exists():
        return layout.org_policy
    override = env.get("CLAUDE_GUARD_MANAGED_POLICY")
    return Path(override) if override else layout.org_policy


def layer_sources(project_root: str | None, managed: Path, home: GuardHome) -> list[LayerSource]:
    """The layers in order, highest first.

    The organisation's managed policy is the top layer. On a machine without one, the shipped
    default policy that install.sh put into the guard home stands in its place: an org that
    rolls out its own policy replaces the default rather than stacking on it, so it can relax
    a default rule it does not want. User and project files can only tighten either.
    """
    top = (
        LayerSource("managed", managed)
        if managed.exists()
        else LayerSource("default", home.default_policy)
    )
    sources = [top, LayerSource("user", home.user_policy)]
    if project_root:
        sources.append(LayerSource("project", Path(project_root) / PROJECT_POLICY_NAME))
    return sources


def load_layers(
    sources: list[LayerSource], load: Callable[[str, Path], LoadedLayer] | None = None
) -> list[LoadedLayer]:
    """Load every layer file that exists (at least one must), with the shipped profile the
    top layer extends right after it. `load` reads one layer file (a long-running service
    passes one that reuses what it parsed before)."""
    load = load or load_layer_file
    loaded = [load(s.layer, s.path) for s in sources if s.path.exists()]
    if not loaded:
        searched = ", ".join(str(s.path) for s in sources)
        raise PolicyError(f"no policy file found (looked for {searched}); run install.sh")
    if loaded[0].layer in ("user", "project"):
        # Without the org's policy or the shipped default, a file the developer or the
        # repository wrote would be the top layer, free to loosen anything.
        raise PolicyError(
            f"no organisation or default policy ({sources[0].path} is missing); run install.sh"
        )
    for lower in loaded[1:]:
        if lower.policy.extends:
            raise PolicyError(
                f"{lower.path}: extends: only the top policy (the organisation's) may extend a "
                "profile; lower layers add rules and tighten by themselves"
            )
    top = loaded[0]
    if top.policy.extends:
        return [top, _profile(top, load), *loaded[1:]]
    return loaded


def shipped_profiles_dir() -> Path:
    """The profiles shipped inside the package: what an organisation's policy extends is never
    a copy a user could edit."""
    return Path(str(resources.files("claude_guard").joinpath("data", "policies")))


def shipped_profiles() -> list[str]:
    return sorted(p.stem for p in shipped_profiles_dir().glob("*.yaml"))


def _profile(top: LoadedLayer, load: Callable[[str, Path], LoadedLayer]) -> LoadedLayer:
    name = top.policy.extends or ""
    path = shipped_profiles_dir() / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(shipped_profiles())
        raise PolicyError(f"{top.path}: extends: no shipped profile {name!r} (there are: {known})")
    profile = load(name, path)
    if profile.policy.extends:
        raise PolicyError(f"{path}: a shipped profile does not extend another")
    return LoadedLayer(profile.layer, profile.path, profile.sha256, profile.policy, extended=True)


def load_layer_file(layer: str, path: Path) -> LoadedLayer:
    return load_layer_data(layer, path, read_layer_file(path))


def read_layer_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy ({exc.strerror})") from None


def load_layer_data(layer: str, path: Path, data: bytes) -> LoadedLayer:
    if len(data) > MAX_POLICY_BYTES:
        raise PolicyError(f"{path}: policy file is larger than {MAX_POLICY_BYTES} bytes")
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: policy file is not UTF-8 (byte {exc.start})") from None
    policy = parse_policy_text(text, str(path))
    return LoadedLayer(layer, path, hashlib.sha256(data).hexdigest(), policy)


def parse_policy_text(text: str, source: str) -> PolicyLayer:
    """Parse and validate one policy document; errors carry `source:line`."""
    try:
        node = yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise PolicyError(f"{where}: {problem}") from None
    if node is None:
        raise PolicyError(f"{source}: policy file is empty")
    lines: dict[tuple[str | int, ...], int] = {}
    data = _to_python(node, (), lines, source)
    if not isinstance(data, dict):
        raise PolicyError(f"{source}:{node.start_mark.line + 1}: a policy must be a mapping")
    try:
        return PolicyLayer.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_format_validation(exc, lines, source)) from None


def _to_python(
    node: yaml.Node,
    loc: tuple[str | int, ...],
    lines: dict[tuple[str | int, ...], int],
    source: str,
) -> Any:
    """Convert a composed YAML node to Python, recording the line of every location and
    rejecting duplicate keys (PyYAML silently keeps the last one, which hides mistakes)."""
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if key in result:
                raise PolicyError(f"{source}:{key_node.start_mark.line + 1}: duplicate key {key!r}")
            result[key] = _to_python(value_node, (*loc, str(key)), lines, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*loc, i), lines, source) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    # A fresh SafeConstructor per value: it keeps state between calls, and scalars are tiny.
    if not isinstance(node, yaml.ScalarNode):
        raise PolicyError("a mapping key must be a plain value")
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)


def _format_validation(
    exc: ValidationError, lines: dict[tuple[str | int, ...], int], source: str
) -> str:
    messages = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = tuple(error["loc"])
        line = _nearest_line(loc, lines)
        where = f"{source}:{line}" if line else source
        dotted = ".".join(str(p) for p in loc) or "<root>"
        messages.append(f"{where}: {dotted}: {error['msg']}")
    return "\n".join(messages)


def _nearest_line(loc: tuple[Any, ...], lines: dict[tuple[str | int, ...], int]) -> int | None:
    for cut in range(len(loc), -1, -1):
        line = lines.get(tuple(loc[:cut]))
        if line is not None:
            return line
    return None
