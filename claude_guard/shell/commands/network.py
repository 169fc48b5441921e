"""Commands that send data off the machine, and the files they send."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from claude_guard.shell.commands import options
from claude_guard.shell.interp import Handler, Invocation, Output
from claude_guard.shell.model import MAX_FIELDS
from claude_guard.shell.words import Arg

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def host_of(target: str) -> str | None:
    """Host of a URL, `host:port/path`, `user@host:path` or bare host."""
    if _SCHEME.match(target):
        try:
            return urlsplit(target).hostname
        except ValueError:
            return None
    target = target.split("/", 1)[0].rsplit("@", 1)[-1]
    if target.startswith("["):
        return target[1 : target.find("]")] if "]" in target else None
    return target.split(":", 1)[0] or None


def send(inv: Invocation, kind: str, target: Arg | None) -> None:
    if target is None or target.dynamic:
        inv.send(kind, None)
    else:
        inv.send(kind, host_of(target.text))


# ----------------------------------------------------------------------------- curl / wget

_CURL_VALUES = (
    "-X",
    "--request",
    "-u",
    "--user",
    "-A",
    "--user-agent",
    "-e",
    "--referer",
    "-x",
    "--proxy",
    "-m",
    "--max-time",
    "--connect-timeout",
    "-r",
    "--range",
    "--retry",
    "-y",
    "-Y",
    "--resolve",
    "--interface",
    "-U",
    "--proxy-user",
    "--oauth2-bearer",
    "-Q",
    "--quote",
    "--limit-rate",
    "--max-filesize",
    "-C",
    "--continue-at",
    "--local-port",
    "--connect-to",
    "--retry-delay",
    "--retry-max-time",
    "-w",
    "--write-out",
    "--capath",
    "--proto",
    "--proto-redir",
    "--form-string",
    "--data-raw",
    "--url",
    "-z",
    "--time-cond",
    "--unix-socket",
    "--abstract-unix-socket",
    "--pinnedpubkey",
    "--ciphers",
    "--cert-type",
    "--key-type",
    "--pass",
    "--aws-sigv4",
    "--variable",
    "--expect100-timeout",
    "--happy-eyeballs-timeout-ms",
    "--dns-servers",
    "--preproxy",
    "--socks4",
    "--socks4a",
    "--socks5",
    "--socks5-hostname",
    "--doh-url",
)
# Where else curl connects than the URL's host: proxies, `--connect-to`, `--resolve`, DoH.
_CURL_PROXIES = (
    "-x",
    "--proxy",
    "--preproxy",
    "--socks4",
    "--socks4a",
    "--socks5",
    "--socks5-hostname",
    "--doh-url",
    "--dns-servers",
)
# Proxy variables curl and wget take from the environment.
_PROXY_VARIABLES = (
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "ftp_proxy",
    "FTP_PROXY",
    "all_proxy",
    "ALL_PROXY",
)
_CURL_DATA = (
    "-d",
    "--data",
    "--data-ascii",
    "--data-binary",
    "--data-urlencode",
    "--json",
    "-H",
    "--header",
    "--variable",
    "-w",
    "--write-out",
)
_CURL_READS = (
    "-T",
    "--upload-file",
    "-K",
    "--config",
    "-E",
    "--cert",
    "--key",
    "--cacert",
    "--netrc-file",
    "--proxy-cacert",
    "--proxy-cert",
    "--proxy-key",
    "--crlfile",
)
_CURL_WRITES = (
    "-o",
    "--output",
    "-c",
    "--cookie-jar",
    "-D",
    "--dump-header",
    "--trace",
    "--trace-ascii",
    "--stderr",
    "--etag-save",
    "--hsts",
    "--alt-svc",
)


def _curl(inv: Invocation, depth: int = 0) -> Output:
    parsed = options.parse(
        inv.args,
        (*_CURL_VALUES, *_CURL_DATA, *_CURL_READS, *_CURL_WRITES, "-F", "--form", "-b", "--cookie"),
    )
    _curl_routes(inv, parsed)
    for config in parsed.values("-K", "--config"):
        _curl_config(inv, config, depth)
    for value in parsed.values(*_CURL_DATA):
        _at_file(inv, value)
    for value in parsed.values("-F", "--form"):
        _form_field(inv, value)
    for value in parsed.values("-b", "--cookie"):
        if "=" not in value.text:
            inv.read(value)
    for value in parsed.values(*_CURL_READS):
        inv.read(
            Arg(value.text.split(":", 1)[0] if value.text[:1] != "/" else value.text, value.dynamic)
        )
    for value in parsed.values(*_CURL_WRITES):
        inv.write(value)
    if parsed.has("-n", "--netrc", "--netrc-optional"):
        inv.read("~/.netrc")
    for url in [*parsed.operands, *parsed.values("--url")]:
        if url.text.lower().startswith("file:"):
            inv.read(Arg(re.sub(r"^file:(//)?", "", url.text, flags=re.IGNORECASE), url.dynamic))
        else:
            send(inv, "curl", url)
    return None


def _curl_routes(inv: Invocation, parsed: options.Parsed) -> None:
    """Hosts curl connects to besides the URL's: a loopback URL through a proxy, or with its
    name pointed elsewhere (`--connect-to`, `--resolve`), still sends to that other host."""
    for value in parsed.values(*_CURL_PROXIES):
        for item in value.text.split(","):
            if item or value.dynamic:
                send(inv, "curl-proxy", Arg(item, value.dynamic))
    for value in parsed.values("--connect-to"):
        match = re.fullmatch(r"(\[[^\]]*\]|[^:]*):([^:]*):(\[[^\]]*\]|[^:]*)(:.*)?", value.text)
        if match is None or value.dynamic:
            inv.send("curl-connect-to", None)
        elif match.group(3):
            inv.send("curl-connect-to", match.group(3).strip("[]"))
    for value in parsed.values("--resolve"):
        match = re.fullmatch(r"[+]?(\[[^\]]*\]|[^:]*):([^:]*):(.*)", value.text)
        if match is None or value.dynamic:
            if not value.text.startswith("-"):
                inv.send("curl-resolve", None)
            continue
        for address in match.group(3).split(","):
            if address:
                inv.send("curl-resolve", address.strip("[]"))
    proxy_variables(inv, "curl-proxy")


def proxy_variables(inv: Invocation, kind: str) -> None:
    """Proxies set in this command line's environment (`HTTPS_PROXY=... curl ...`)."""
    for name in _PROXY_VARIABLES:
        if name in inv.state.vars:
            values = inv.state.vars[name]
            for value in values if values is not None else ("*",):
                if value:
                    send(inv, kind, Arg(value, values is None))


