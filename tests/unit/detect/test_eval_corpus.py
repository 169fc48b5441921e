"""The detection evaluation corpus (tests/data/eval) is well-formed, honest and reproducible.

The format checks here are deliberately independent of claude-guard's detectors and of the
generator's own helpers: each credential is re-validated from its text (prefix, length,
alphabet, checksum, DER structure), so a generator bug shows up as a failing test rather than as
a mislabelled corpus.
"""

from __future__ import annotations

import base64
import binascii
import csv
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TypedDict

import pytest

EVAL_DIR = Path(__file__).resolve().parents[2] / "data" / "eval"
GENERATOR = EVAL_DIR / "generate.py"
CORPUS = EVAL_DIR / "corpus"
MANIFEST = CORPUS / "labels.json"

PHI_TYPES = {
    "PERSON",
    "DATE_OF_BIRTH",
    "DATE",
    "AGE_OVER_89",
    "US_SSN",
    "MEDICAL_RECORD_NUMBER",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "STREET_ADDRESS",
    "ZIP_CODE",
    "US_NPI",
    "DEA_NUMBER",
    "MEDICARE_MBI",
    "HEALTH_PLAN_ID",
    "ACCOUNT_NUMBER",
    "US_DRIVER_LICENSE",
    "VIN",
    "LICENSE_PLATE",
    "DEVICE_ID",
    "IP_ADDRESS",
    "URL",
    "CREDIT_CARD",
}
MIN_COUNTS = {"phi": 120, "secret": 120, "negative": 150}
MIN_SECRET_FORMATS = 45
MAX_CORPUS_BYTES = 3_000_000


# ------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------


class Entry(TypedDict):
    path: str
    label: str
    types: list[str]
    note: str
    family: str


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_corpus_generate", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_generator()


@pytest.fixture(scope="module")
def manifest() -> list[Entry]:
    doc = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert set(doc) == {"generator", "seed", "files"}
    files: list[Entry] = doc["files"]
    return files


@pytest.fixture(scope="module")
def by_label(manifest: list[Entry]) -> dict[str, list[Entry]]:
    groups: dict[str, list[Entry]] = {"phi": [], "secret": [], "negative": []}
    for item in manifest:
        groups[item["label"]].append(item)
    return groups


def read_text(item: Entry) -> str:
    return (CORPUS / str(item["path"])).read_bytes().decode("utf-8")


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# ------------------------------------------------------------------------------------------
# Independent format validators
# ------------------------------------------------------------------------------------------

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str, min_len: int = 16) -> bool:
    classes = sum(any(pred(c) for c in value) for pred in (str.islower, str.isupper, str.isdigit))
    return len(value) >= min_len and classes >= 2 and entropy(value) >= 3.5


def b64_any(text: str) -> bytes:
    text = text.strip()
    text += "=" * (-len(text) % 4)
    alt = b"-_" if ("-" in text or "_" in text) else None
    return base64.b64decode(text, altchars=alt, validate=True)


def github_crc_ok(token: str) -> bool:
    _, _, rest = token.partition("_")
    body, check = rest[:-6], rest[-6:]
    n = 0
    for ch in check:
        n = n * 62 + BASE62.index(ch)
    return len(rest) == 36 and n == zlib.crc32(body.encode())


def atlassian_crc_ok(token: str) -> bool:
    return int(token[-8:], 16) == zlib.crc32(token[:-8].encode())


def bech32_ok(value: str) -> bool:
    value = value.lower()
    hrp, _, data = value.rpartition("1")
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    values += [BECH32.index(c) for c in data]
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk == 1 and (len(data) - 6) * 5 // 8 == 32


def der_read(data: bytes) -> tuple[int, bytes, bytes]:
    """One DER TLV: (tag, contents, rest)."""
    tag, first = data[0], data[1]
    if first < 0x80:
        length, offset = first, 2
    else:
        n = first & 0x7F
        length, offset = int.from_bytes(data[2 : 2 + n], "big"), 2 + n
    if offset + length > len(data):
        raise ValueError("truncated DER")
    return tag, data[offset : offset + length], data[offset + length :]


def der_items(data: bytes) -> list[tuple[int, bytes]]:
    items = []
    while data:
        tag, value, data = der_read(data)
        items.append((tag, value))
    return items


def der_sequence(data: bytes) -> list[tuple[int, bytes]]:
    tag, value, rest = der_read(data)
    if tag != 0x30 or rest:
        raise ValueError("not a single SEQUENCE")
    return der_items(value)


def rsa_pkcs1_ok(data: bytes) -> bool:
    items = der_sequence(data)
    if len(items) != 9 or any(tag != 0x02 for tag, _ in items):
        return False
    version, n, e, d, p, q, dp, dq, qinv = (int.from_bytes(v, "big") for _, v in items)
    lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
    return (
        version == 0
        and n == p * q
        and n.bit_length() >= 1024
        and e * d % lam == 1
        and dp == d % (p - 1)
        and dq == d % (q - 1)
        and q * qinv % p == 1
    )


OID_RSA = bytes.fromhex("2a864886f70d010101")
OID_PBES2 = bytes.fromhex("2a864886f70d01050d")
OID_P256 = bytes.fromhex("2a8648ce3d030107")
P256_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B


def pkcs8_ok(data: bytes) -> bool:
    (vtag, version), (atag, alg), (otag, inner) = der_sequence(data)
    oid = der_items(alg)[0]
    return (
        (vtag, atag, otag, version) == (0x02, 0x30, 0x04, b"\x00")
        and oid
        == (
            0x06,
            OID_RSA,
        )
        and rsa_pkcs1_ok(inner)
    )


