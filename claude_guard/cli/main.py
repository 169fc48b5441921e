"""The `claude-guard` command line."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import secrets
import shutil
import sys
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import click
import yaml

from claude_guard import __version__
from claude_guard.cli.claude_settings import (
    HOOK_SCRIPT_NAME,
    SettingsError,
    hook_command,
    install_hooks,
    settings_path,
    uninstall_hooks,
)
from claude_guard.cli.doctor import doctor
from claude_guard.cli.dry_run import dry_run
from claude_guard.context import CallContext, Environment
from claude_guard.event.models import ValidationError, describe_validation_error
from claude_guard.event.parse import HookFailure, decode_event, validate_event
from claude_guard.fsutil import atomic_write, walk_tree
from claude_guard.home import GuardHome
from claude_guard.managed import ManagedLayout
from claude_guard.policy.effective import effective_policy
from claude_guard.policy.ignored import ignored_settings
from claude_guard.policy.loader import PolicyError, load_layer_file, load_layers
from claude_guard.policy.merge import EffectivePolicy
from claude_guard.policy.schema import PolicyLayer
from claude_guard.record.audit_log import verify_chain


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """claude-guard: policy enforcement, PHI/secret detection and audit for Claude Code."""


@main.command()
def version() -> None:
    """Print claude-guard's version."""
    click.echo(f"claude-guard {__version__}")


# ----------------------------------------------------------------------------- check


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
def check(as_json: bool) -> None:
    """Read one hook event (JSON) on stdin and explain what the policy decides.

    Nothing is logged and nothing is blocked: this is a dry run of the hook.
    """
    raw = sys.stdin.buffer.read()
    try:
        event = validate_event(decode_event(raw))
        ctx = Environment.from_env().for_call(event.cwd)
        policy = _effective_policy(ctx)
        outcome = dry_run(ctx, policy, event)
    except (HookFailure, PolicyError) as exc:
        _fail(str(exc))
    except ValidationError as exc:
        _fail(f"invalid tool input ({describe_validation_error(exc)})")
    decision = outcome.decision
    layer_of = {layer.layer: str(layer.path) for layer in policy.layers}
    rules = [
        {"id": rid, "layer": rid.split(":", 1)[0], "file": layer_of.get(rid.split(":", 1)[0])}
        for rid in decision.rule_ids
    ]
    result: dict[str, Any] = {
        "decision": decision.verdict,  # what Claude Code would be told, redact included
        "policy_decision": decision.action.value,
        "mode": decision.mode.value,
        "reason": decision.reason,
        "rules": rules,
        "paths": list(decision.paths),
        "notes": list(decision.notes),
        "policy_version": policy.version,
        "policy_hash": policy.content_hash,
    }
    if outcome.updated_output is not None:
        result["updated_output"] = outcome.updated_output
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(
        f"decision: {result['decision']}  (policy says {result['policy_decision']}, "
        f"mode {result['mode']})"
    )
    click.echo(f"reason:   {decision.reason}")
    for rule in rules:
        click.echo(f"rule:     {rule['id']}  from the {rule['layer']} layer ({rule['file']})")
    for path in decision.paths:
        click.echo(f"path:     {path}")
    click.echo(f"policy:   {policy.version}  sha256:{policy.content_hash[:16]}")


def _here() -> CallContext:
    """The context of a command run in the current directory."""
    return Environment.from_env().for_call(os.getcwd())


def _guard_home() -> GuardHome:
    return Environment.from_env().guard_home


def _effective_policy(ctx: CallContext) -> EffectivePolicy:
    return effective_policy(load_layers(ctx.policy_sources()))


def _fail(message: str, code: int = 2) -> Any:
    click.echo(f"claude-guard: {message}", err=True)
    sys.exit(code)


# ----------------------------------------------------------------------------- policy


@main.group()
def policy() -> None:
    """Validate, show and describe policies."""


