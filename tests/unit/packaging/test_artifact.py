"""The fleet artifact (packaging/build_artifact.py) and the .deb around it (build_deb.sh).

Building the wheelhouse needs a package index (PyPI; CI has it), once per module. Everything
after that runs without a network: as root the install and the scan run in a fresh network
namespace (`unshare -n`, loopback only), and in every case pip is pointed at an unreachable
index, so a step that reached for one would fail.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
BUILD_ARTIFACT = REPO / "packaging" / "build_artifact.py"
BUILD_DEB = REPO / "packaging" / "build_deb.sh"
SYSTEM_PYTHON = Path("/usr/bin/python3")
TARGET_PYTHON = SYSTEM_PYTHON if SYSTEM_PYTHON.exists() else Path(sys.executable)
SHIPPED = ("install.sh", "README.md", "hooks/claude_guard_hook.py", "policies/default.yaml")
UNREACHABLE_INDEX = "http://127.0.0.1:9/simple"
SLOW = 600  # seconds; a loaded 2-core machine builds wheels slowly


def _offline_prefix() -> list[str]:
    """`unshare -n` when this process may make a network namespace: no route anywhere."""
    unshare = shutil.which("unshare")
    if os.geteuid() == 0 and unshare and subprocess.run([unshare, "-n", "true"]).returncode == 0:
        return [unshare, "-n"]
    return []


OFFLINE = _offline_prefix()


def _offline_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "CLAUDE_GUARD_"))}
    env.pop("VIRTUAL_ENV", None)
    env.update(
        HOME=str(home),
        PYTHON=str(TARGET_PYTHON),
        PIP_INDEX_URL=UNREACHABLE_INDEX,
        PIP_EXTRA_INDEX_URL=UNREACHABLE_INDEX,
        CLAUDE_GUARD_MANAGED_POLICY=str(home / "no-org-policy.yaml"),
    )
    return env


@pytest.fixture(scope="module")
def tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, str(BUILD_ARTIFACT), "--python", str(TARGET_PYTHON), "--out", str(out)],
        capture_output=True, text=True, timeout=SLOW,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    path = Path(proc.stdout.strip().splitlines()[-1])
    assert path.parent == out
    return path


@pytest.fixture(scope="module")
def unpacked(tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    into = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(tarball) as tar:
        tar.extractall(into, filter="data")
    (top,) = into.iterdir()
    return top


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _target_tag() -> str:
    probe = "import sys, sysconfig; print(f'cp{sys.version_info[0]}{sys.version_info[1]}-'"
    probe += " + sysconfig.get_platform().replace('-', '_').replace('.', '_'))"
    return subprocess.run(
        [str(TARGET_PYTHON), "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()


def _requirement_names(wheel: Path) -> set[str]:
    """The distributions a wheel requires unconditionally (no extra, no marker)."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
    names = set()
    for line in text.splitlines():
        if line.startswith("Requires-Dist:") and ";" not in line:
            spec = line.split(":", 1)[1].strip()
            name = spec.split("[")[0].split("(")[0].split("<")[0].split(">")[0].split("=")[0]
            names.add(_normalise(name.strip()))
    return names