def ec_ok(data: bytes) -> bool:
    (vtag, version), (ktag, key), (ptag, params), (btag, bits) = der_sequence(data)
    if (vtag, version, ktag, ptag, btag) != (0x02, b"\x01", 0x04, 0xA0, 0xA1) or len(key) != 32:
        return False
    if der_items(params) != [(0x06, OID_P256)]:
        return False
    ((stag, point),) = der_items(bits)
    if stag != 0x03 or point[:2] != b"\x00\x04" or len(point) != 66:
        return False
    x, y = int.from_bytes(point[2:34], "big"), int.from_bytes(point[34:], "big")
    return (y * y - (x**3 - 3 * x + P256_B)) % P256_P == 0


def encrypted_pkcs8_ok(data: bytes) -> bool:
    (atag, alg), (ctag, ciphertext) = der_sequence(data)
    return (
        atag == 0x30
        and ctag == 0x04
        and der_items(alg)[0] == (0x06, OID_PBES2)
        and (len(ciphertext) % 16 == 0)
    )


def ssh_fields(blob: bytes, count: int) -> tuple[list[bytes], bytes]:
    out = []
    for _ in range(count):
        n = int.from_bytes(blob[:4], "big")
        out.append(blob[4 : 4 + n])
        blob = blob[4 + n :]
    return out, blob


def openssh_ok(data: bytes) -> bool:
    magic = b"openssh-key-v1\x00"
    if not data.startswith(magic):
        return False
    (cipher, kdf, _opts), rest = ssh_fields(data[len(magic) :], 3)
    nkeys, rest = int.from_bytes(rest[:4], "big"), rest[4:]
    (public, private), _ = ssh_fields(rest, 2)
    if cipher != b"none" or kdf != b"none" or nkeys != 1:
        return False
    check1, check2, private = private[:4], private[4:8], private[8:]
    (ktype, pub, secret, _comment), _ = ssh_fields(private, 4)
    return (
        check1 == check2
        and ktype == b"ssh-ed25519"
        and secret[32:] == pub
        and (
            public
            == len(b"ssh-ed25519").to_bytes(4, "big")
            + b"ssh-ed25519"
            + (32).to_bytes(4, "big")
            + pub
        )
    )


def crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def clean_pem_body(body: str) -> str:
    """Undo the quoting a PEM block picks up inside JSON, YAML, heredocs, notebooks."""
    return re.sub(r"\\n|\\r|[\s\"',`]", "", body)


def pem_bodies(text: str, label: str) -> list[bytes | None]:
    out: list[bytes | None] = []
    pattern = rf"-----BEGIN {label}-----(.*?)-----END {label}-----"
    for match in re.finditer(pattern, text, re.S):
        try:
            out.append(base64.b64decode(clean_pem_body(match.group(1)), validate=True))
        except (binascii.Error, ValueError):
            out.append(None)
    return out


def pgp_blocks_ok(text: str) -> list[bool]:
    results = []
    pattern = r"-----BEGIN PGP PRIVATE KEY BLOCK-----(.*?)-----END PGP PRIVATE KEY BLOCK-----"
    for match in re.finditer(pattern, text, re.S):
        lines = [ln.strip() for ln in match.group(1).strip().splitlines()]
        lines = [ln.strip("\"', ").replace("\\n", "") for ln in lines if ln.strip()]
        body_lines = [ln for ln in lines if ":" not in ln and not ln.startswith("=")]
        check_lines = [ln for ln in lines if ln.startswith("=")]
        try:
            packets = base64.b64decode("".join(body_lines), validate=True)
            checksum = base64.b64decode(check_lines[0][1:])
        except (binascii.Error, ValueError, IndexError):
            results.append(False)
            continue
        first_tag = packets[0] & 0x3F if packets[0] & 0x40 else (packets[0] >> 2) & 0x0F
        results.append(crc24(packets) == int.from_bytes(checksum, "big") and first_tag == 5)
    return results


def pypi_ok(token: str) -> bool:
    raw = b64_any(token[len("pypi-") :])
    return raw.startswith(b"\x02\x01\x08pypi.org") and raw[-34:-32] == b"\x06\x20"


def discord_bot_ok(token: str) -> bool:
    first = token.split(".")[0]
    try:
        user_id = b64_any(first).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    return user_id.isdigit() and 17 <= len(user_id) <= 20


def jwt_ok(token: str) -> bool:
    header, payload, signature = token.split(".")
    try:
        head = json.loads(b64_any(header))
        json.loads(b64_any(payload))
    except (binascii.Error, ValueError):
        return False
    return isinstance(head, dict) and "alg" in head and len(b64_any(signature)) >= 32


def azure_key_ok(key: str) -> bool:
    return len(base64.b64decode(key, validate=True)) == 64


def aws_key_id_ok(value: str) -> bool:
    return not value.endswith("EXAMPLE") and len(set(value[4:])) >= 8


def expanded(text: str) -> str:
    """The text plus whatever printable text hides in its long base64 runs (k8s data:,
    docker config auths): a credential does not stop being one by being base64-encoded."""
    extra = []
    for match in re.finditer(r"[A-Za-z0-9+/]{40,}={0,2}", text):
        try:
            decoded = base64.b64decode(match.group(0) + "=" * (-len(match.group(0)) % 4))
            plain = decoded.decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            continue
        if plain.isprintable() or "\n" in plain:
            extra.append(plain)
    return "\n".join([text, *extra])


@dataclass(frozen=True)
class Rule:
    """How to find a format's values in text and how to check one.

    strict: every match must pass the check (the pattern is specific to the format);
    otherwise at least one match must pass (the pattern is generic, e.g. name = value).
    """

    find: Callable[[str], list[str]]
    check: Callable[[str], bool]
    strict: bool = True