def _curl_config(inv: Invocation, config: Arg, depth: int) -> None:
    """`-K FILE`: curl options, one per line (`proxy = host`, `--data @file`, `url = ...`)."""
    content = inv.stdin if config.text == "-" and inv.piped else inv.static_file(config)
    resolved = None if config.dynamic else inv.resolve(config.text)
    if content is None:
        if config.text == "-" or resolved is None or resolved in inv.interp.written:
            inv.blind("reads options from a file whose text cannot be known")
        return
    if depth > 2:
        inv.blind("curl config files nested too deeply to follow")
        return
    args: list[Arg] = []
    for raw in content.splitlines()[:MAX_FIELDS]:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"(\S+?)\s*(?:[=:]\s*|\s+|$)(.*)$", line)
        if match is None:
            continue
        key, value = match.group(1), match.group(2).strip()
        if len(value) > 1 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        args.append(Arg(key if key.startswith("-") else "--" + key))
        if value:
            args.append(Arg(value))
    _curl(Invocation(inv.interp, inv.state, inv.name, args, inv.stdin, inv.piped), depth + 1)


def _at_file(inv: Invocation, value: Arg) -> None:
    """`-d @file`, `--data-urlencode name@file`, `-H @file`: the file is read and sent."""
    at = value.text.find("@")
    if at < 0:
        return
    if at == 0 or (inv.name == "curl" and "=" not in value.text[:at]):
        name = value.text[at + 1 :]
        if name and name != "-":
            inv.read(Arg(name, value.dynamic))


def _form_field(inv: Invocation, value: Arg) -> None:
    _, _, field_value = value.text.partition("=")
    if field_value[:1] in ("@", "<"):
        name = field_value[1:].split(";", 1)[0]
        if name and name != "-":
            inv.read(Arg(name, value.dynamic))


_WGET_VALUES = (
    "-t",
    "--tries",
    "-T",
    "--timeout",
    "-w",
    "--wait",
    "-U",
    "--user-agent",
    "--header",
    "--post-data",
    "--body-data",
    "--method",
    "-e",
    "--execute",
    "--user",
    "--password",
    "--http-user",
    "--http-password",
    "-l",
    "--level",
    "-A",
    "--accept",
    "-R",
    "--reject",
    "-D",
    "--domains",
    "-Q",
    "--quota",
    "--limit-rate",
    "--referer",
    "-B",
    "--base",
    "--bind-address",
)
_WGET_READS = (
    "-i",
    "--input-file",
    "--post-file",
    "--body-file",
    "--load-cookies",
    "--certificate",
    "--private-key",
    "--ca-certificate",
    "--config",
)
_WGET_WRITES = (
    "-O",
    "--output-document",
    "-o",
    "--output-file",
    "-a",
    "--append-output",
    "--save-cookies",
    "-P",
    "--directory-prefix",
)


