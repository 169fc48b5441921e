"""The shipped default policy, through every tool that takes a path (in-process hook runs)."""

from __future__ import annotations

import os
from pathlib import Path

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


def test_hook_is_readable_only_by_owner_in_guard_home(guard: GuardEnv, run) -> None:
    run(guard.tool("Read", file_path=str(guard.project / "src" / "app.py")))
    key = guard.guard_home / "keys" / "installation.key"
    assert oct(os.stat(key).st_mode & 0o777) == "0o600"
