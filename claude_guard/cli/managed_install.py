"""`claude-guard managed install|uninstall|settings`: the org-owned, root-owned installation.

Everything goes where only root can change it (see `claude_guard/managed.py`): the code and
its isolated interpreter under /opt/claude-guard, the org policy and the keys under
/etc/claude-guard, the Claude Code drop-in under /etc/claude-code/managed-settings.d. Install
is idempotent: a rerun upgrades the code and the drop-in and keeps the org policy and the
keys. The marker `/etc/claude-guard/managed.json` is written last, so a half-finished install
is never taken for a managed one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import click

from claude_guard import __version__
from claude_guard.cli import managed_service
from claude_guard.cli.claude_settings import HOOK_SCRIPT_NAME
from claude_guard.cli.managed_settings import conflicts, drop_in_settings, render
from claude_guard.fsutil import atomic_write
from claude_guard.home import KEY_BYTES, load_or_create_key
from claude_guard.managed import ManagedLayout
from claude_guard.policy.effective import effective_policy
from claude_guard.policy.loader import LayerSource, PolicyError, load_layers
from claude_guard.policy.merge import EffectivePolicy

DEFAULT_PYTHON = Path("/usr/bin/python3")
MIN_PYTHON = (3, 11)
PACKAGE_NAME = "claude-guard"
STARTER_POLICY = """\
# The organisation's claude-guard policy (managed install; root-owned, never overwritten by an
# upgrade). It builds on the shipped default profile and can only add to it: every default rule
# still applies. Add path rules, tool rules and detection settings below; lower layers (the
# developer's ~/.claude-guard/policy.yaml, a repository's .claude-guard.yaml) can only tighten.
# Check a change with `claude-guard policy validate` before it reaches the machines.
version: "org-1"
name: organisation policy
extends: default
# Claude Code before 2.1.332 ignores the hooks' `onFailure: "block"`: there a hook that cannot
# run lets the call through. Older clients get every tool call and prompt denied, with how to
# update. Lower layers can only raise it.
client:
  min_version: "2.1.332"