# wgetrc commands given with `-e` / `--execute` (names compare without `_` and `-`).
_WGETRC_READS = frozenset(
    {"input", "postfile", "bodyfile", "loadcookies", "certificate", "privatekey", "cacertificate"}
)
_WGETRC_WRITES = frozenset(
    {"outputdocument", "logfile", "savecookies", "dirprefix", "warcfile", "appendoutput"}
)


def _wget(inv: Invocation) -> Output:
    parsed = options.parse(inv.args, (*_WGET_VALUES, *_WGET_READS, *_WGET_WRITES))
    for command in parsed.values("-e", "--execute"):
        key, _, text = command.text.partition("=")
        key = key.strip().lower().replace("_", "").replace("-", "")
        setting = Arg(text.strip(), command.dynamic)
        if key in _WGETRC_READS:
            inv.read(setting)
        elif key in _WGETRC_WRITES and setting.text != "-":
            inv.write(setting)
        elif (key.endswith("proxy") and key != "useproxy") or command.dynamic:
            send(inv, "wget-proxy", setting)
    proxy_variables(inv, "wget-proxy")
    for value in parsed.values(*_WGET_READS):
        inv.read(value)
    for value in parsed.values(*_WGET_WRITES):
        if value.text != "-":
            inv.write(value)
    for url in parsed.operands:
        send(inv, "wget", url)
    return None


def _httpie(inv: Invocation) -> Output:
    """httpie/xh: `field=@file` and `field:=@file` read files; the URL is the first operand
    after an optional method."""
    parsed = options.parse(
        inv.args,
        (
            "-a",
            "--auth",
            "-A",
            "--auth-type",
            "--session",
            "-v",
            "--verify",
            "--cert",
            "--cert-key",
            "--proxy",
        ),
    )
    operands = list(parsed.operands)
    if operands and operands[0].text.isupper():
        operands.pop(0)
    if operands:
        send(inv, inv.name, operands[0])
    for item in operands[1:]:
        match = re.match(r"^[^=:@]*(=@|:=@|@)(.+)$", item.text)
        if match:
            inv.read(Arg(match.group(2), item.dynamic))
    for value in parsed.values("--cert", "--cert-key", "--session"):
        inv.read(value)
    return None


# ----------------------------------------------------------------------------- sockets


def _netcat(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args,
        (
            "-p",
            "-s",
            "-w",
            "-i",
            "-q",
            "-x",
            "-X",
            "-W",
            "-O",
            "-I",
            "-T",
            "-e",
            "-c",
            "--exec",
            "--sh-exec",
            "-M",
            "-b",
            "--source-port",
            "--proxy",
        ),
    )
    for program in parsed.values("-e", "--exec"):
        inv.run([program], stdin=None, piped=True)
    for shell_text in parsed.values("-c", "--sh-exec"):
        if shell_text.dynamic:
            inv.blind("runs shell text computed at run time")
        else:
            inv.run_script(shell_text.text, stdin=None)
    if parsed.has("-l", "--listen"):
        inv.send("listener", None)
        return None
    if parsed.has("-U", "--unixsock"):
        return None
    send(
        inv,
        inv.name if inv.name in ("nc", "ncat", "netcat") else "nc",
        parsed.operands[0] if parsed.operands else None,
    )
    return None


def _socat(inv: Invocation) -> Output:
    addresses = [a for a in inv.args if not a.text.startswith("-") or a.text == "-"]
    for address in addresses:
        _socat_address(inv, address)
    return None


def _socat_address(inv: Invocation, address: Arg) -> None:
    kind, _, rest = address.text.partition(":")
    kind = kind.upper()
    target = rest.split(",", 1)[0]
    if address.dynamic:
        inv.blind("a socat address is computed at run time")
    if kind in ("EXEC", "SYSTEM"):
        inv.run_script(rest.split(",", 1)[0], stdin=None)
    elif kind in ("FILE", "OPEN", "GOPEN", "CREATE", "CREAT", "PIPE"):
        inv.read(Arg(target, address.dynamic))
        inv.write(Arg(target, address.dynamic))
    elif "LISTEN" in kind or kind.startswith("UDP-RECV"):
        inv.send("listener", None)
    elif kind.startswith(("TCP", "UDP", "SCTP", "OPENSSL", "SSL", "PROXY", "SOCKS", "DCCP")):
        inv.send("socat", host_of(target) if not address.dynamic else None)
    elif address.text.startswith("/"):
        inv.read(address)


