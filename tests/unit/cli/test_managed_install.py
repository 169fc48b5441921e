"""The managed install, laid out under a temporary root: what it writes, with which owner and
mode, what a rerun keeps, what uninstall removes and keeps, and what it refuses.

Most tests stand a stub in for pip (a venv whose python3 is this interpreter); one module-wide
install runs the real pip and is then used by a real non-root user."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from claude_guard.cli.main import main
from claude_guard.cli.managed_install import (
    InstallError,
    InstallPlan,
    PackageSource,
    check_ancestors,
    install,
    pip_install,
    uninstall,
    validate_org_policy,
)
from claude_guard.cli.managed_service import pid_file
from claude_guard.cli.managed_settings import MANAGED_HOOK_EVENTS
from claude_guard.managed import ManagedLayout

REPO = Path(__file__).resolve().parents[3]
SYSTEM_PYTHON = Path("/usr/bin/python3")
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the managed install runs as root")


def stub_code(layout: ManagedLayout, python: Path, source: PackageSource) -> None:
    """pip stand-in: a venv whose interpreter is the one running the tests."""
    bin_dir = layout.venv / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    if not layout.python.is_symlink():
        layout.python.symlink_to(sys.executable)


def plan(root: Path, **overrides: object) -> InstallPlan:
    fields: dict[str, object] = {
        "layout": ManagedLayout(root),
        "python": SYSTEM_PYTHON,
        "source": PackageSource(checkout=REPO),
        "install_code": stub_code,
        "service_command": [str(ManagedLayout(root).python), "-c", "raise SystemExit(0)"],
    }
    fields.update(overrides)
    return InstallPlan(**fields)  # type: ignore[arg-type]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def drop_in(layout: ManagedLayout) -> dict[str, object]:
    data: dict[str, object] = json.loads(layout.drop_in.read_text())
    return data


# ----------------------------------------------------------------------------- the layout


def test_install_lays_out_a_root_owned_tree(tmp_path: Path) -> None:
    layout = ManagedLayout(tmp_path)
    report = install(plan(tmp_path))
    expected = {
        layout.etc: 0o755,
        layout.org_policy: 0o644,
        layout.keys_dir: 0o700,
        layout.audit_key: 0o600,
        layout.fingerprint_key: 0o600,
        layout.managed_settings_dir: 0o755,
        layout.drop_in: 0o644,
        layout.launcher: 0o755,
        layout.hook_script: 0o755,
        layout.run_dir: 0o755,
        layout.audit_dir: 0o755,
        layout.spool_dir: 0o1733,
        layout.state_dir: 0o700,
        layout.systemd_unit: 0o644,
        layout.marker: 0o644,
    }
    assert {path: mode(path) for path in expected} == expected
    assert all(path.lstat().st_uid == 0 for path in expected)
    assert len(layout.audit_key.read_bytes()) == 32
    assert layout.audit_key.read_bytes() != layout.fingerprint_key.read_bytes()
    assert "extends: default" in layout.org_policy.read_text()
    marker = json.loads(layout.marker.read_text())
    assert set(marker) >= {"version", "prefix", "python", "installed_at"}
    assert marker["python"] == str(layout.python)
    assert layout.launcher.read_text().endswith(f'exec "{layout.venv}/bin/claude-guard" "$@"\n')
    unit = layout.systemd_unit.read_text()
    assert f"ExecStart={layout.python} -I -m claude_guard.entry.system_service" in unit
    assert "Restart=always" in unit and "RuntimeDirectoryMode=0755" in unit
    assert report.lines[-1].startswith("managed install complete")


def test_the_hook_script_is_the_shipped_one(tmp_path: Path) -> None:
    install(plan(tmp_path))
    shipped = (REPO / "hooks" / "claude_guard_hook.py").read_bytes()
    assert ManagedLayout(tmp_path).hook_script.read_bytes() == shipped


def test_group_or_other_write_left_by_pip_is_taken_away(tmp_path: Path) -> None:
    def sloppy_pip(layout: ManagedLayout, python: Path, source: PackageSource) -> None:
        stub_code(layout, python, source)
        module = layout.venv / "lib" / "site.py"
        module.parent.mkdir(parents=True)
        module.write_text("")
        module.chmod(0o666)
        module.parent.chmod(0o777)

    install(plan(tmp_path, install_code=sloppy_pip))
    layout = ManagedLayout(tmp_path)
    assert mode(layout.venv / "lib") == 0o755
    assert mode(layout.venv / "lib" / "site.py") == 0o644


# ----------------------------------------------------------------------------- the drop-in


def test_drop_in_registers_every_event_and_blocks_when_the_hook_cannot_run(
    tmp_path: Path,
) -> None:
    install(plan(tmp_path))
    layout = ManagedLayout(tmp_path)
    settings = drop_in(layout)
    assert settings["allowManagedHooksOnly"] is True
    assert "env" not in settings
    hooks = settings["hooks"]
    assert isinstance(hooks, dict)
    assert set(hooks) == set(MANAGED_HOOK_EVENTS)
    assert {"PreToolUse", "PostToolUse", "UserPromptSubmit", "SessionStart"} <= set(hooks)
    # Registered only once the engine decides them (issue #11): today they would be denied as
    # unknown events, blocking every skill preamble.
    assert not {"PostToolUseFailure", "PreSkillShellCommand"} & set(hooks)
    for event, groups in hooks.items():
        (group,) = groups
        assert group.get("matcher") == MANAGED_HOOK_EVENTS[event]
        assert group["hooks"] == [
            {
                "type": "command",
                "command": f"{layout.python} -I -S {layout.hook_script} {event}",
                "timeout": 30,
                "onFailure": "block",
            }
        ]


def test_permissions_deny_is_generated_from_the_policys_path_rules(tmp_path: Path) -> None:
    layout = ManagedLayout(tmp_path)
    layout.etc.mkdir(parents=True)
    layout.org_policy.write_text(
        "version: org-2\nextends: default\npaths:\n"
        "  - id: exports\n    patterns: ['*.secret', '/srv/phi/', '!/srv/phi/README']\n"
        "  - id: reviewed\n    action: ask\n    patterns: ['*.review']\n"
        "  - id: local\n    scope: project\n    patterns: ['private/']\n"
    )
    install(plan(tmp_path))
    permissions = drop_in(layout)["permissions"]
    assert isinstance(permissions, dict)
    assert permissions["disableBypassPermissionsMode"] == "disable"
    deny = permissions["deny"]
    assert {"Read(//**/.env)", "Read(//**/*.pem)", "Read(~/.ssh/**)"} <= set(deny)
    assert {"Edit(//**/.claude/settings.json)", "Edit(~/.claude/settings.local.json)"} <= set(deny)
    assert "Read(//**/.claude/settings.json)" not in deny  # a write-only rule
    assert {"Read(//**/*.secret)", "Edit(//**/*.secret)"} <= set(deny)
    # An exception of its rule falls inside /srv/phi/: the native syntax cannot carve it out.
    assert not [rule for rule in deny if "srv/phi" in rule or "review" in rule]
    assert not [rule for rule in deny if "private" in rule]  # project scope
    # `.env.*` has exceptions (.env.example); `.env` and `*.env` do not overlap them.
    assert "Read(//**/.env.*)" not in deny and "Read(//**/*.env)" in deny
    assert not [rule for rule in deny if "!" in rule]
    assert f"Edit(/{layout.etc}/**)" in deny and f"Read(/{layout.keys_dir}/**)" in deny


def test_other_managed_settings_are_never_clobbered_and_conflicts_are_reported(
    tmp_path: Path,
) -> None:
    layout = ManagedLayout(tmp_path)
    layout.managed_settings_dir.mkdir(parents=True)
    main_file = layout.managed_settings_dir.parent / "managed-settings.json"
    main_text = '{"allowManagedHooksOnly": false, "model": "x"}\n'
    main_file.write_text(main_text)
    other = layout.managed_settings_dir / "10-org.json"
    other_text = '{"disableAllHooks": true, "permissions": {"deny": ["Bash(curl *)"]}}\n'
    other.write_text(other_text)
    layout.drop_in.write_text("{}")  # our own file: replaced
    report = install(plan(tmp_path))
    assert main_file.read_text() == main_text and other.read_text() == other_text
    assert drop_in(layout)["allowManagedHooksOnly"] is True
    warnings = "\n".join(report.warnings)
    assert f"{main_file} sets allowManagedHooksOnly: false" in warnings
    assert f"{other} sets disableAllHooks" in warnings


def test_settings_command_prints_what_install_writes(tmp_path: Path) -> None:
    before = CliRunner().invoke(main, ["managed", "settings", "--root", str(tmp_path)])
    assert before.exit_code == 0, before.output
    install(plan(tmp_path))
    after = CliRunner().invoke(main, ["managed", "settings", "--root", str(tmp_path)])
    assert json.loads(before.output) == json.loads(after.output) == drop_in(ManagedLayout(tmp_path))


# ----------------------------------------------------------------------------- rerun, refusals


def test_a_rerun_upgrades_and_keeps_the_org_policy_and_the_keys(tmp_path: Path) -> None:
    layout = ManagedLayout(tmp_path)
    install(plan(tmp_path))
    org = "version: org-9\nextends: default\npaths:\n  - id: x\n    patterns: ['*.x']\n"
    layout.org_policy.write_text(org)
    keys = (layout.audit_key.read_bytes(), layout.fingerprint_key.read_bytes())
    layout.hook_script.write_text("tampered")
    report = install(plan(tmp_path))
    assert layout.org_policy.read_text() == org
    assert (layout.audit_key.read_bytes(), layout.fingerprint_key.read_bytes()) == keys
    assert layout.hook_script.read_bytes() == (REPO / "hooks" / "claude_guard_hook.py").read_bytes()
    assert "Read(//**/*.x)" in drop_in(layout)["permissions"]["deny"]  # type: ignore[index]
    assert f"kept {layout.audit_key} (32 bytes)" in report.lines


@pytest.mark.parametrize(
    ("policy", "says"),
    [
        ('version: "1"\n', "no path rules"),
        ("{}\n", "no path rules"),
        ("version: [unclosed\n", r"policy.yaml:\d+: did not find"),
        ("extends: nonesuch\n", "no shipped profile"),
        (
            "paths:\n  - id: only\n    patterns: ['*.pem']\n",
            "would let the agent rewrite",
        ),
    ],
)
def test_an_org_policy_that_is_invalid_or_refused_stops_the_install(
    tmp_path: Path, policy: str, says: str
) -> None:
    layout = ManagedLayout(tmp_path)
    layout.etc.mkdir(parents=True)
    layout.org_policy.write_text(policy)
    with pytest.raises(InstallError, match=says):
        install(plan(tmp_path))
    assert layout.org_policy.read_text() == policy
    assert not layout.marker.exists() and not layout.drop_in.exists()


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A temporary folder every user can traverse (pytest's own is under a 0700 folder)."""
    folder = Path(tempfile.mkdtemp(prefix="cg-open-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_an_interpreter_other_users_cannot_reach_is_refused(open_dir: Path) -> None:
    reachable = open_dir / "shared" / "python3"
    reachable.parent.mkdir()
    reachable.symlink_to(SYSTEM_PYTHON)
    install(plan(open_dir / "ok-root", python=reachable))  # the same interpreter, reachable
    private = open_dir / "private" / "bin"
    private.mkdir(parents=True)
    (open_dir / "private").chmod(0o700)
    python = private / "python3"
    python.symlink_to(SYSTEM_PYTHON)
    with pytest.raises(InstallError, match=f"under {open_dir / 'private'}, which other users"):
        install(plan(open_dir / "root", python=python))
    assert not (open_dir / "root").exists()


def test_an_old_interpreter_is_refused(open_dir: Path) -> None:
    old = open_dir / "python3"
    old.write_text("#!/bin/sh\necho 3.8\n")
    old.chmod(0o755)
    with pytest.raises(InstallError, match=r"Python 3.8; 3.11 or newer"):
        install(plan(open_dir / "root", python=old))


def test_a_folder_above_the_install_that_others_can_write_is_refused(open_dir: Path) -> None:
    target = open_dir / "usr" / "local" / "bin" / "claude-guard"
    check_ancestors(target, open_dir)  # missing folders are created root-owned: fine
    (open_dir / "usr").mkdir(mode=0o755)
    (open_dir / "usr").chmod(0o1777)  # sticky, like /tmp: others cannot replace our entries
    check_ancestors(target, open_dir)
    (open_dir / "usr").chmod(0o777)
    with pytest.raises(InstallError, match=f"{open_dir / 'usr'} is writable by group or others"):
        check_ancestors(target, open_dir)


# ----------------------------------------------------------------------------- service


def test_the_service_starts_detached_and_uninstall_stops_it(tmp_path: Path) -> None:
    layout = ManagedLayout(tmp_path)
    sleeper = [str(layout.python), "-c", "import time; time.sleep(120)"]
    report = install(plan(tmp_path, service_command=sleeper))
    pid = int(pid_file(layout).read_text())
    assert os.kill(pid, 0) is None
    assert any("started detached" in line for line in report.lines)
    uninstall(layout, purge=False)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists()


def test_a_service_that_cannot_start_is_a_warning_and_the_install_completes(
    tmp_path: Path,
) -> None:
    report = install(plan(tmp_path))  # the stand-in exits at once
    assert any("did not start" in w for w in report.warnings)
    assert ManagedLayout(tmp_path).installed()


def test_a_missing_service_module_is_reported_not_started(tmp_path: Path) -> None:
    report = install(plan(tmp_path, service_command=None, service_module="no_such_module_x"))
    assert any("no_such_module_x) is not in this version" in w for w in report.warnings)
    assert ManagedLayout(tmp_path).installed()


# ----------------------------------------------------------------------------- uninstall


def test_uninstall_removes_the_install_and_keeps_the_evidence(tmp_path: Path) -> None:
    layout = ManagedLayout(tmp_path)
    install(plan(tmp_path))
    (layout.audit_dir / "audit.jsonl").write_text("{}\n")
    (layout.spool_dir / "r1.json").write_text("{}\n")
    report = uninstall(layout, purge=False)
    gone = [layout.drop_in, layout.launcher, layout.systemd_unit, layout.prefix, layout.marker]
    assert not [path for path in gone if path.exists()]
    assert not layout.managed_settings_dir.exists()  # left empty, so removed
    kept = [layout.org_policy, layout.audit_key, layout.fingerprint_key, layout.audit_dir]
    assert all(path.exists() for path in kept)
    assert (layout.spool_dir / "r1.json").exists()
    assert f"kept {layout.audit_dir}" in report.lines
    uninstall(layout, purge=True)
    assert not [p for p in (layout.etc, layout.audit_dir, layout.spool_dir) if p.exists()]


def test_uninstall_leaves_other_managed_settings(tmp_path: Path) -> None:
    layout = ManagedLayout(tmp_path)
    install(plan(tmp_path))
    other = layout.managed_settings_dir / "10-org.json"
    other.write_text("{}")
    uninstall(layout, purge=True)
    assert other.read_text() == "{}" and not layout.drop_in.exists()


# ----------------------------------------------------------------------------- real pip, real user


@pytest.fixture(scope="module")
def real_install() -> Iterator[ManagedLayout]:
    """One install with the real pip, in a root every user can traverse."""
    root = Path(tempfile.mkdtemp(prefix="cg-managed-"))
    root.chmod(0o755)
    layout = ManagedLayout(root)
    install(plan(root, install_code=pip_install))
    yield layout
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def other_user() -> Iterator[str]:
    name = f"cgtest{os.getpid() % 100000}"
    subprocess.run(["useradd", "--no-create-home", "--shell", "/bin/sh", name], check=True)
    yield name
    subprocess.run(["userdel", name], check=False)


def test_real_install_has_no_group_or_other_write_anywhere(real_install: ManagedLayout) -> None:
    writable = [
        path
        for path in real_install.prefix.rglob("*")
        if not path.is_symlink() and mode(path) & 0o022
    ]
    assert writable == []
    owners = {path.lstat().st_uid for path in real_install.prefix.rglob("*")}
    assert owners == {0}
    assert (real_install.venv / "pyvenv.cfg").read_text().count("home = /usr/bin") == 1


def test_a_non_root_user_runs_the_launcher(real_install: ManagedLayout, other_user: str) -> None:
    result = subprocess.run(
        ["runuser", "-u", other_user, "--", str(real_install.launcher), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "managed" in result.stdout


def test_a_non_root_user_cannot_install(real_install: ManagedLayout, other_user: str) -> None:
    result = subprocess.run(
        ["runuser", "-u", other_user, "--", str(real_install.launcher), "managed", "install"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    assert result.returncode == 1
    assert "must run as root" in result.stderr


def test_the_starter_org_policy_refuses_clients_that_ignore_on_failure(tmp_path: Path) -> None:
    """2.1.197 ignores the hooks' onFailure: "block"; 2.1.332 honours it (seen on both)."""
    install(plan(tmp_path))
    policy = validate_org_policy(ManagedLayout(tmp_path))
    assert policy.client_min_version == "2.1.332"
    assert policy.client_too_old("2.1.197") and not policy.client_too_old("2.1.332")
