"""Path rules of the shipped default policy matched against every spelling of a path: relative,
`~`, `$HOME`, `file://`, `..`, symlinks to files and directories, inside and outside the
project (in-process hook runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import GuardEnv

DENIED_IN_PROJECT = [
    ".env",
    ".env.local",
    ".env.production",
    "deploy/prod.env",
    ".envrc",
    "config/credentials.json",
    "k8s/secrets.yaml",
    "k8s/secrets.yml",
    "certs/server.pem",
    "certs/server.key",
    "certs/client.p12",
    "certs/client.pfx",
    "android/release.jks",
    "keys/id_rsa",
    "keys/id_ed25519",
    ".git-credentials",
    "infra/terraform.tfstate",
    "infra/terraform.tfstate.backup",
    ".netrc",
]

ALLOWED_IN_PROJECT = [
    "src/app.py",
    "README.md",
    ".env.example",
    ".env.sample",
    ".env.template",
    "docs/environment.md",
    "src/env.py",
    "src/keys.py",
    "src/credentials.py",
    "package.json",
    "terraform/main.tf",
    "keys/id_ed25519.pub",
]

DENIED_IN_HOME = [
    ".ssh/id_rsa",
    ".ssh/id_rsa.pub",
    ".ssh/config",
    ".ssh/authorized_keys",
    ".aws/credentials",
    ".config/gcloud/application_default_credentials.json",
    ".kube/config",
    ".docker/config.json",
    ".netrc",
    ".npmrc",
    ".pypirc",
    ".git-credentials",
    ".gnupg/private-keys-v1.d/x.key",
]


def _touch(path: Path, text: str = "CANARY_FILE_91c2\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("rel", DENIED_IN_PROJECT)
def test_read_of_secret_file_in_project_is_denied(guard: GuardEnv, run, rel: str) -> None:
    target = _touch(guard.project / rel)
    answer = run(guard.tool("Read", file_path=str(target)))
    assert answer.exit_code == 2
    assert "denied by rule default:" in answer.stderr


@pytest.mark.parametrize("rel", ALLOWED_IN_PROJECT)
def test_read_of_ordinary_file_is_allowed(guard: GuardEnv, run, rel: str) -> None:
    target = _touch(guard.project / rel, "ordinary\n")
    answer = run(guard.tool("Read", file_path=str(target)))
    assert (answer.exit_code, answer.stdout, answer.stderr) == (0, "", "")


@pytest.mark.parametrize("rel", DENIED_IN_HOME)
def test_home_credential_stores_are_denied(guard: GuardEnv, run, rel: str) -> None:
    _touch(guard.home / rel)
    for spelling in (str(guard.home / rel), f"~/{rel}", f"$HOME/{rel}"):
        answer = run(guard.tool("Read", file_path=spelling))
        assert answer.exit_code == 2, spelling


def test_aws_config_without_secrets_is_allowed(guard: GuardEnv, run) -> None:
    target = _touch(guard.home / ".aws" / "config", "[default]\nregion = eu-west-1\n")
    assert run(guard.tool("Read", file_path=str(target))).exit_code == 0


@pytest.mark.parametrize(
    "spelling",
    [
        "{project}/.env",
        "{project}/src/../.env",
        "{project}//.env",
        "{project}/./src/./../.env",
        ".env",
        "src/../.env",
        "../proj/.env",
        "~/work/proj/.env",
        "$HOME/work/proj/.env",
        "${{HOME}}/work/proj/.env",
        "file://{project}/.env",
    ],
)
def test_every_spelling_of_a_denied_path_is_denied(guard: GuardEnv, run, spelling: str) -> None:
    path = spelling.format(project=guard.project)
    assert run(guard.tool("Read", file_path=path)).exit_code == 2


def test_symlink_to_denied_file_is_denied(guard: GuardEnv, run) -> None:
    link = guard.project / "src" / "settings_link"
    link.symlink_to(guard.project / ".env")
    answer = run(guard.tool("Read", file_path=str(link)))
    assert answer.exit_code == 2
    assert str(guard.project / ".env") in answer.stderr


def test_symlinked_directory_into_ssh_is_denied(guard: GuardEnv, run) -> None:
    _touch(guard.home / ".ssh" / "id_ed25519")
    (guard.project / "vendor").symlink_to(guard.home / ".ssh")
    answer = run(guard.tool("Read", file_path=str(guard.project / "vendor" / "id_ed25519")))
    assert answer.exit_code == 2


def test_dotdot_after_symlink_resolves_like_the_kernel(guard: GuardEnv, run) -> None:
    # src/deep -> ~/.ssh/keys ; src/deep/../id_rsa is ~/.ssh/id_rsa for the kernel, although
    # lexically it reads as src/id_rsa.
    _touch(guard.home / ".ssh" / "keys" / "placeholder")
    _touch(guard.home / ".ssh" / "id_rsa")
    (guard.project / "src" / "deep").symlink_to(guard.home / ".ssh" / "keys")
    answer = run(guard.tool("Read", file_path=str(guard.project / "src/deep/../id_rsa")))
    assert answer.exit_code == 2


def test_outside_project_paths_follow_anywhere_rules(guard: GuardEnv, run, tmp_path: Path) -> None:
    outside = _touch(tmp_path / "elsewhere" / ".env")
    assert run(guard.tool("Read", file_path=str(outside))).exit_code == 2
    fine = _touch(tmp_path / "elsewhere" / "notes.txt")
    assert run(guard.tool("Read", file_path=str(fine))).exit_code == 0
