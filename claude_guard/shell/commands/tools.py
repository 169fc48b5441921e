"""Developer tools with their own roads to secrets: CLIs that print stored credentials, container
and cluster tools that mount or upload files, package publishers."""

from __future__ import annotations

from claude_guard.shell.commands import options
from claude_guard.shell.commands.network import cloud_transfer, send
from claude_guard.shell.commands.unknown import unknown_command
from claude_guard.shell.interp import Handler, Invocation, Output
from claude_guard.shell.words import Arg

# (command, leading words) -> credential stores the command prints from.
_CREDENTIAL_PRINTERS: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "aws": [
        (("configure", "get"), ("~/.aws/credentials", "~/.aws/config")),
        (("configure", "export-credentials"), ("~/.aws/credentials", "~/.aws/sso/cache/")),
        (("configure", "list"), ("~/.aws/credentials",)),
        (("sts", "get-session-token"), ("~/.aws/credentials",)),
        (("ecr", "get-login-password"), ("~/.aws/credentials",)),
        (("sso", "login"), ("~/.aws/sso/cache/",)),
    ],
    "gh": [
        (("auth", "token"), ("~/.config/gh/hosts.yml",)),
        (("auth", "status", "--show-token"), ("~/.config/gh/hosts.yml",)),
        (("auth", "status", "-t"), ("~/.config/gh/hosts.yml",)),
    ],
    "gcloud": [
        (("auth", "print-access-token"), ("~/.config/gcloud/",)),
        (("auth", "print-identity-token"), ("~/.config/gcloud/",)),
        (("auth", "application-default", "print-access-token"), ("~/.config/gcloud/",)),
        (("config", "config-helper"), ("~/.config/gcloud/",)),
    ],
    "az": [(("account", "get-access-token"), ("~/.azure/",))],
    "kubectl": [
        (("config", "view", "--raw"), ("~/.kube/config",)),
        (("config", "view", "--flatten"), ("~/.kube/config",)),
    ],
    "vault": [
        (("print", "token"), ("~/.vault-token",)),
        (("token", "lookup"), ("~/.vault-token",)),
    ],
    "heroku": [(("auth:token",), ("~/.netrc",))],
    "npm": [(("config", "get"), ("~/.npmrc",)), (("token", "list"), ("~/.npmrc",))],
    "docker": [(("compose", "config"), (".env",))],
    "docker-compose": [(("config",), (".env",))],
    "pass": [(("show",), ("~/.password-store/",)), ((), ("~/.password-store/",))],
    "security": [
        (("find-generic-password",), ("~/Library/Keychains/",)),
        (("find-internet-password",), ("~/Library/Keychains/",)),
        (("dump-keychain",), ("~/Library/Keychains/",)),
    ],
    "gpg": [
        (("--export-secret-keys",), ("~/.gnupg/",)),
        (("--export-secret-subkeys",), ("~/.gnupg/",)),
    ],
    "cargo": [(("login",), ("~/.cargo/credentials.toml",))],
    "terraform": [
        (("output",), ("terraform.tfstate",)),
        (("show",), ("terraform.tfstate",)),
        (("state", "pull"), ("terraform.tfstate",)),
    ],
}


def credential_reads(inv: Invocation) -> None:
    words = [a.text for a in inv.args]
    for lead, stores in _CREDENTIAL_PRINTERS.get(inv.name, []):
        if _contains_in_order(words, lead):
            for store in stores:
                inv.read(store, f"{inv.via} (credential store)")


def _contains_in_order(words: list[str], lead: tuple[str, ...]) -> bool:
    position = 0
    for word in words:
        if position < len(lead) and word == lead[position]:
            position += 1
    return position == len(lead)


def _credential_cli(inv: Invocation) -> Output:
    credential_reads(inv)
    return unknown_command(inv)