@policy.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def policy_validate(files: tuple[Path, ...]) -> None:
    """Validate policy FILES, or every active layer when none are given.

    For the active layers it also checks them together (the profile the top layer extends,
    the protection the top layer must keep) and warns about every setting of a lower layer
    that the merge ignores because it would loosen a higher one.
    """
    ctx = _here()
    targets = [("file", f) for f in files] or [
        (s.layer, s.path) for s in ctx.policy_sources() if s.path.exists()
    ]
    if not targets:
        _fail("no policy file found; run install.sh", 1)
    failed = False
    for layer, path in targets:
        try:
            loaded = load_layer_file(layer, path)
        except PolicyError as exc:
            click.echo(str(exc), err=True)
            failed = True
            continue
        extends = f", extends {loaded.policy.extends}" if loaded.policy.extends else ""
        client = loaded.policy.client.min_version if loaded.policy.client else None
        minimum = f", Claude Code {client} or newer" if client else ""
        click.echo(
            f"ok: {path} ({layer}, version {loaded.policy.version}, "
            f"{len(loaded.policy.paths)} path rules{extends}{minimum})"
        )
    if not files and not failed:
        failed = not _validate_together(ctx)
    sys.exit(1 if failed else 0)


def _validate_together(ctx: CallContext) -> bool:
    try:
        effective = _effective_policy(ctx)
    except PolicyError as exc:
        click.echo(str(exc), err=True)
        return False
    from claude_guard.tools import lookup  # the registry knows which tools need no naming

    for line in ignored_settings(effective, lambda name: not lookup(name).needs_policy_word()):
        click.echo(f"warning: {line}", err=True)
    return True


@policy.command("show")
@click.option("--default", "shipped", is_flag=True, help="Print the shipped default policy.")
def policy_show(shipped: bool) -> None:
    """Print the effective (merged) policy for the current directory, with its layers."""
    if shipped:
        click.echo(packaged_file("policies", "default.yaml").read_text(), nl=False)
        return
    try:
        effective = _effective_policy(_here())
    except PolicyError as exc:
        _fail(str(exc), 1)
    summary = {
        "version": effective.version,
        "sha256": effective.content_hash,
        "mode": effective.mode.value,
        "layers": [
            {"layer": la.layer, "file": str(la.path), "sha256": la.sha256, "extended": la.extended}
            for la in effective.layers
        ],
        "defaults": {
            "unknown_tool": effective.defaults.unknown_tool.value,
            "unanalysable_command": effective.defaults.unanalysable_command.value,
        },
        "limits": dataclasses.asdict(effective.limits),
        "tools": {
            layer: {k: v.value for k, v in rules.items()}
            for t in effective.tool_rules
            for layer, rules in ((t.layer, t.rules), *t.extended)
        },
        "paths": [
            {
                "id": r.qualified_id,
                "action": r.rule.action.value,
                "access": [a.value for a in r.rule.access],
                "scope": r.rule.scope.value,
                "patterns": r.rule.patterns,
            }
            for r in effective.path_rules
        ],
        "detection": {
            "categories": {
                c: {"action": p.action.value, "min_score": p.min_score}
                for c, p in effective.detection.categories.items()
            },
            "types": {
                t: {"action": p.action.value, "min_score": p.min_score}
                for t, p in effective.detection.types.items()
            },
            "max_scan_bytes": effective.detection.max_scan_bytes,
            "scan_seconds": effective.detection.scan_seconds,
            "binary": effective.detection.binary.value,
            "incomplete": effective.detection.incomplete.value,
        },
        # Per category, one list per layer that named it: a route must match each.
        "routes": {c: [list(p) for p in lists] for c, lists in effective.detection.routes.items()},
    }
    click.echo(yaml.safe_dump(summary, sort_keys=False, width=100), nl=False)


@policy.command("schema")
def policy_schema() -> None:
    """Print the policy file's JSON Schema (for editor completion and validation)."""
    click.echo(json.dumps(PolicyLayer.model_json_schema(), indent=2))


# ----------------------------------------------------------------------------- install


def packaged_file(*parts: str) -> Path:
    return Path(str(resources.files("claude_guard").joinpath("data", *parts)))