def _telnet(inv: Invocation) -> Output:
    operands = [a for a in inv.args if not a.text.startswith("-")]
    send(inv, inv.name, operands[0] if operands else None)
    return None


# ----------------------------------------------------------------------------- ssh family

_SSH_VALUES = (
    "-b",
    "-c",
    "-D",
    "-e",
    "-I",
    "-J",
    "-L",
    "-l",
    "-m",
    "-O",
    "-p",
    "-Q",
    "-R",
    "-S",
    "-W",
    "-w",
    "-B",
    "-P",
)


def _ssh(inv: Invocation) -> Output:
    parsed = options.parse(inv.args, (*_SSH_VALUES, "-i", "-F", "-E", "-o"), stop_at_operand=True)
    for key in parsed.values("-i", "-F"):
        inv.read(key)
    for log in parsed.values("-E"):
        inv.write(log)
    _ssh_options(inv, parsed)
    send(inv, "ssh", parsed.operands[0] if parsed.operands else None)
    return None


def _ssh_options(inv: Invocation, parsed: options.Parsed) -> None:
    """`-o` settings that run commands, read files or connect elsewhere, and the hosts the
    connection goes through (`-J`, `-W`): a loopback destination can hop to any host."""
    for value in parsed.values("-J", "-W"):
        _jump_hosts(inv, value)
    for value in parsed.values("-o"):
        key, _, setting = value.text.replace("=", " ", 1).partition(" ")
        setting = setting.strip()
        if key.lower() in ("proxycommand", "localcommand", "knownhostscommand"):
            if value.dynamic:
                inv.blind("an ssh option runs text computed at run time")
            else:
                inv.run_script(setting, stdin=None)
        elif key.lower() in ("identityfile", "certificatefile", "userknownhostsfile"):
            inv.read(Arg(setting, value.dynamic))
        elif key.lower() in ("proxyjump", "hostname") and setting.lower() != "none":
            _jump_hosts(inv, Arg(setting, value.dynamic))


def _jump_hosts(inv: Invocation, value: Arg) -> None:
    for hop in value.text.split(","):
        send(inv, "ssh", Arg(hop.removeprefix("ssh://"), value.dynamic))


_REMOTE = re.compile(r"^(?:[^/@:]+@)?(\[[^\]]+\]|[^/:]+):(?!//)|^[a-z]+://", re.IGNORECASE)


def _is_remote(arg: Arg) -> bool:
    return _REMOTE.match(arg.text) is not None and not arg.text.startswith("/")


def _copy_remote(inv: Invocation, kind: str, operands: list[Arg], recursive: bool) -> None:
    """scp/rsync: local sources are read, a local destination written, remote ends are
    destinations of egress."""
    if not operands:
        return
    *sources, destination = operands if len(operands) > 1 else [*operands, Arg(".")]
    for source in sources:
        if _is_remote(source):
            continue
        if recursive:
            inv.recursive(source)
        else:
            inv.read(source)
    if _is_remote(destination):
        send(inv, kind, destination)
    else:
        inv.write(destination)


def _scp(inv: Invocation) -> Output:
    parsed = options.parse(inv.args, ("-c", "-J", "-l", "-P", "-S", "-D", "-X", "-i", "-F", "-o"))
    for key in parsed.values("-i", "-F"):
        inv.read(key)
    _ssh_options(inv, parsed)
    _copy_remote(inv, "scp", parsed.operands, parsed.has("-r"))
    return None


_RSYNC_VALUES = (
    "--exclude",
    "--include",
    "--filter",
    "-f",
    "--chmod",
    "--chown",
    "-T",
    "--temp-dir",
    "--backup-dir",
    "--suffix",
    "--partial-dir",
    "--rsync-path",
    "--max-size",
    "--min-size",
    "--timeout",
    "--bwlimit",
    "--port",
    "--link-dest",
    "--compare-dest",
    "--copy-dest",
    "-M",
    "--remote-option",
    "--info",
    "--debug",
    "--out-format",
    "--log-file-format",
    "--contimeout",
    "--address",
    "--sockopts",
    "--iconv",
    "--checksum-choice",
    "--compress-choice",
    "--usermap",
    "--groupmap",
    "-B",
    "--block-size",
)