def _aws(inv: Invocation) -> Output:
    credential_reads(inv)
    if inv.args and inv.args[0].text == "s3":
        return cloud_transfer(inv, "cloud-storage")
    parsed = options.parse(inv.args, ("--profile", "--region", "--output", "--query"))
    values = [value for _, value in parsed.options if value is not None]
    for item in [*parsed.operands, *values]:
        if item.text.startswith(("file://", "fileb://")):
            inv.read(Arg(item.text.split("://", 1)[1], item.dynamic))
    return None


_DOCKER_VALUES = (
    "-e",
    "--env",
    "-p",
    "--publish",
    "--name",
    "-w",
    "--workdir",
    "-u",
    "--user",
    "--network",
    "--entrypoint",
    "-l",
    "--label",
    "--platform",
    "-t",
    "--tag",
    "--build-arg",
    "--target",
    "-m",
    "--memory",
    "--cpus",
    "--restart",
    "-h",
    "--hostname",
    "--add-host",
    "--log-driver",
    "--gpus",
)


def _docker(inv: Invocation) -> Output:
    credential_reads(inv)
    parsed = options.parse(
        inv.args,
        (
            *_DOCKER_VALUES,
            "-v",
            "--volume",
            "--mount",
            "--env-file",
            "-f",
            "--file",
            "--secret",
            "-c",
            "--context",
            "-H",
            "--host",
            "--project-directory",
        ),
    )
    for volume in parsed.values("-v", "--volume"):
        source = volume.text.split(":", 1)[0]
        if source.startswith(("/", ".", "~")) or volume.dynamic:
            inv.read(Arg(source, volume.dynamic), "docker mount")
    for mount in parsed.values("--mount", "--secret"):
        for part in mount.text.split(","):
            key, _, value = part.partition("=")
            if key in ("source", "src"):
                inv.read(Arg(value, mount.dynamic), "docker mount")
    for env_file in parsed.values("--env-file"):
        inv.read(env_file)
    words = [a.text for a in parsed.operands]
    if words[:1] == ["cp"] and len(parsed.operands) >= 3:
        for operand in parsed.operands[1:]:
            if ":" not in operand.text.split("/", 1)[0]:
                inv.read(operand)
    if words[:1] == ["push"] or words[:2] == ["image", "push"]:
        inv.send("publish", None)
    if words[:1] == ["login"]:
        inv.write("~/.docker/config.json")
    return None


def _kubectl(inv: Invocation) -> Output:
    credential_reads(inv)
    parsed = options.parse(
        inv.args,
        (
            "-n",
            "--namespace",
            "-o",
            "--output",
            "-l",
            "--selector",
            "-c",
            "--container",
            "--context",
            "--cluster",
            "-f",
            "--filename",
            "--from-file",
            "--from-env-file",
            "--kubeconfig",
            "--type",
            "--image",
        ),
    )
    for value in parsed.values("-f", "--filename", "--kubeconfig", "--from-env-file"):
        inv.read(value)
    for value in parsed.values("--from-file"):
        inv.read(Arg(value.text.split("=", 1)[-1], value.dynamic))
    words = [a.text for a in parsed.operands]
    if words[:1] == ["cp"] and len(parsed.operands) >= 3:
        source = parsed.operands[1]
        if ":" not in source.text:
            inv.read(source)
            inv.send("kubernetes", None)
    if words[:2] == ["create", "secret"]:
        inv.send("kubernetes", None)
    return None