def rx(pattern: str, flags: int = 0) -> Callable[[str], list[str]]:
    compiled = re.compile(pattern, flags)

    def find(text: str) -> list[str]:
        return [m.group(1) if compiled.groups else m.group(0) for m in compiled.finditer(text)]

    return find


def pem_rule(label: str, check: Callable[[bytes], bool]) -> Rule:
    def find(text: str) -> list[str]:
        return [b.hex() if b is not None else "" for b in pem_bodies(text, label)]

    def ok(hexed: str) -> bool:
        try:
            return bool(hexed) and check(bytes.fromhex(hexed))
        except (ValueError, IndexError):
            return False

    return Rule(find, ok)


def gcp_find(text: str) -> list[str]:
    if not re.search(r"\"type\"\s*:\s*\"service_account\"", text):
        return []
    if not re.search(r"[a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com", text):
        return []
    return pem_rule("PRIVATE KEY", pkcs8_ok).find(text)


def hexed_ok(check: Callable[[bytes], bool]) -> Callable[[str], bool]:
    def ok(hexed: str) -> bool:
        try:
            return bool(hexed) and check(bytes.fromhex(hexed))
        except (ValueError, IndexError):
            return False

    return ok


def uri_rule(schemes: str) -> Rule:
    return Rule(rx(rf"\b(?:{schemes})://[^:\s/@'\"]+:([^@\s/'\"]+)@[^\s/:'\"]+"), looks_random)