def _rsync(inv: Invocation) -> Output:
    reads = ("--exclude-from", "--include-from", "--files-from", "--password-file")
    parsed = options.parse(
        inv.args,
        (*_RSYNC_VALUES, *reads, "-e", "--rsh", "--log-file", "--write-batch", "--read-batch"),
    )
    for value in parsed.values(*reads, "--read-batch"):
        inv.read(value)
    for value in parsed.values("--log-file", "--write-batch"):
        inv.write(value)
    for shell in parsed.values("-e", "--rsh"):
        if shell.dynamic:
            inv.blind("the remote shell command is computed at run time")
        elif any(_is_remote(o) for o in parsed.operands):
            inv.run_script(shell.text, stdin="")
    recursive = parsed.has("-r", "--recursive", "-a", "--archive")
    _copy_remote(inv, "rsync", parsed.operands, recursive)
    return None


def _sftp(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args, ("-B", "-c", "-D", "-J", "-l", "-P", "-R", "-S", "-s", "-i", "-F", "-o", "-b")
    )
    for value in parsed.values("-i", "-F", "-b"):
        inv.read(value)
    if inv.name == "sftp":
        _ssh_options(inv, parsed)
    send(inv, inv.name, parsed.operands[0] if parsed.operands else None)
    return None


# ----------------------------------------------------------------------------- others


def _first_operand_host(kind: str, values: tuple[str, ...] = ()) -> Handler:
    def handler(inv: Invocation) -> Output:
        parsed = options.parse(inv.args, values)
        send(inv, kind, parsed.operands[0] if parsed.operands else None)
        return None

    return handler


def _mail(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args, ("-s", "-c", "-b", "-r", "-S", "-a", "-A", "--attach", "-F", "-f")
    )
    for attachment in parsed.values("-a", "-A", "--attach"):
        inv.read(attachment)
    send(inv, "mail", parsed.operands[0] if parsed.operands else None)
    return None


def _cloud_copy(kind: str) -> Handler:
    def handler(inv: Invocation) -> Output:
        return cloud_transfer(inv, kind)

    return handler


def cloud_transfer(inv: Invocation, kind: str) -> Output:
    """`aws s3 cp/sync`, `gsutil cp`, `rclone copy`, `azcopy copy`: local paths are read,
    remote URLs (`s3://`, `gs://`, `remote:path`) are egress."""
    parsed = options.parse(
        inv.args,
        (
            "--profile",
            "--region",
            "--exclude",
            "--include",
            "--acl",
            "--storage-class",
            "-m",
            "--endpoint-url",
            "--config",
            "--sse",
            "--content-type",
        ),
    )
    words = [a.text for a in parsed.operands]
    transfers = {"cp", "mv", "sync", "copy", "copyto", "move", "rsync", "upload"}
    if not transfers & set(words):
        return None
    start = next(i for i, w in enumerate(words) if w in transfers) + 1
    for operand in parsed.operands[start:]:
        if re.match(r"^[a-z0-9]+://", operand.text) or _is_remote(operand):
            send(inv, kind, operand)
        else:
            inv.read(operand)
    return None


def handlers() -> dict[str, Handler]:
    return {
        "curl": _curl,
        "wget": _wget,
        "wget2": _wget,
        "http": _httpie,
        "https": _httpie,
        "xh": _httpie,
        "xhs": _httpie,
        "nc": _netcat,
        "ncat": _netcat,
        "netcat": _netcat,
        "socat": _socat,
        "telnet": _telnet,
        "ssh": _ssh,
        "autossh": _ssh,
        "mosh": _ssh,
        "scp": _scp,
        "rsync": _rsync,
        "sftp": _sftp,
        "ftp": _sftp,
        "lftp": _sftp,
        "tftp": _sftp,
        "smbclient": _sftp,
        "mail": _mail,
        "mailx": _mail,
        "mutt": _mail,
        "sendmail": _mail,
        "msmtp": _mail,
        "swaks": _mail,
        "ping": _first_operand_host("icmp", ("-c", "-i", "-s", "-p", "-W", "-w", "-t", "-I")),
        "ping6": _first_operand_host("icmp", ("-c", "-i", "-s", "-p")),
        "dig": _first_operand_host("dns", ("-p", "-t", "-c", "-b", "-q", "-y")),
        "nslookup": _first_operand_host("dns"),
        "host": _first_operand_host("dns", ("-t",)),
        "traceroute": _first_operand_host("icmp", ("-m", "-p", "-q", "-w")),
        "gsutil": _cloud_copy("cloud-storage"),
        "rclone": _cloud_copy("cloud-storage"),
        "azcopy": _cloud_copy("cloud-storage"),
        "ssh-copy-id": _first_operand_host("ssh", ("-i", "-p", "-o")),
    }