"""

# Installs the package into the venv at layout.venv made from `python`; a test passes a stub.
CodeInstaller = Callable[[ManagedLayout, Path, "PackageSource"], None]


class InstallError(Exception):
    """The install cannot go on; nothing after the failed step was done."""


@dataclass(frozen=True)
class PackageSource:
    """Where pip takes the package from: a checkout, or a wheelhouse without any index."""

    checkout: Path | None = None
    wheelhouse: Path | None = None

    def pip_args(self) -> list[str]:
        if self.wheelhouse is not None:
            return ["--no-index", "--find-links", str(self.wheelhouse), PACKAGE_NAME]
        if self.checkout is not None:
            return [str(self.checkout)]
        raise InstallError("nothing to install from: pass --source DIR or --wheelhouse DIR")


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- preconditions


def require_root(test_root: bool) -> None:
    if os.geteuid() != 0 and not test_root:
        raise InstallError(
            "a managed install must run as root (sudo ./install.sh --managed): it writes "
            "/opt/claude-guard, /etc/claude-guard and Claude Code's managed settings"
        )


def check_interpreter(python: Path) -> None:
    """Every user's hook runs this interpreter, so every user must be able to reach it."""
    if not python.is_absolute():
        raise InstallError(f"--python must be an absolute path (got {python})")
    for path in dict.fromkeys([python, python.resolve()]):
        blocked = _untraversable_ancestor(path)
        if blocked is not None:
            raise InstallError(
                f"{python} is under {blocked}, which other users cannot enter, so their hooks "
                "could not run it; use a system interpreter such as /usr/bin/python3"
            )
    if not python.is_file() or not os.stat(python).st_mode & stat.S_IXOTH:
        raise InstallError(f"{python} is not an interpreter every user can execute")
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        found = subprocess.run(
            [str(python), "-I", "-c", probe], capture_output=True, text=True, timeout=60
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallError(f"{python} does not run ({type(exc).__name__})") from None
    version = tuple(int(part) for part in found.split(".")) if found else (0, 0)
    if version < MIN_PYTHON:
        raise InstallError(f"{python} is Python {found or '?'}; 3.11 or newer is required")


def _untraversable_ancestor(path: Path) -> Path | None:
    for folder in reversed(path.parents):
        try:
            mode = folder.stat().st_mode
        except OSError:
            return folder
        if not mode & stat.S_IXOTH:
            return folder
    return None


# ----------------------------------------------------------------------------- code


def pip_install(layout: ManagedLayout, python: Path, source: PackageSource) -> None:
    """A venv at layout.venv from `python` (rebuilt if broken or made from another
    interpreter), then the package into it."""
    if not _venv_is_healthy(layout, python):
        shutil.rmtree(layout.venv, ignore_errors=True)
        layout.venv.parent.mkdir(parents=True, exist_ok=True)
        _run([str(python), "-m", "venv", str(layout.venv)], "creating the venv")
    pip = [str(layout.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run([*pip, "--root-user-action=ignore", "--upgrade", *source.pip_args()], "pip install")


def _venv_is_healthy(layout: ManagedLayout, python: Path) -> bool:
    try:
        config = (layout.venv / "pyvenv.cfg").read_text()
    except OSError:
        return False
    made_from = str(python.parent)
    if f"home = {made_from}" not in config:
        return False
    result = subprocess.run([str(layout.python), "-I", "-c", "pass"], capture_output=True)
    return result.returncode == 0


def _run(argv: list[str], what: str) -> None:
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        tail = result.stderr.strip().splitlines()[-3:]
        raise InstallError(f"{what} failed: {' / '.join(tail)}")


def install_hook_script(layout: ManagedLayout) -> None:
    """Replaced atomically: a hook starting mid-upgrade never runs a half-written script."""
    source = Path(str(resources.files("claude_guard").joinpath("data", "hooks", HOOK_SCRIPT_NAME)))
    _make_dir(layout.hook_script.parent, 0o755)
    atomic_write(layout.hook_script, source.read_bytes(), 0o755)


def harden(top: Path) -> None:
    """Root owns everything under `top`, and no group or other can write any of it (pip and
    venv follow the umask of whoever ran them)."""
    for path in _tree(top):
        _chown_root(path)
        if path.is_symlink():
            continue
        mode = path.lstat().st_mode
        if stat.S_IMODE(mode) & 0o022:
            os.chmod(path, stat.S_IMODE(mode) & ~0o022)


def _tree(top: Path) -> Iterator[Path]:
    yield top
    for folder, dirs, files in os.walk(top):
        for name in (*dirs, *files):
            yield Path(folder) / name


def check_ancestors(path: Path, stop_at: Path) -> None:
    """A folder above the install that another user can write lets them swap the install out."""
    for folder in path.parents:
        if folder == stop_at or stop_at not in (folder, *folder.parents):
            break
        try:
            mode = folder.stat().st_mode
        except FileNotFoundError:  # the install creates it, root-owned
            continue
        if mode & 0o022 and not mode & stat.S_ISVTX:
            raise InstallError(f"{folder} is writable by group or others; fix its mode first")


# ----------------------------------------------------------------------------- configuration


def prepare_configuration(layout: ManagedLayout, report: Report) -> EffectivePolicy:
    """/etc/claude-guard with the org policy (a starter one if none) and the keys; the org
    policy must be valid and keep the guard's protection, or the install stops here."""
    _make_dir(layout.etc, 0o755)
    if layout.org_policy.exists():
        report.lines.append(f"kept the org policy {layout.org_policy}")
    else:
        atomic_write(layout.org_policy, STARTER_POLICY.encode(), 0o644)
        _chown_root(layout.org_policy)
        report.lines.append(f"wrote a starter org policy {layout.org_policy} (extends: default)")
    policy = validate_org_policy(layout)
    _make_dir(layout.keys_dir, 0o700)
    for key in (layout.audit_key, layout.fingerprint_key):
        existed = key.exists()
        try:
            load_or_create_key(key)
        except Exception as exc:  # a truncated key must not be silently replaced
            raise InstallError(f"{key}: {exc}; move it away to create a new one") from None
        os.chmod(key, 0o600)
        _chown_root(key)
        report.lines.append(f"{'kept' if existed else 'created'} {key} ({KEY_BYTES} bytes)")
    return policy


def validate_org_policy(layout: ManagedLayout) -> EffectivePolicy:
    try:
        return effective_policy(load_layers([LayerSource("managed", layout.org_policy)]))
    except PolicyError as exc:
        raise InstallError(
            f"the org policy cannot be used, so nothing was enabled:\n{exc}"
        ) from None


def settings_for(layout: ManagedLayout) -> dict[str, object]:
    """The drop-in for the org policy in place, or for the starter policy before an install."""
    if layout.org_policy.exists():
        return drop_in_settings(layout, validate_org_policy(layout))
    with tempfile.TemporaryDirectory() as scratch:
        starter = ManagedLayout(Path(scratch))
        starter.etc.mkdir(parents=True)
        starter.org_policy.write_text(STARTER_POLICY)
        return drop_in_settings(layout, validate_org_policy(starter))


def write_drop_in(layout: ManagedLayout, policy: EffectivePolicy, report: Report) -> None:
    """Our own file in the drop-in folder; every other managed file is only read."""
    _make_dir(layout.managed_settings_dir.parent, 0o755)
    _make_dir(layout.managed_settings_dir, 0o755)
    atomic_write(layout.drop_in, render(drop_in_settings(layout, policy)).encode(), 0o644)
    _chown_root(layout.drop_in)
    report.lines.append(f"wrote the Claude Code drop-in {layout.drop_in}")
    report.warnings += conflicts(layout)


def write_launcher(layout: ManagedLayout) -> None:
    _make_dir(layout.launcher.parent, 0o755)
    script = f'#!/bin/sh\nexec "{layout.venv}/bin/claude-guard" "$@"\n'
    atomic_write(layout.launcher, script.encode(), 0o755)
    _chown_root(layout.launcher)


def make_service_dirs(layout: ManagedLayout) -> None:
    _make_dir(layout.run_dir, 0o755)
    _make_dir(layout.audit_dir, 0o755)
    _make_dir(layout.state_dir, 0o700)
    # 1733 like /tmp without listing: any user drops a record in, none reads or removes another's.
    _make_dir(layout.spool_dir, 0o1733)


def install_service(
    layout: ManagedLayout, command: Sequence[str] | None, module: str, report: Report
) -> None:
    """The unit is always written; starting is a separate step whose failure is a warning (the
    hooks decide in-process and spool their records meanwhile)."""
    _make_dir(layout.systemd_unit.parent, 0o755)
    unit = managed_service.systemd_unit(layout, module).encode()
    atomic_write(layout.systemd_unit, unit, 0o644)
    _chown_root(layout.systemd_unit)
    use_systemd = command is None and layout.root == Path("/") and managed_service.systemd_is_init()
    if command is None and not managed_service.module_available(layout.python, module):
        report.warnings.append(
            f"the system service ({module}) is not in this version: not started; hooks decide "
            "in-process and spool their records until it runs"
        )
        return
    try:
        argv = command or managed_service.service_command(layout, module)
        report.lines.append(managed_service.start(layout, argv, use_systemd))
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        report.warnings.append(f"the system service did not start: {exc}")


def write_marker(layout: ManagedLayout, python: Path) -> None:
    marker = {
        "version": __version__,
        "prefix": str(layout.prefix),
        "python": str(layout.python),
        "base_python": str(python),
        "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    atomic_write(layout.marker, (json.dumps(marker, indent=2) + "\n").encode(), 0o644)
    _chown_root(layout.marker)


# ----------------------------------------------------------------------------- the two commands


@dataclass(frozen=True)
class InstallPlan:
    layout: ManagedLayout
    python: Path
    source: PackageSource
    install_code: CodeInstaller = pip_install
    # The service's command line; None runs the real module (managed_service.SERVICE_MODULE).
    service_command: Sequence[str] | None = None
    service_module: str = managed_service.SERVICE_MODULE


def install(plan: InstallPlan) -> Report:
    layout, report = plan.layout, Report()
    test_root = layout.root != Path("/")
    require_root(test_root)
    check_interpreter(plan.python)
    old_umask = os.umask(0o022)
    try:
        if not test_root:
            for path in (layout.prefix, layout.etc, layout.launcher, layout.drop_in):
                check_ancestors(path, layout.root)
        _make_dir(layout.prefix, 0o755)
        plan.install_code(layout, plan.python, plan.source)
        install_hook_script(layout)
        harden(layout.prefix)
        report.lines.append(f"installed claude-guard {__version__} in {layout.prefix}")
        policy = prepare_configuration(layout, report)
        write_drop_in(layout, policy, report)
        write_launcher(layout)
        report.lines.append(f"launcher {layout.launcher}")
        make_service_dirs(layout)
        install_service(layout, plan.service_command, plan.service_module, report)
        write_marker(layout, plan.python)  # last: only now is the machine managed
        report.lines.append(f"managed install complete ({layout.marker})")
    finally:
        os.umask(old_umask)
    return report


def uninstall(layout: ManagedLayout, purge: bool) -> Report:
    """The drop-in goes first (no new hook calls name the code), the code last. The org policy,
    the keys, the trail and the spool are evidence and configuration: kept unless `purge`."""
    report = Report()
    require_root(layout.root != Path("/"))
    _remove(layout.drop_in, report)
    use_systemd = layout.root == Path("/") and managed_service.systemd_is_init()
    stopped = managed_service.stop(layout, use_systemd)
    if stopped:
        report.lines.append(stopped)
    for path in (layout.systemd_unit, layout.launcher, layout.marker):
        _remove(path, report)
    for folder in (layout.prefix, layout.run_dir, layout.state_dir):
        _remove(folder, report)
    kept = [layout.org_policy, layout.keys_dir, layout.audit_dir, layout.spool_dir]
    if purge:
        for path in (layout.etc, layout.audit_dir, layout.spool_dir):
            _remove(path, report)
    else:
        report.lines += [f"kept {path}" for path in kept if path.exists()]
    for folder in (layout.managed_settings_dir, layout.managed_settings_dir.parent):
        _remove_if_empty(folder)
    return report


def _remove(path: Path, report: Report) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    else:
        return
    report.lines.append(f"removed {path}")


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()


# ----------------------------------------------------------------------------- helpers


def _make_dir(path: Path, mode: int) -> None:
    path.mkdir(parents=True, exist_ok=True)
    _chown_root(path)
    os.chmod(path, mode)


def _chown_root(path: Path) -> None:
    if os.geteuid() == 0:
        os.lchown(path, 0, 0)


# ----------------------------------------------------------------------------- CLI


def _checkout() -> Path | None:
    """The source tree the running package came from, if it runs from a checkout."""
    tree = Path(__file__).resolve().parents[2]
    return tree if (tree / "pyproject.toml").is_file() else None


def _layout(root: Path | None) -> ManagedLayout:
    return ManagedLayout(root.resolve()) if root else ManagedLayout.system()


def _print(report: Report) -> None:
    for line in report.lines:
        click.echo(line)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)


def _fail(exc: Exception) -> None:
    click.echo(f"claude-guard managed: error: {exc}", err=True)
    sys.exit(1)


ROOT_OPTION = click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Lay everything out under DIR instead of / (tests; needs no root).",
)


@click.group()
def managed() -> None:
    """The org-owned install: root-owned code, policy, keys and Claude Code managed settings."""


@managed.command("install")
@ROOT_OPTION
@click.option(
    "--python",
    "python",
    type=click.Path(path_type=Path, dir_okay=False),
    default=DEFAULT_PYTHON,
    show_default=True,
    help="The system interpreter the venv is made from (every user must be able to run it).",
)
@click.option(
    "--wheelhouse",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Install offline from the wheels in DIR (no package index).",
)
@click.option(
    "--source",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="The checkout to install from (default: the one this command runs from).",
)
def managed_install(
    root: Path | None, python: Path, wheelhouse: Path | None, source: Path | None
) -> None:
    """Install or upgrade the managed installation (run as root; safe to rerun)."""
    checkout = None if wheelhouse else (source.resolve() if source else _checkout())
    plan = InstallPlan(_layout(root), python, PackageSource(checkout, wheelhouse))
    try:
        report = install(plan)
    except InstallError as exc:
        _fail(exc)
    _print(report)


@managed.command("uninstall")
@ROOT_OPTION
@click.option("--purge", is_flag=True, help="Also delete the org policy, keys and audit trail.")
def managed_uninstall(root: Path | None, purge: bool) -> None:
    """Remove the managed installation; keeps the org policy, keys and trail unless --purge."""
    try:
        report = uninstall(_layout(root), purge)
    except (InstallError, OSError) as exc:
        _fail(exc)
    _print(report)


@managed.command("settings")
@ROOT_OPTION
def managed_settings(root: Path | None) -> None:
    """Print the Claude Code drop-in an install writes (from the org policy in place)."""
    try:
        click.echo(render(settings_for(_layout(root))), nl=False)
    except InstallError as exc:
        _fail(exc)