SECRET_RULES: dict[str, Rule] = {
    "AWS_ACCESS_KEY_ID": Rule(rx(r"\b(AKIA[A-Z2-7]{16})\b"), aws_key_id_ok),
    "AWS_SECRET_ACCESS_KEY": Rule(
        rx(r"(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"),
        lambda v: looks_random(v, 40) and "EXAMPLE" not in v,
        strict=False,
    ),
    "GCP_SERVICE_ACCOUNT_KEY": Rule(gcp_find, hexed_ok(pkcs8_ok)),
    "GOOGLE_API_KEY": Rule(rx(r"\b(AIza[A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])"), looks_random),
    "GOOGLE_OAUTH_CLIENT_SECRET": Rule(rx(r"\b(GOCSPX-[A-Za-z0-9_-]{28})\b"), looks_random),
    "AZURE_STORAGE_CONNECTION_STRING": Rule(
        rx(
            r"DefaultEndpointsProtocol=https;AccountName=[a-z0-9]{3,24};AccountKey="
            r"([A-Za-z0-9+/]{86}==);EndpointSuffix=core\.windows\.net"
        ),
        azure_key_ok,
    ),
    "GITHUB_PAT": Rule(rx(r"\b(ghp_[A-Za-z0-9]{36})\b"), github_crc_ok),
    "GITHUB_OAUTH_TOKEN": Rule(rx(r"\b(gho_[A-Za-z0-9]{36})\b"), github_crc_ok),
    "GITHUB_USER_TOKEN": Rule(rx(r"\b(ghu_[A-Za-z0-9]{36})\b"), github_crc_ok),
    "GITHUB_APP_TOKEN": Rule(rx(r"\b(ghs_[A-Za-z0-9]{36})\b"), github_crc_ok),
    "GITHUB_REFRESH_TOKEN": Rule(rx(r"\b(ghr_[A-Za-z0-9]{36})\b"), github_crc_ok),
    "GITHUB_FINE_GRAINED_PAT": Rule(
        rx(r"\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b"), lambda v: looks_random(v[11:])
    ),
    "GITLAB_PAT": Rule(rx(r"\b(glpat-[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])"), looks_random),
    "BITBUCKET_APP_PASSWORD": Rule(rx(r"\b(ATBB[A-Za-z0-9]{32})\b"), atlassian_crc_ok),
    "ATLASSIAN_API_TOKEN": Rule(
        rx(r"\b(ATATT3[A-Za-z0-9_=-]{186})(?![A-Za-z0-9_=-])"), atlassian_crc_ok
    ),
    "SLACK_BOT_TOKEN": Rule(rx(r"\b(xoxb-\d{10,13}-\d{10,13}-[A-Za-z0-9]{24})\b"), looks_random),
    "SLACK_USER_TOKEN": Rule(rx(r"\b(xoxp-\d+-\d+-\d+-[0-9a-f]{32})\b"), looks_random),
    "SLACK_WEBHOOK_URL": Rule(
        rx(r"https://hooks\.slack\.com/services/T[A-Z0-9]{8,10}/B[A-Z0-9]{8,10}/([A-Za-z0-9]{24})"),
        looks_random,
    ),
    "STRIPE_SECRET_KEY": Rule(
        rx(r"\b(sk_live_[A-Za-z0-9]{24,99})\b"), lambda v: looks_random(v[8:])
    ),
    "STRIPE_RESTRICTED_KEY": Rule(
        rx(r"\b(rk_live_[A-Za-z0-9]{24,99})\b"), lambda v: looks_random(v[8:])
    ),
    "TWILIO_API_KEY": Rule(rx(r"\b(SK[0-9a-f]{32})\b"), lambda v: entropy(v[2:]) > 3.0),
    "SENDGRID_API_KEY": Rule(
        rx(r"\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![\w-])"), looks_random
    ),
    "MAILGUN_API_KEY": Rule(rx(r"\b(key-[0-9a-f]{32})\b"), lambda v: entropy(v[4:]) > 3.0),
    "OPENAI_PROJECT_KEY": Rule(
        rx(r"\b(sk-proj-[A-Za-z0-9_-]{74}T3BlbkFJ[A-Za-z0-9_-]{74})(?![\w-])"), looks_random
    ),
    "OPENAI_API_KEY": Rule(rx(r"\b(sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})\b"), looks_random),
    "ANTHROPIC_API_KEY": Rule(rx(r"\b(sk-ant-api03-[A-Za-z0-9_-]{93}AA)(?![\w-])"), looks_random),
    "HUGGINGFACE_TOKEN": Rule(rx(r"\b(hf_[A-Za-z]{34})\b"), looks_random),
    "NPM_TOKEN": Rule(rx(r"\b(npm_[A-Za-z0-9]{36})\b"), github_crc_ok),
    "PYPI_TOKEN": Rule(rx(r"\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})"), pypi_ok),
    "RUBYGEMS_API_KEY": Rule(rx(r"\b(rubygems_[0-9a-f]{48})\b"), lambda v: entropy(v) > 3.0),
    "DOCKERHUB_PAT": Rule(rx(r"\b(dckr_pat_[A-Za-z0-9_-]{27})(?![\w-])"), looks_random),
    "DIGITALOCEAN_TOKEN": Rule(rx(r"\b(dop_v1_[0-9a-f]{64})\b"), lambda v: entropy(v[7:]) > 3.5),
    "VAULT_TOKEN": Rule(rx(r"\b(hvs\.[A-Za-z0-9_-]{90,120})(?![\w-])"), looks_random),
    "TERRAFORM_CLOUD_TOKEN": Rule(
        rx(r"\b([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})(?![\w=-])"), looks_random
    ),
    "SHOPIFY_ACCESS_TOKEN": Rule(rx(r"\b(shpat_[0-9a-f]{32})\b"), lambda v: entropy(v[6:]) > 3.0),
    "SQUARE_ACCESS_TOKEN": Rule(rx(r"\b(EAAA[A-Za-z0-9_-]{60})(?![\w-])"), looks_random),
    "BRAINTREE_ACCESS_TOKEN": Rule(
        rx(r"(access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32})\b"), looks_random
    ),
    "LINEAR_API_KEY": Rule(rx(r"\b(lin_api_[A-Za-z0-9]{40})\b"), looks_random),
    "DOPPLER_TOKEN": Rule(
        rx(r"\b(dp\.st\.[a-z0-9_-]{2,35}\.[A-Za-z0-9]{40,44})\b"),
        lambda v: looks_random(v.rsplit(".", 1)[1]),
    ),
    "AGE_SECRET_KEY": Rule(
        rx(r"\b(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b"), bech32_ok
    ),
    "DATADOG_API_KEY": Rule(
        rx(r"(?i)(?:dd|datadog)_?api_?key\W{1,6}([0-9a-f]{32})\b"), lambda v: entropy(v) > 3.0
    ),
    "NEW_RELIC_USER_KEY": Rule(rx(r"\b(NRAK-[A-Z0-9]{27})\b"), looks_random),
    "SENTRY_DSN": Rule(
        rx(r"https://[0-9a-f]{32}:([0-9a-f]{32})@o\d+\.ingest\.sentry\.io/\d+"),
        lambda v: entropy(v) > 3.0,
    ),
    "DISCORD_BOT_TOKEN": Rule(
        rx(r"(?<![\w.-])([A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})(?![\w-])"),
        discord_bot_ok,
        strict=False,
    ),
    "DISCORD_WEBHOOK_URL": Rule(
        rx(r"https://discord(?:app)?\.com/api/webhooks/\d{17,20}/([A-Za-z0-9_-]{60,68})"),
        looks_random,
    ),
    "TELEGRAM_BOT_TOKEN": Rule(rx(r"\b(\d{8,10}:AA[A-Za-z0-9_-]{33})(?![\w-])"), looks_random),
    "POSTMAN_API_KEY": Rule(rx(r"\b(PMAK-[0-9a-f]{24}-[0-9a-f]{34})\b"), lambda v: entropy(v) > 3),
    "JWT": Rule(rx(r"\b(eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)"), jwt_ok),
    "RSA_PRIVATE_KEY": pem_rule("RSA PRIVATE KEY", rsa_pkcs1_ok),
    "EC_PRIVATE_KEY": pem_rule("EC PRIVATE KEY", ec_ok),
    "PKCS8_PRIVATE_KEY": pem_rule("PRIVATE KEY", pkcs8_ok),
    "ENCRYPTED_PRIVATE_KEY": pem_rule("ENCRYPTED PRIVATE KEY", encrypted_pkcs8_ok),
    "OPENSSH_PRIVATE_KEY": pem_rule("OPENSSH PRIVATE KEY", openssh_ok),
    "PGP_PRIVATE_KEY": Rule(lambda t: [str(ok) for ok in pgp_blocks_ok(t)], lambda v: v == "True"),
    "POSTGRES_URI": uri_rule("postgres|postgresql"),
    "MYSQL_URI": uri_rule("mysql"),
    "MONGODB_URI": uri_rule(r"mongodb|mongodb\+srv"),
    "REDIS_URI": uri_rule("redis|rediss"),
    "AMQP_URI": uri_rule("amqp|amqps"),
    "JDBC_PASSWORD": Rule(rx(r"jdbc:[a-z]+:[^\s\"']*?password=([^&;\s\"']+)"), looks_random),
    "URL_CREDENTIALS": Rule(rx(r"https?://[^:\s/@'\"]+:([^@\s/'\"]+)@[\w.-]+"), looks_random),
    "GENERIC_PASSWORD": Rule(
        rx(r"(?i)(?:password|passwd|secret_key)\w*[\"']?\s*[:=]\s*[\"']?([^\s\"',]{16,})"),
        looks_random,
        strict=False,
    ),
    "GENERIC_API_SECRET": Rule(
        rx(r"(?i)(?:api_?secret|client_?secret)\w*[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9]{32,})"),
        looks_random,
        strict=False,
    ),
}