@main.command()
@click.option("--scope", type=click.Choice(["user", "project"]), default="user", show_default=True)
@click.option(
    "--project-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Project whose .claude/settings.json to change (scope project).",
)
def install(scope: str, project_dir: Path | None) -> None:
    """Install the hook, the default policy and the audit key, and register the hook."""
    home = _guard_home()
    for folder in (home.hooks_dir, home.policies_dir, home.audit_dir, home.keys_dir):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(home.root, 0o700)
    # Replaced atomically: a hook starting mid-install must never run a half-written script
    # (an empty one exits 0, an allow) or read a half-written default policy.
    script = home.hooks_dir / HOOK_SCRIPT_NAME
    hook_source = packaged_file("hooks", HOOK_SCRIPT_NAME).read_bytes()
    atomic_write(script, hook_source, 0o755)
    # The shipped default is replaced on every install; the user's own policy.yaml never is.
    for shipped in packaged_file("policies").rglob("*.yaml"):
        target = home.policies_dir / shipped.relative_to(packaged_file("policies"))
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, shipped.read_bytes(), 0o644)
    home.load_key()
    target = settings_path(scope, Environment.from_env().user_home, project_dir)
    try:
        install_hooks(target, lambda event: hook_command(sys.executable, script, event))
    except SettingsError as exc:
        _fail(str(exc), 1)
    _stop_service(home)  # it would go on deciding with the code it was started with
    click.echo(f"claude-guard {__version__} installed in {home.root}")
    click.echo(f"hooks registered in {target}")
    _warn_about_settings(target)


def _stop_service(home: GuardHome) -> None:
    from claude_guard.entry.service import control

    if control(home.root, "stop") is not None:
        click.echo("stopped the running service (the next hook call starts the new one)")


def _warn_about_settings(path: Path) -> None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    if data.get("disableAllHooks"):
        click.echo(f"warning: {path} sets disableAllHooks: claude-guard will not run", err=True)


@main.command()
@click.option("--scope", type=click.Choice(["user", "project"]), default="user", show_default=True)
@click.option("--project-dir", type=click.Path(path_type=Path, file_okay=False), default=None)
@click.option("--purge", is_flag=True, help="Also delete the guard home (policies, audit log).")
def uninstall(scope: str, project_dir: Path | None, purge: bool) -> None:
    """Remove claude-guard's hook registrations (and with --purge, its files)."""
    target = settings_path(scope, Environment.from_env().user_home, project_dir)
    try:
        removed = uninstall_hooks(target)
    except SettingsError as exc:
        _fail(str(exc), 1)
    click.echo(f"hooks {'removed from' if removed else 'were not registered in'} {target}")
    home = _guard_home()
    _stop_service(home)
    if purge:
        shutil.rmtree(home.root, ignore_errors=True)
        click.echo(f"deleted {home.root}")


# ----------------------------------------------------------------------------- service


@main.group()
def service() -> None:
    """The warm scanner service that hook calls are answered by."""


@service.command("status")
def service_status() -> None:
    """Print the running service's state as JSON; exit 1 if none runs."""
    from claude_guard.entry.service import control

    reply = control(_guard_home().root, "status")
    if reply is None:
        _fail("no service is running (the next hook call starts one)", 1)
    click.echo(reply)


@service.command("stop")
def service_stop() -> None:
    """Stop the running service."""
    from claude_guard.entry.service import control

    if control(_guard_home().root, "stop") is None:
        click.echo("no service was running")
        return
    click.echo("stopped")


@service.command("run")
@click.option(
    "--idle", type=float, default=0.0, show_default=True, help="Exit after idle seconds (0: never)."
)
def service_run(idle: float) -> None:
    """Run the service in the foreground (what the systemd and launchd units do)."""
    from claude_guard.entry.service import main as service_main

    raise SystemExit(service_main(["--idle", str(idle)]))


@service.command("unit")
@click.argument("kind", type=click.Choice(["systemd", "launchd"]))
def service_unit(kind: str) -> None:
    """Print a systemd user unit or a launchd agent for this installation."""
    name = "claude-guard.service" if kind == "systemd" else "com.claude-guard.service.plist"
    template = packaged_file("service", name).read_text()
    home = os.path.expanduser("~")
    click.echo(template.replace("@PYTHON@", sys.executable).replace("@HOME@", home), nl=False)