def _normalise(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


# ------------------------------------------------------------------------------ the tarball


def test_artifact_is_named_for_version_python_and_platform(tarball: Path, unpacked: Path) -> None:
    info = json.loads((unpacked / "build-info.json").read_text())
    name = f"claude-guard-{info['version']}-{_target_tag()}"
    assert tarball.name == f"{name}.tar.gz"
    assert unpacked.name == name
    assert info["version"] == subprocess.run(
        [sys.executable, "-c", "import claude_guard; print(claude_guard.__version__)"],
        capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout.strip()


def test_artifact_holds_installer_hooks_policies_readme_and_a_complete_wheelhouse(
    tarball: Path, unpacked: Path
) -> None:
    with tarfile.open(tarball) as tar:
        members = tar.getmembers()
    assert all(m.uid == 0 and m.gid == 0 for m in members)
    assert all(m.name.startswith(unpacked.name) and ".." not in m.name for m in members)
    for shipped in SHIPPED:
        assert (unpacked / shipped).read_bytes() == (REPO / shipped).read_bytes(), shipped
    assert (unpacked / "install.sh").stat().st_mode & stat.S_IXUSR

    wheels = {w.name: w for w in (unpacked / "wheelhouse").glob("*.whl")}
    (own,) = [w for n, w in wheels.items() if n.startswith("claude_guard-")]
    present = {_normalise(n.split("-")[0]) for n in wheels}
    needed = _requirement_names(own)
    assert {"pydantic", "tree_sitter", "tree_sitter_bash", "pyyaml"} <= needed
    # Every dependency's own dependencies too: the closure is what `pip --no-index` needs.
    for wheel in wheels.values():
        needed |= _requirement_names(wheel)
    assert needed <= present, f"missing wheels: {sorted(needed - present)}"
    # The default policy needs no NER: no spaCy, no Presidio, no model is carried or fetched.
    assert not present & {"spacy", "presidio_analyzer", "en_core_web_sm"}
    assert sorted(wheels) == json.loads((unpacked / "build-info.json").read_text())["wheels"]


def test_sha256sums_cover_every_file_and_match(tarball: Path, unpacked: Path) -> None:
    listed = {}
    for line in (unpacked / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {
        p.relative_to(unpacked).as_posix() for p in unpacked.rglob("*") if p.is_file()
    } - {"SHA256SUMS"}
    assert set(listed) == files
    assert all(_sha256(unpacked / name) == digest for name, digest in listed.items())
    sidecar = tarball.with_name(tarball.name + ".sha256").read_text()
    assert sidecar == f"{_sha256(tarball)}  {tarball.name}\n"


# ------------------------------------------------------------------------------ installing it


def test_offline_per_user_install_from_the_artifact_then_scan(
    unpacked: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = _offline_env(home)
    install = subprocess.run(
        [*OFFLINE, "bash", "./install.sh", "--wheelhouse", "./wheelhouse"],
        cwd=unpacked, env=env, capture_output=True, text=True, timeout=SLOW,
    )
    assert install.returncode == 0, install.stderr[-4000:]
    launcher = home / ".local" / "bin" / "claude-guard"
    version = json.loads((unpacked / "build-info.json").read_text())["version"]
    assert subprocess.run(
        [*OFFLINE, str(launcher), "version"], env=env, capture_output=True, text=True
    ).stdout.strip() == f"claude-guard {version}"
    assert "hooks" in json.loads((home / ".claude" / "settings.json").read_text())

    project = home / "project"
    project.mkdir()
    leaky = project / "settings.py"
    leaky.write_text('AWS_KEY = "' + "AKIA" + 'IOSFODNN7EXAMPLX"\n')
    scan = subprocess.run(
        [*OFFLINE, str(launcher), "scan", "--json", str(leaky)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert scan.returncode == 1, scan.stderr
    result = json.loads(scan.stdout)
    assert result["decision"] == "deny"
    assert [f["type"] for f in result["findings"]] == ["AWS_ACCESS_KEY_ID"]
    assert "EXAMPLX" not in scan.stdout  # the value itself is never printed

    # Run again without naming the wheelhouse: the unpacked artifact (no pyproject.toml) uses
    # its own, still without an index.
    again = subprocess.run(
        [*OFFLINE, "bash", "./install.sh"],
        cwd=unpacked, env=env, capture_output=True, text=True, timeout=SLOW,
    )
    assert again.returncode == 0, again.stderr[-4000:]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--wheelhouse"], "--wheelhouse needs a directory"),
        (["--wheelhouse", "/nonexistent/wheels"], "is not a directory"),
        (["--wheelhouse=/nonexistent/wheels"], "is not a directory"),
    ],
)
def test_install_sh_refuses_a_missing_wheelhouse_before_touching_anything(
    tmp_path: Path, args: list[str], message: str
) -> None:
    proc = subprocess.run(
        ["bash", str(REPO / "install.sh"), *args],
        env=_offline_env(tmp_path), capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1
    assert message in proc.stderr
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------ the .deb


@pytest.fixture(scope="module")
def deb(tarball: Path) -> Path:
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed (the .deb is built only where it is)")
    proc = subprocess.run(
        ["bash", str(BUILD_DEB), "--artifact", str(tarball), "--out", str(tarball.parent)],
        capture_output=True, text=True, timeout=SLOW,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return Path(proc.stdout.strip().splitlines()[-1])


def test_deb_control_names_version_arch_and_the_one_python_its_wheels_fit(
    deb: Path, unpacked: Path
) -> None:
    info = json.loads((unpacked / "build-info.json").read_text())
    arch = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert deb.name == f"claude-guard_{info['version']}_{arch}.deb"

    def field(name: str) -> str:
        return subprocess.run(
            ["dpkg-deb", "--field", str(deb), name], capture_output=True, text=True, check=True
        ).stdout.strip()

    assert field("Package") == "claude-guard"
    minor = int(info["python_tag"].removeprefix("cp3"))
    assert field("Depends") == (
        f"python3 (>= 3.{minor}), python3 (<< 3.{minor + 1}), python3-venv"
    )


def test_deb_payload_matches_its_md5sums_and_the_artifact(
    deb: Path, unpacked: Path, tmp_path: Path
) -> None:
    root, control = tmp_path / "root", tmp_path / "control"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    subprocess.run(["dpkg-deb", "-e", str(deb), str(control)], check=True)
    check = subprocess.run(
        ["md5sum", "--check", "--strict", str(control / "md5sums")],
        cwd=root, capture_output=True, text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    bundle = root / "usr" / "lib" / "claude-guard" / "bundle"
    for name in (unpacked / "SHA256SUMS").read_text().splitlines():
        relative = name.split("  ", 1)[1]
        assert (bundle / relative).read_bytes() == (unpacked / relative).read_bytes()

    bootstrap = "/usr/lib/claude-guard/managed-bootstrap"
    scripts = {name: (control / name) for name in ("postinst", "prerm")}
    for script in scripts.values():
        assert script.stat().st_mode & 0o777 == 0o755
        assert subprocess.run(["sh", "-n", str(script)]).returncode == 0
    assert f"{bootstrap} install" in scripts["postinst"].read_text()
    assert f"{bootstrap} uninstall" in scripts["prerm"].read_text()


def test_deb_bootstrap_installs_its_wheels_offline_and_refuses_a_changed_bundle(
    deb: Path, tmp_path: Path
) -> None:
    """`managed-bootstrap check` walks the maintainer scripts' road up to the managed command:
    bundle verified, claude-guard installed from the bundled wheels with no network."""
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    bootstrap = root / "usr" / "lib" / "claude-guard" / "managed-bootstrap"
    env = _offline_env(tmp_path) | {"TMPDIR": str(tmp_path)}
    check = subprocess.run(
        [*OFFLINE, str(bootstrap), "check"], env=env, capture_output=True, text=True, timeout=SLOW
    )
    assert check.returncode == 0, check.stderr[-4000:]
    assert check.stdout.strip().startswith("claude-guard ")
    assert not list(tmp_path.glob("claude-guard-bootstrap.*"))  # its throwaway venv is gone

    policy = root / "usr" / "lib" / "claude-guard" / "bundle" / "policies" / "default.yaml"
    policy.write_text(policy.read_text() + "\n# changed after packaging\n")
    refused = subprocess.run(
        [str(bootstrap), "check"], env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 1
    assert "does not match its SHA256SUMS" in refused.stderr