# Values published in vendor documentation as examples: format-shaped, never credentials.
KNOWN_PUBLIC_EXAMPLES = {
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwia"
    "WF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",  # jwt.io sample
}


def secret_matches(type_: str, text: str) -> tuple[list[str], list[str]]:
    """(all candidate values, the candidates that pass the format check)."""
    rule = SECRET_RULES[type_]
    found = rule.find(expanded(text))
    return found, [v for v in found if rule.check(v)]


def style_of(path: str) -> str:
    """The language/config style of a secret file, from its location and name."""
    name = path.rsplit("/", 1)[-1]
    if path.startswith("deploy/k8s/"):
        return "k8s"
    if path.startswith(".ci/"):
        return "ci"
    if name.startswith(".env") or name.endswith(".env"):
        return "dotenv"
    if "." not in name or name.startswith("."):
        return name
    return name.rsplit(".", 1)[1]


# PHI check digits, written from the specifications rather than shared with the generator.


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def npi_ok(npi: str) -> bool:
    return len(npi) == 10 and npi[0] in "12" and luhn_ok("80840" + npi)


def dea_ok(dea: str) -> bool:
    d = [int(c) for c in dea[2:]]
    return (
        dea[0] in "ABCDEFGHJKLMPRSTUX"
        and (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]
    )


VIN_TRANSLIT = {
    c: v
    for c, v in zip(
        "ABCDEFGHJKLMNPRSTUVWXYZ",
        [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9],
        strict=True,
    )
}


def vin_ok(vin: str) -> bool:
    weights = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
    total = sum(
        (int(c) if c.isdigit() else VIN_TRANSLIT[c]) * w for c, w in zip(vin, weights, strict=True)
    )
    return vin[8] == ("X" if total % 11 == 10 else str(total % 11))


MBI_RE = re.compile(
    r"\b([1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?"
    r"[AC-HJKMNP-RT-Y]{2}\d{2})\b"
)
KNOWN_PUBLISHED_SSNS = {"078-05-1120", "219-09-9999", "457-55-5462"}


def ssn_ok(ssn: str) -> bool:
    digits = re.sub(r"\D", "", ssn)
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return (
        len(digits) == 9
        and area not in ("000", "666")
        and area[0] != "9"
        and group != "00"
        and serial != "0000"
        and f"{area}-{group}-{serial}" not in KNOWN_PUBLISHED_SSNS
    )


def gtin_ok(gtin: str) -> bool:
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(gtin[:-1])))
    return (10 - total % 10) % 10 == int(gtin[-1])


def ssn_candidates(text: str) -> tuple[list[str], list[str]]:
    """(separated SSN shapes, bare 9-digit numbers)."""
    separated = re.findall(r"(?<![\d-])(\d{3}[- ]\d{2}[- ]\d{4})(?![\d-])", text)
    bare = re.findall(r"(?<![\d-])(\d{9})(?![\d-])", text)
    return separated, bare


DATE_RE = re.compile(
    r"\b(?:19|20)\d{2}-\d{2}-\d{2}|\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{1,2} [A-Z][a-z]{2} \d{4}\b"
    r"|\b[A-Z][a-z]+ \d{1,2}, \d{4}\b|\b(?:19|20)\d{6}\b|\b\d{2}\.\d{2}\.\d{4}\b"
    r"|\(\d{4}, \d{1,2}, \d{1,2}\)|\d{2}%2F\d{2}%2F\d{4}"
)
PHI_PRESENCE: dict[str, Callable[[str], bool]] = {
    "US_SSN": lambda t: any(ssn_ok(s) for group in ssn_candidates(t) for s in group),
    "US_NPI": lambda t: any(npi_ok(n) for n in re.findall(r"(?<!\d)(\d{10})(?!\d)", t)),
    "DEA_NUMBER": lambda t: any(dea_ok(d) for d in re.findall(r"\b([A-Z]{2}\d{7})\b", t)),
    "MEDICARE_MBI": lambda t: bool(MBI_RE.search(t)),
    "VIN": lambda t: any(vin_ok(v) for v in re.findall(r"\b([A-HJ-NPR-Z0-9]{17})\b", t)),
    "CREDIT_CARD": lambda t: any(
        luhn_ok(re.sub(r"\D", "", c))
        for c in re.findall(r"\b(\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4})\b", t)
    ),
    "EMAIL_ADDRESS": lambda t: bool(re.search(r"[\w.+-]+(?:@|%40)[\w-]+\.[\w.-]+", t)),
    "IP_ADDRESS": lambda t: bool(re.search(r"\b(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d+\b", t)),
    "DEVICE_ID": lambda t: bool(re.search(r"\b(?:SN|serial|device_sn|UDI|\(01\))", t, re.I)),
    "PHONE_NUMBER": lambda t: bool(re.search(r"555[-. )]?01\d\d\b", t)),
    "DATE_OF_BIRTH": lambda t: bool(DATE_RE.search(t)),
    "DATE": lambda t: bool(DATE_RE.search(t)),
    "MEDICAL_RECORD_NUMBER": lambda t: bool(
        re.search(r"(?i)mrn|med_rec|medical record|\^MR\b|PatientID", t)
        or re.search(r"\b(?:\d{7,8}|MR\d{8}|\d{2}-\d{3}-\d{3}|E\d{9})\b", t)
    ),
    "STREET_ADDRESS": lambda t: bool(
        re.search(r"\b\d{2,5} [A-Z][a-z]+ (?:St|Ave|Rd|Ln|Dr|Ct|Blvd|Way)\b", t)
    ),
    "ZIP_CODE": lambda t: bool(re.search(r"(?<![\d.:-])\d{5}(?![\d.:-])", t)),
    "HEALTH_PLAN_ID": lambda t: bool(re.search(r"\b(?:XEH|W|ZGP|MCD|BCX)\d{9}\b", t)),
    "ACCOUNT_NUMBER": lambda t: bool(re.search(r"(?<!\d)\d{10}(?!\d)", t)),
    "US_DRIVER_LICENSE": lambda t: bool(re.search(r"\bDL [A-Z]\d{7,12}\b", t)),
    "LICENSE_PLATE": lambda t: bool(re.search(r"\bplate [0-9][A-Z]{3}\d{3}\b", t)),
    "URL": lambda t: bool(re.search(r"https?://[\w.-]+/\S+", t)),
    "AGE_OVER_89": lambda t: bool(
        re.search(r"(?<!\d)(9\d|1[01]\d)(?:[- ]?(?:year|yo|y/o)|\)|,\s*\d{4}-)|Age: 9\d", t)
        or re.search(r"\n[^\n]*,(9\d|10\d),[MF],", t)
    ),
}