# ----------------------------------------------------------------------------- scan

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn"})
SCAN_MAX_ENTRIES = 5_000_000  # a bound for the walk, far above any repository


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file (JSON lines).")
@click.option("--sarif", is_flag=True, help="A SARIF 2.1.0 log for code-scanning tools.")
def scan(paths: tuple[Path, ...], as_json: bool, sarif: bool) -> None:
    """Scan files and trees as a Read of each file would be judged by the active policy.

    Exits 1 when any file would be denied, 0 otherwise.
    """
    from claude_guard.cli.scan_files import scan_files, to_sarif

    files = list(_files_under(paths))
    ctx = _here()
    try:
        policy_ = _effective_policy(ctx)
    except PolicyError as exc:
        _fail(str(exc), 2)
    try:
        key = ctx.guard_home.key_path.read_bytes()
    except FileNotFoundError:
        # A dry run creates nothing: fingerprints then correlate within this run only.
        key = secrets.token_bytes(32)
    except OSError as exc:
        _fail(f"cannot read the installation key ({type(exc).__name__}: {exc.strerror})", 2)
    show_progress = sys.stderr.isatty() and not (as_json or sarif)
    results = []
    with contextlib.ExitStack() as stack:
        items: Iterable[Path] = files
        if show_progress:
            items = stack.enter_context(click.progressbar(files, label="scanning", file=sys.stderr))
        for result in scan_files(items, policy_, ctx, key):
            results.append(result)
            if as_json:
                click.echo(json.dumps(result.to_json()))
            elif not sarif and result.decision != "allow":
                click.echo(f"{result.decision}: {result.path} — {result.reason}")
    if sarif:
        click.echo(json.dumps(to_sarif(results), indent=2))
    denied = sum(r.decision == "deny" for r in results)
    if not (as_json or sarif):
        click.echo(f"{len(results)} files scanned, {denied} would be denied", err=True)
    sys.exit(1 if denied else 0)


def _files_under(paths: tuple[Path, ...]) -> Iterator[Path]:
    for path in paths:
        if path.is_file():
            yield path.resolve()
            continue
        walk = walk_tree(str(path), max_entries=SCAN_MAX_ENTRIES, prune=SKIPPED_DIRS)
        files = [Path(e.path) for e in walk if not (e.is_dir or e.is_link or e.depth == 0)]
        if walk.truncated:
            click.echo(f"warning: only the first {SCAN_MAX_ENTRIES} entries of {path}", err=True)
        # A folder's own files first, then its subfolders, each in name order.
        yield from (f.resolve() for f in sorted(files, key=_walk_order))


def _walk_order(path: Path) -> tuple[tuple[int, str], ...]:
    *folders, name = path.parts
    return (*((1, part) for part in folders), (0, name))


# ----------------------------------------------------------------------------- audit


@main.group()
def audit() -> None:
    """Inspect the decision log."""


@audit.command("verify")
@click.option(
    "--system",
    is_flag=True,
    help="Verify the managed install's trail (/var/log/claude-guard) with its audit key "
    "(root only: the key is root's).",
)
@click.option("--root", type=click.Path(path_type=Path), default=None, hidden=True)
def audit_verify(system: bool, root: Path | None) -> None:
    """Check that no audit record was altered, removed or reordered."""
    if system:
        layout = ManagedLayout(root) if root else ManagedLayout.system()  # --root: tests
        audit_dir, key_path = layout.audit_dir, layout.audit_key
    else:
        home = _guard_home()
        audit_dir, key_path = home.audit_dir, home.key_path
    try:
        result = verify_chain(audit_dir, key_path.read_bytes())
    except FileNotFoundError:
        _fail(f"no installation key at {key_path}", 1)
    except OSError as exc:
        _fail(f"cannot read the audit log or key ({type(exc).__name__}: {exc.strerror})", 1)
    for problem in result.problems:
        click.echo(problem)
    status = "intact" if not result.problems else f"{len(result.problems)} problem(s)"
    click.echo(f"{result.records} records: {status}")
    sys.exit(1 if result.problems else 0)


from claude_guard.cli.managed_install import managed  # noqa: E402

main.add_command(managed)
main.add_command(doctor)

if __name__ == "__main__":  # pragma: no cover
    main()