def _gh(inv: Invocation) -> Output:
    credential_reads(inv)
    words = [a.text for a in inv.args]
    parsed = options.parse(
        inv.args,
        (
            "-F",
            "--field",
            "-f",
            "--raw-field",
            "--input",
            "-b",
            "--body",
            "-F",
            "--body-file",
            "-t",
            "--title",
            "-R",
            "--repo",
            "-H",
            "--header",
            "-X",
            "--method",
            "-d",
            "--desc",
            "--jq",
            "-q",
            "--template",
            "-B",
            "--base",
            "--head",
            "-l",
            "--label",
            "-a",
            "--assignee",
            "-m",
            "--milestone",
            "-w",
            "--web",
            "--json",
            "-L",
            "--limit",
            "-s",
            "--state",
        ),
    )
    for value in parsed.values("--input", "--body-file"):
        if value.text != "-":
            inv.read(value)
    for value in parsed.values("-F", "--field"):
        _, _, field_value = value.text.partition("=")
        if field_value.startswith("@"):
            inv.read(Arg(field_value[1:], value.dynamic))
    if words[:2] in (["gist", "create"], ["release", "upload"], ["secret", "set"]):
        for operand in parsed.operands[2:]:
            inv.read(operand)
        inv.send("github", "github.com")
    return None


def _publish(kind: str, *leads: tuple[str, ...]) -> Handler:
    def handler(inv: Invocation) -> Output:
        credential_reads(inv)
        words = [a.text for a in inv.args]
        if any(_contains_in_order(words[: len(lead) + 2], lead) for lead in leads):
            inv.send(kind, None)
        return unknown_command(inv)

    return handler


def _gpg(inv: Invocation) -> Output:
    credential_reads(inv)
    parsed = options.parse(
        inv.args,
        (
            "-r",
            "--recipient",
            "-u",
            "--local-user",
            "--default-key",
            "--homedir",
            "--passphrase",
            "--cipher-algo",
            "--digest-algo",
            "--keyserver",
            "--trust-model",
            "--pinentry-mode",
            "-o",
            "--output",
            "--passphrase-file",
            "--keyring",
            "--secret-keyring",
        ),
    )
    for value in parsed.values("--passphrase-file", "--keyring", "--secret-keyring"):
        inv.read(value)
    for name, option_value in parsed.options:
        if name in ("-o", "--output") and option_value is not None:
            inv.write(option_value)
    for operand in parsed.operands:
        inv.read(operand)
    if parsed.has("--send-keys", "--send-key"):
        inv.send("keyserver", None)
    return None


def _openssl(inv: Invocation) -> Output:
    """openssl options are single-dash words; any word that is not an option may be a file."""
    args = list(inv.args)
    if not args:
        return None
    sub, rest = args[0].text, args[1:]
    writes = ("-out", "-keyout", "-signature", "-sigfile")
    index = 0
    while index < len(rest):
        word = rest[index].text
        index += 1
        if word in ("-connect", "-host") and index < len(rest):
            send(inv, "tls", rest[index])
            index += 1
        elif word in writes and index < len(rest):
            inv.write(rest[index])
            index += 1
        elif word in ("-passin", "-passout", "-pass") and index < len(rest):
            value = rest[index]
            if value.text.startswith("file:"):
                inv.read(Arg(value.text[5:], value.dynamic))
            index += 1
        elif not word.startswith("-"):
            inv.read(rest[index - 1])
    if sub == "s_client" and not any(a.text in ("-connect", "-host") for a in rest):
        inv.send("tls", None)
    return None


def handlers() -> dict[str, Handler]:
    return {
        "aws": _aws,
        "gcloud": _credential_cli,
        "az": _credential_cli,
        "vault": _credential_cli,
        "heroku": _credential_cli,
        "pass": _credential_cli,
        "security": _credential_cli,
        "terraform": _credential_cli,
        "tofu": _credential_cli,
        "docker": _docker,
        "podman": _docker,
        "docker-compose": _credential_cli,
        "kubectl": _kubectl,
        "oc": _kubectl,
        "gh": _gh,
        "gpg": _gpg,
        "gpg2": _gpg,
        "openssl": _openssl,
        "npm": _publish("publish", ("publish",)),
        "pnpm": _publish("publish", ("publish",)),
        "yarn": _publish("publish", ("publish",), ("npm", "publish")),
        "cargo": _publish("publish", ("publish",)),
        "gem": _publish("publish", ("push",)),
        "poetry-publish": _publish("publish", ("publish",)),
        "twine": _publish("publish", ("upload",)),
    }