# ------------------------------------------------------------------------------------------
# Well-formedness
# ------------------------------------------------------------------------------------------


def test_manifest_lists_exactly_the_corpus_files(manifest: list[Entry]) -> None:
    listed = [str(item["path"]) for item in manifest]
    on_disk = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file())
    assert len(listed) == len(set(listed)), "duplicate paths in labels.json"
    assert listed == sorted(listed), "labels.json is not sorted by path"
    assert sorted([*listed, "labels.json"]) == on_disk


def test_every_entry_is_well_formed(manifest: list[Entry]) -> None:
    for item in manifest:
        path = str(item["path"])
        assert set(item) == {"path", "label", "types", "note", "family"}, path
        assert not path.startswith("/") and ".." not in path.split("/"), path
        assert item["label"] in ("phi", "secret", "negative"), path
        types = item["types"]
        assert isinstance(types, list) and len(types) == len(set(types)), path
        assert isinstance(item["note"], str) and len(item["note"]) >= 10, path
        if item["label"] == "negative":
            assert types == [], path
        elif item["label"] == "phi":
            assert types and set(types) <= PHI_TYPES, (path, types)
        else:
            assert types and set(types) <= set(SECRET_RULES), (path, types)
        (CORPUS / path).read_bytes().decode("utf-8")  # every file is UTF-8 text


def test_counts_meet_the_minimums(by_label: dict[str, list[Entry]]) -> None:
    for label, minimum in MIN_COUNTS.items():
        assert len(by_label[label]) >= minimum, (label, len(by_label[label]))
    formats = {t for item in by_label["secret"] for t in item["types"]}
    assert len(formats) >= MIN_SECRET_FORMATS, sorted(formats)
    assert formats == set(SECRET_RULES), "every validated format occurs, and nothing else"


def test_each_secret_format_appears_in_two_styles(
    by_label: dict[str, list[Entry]],
) -> None:
    styles: dict[str, set[str]] = {}
    for item in by_label["secret"]:
        for type_ in item["types"]:
            styles.setdefault(type_, set()).add(style_of(str(item["path"])))
    thin = {t: s for t, s in styles.items() if len(s) < 2}
    assert not thin, thin


def test_phi_files_cover_the_identifier_families(
    by_label: dict[str, list[Entry]],
) -> None:
    seen = Counter(t for item in by_label["phi"] for t in item["types"])
    assert set(seen) == PHI_TYPES, PHI_TYPES - set(seen)
    single = [i for i in by_label["phi"] if len(i["types"]) == 1]
    assert len(single) >= 8, "single-identifier files keep recall honest at file level"


def test_corpus_stays_small() -> None:
    size = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    assert size < MAX_CORPUS_BYTES, size


# ------------------------------------------------------------------------------------------
# Honest labels
# ------------------------------------------------------------------------------------------


def test_secret_values_pass_their_format_checks(
    by_label: dict[str, list[Entry]],
) -> None:
    problems = []
    for item in by_label["secret"]:
        text = read_text(item)
        for type_ in item["types"]:
            found, valid = secret_matches(type_, text)
            if not valid:
                problems.append((item["path"], type_, "no valid value", found[:2]))
            elif SECRET_RULES[type_].strict and len(valid) != len(found):
                bad = [v for v in found if v not in valid]
                problems.append((item["path"], type_, "invalid values", bad[:2]))
    assert not problems, problems


def test_secret_files_say_they_are_synthetic(
    generator: ModuleType, by_label: dict[str, list[Entry]]
) -> None:
    first_words = " ".join(generator.SYNTHETIC_MARK.split()[:6])
    unmarked = [i["path"] for i in by_label["secret"] if first_words not in read_text(i)]
    assert not unmarked


def test_checksum_validators_reject_corrupted_values(
    by_label: dict[str, list[Entry]],
) -> None:
    """Guard against validators that accept anything: one changed character must fail."""
    checksummed = [
        "GITHUB_PAT",
        "NPM_TOKEN",
        "BITBUCKET_APP_PASSWORD",
        "ATLASSIAN_API_TOKEN",
        "AGE_SECRET_KEY",
    ]
    for type_ in checksummed:
        item = next(i for i in by_label["secret"] if type_ in i["types"])
        _, valid = secret_matches(type_, read_text(item))
        value = valid[0]
        alphabet = "QPZRY9X8" if type_ == "AGE_SECRET_KEY" else "ABCDEF012"
        i = len(value) - 12  # inside the random part, before the checksum
        swapped = next(c for c in alphabet if c != value[i])
        assert SECRET_RULES[type_].check(value)
        assert not SECRET_RULES[type_].check(value[:i] + swapped + value[i + 1 :]), type_
    assert npi_ok("1234567893") and not npi_ok("1234567890")  # CMS's published example NPI
    assert vin_ok("1M8GDM9AXKP042788") and not vin_ok("1M8GDM9A1KP042788")
    assert luhn_ok("4242424242424242") and not luhn_ok("4242424242424241")
    assert dea_ok("AB1234563") and not dea_ok("AB1234564")


def test_negatives_hold_no_valid_credentials(
    by_label: dict[str, list[Entry]],
) -> None:
    leaks = []
    for item in by_label["negative"]:
        text = read_text(item)
        for type_, rule in SECRET_RULES.items():
            if not rule.strict:
                continue
            _, valid = secret_matches(type_, text)
            valid = [v for v in valid if v not in KNOWN_PUBLIC_EXAMPLES]
            if valid:
                leaks.append((item["path"], type_, valid[0][:24]))
    assert not leaks, leaks


def test_negatives_hold_no_real_shaped_ssn(by_label: dict[str, list[Entry]]) -> None:
    placeholders = {"123-45-6789", "000-00-0000", "666-12-3456", "900-12-3456"}
    offenders = []
    for item in by_label["negative"]:
        separated, _ = ssn_candidates(read_text(item))
        offenders += [(item["path"], s) for s in separated if s not in placeholders and ssn_ok(s)]
    # Dashed part numbers/report numbers are allowed only when they are not SSN-valid.
    assert not offenders, offenders


def test_phi_labels_are_backed_by_the_text(by_label: dict[str, list[Entry]]) -> None:
    problems = []
    for item in by_label["phi"]:
        text = read_text(item)
        for type_ in item["types"]:
            check = PHI_PRESENCE.get(type_)
            if check and not check(text):
                problems.append((item["path"], type_))
    assert not problems, problems


def test_phi_person_labels_name_someone_from_the_lists(
    generator: ModuleType, by_label: dict[str, list[Entry]]
) -> None:
    names = {n.lower() for n in generator.FIRST_NAMES + generator.LAST_NAMES}
    unnamed = [
        item["path"]
        for item in by_label["phi"]
        if "PERSON" in item["types"]
        and not names & {w.lower() for w in re.findall(r"[A-Za-z]+", read_text(item))}
    ]
    assert not unnamed, unnamed


def test_phi_check_digits_are_valid(by_label: dict[str, list[Entry]]) -> None:
    problems = []
    for item in by_label["phi"]:
        text, types = read_text(item), item["types"]
        if "US_SSN" in types:
            separated, _ = ssn_candidates(text)
            problems += [(item["path"], s) for s in separated if not ssn_ok(s)]
        if "US_NPI" in types:
            npis = re.findall(r"NPI#?\s*(\d+)", text) + re.findall(
                r"PV1\|[^|]*\|[^|]*\|[^|]*"
                r"\|[^|]*\|[^|]*\|[^|]*\|(\d+)\^",
                text,
            )
            problems += [(item["path"], n) for n in npis if not npi_ok(n)]
            if "prescriber_npi" in text:
                rows = [r.split(",") for r in text.splitlines()[1:]]
                problems += [(item["path"], r[3]) for r in rows if not npi_ok(r[3])]
        if "DEA_NUMBER" in types:
            deas = re.findall(r"DEA#?\s*([A-Z]{2}\d{7})", text)
            problems += [(item["path"], d) for d in deas if not dea_ok(d)]
        if "VIN" in types:
            vins = re.findall(r"VIN\s+([A-HJ-NPR-Z0-9]{17})", text)
            problems += [(item["path"], v) for v in vins if not vin_ok(v)] or (
                [] if vins else [(item["path"], "no VIN")]
            )
        for gtin in re.findall(r"\(01\)(\d{14})", text):
            if not gtin_ok(gtin):
                problems.append((item["path"], gtin))
    assert not problems, problems


# ------------------------------------------------------------------------------------------
# Synthetic, not real
# ------------------------------------------------------------------------------------------

RESERVED_SUFFIXES = (
    ".example",
    ".test",
    ".invalid",
    ".localhost",
    ".internal",
    ".local",
    "example.com",
    "example.net",
    "example.org",
)
PROVIDER_DOMAINS = ("iam.gserviceaccount.com", "mongodb.net", "sentry.io")
STANDARDS_HOSTS = {"hl7.org", "terminology.hl7.org", "loinc.org", "schema.getpostman.com"}


def test_emails_use_reserved_domains(manifest: list[Entry]) -> None:
    bad = []
    for item in manifest:
        for domain in re.findall(
            r"[A-Za-z0-9._%+-]+@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})\b", read_text(item)
        ):
            domain = domain.lower().rstrip(".")
            if not domain.endswith(RESERVED_SUFFIXES + PROVIDER_DOMAINS):
                bad.append((item["path"], domain))
    assert not bad, bad


def test_patient_contact_data_is_fictional(by_label: dict[str, list[Entry]]) -> None:
    bad = []
    phone = re.compile(r"(?<![\d-])\(?(\d{3})\)?[-. ]?(\d{3})[-. ](\d{4})(?![\d-])")
    e164 = re.compile(r"\+1(\d{3})(\d{3})(\d{4})\b")
    for item in by_label["phi"]:
        text = read_text(item)
        for _, exchange, line in phone.findall(text) + e164.findall(text):
            if exchange != "555" or not line.startswith("01"):
                bad.append((item["path"], "phone", exchange + line))
        for ip in re.findall(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])", text):
            if not ip.startswith(("192.0.2.", "198.51.100.", "203.0.113.")):
                bad.append((item["path"], "ip", ip))
        for host in re.findall(r"https?://([A-Za-z0-9.-]+)", text):
            if not (host.endswith(RESERVED_SUFFIXES) or host in STANDARDS_HOSTS):
                bad.append((item["path"], "host", host))
        separated, _ = ssn_candidates(text)
        bad += [(item["path"], "ssn", s) for s in separated if s in KNOWN_PUBLISHED_SSNS]
    assert not bad, bad


def name_pairs(text: str) -> Iterator[tuple[str, str]]:
    """Capitalised word pairs as prose writes names ("Maria Okafor", "Maria K. Okafor")."""
    yield from re.findall(r"\b([A-Z][a-z]+) (?:[A-Z]\. )?([A-Z][a-z]+)\b", text)


HL7_NAME_FIELDS = {"PID": 5, "NK1": 2, "GT1": 3, "IN1": 16}
NAME_KEYS = (
    r"(?i)[\"']?(?:patient_?name|full_?name|first_?name|last_?name|given_?name|family_?name|"
    r"subscriber_?name|cardholder|participant|assigned_to|claimant)[\"']?\s*[:=]\s*"
)
NAME_COLUMNS = {
    "patient_name",
    "name",
    "full_name",
    "patient",
    "beneficiary",
    "guarantor",
    "subscriber_name",
    "rider",
    "last name",
    "first name",
    "pt_first",
    "pt_last",
    "first_name",
    "last_name",
    "provider",
    "pcp",
}
NOT_NAMES = {"Dr", "Mr", "Mrs", "Ms", "Md", "Do", "Np", "Pa", "C"}


def name_field_values(path: str, text: str) -> Iterator[str]:
    """Values sitting where a person's name goes: HL7 name fields, FHIR family/given, name-keyed
    assignments, name columns of delimited exports."""
    for match in re.finditer(r"\b(PID|NK1|GT1|IN1)\|[^\r\n\"]*", text):
        fields = match.group(0).split("|")
        index = HL7_NAME_FIELDS[match.group(1)]
        if len(fields) > index:
            yield " ".join(fields[index].split("^")[:2])
    yield from re.findall(r"\"family\"\s*:\s*\"([^\"]+)\"", text)
    yield from re.findall(r"\"given\"\s*:\s*\[\s*\"([^\"]+)\"", text)
    yield from re.findall(r"<(?:family|given) value=\"([^\"]+)\"", text)
    yield from re.findall(NAME_KEYS + r"[\"'{ ]*([A-Za-z][A-Za-z ,.-]*)", text)
    suffix = path.rsplit(".", 1)[-1]
    if suffix in ("csv", "tsv", "psv"):
        lines = text.lstrip("\ufeff").splitlines()
        delimiter = {"tsv": "\t", "psv": "|"}.get(suffix, ";" if ";" in lines[0] else ",")
        rows = list(csv.reader(lines, delimiter=delimiter))
        columns = [i for i, h in enumerate(rows[0]) if h.strip().lower() in NAME_COLUMNS]
        for row in rows[1:]:
            yield from (row[i] for i in columns if i < len(row))


def test_people_come_only_from_the_synthetic_name_lists(
    generator: ModuleType, manifest: list[Entry]
) -> None:
    firsts, lasts = set(generator.FIRST_NAMES), set(generator.LAST_NAMES)
    placeholders = {"Jane", "Doe", "Test", "Patient"}
    assert len(firsts) >= 30 and len(lasts) >= 30 and not firsts & lasts
    strangers, checked = [], 0
    for item in manifest:
        text = read_text(item)
        for first, last in name_pairs(text):
            if first in firsts:  # a known first name must come with a known surname
                checked += 1
                if last not in lasts | placeholders:
                    strangers.append((item["path"], f"{first} {last}"))
        if item["label"] != "phi":
            continue
        for value in name_field_values(str(item["path"]), text):
            for token in re.findall(r"[A-Za-z]+", value):
                checked += 1
                word = token.title()
                if word not in firsts | lasts | placeholders | NOT_NAMES:
                    strangers.append((item["path"], token))
    assert checked > 500, "the check must actually see the corpus's names"
    assert not strangers, strangers[:20]


# ------------------------------------------------------------------------------------------
# Reproducible
# ------------------------------------------------------------------------------------------


def test_generator_is_deterministic_and_matches_the_committed_corpus(tmp_path: Path) -> None:
    outs = [tmp_path / "a", tmp_path / "b"]
    runs = [
        subprocess.Popen(
            [sys.executable, str(GENERATOR), "--out", str(out)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for out, seed in zip(outs, ("1", "2"), strict=True)
    ]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err.decode()
    committed = tree_bytes(CORPUS)
    for out in outs:
        fresh = tree_bytes(out)
        assert fresh.keys() == committed.keys()
        changed = [path for path in committed if committed[path] != fresh[path]]
        assert not changed, changed[:10]


def test_generator_refuses_to_clobber_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    run = subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path)], capture_output=True, check=False
    )
    assert run.returncode != 0
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_no_corpus_file_is_git_ignored() -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    inside = subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"],
        cwd=CORPUS,
        capture_output=True,
        text=True,
        check=False,
    )
    if inside.stdout.strip() != "true":
        pytest.skip("not a git checkout")
    paths = "\n".join(str(p) for p in CORPUS.rglob("*") if p.is_file())
    ignored = subprocess.run(
        ["git", "check-ignore", "--stdin"],
        cwd=CORPUS,
        input=paths,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ignored.stdout == "", ignored.stdout
