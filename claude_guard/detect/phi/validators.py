"""Value validators for PHI/PII recognizers: check digits, structural rules, placeholders.

Every validator takes the matched value (a string) and returns a `Verdict`:

- VALID     the value is well-formed and looks like a real identifier;
- RESERVED  well-formed but from a documentation/fiction range (example.com, 555-01xx,
            203.0.113.0/24...): kept only where health context makes it matter (a synthetic
            patient record uses them; a README does too, and is not PHI);
- INVALID   not an identifier of this kind (bad check digit, impossible date, placeholder).

Validators are referenced by name from the recognizer data (`validator: npi`), so the registry
below is the contract between `recognizers.yaml` and the code.
"""

from __future__ import annotations

import datetime as _dt
import enum
import ipaddress
import re
from collections.abc import Callable, Iterable

from claude_guard.detect.checksums import ascii_digits, luhn_valid


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


class Verdict(enum.IntEnum):
    INVALID = 0
    RESERVED = 1
    VALID = 2


Validator = Callable[[str], Verdict]

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


def is_ascii_digit(ch: str) -> bool:
    """One of 0-9. (`str.isdigit` also accepts superscripts and other scripts' digits.)"""
    return "0" <= ch <= "9"


def is_ascii_digits(s: str) -> bool:
    """Non-empty and ASCII digits only: safe to pass to `int`, digit by digit or whole."""
    return s.isascii() and s.isdigit()


# The Luhn mod-10 check (credit cards; NPI with the 80840 prefix) is `checksums.luhn_valid`;
# the name stays for what imports it from here.
luhn_ok = luhn_valid


def _all_same(s: str) -> bool:
    return len(s) > 1 and s == s[0] * len(s)


def _sequential(s: str) -> bool:
    """0123456789 / 9876543210 style runs (test data, never issued identifiers)."""
    if len(s) < 6 or not is_ascii_digits(s):
        return False
    ups = all((int(s[i + 1]) - int(s[i])) % 10 == 1 for i in range(len(s) - 1))
    downs = all((int(s[i]) - int(s[i + 1])) % 10 == 1 for i in range(len(s) - 1))
    return ups or downs


# --- placeholders --------------------------------------------------------------------------

_PLACEHOLDER_WORDS = _wordset(
    """
    null none nil undefined n/a na unknown redacted removed masked hidden anonymous anon xxx
    xxxx xxxxx placeholder example sample dummy fake test testing todo tbd tba string value
    foo bar baz qux lorem ipsum changeme required optional default
    """
)
_TEMPLATE = re.compile(r"[{}<>$%]|\[\[|\]\]|^\*+$|^#+$|^[xX*#?_-]+(?:[-\s][xX*#?_-]+)*$")


def is_placeholder(value: str) -> bool:
    """Empty, templated (`{{name}}`, `${SSN}`, `<dob>`, `%s`), masked (`***-**-1234` is still
    partially real: not a placeholder) or a stock filler word."""
    v = value.strip().strip("\"'`")
    if not v:
        return True
    if _TEMPLATE.search(v):
        return True
    low = v.lower()
    if low in _PLACEHOLDER_WORDS:
        return True
    return any(w in _PLACEHOLDER_WORDS for w in re.split(r"[\s_.-]+", low) if len(w) > 3)


# --- government / health identifiers --------------------------------------------------------

_SSN_FAKES = frozenset(
    {
        "123456789",  # the canonical example
        "078051120",  # the Woolworth wallet card
        "219099999",  # the 1940s Social Security Board pamphlet
        "457555462",  # LifeLock's advertised number
    }
)


def us_ssn(value: str) -> Verdict:
    """Area 001-899 except 666 (9xx are ITINs), group 01-99, serial 0001-9999, and none of the
    numbers printed in advertising or documentation."""
    d = ascii_digits(value)
    if len(d) != 9:
        return Verdict.INVALID
    area, group, serial = d[:3], d[3:5], d[5:]
    if area in ("000", "666") or area[0] == "9":
        return Verdict.INVALID
    if group == "00" or serial == "0000":
        return Verdict.INVALID
    if d in _SSN_FAKES or _all_same(d) or _sequential(d):
        return Verdict.INVALID
    if d.startswith("98765432"):  # 987-65-4320..4329 reserved for advertising
        return Verdict.INVALID
    return Verdict.VALID


def npi(value: str) -> Verdict:
    """National Provider Identifier: 10 digits starting 1 or 2, Luhn over "80840" + the NPI."""
    d = ascii_digits(value)
    if len(d) != 10 or d[0] not in "12" or len(d) != len(value.strip()):
        return Verdict.INVALID
    return Verdict.VALID if luhn_valid("80840" + d) else Verdict.INVALID


_DEA_REGISTRANT = frozenset("ABCDEFGHJKLMPRSTUX")


def dea(value: str) -> Verdict:
    """DEA registration: registrant-type letter, a letter (or 9), 7 digits; the last digit is the
    last digit of (d1+d3+d5) + 2*(d2+d4+d6)."""
    v = value.strip().upper()
    if len(v) != 9 or v[0] not in _DEA_REGISTRANT:
        return Verdict.INVALID
    if not (v[1].isalpha() or v[1] == "9") or not is_ascii_digits(v[2:]):
        return Verdict.INVALID
    d = [int(c) for c in v[2:]]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return Verdict.VALID if check == d[6] else Verdict.INVALID


# MBI character classes: letters exclude S, L, O, I, B, Z.
_MBI_ALPHA = frozenset("ACDEFGHJKMNPQRTUVWXY")
_MBI_ALNUM = _MBI_ALPHA | frozenset("0123456789")
_MBI_CLASSES = ("N", "A", "AN", "D", "A", "AN", "D", "A", "A", "D", "D")


def medicare_mbi(value: str) -> Verdict:
    """Medicare Beneficiary Identifier: 11 characters with a fixed class per position
    (C A AN N A AN N A A N N; C = 1-9), dashes allowed as 4-3-4 formatting."""
    v = value.strip().upper().replace("-", "")
    if len(v) != 11:
        return Verdict.INVALID
    for ch, cls in zip(v, _MBI_CLASSES, strict=True):
        if cls == "N" and not ("1" <= ch <= "9"):
            return Verdict.INVALID
        if cls == "D" and not is_ascii_digit(ch):
            return Verdict.INVALID
        if cls == "A" and ch not in _MBI_ALPHA:
            return Verdict.INVALID
        if cls == "AN" and ch not in _MBI_ALNUM:
            return Verdict.INVALID
    return Verdict.VALID


_VIN_VALUES = {
    **{str(i): i for i in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_shape(value: str) -> Verdict:
    """17 characters from the VIN alphabet (no I, O, Q) with letters and digits mixed."""
    v = value.strip().upper()
    if len(v) != 17 or any(c not in _VIN_VALUES for c in v):
        return Verdict.INVALID
    if not any(is_ascii_digit(c) for c in v) or sum(c.isalpha() for c in v) < 2:
        return Verdict.INVALID
    if not is_ascii_digits(v[-4:]):  # the sequential production number ends every VIN
        return Verdict.INVALID
    return Verdict.VALID


def vin(value: str) -> Verdict:
    """VIN with the position-9 check digit (sum of transliterated values x weights, mod 11;
    10 is written X)."""
    if vin_shape(value) is Verdict.INVALID:
        return Verdict.INVALID
    v = value.strip().upper()
    total = sum(_VIN_VALUES[c] * w for c, w in zip(v, _VIN_WEIGHTS, strict=True))
    check = total % 11
    expected = "X" if check == 10 else str(check)
    return Verdict.VALID if v[8] == expected else Verdict.INVALID


# --- financial ------------------------------------------------------------------------------

_CARD_PREFIXES = re.compile(
    r"^(?:4|5[1-5]|2(?:2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[47]|6011|65|64[4-9]"
    r"|3(?:0[0-5]|[68])|35(?:2[89]|[3-8]\d)|62)"
)


def credit_card(value: str) -> Verdict:
    """13-19 digits, a known issuer prefix, Luhn."""
    d = ascii_digits(value)
    if not 13 <= len(d) <= 19 or _all_same(d) or not _CARD_PREFIXES.match(d):
        return Verdict.INVALID
    if not luhn_valid(d):
        return Verdict.INVALID
    # Issuer test numbers printed in every payment SDK's docs.
    if d in {
        "4111111111111111",
        "4242424242424242",
        "5555555555554444",
        "378282246310005",
        "4012888888881881",
        "5105105105105100",
        "6011111111111117",
        "4000056655665556",
    }:
        return Verdict.RESERVED
    return Verdict.VALID


_IBAN_LENGTHS = {
    "AD": 24,
    "AE": 23,
    "AT": 20,
    "BE": 16,
    "BG": 22,
    "CH": 21,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "EE": 20,
    "ES": 24,
    "FI": 18,
    "FR": 27,
    "GB": 22,
    "GR": 27,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IS": 26,
    "IT": 27,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MT": 31,
    "NL": 18,
    "NO": 15,
    "PL": 28,
    "PT": 25,
    "RO": 24,
    "SA": 24,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "TR": 26,
}


# The examples printed in ISO 13616, bank and payment-provider documentation.
_EXAMPLE_IBANS = frozenset(
    {
        "DE89370400440532013000",
        "GB82WEST12345698765432",
        "GB29NWBK60161331926819",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
        "CH9300762011623852957",
        "ES9121000418450200051332",
        "IT60X0542811101000000123456",
        "BE68539007547034",
        "AT611904300234573201",
        "GB33BUKB20201555555555",
        "DE75512108001245126199",
    }
)


def iban(value: str) -> Verdict:
    """ISO 13616: country length table, then mod 97 of the rearranged number equals 1."""
    v = value.replace(" ", "").upper()
    country = v[:2]
    expected = _IBAN_LENGTHS.get(country)
    if (
        expected is None
        or len(v) != expected
        or not is_ascii_digits(v[2:4])
        or not (v.isascii() and v.isalnum())
    ):
        return Verdict.INVALID
    rearranged = v[4:] + v[:4]
    num = "".join(str(int(c, 36)) for c in rearranged)
    if int(num) % 97 != 1:
        return Verdict.INVALID
    return Verdict.RESERVED if v in _EXAMPLE_IBANS else Verdict.VALID


# --- contact --------------------------------------------------------------------------------


_TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})
_PLACEHOLDER_PHONES = frozenset({"5551234567", "8005551212", "2125551212", "8675309000"})


def phone(value: str) -> Verdict:
    """NANP: area and exchange codes start 2-9 and are not N11 service codes. The 555-01xx
    fiction range is VALID: synthetic patient records use it and real ones never do, so it
    never causes a false positive on real text. 555-555-xxxx style fillers are RESERVED.
    International (+CC...) numbers: 8-15 digits."""
    v = value.strip()
    d = ascii_digits(v)
    if v.startswith("+") and not v.startswith("+1"):
        return Verdict.VALID if 8 <= len(d) <= 15 and not _all_same(d[-7:]) else Verdict.INVALID
    if len(d) == 11 and d[0] == "1":
        d = d[1:]
    if len(d) != 10:
        return Verdict.INVALID
    area, exch, line = d[:3], d[3:6], d[6:]
    if area[0] in "01" or exch[0] in "01" or area[1:] == "11" or exch[1:] == "11":
        return Verdict.INVALID
    if _all_same(d) or _sequential(d) or _all_same(line):
        return Verdict.INVALID
    if area == exch or d in _PLACEHOLDER_PHONES:  # 555-555-0100, 800-800-...
        return Verdict.RESERVED
    if area in _TOLL_FREE:  # business lines, not a person's number
        return Verdict.RESERVED
    return Verdict.VALID


_STANDARD_HOSTS = re.compile(
    r"(?:^|\.)(?:json-schema\.org|w3\.org|schema\.org|hl7\.org|fhir\.org|ietf\.org|iana\.org"
    r"|rfc-editor\.org|loinc\.org|snomed\.info|nlm\.nih\.gov|cms\.gov|cdc\.gov|who\.int"
    r"|github\.com|gitlab\.com|bitbucket\.org|pypi\.org|npmjs\.com|python\.org|readthedocs\.io"
    r"|mozilla\.org|apache\.org|microsoft\.com|google\.com|googleapis\.com|amazonaws\.com"
    r"|localhost)$"
)
_FILE_TLDS = _wordset(
    """
    png jpg jpeg gif svg webp ico bmp tif tiff js mjs ts tsx jsx css scss py pyc rb go rs
    java kt c h cc cpp hpp json yaml yml toml xml html htm md txt csv log lock zip gz tar
    whl so dll exe bin wasm map min pdf sh bat ps1
    """
)
_ROLE_LOCALS = _wordset(
    """
    noreply no-reply donotreply do-not-reply mailer-daemon postmaster root nobody
    """
)
# Documentation placeholders and role accounts: not a person's address.
_PLACEHOLDER_LOCALS = _wordset(
    """
    jane.doe john.doe janedoe johndoe j.doe jdoe jane john user username user1 user2 test
    tester testuser example someone somebody name firstname.lastname first.last firstlast
    your.name yourname you me email mail foo bar baz admin administrator info support help
    helpdesk contact hello hi team sales billing privacy security abuse webmaster hostmaster
    devops ops alerts alert notifications notify feedback press careers jobs hr legal
    compliance patient.relations patients patient doctor member members office frontdesk
    reception
    """
)
# a role mailbox ("it-help", "billing.team", "noreply+alerts"), not a person
_ROLE_PARTS = _wordset(
    """
    help helpdesk support noreply admin info team sales billing security privacy ops devops
    alerts notifications webmaster postmaster contact hello service services desk office
    reception frontdesk appointments scheduling records hr careers press
    """
)
_SERVICE_DOMAINS = re.compile(r"(?:^|\.)(?:gserviceaccount\.com|sentry\.io)$")


def email(value: str) -> Verdict:
    v = value.strip().lower().replace("%40", "@")
    local, _, domain = v.rpartition("@")
    if not local or "." not in domain or local.startswith(".") or local.endswith("."):
        return Verdict.INVALID
    tld = domain.rsplit(".", 1)[1]
    if not tld.isalpha() or len(tld) < 2 or tld in _FILE_TLDS:
        return Verdict.INVALID
    if local in _ROLE_LOCALS or _SERVICE_DOMAINS.search(domain):
        return Verdict.INVALID
    parts = set(re.split(r"[._+-]", local))
    if local in _PLACEHOLDER_LOCALS or parts & _ROLE_PARTS:
        return Verdict.RESERVED
    return Verdict.VALID


_MASK_OCTETS = frozenset({"0", "128", "192", "224", "240", "248", "252", "254", "255"})
_PRIVATE_NETS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


def ip_address(value: str) -> Verdict:
    """A routable-looking address. Loopback, unspecified, link-local and multicast never
    identify a person; private (RFC 1918, CGNAT, ULA) ranges are infrastructure: RESERVED.
    Documentation ranges (192.0.2.0/24...) are VALID: synthetic logs use them."""
    v = value.strip().strip("[]")
    try:
        ip = ipaddress.ip_address(v)
    except ValueError:
        return Verdict.INVALID
    if ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_link_local:
        return Verdict.INVALID
    if ip.version == 4:
        octets = v.split(".")
        if any(len(o) > 1 and o[0] == "0" for o in octets):
            return Verdict.INVALID
        if v == "255.255.255.255" or all(len(o) == 1 for o in octets):  # 1.2.3.4: a version
            return Verdict.INVALID
        if octets[0] == "0" or octets[3] in ("0", "255"):  # network / broadcast addresses
            return Verdict.INVALID
        if all(o in _MASK_OCTETS for o in octets):  # 255.255.255.224: a netmask
            return Verdict.INVALID
    if any(ip in net for net in _PRIVATE_NETS):
        return Verdict.RESERVED
    return Verdict.VALID


_URL_ID_PART = re.compile(
    r"[/=]([A-Za-z]{0,4}[-_]?\d[\d-]{3,}[A-Za-z0-9]*|[A-Za-z0-9]*\d{4,}[A-Za-z0-9-]*|~[a-z][\w.-]+)"
    r"(?=$|[/?&#.])"
)
_URL_NOT_ID = re.compile(r"^(?:19|20)\d\d(?:-\d\d)?$|^v?\d+(?:\.\d+)+$")


def url(value: str) -> Verdict:
    """A URL that can point at one person: its path or query carries an identifier-like part
    (/patients/88213, ?mrn=4471902, /~jroe). Standards and code-hosting sites, and URLs with
    no such part, are RESERVED."""
    v = value.lower()
    rest = re.sub(r"^[a-z][a-z0-9+.-]*://", "", v)
    host = rest.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0].rsplit("@", 1)[-1]
    if "." not in host or host.startswith(("localhost", "127.", "0.0.0.0")):  # noqa: S104
        return Verdict.INVALID
    if _STANDARD_HOSTS.search(host):
        return Verdict.RESERVED
    path = rest[len(host) :]
    if not any(not _URL_NOT_ID.match(m.group(1)) for m in _URL_ID_PART.finditer(path)):
        return Verdict.RESERVED
    return Verdict.VALID


def personal_url(value: str) -> Verdict:
    """A URL under a personal label (homepage:, website:): any host but standards/code sites
    and documentation domains."""
    verdict = url(value)
    if verdict is not Verdict.RESERVED:
        return verdict
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value.lower()).split("/", 1)[0]
    if _STANDARD_HOSTS.search(host) or re.search(r"(?:^|\.)example\.(?:com|org|net)$", host):
        return Verdict.RESERVED
    return Verdict.VALID


def zip_code(value: str) -> Verdict:
    d = ascii_digits(value)
    if len(d) not in (5, 9) or d[:5] == "00000" or _all_same(d) or d[:5] == "12345":
        return Verdict.INVALID
    return Verdict.VALID


# --- dates and ages -------------------------------------------------------------------------

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        )
    )
    for m in names
}
_CODE_DATE = re.compile(r"\(\s*([0-9]{4}),\s*([0-9]{1,2}),\s*([0-9]{1,2})\s*\)$")
_NUMERIC_DATE = re.compile(r"^([0-9]{1,4})[/.\-]([0-9]{1,2})[/.\-]([0-9]{1,4})$")
_COMPACT_DATE = re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})(?:[0-9]{4,6})?$")
_WORD_DATE_MDY = re.compile(r"^([A-Za-z]{3,9})\.?\s+([0-9]{1,2})(?:st|nd|rd|th)?,?\s+([0-9]{4})$")
_WORD_DATE_DMY = re.compile(
    r"^([0-9]{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]{3,9})\.?,?[\s\-]+([0-9]{4})$"
)


def parse_date(value: str) -> _dt.date | None:
    """Parse the date shapes found in records and notes: M/D/YYYY, M/D/YY, YYYY-MM-DD,
    YYYYMMDD (HL7), 'March 4, 1950', '4 Mar 1950', '04-Mar-1950'."""
    v = value.strip().rstrip(".").replace("%2F", "/").replace("%2f", "/")
    code = _CODE_DATE.search(v)  # date(1951, 10, 26), Date.new(...), LocalDate.of(...)
    if code and v.endswith(")"):
        v = f"{code.group(1)}-{code.group(2)}-{code.group(3)}"
    v = re.split(r"[T\s](?=[0-9]{1,2}:[0-9]{2})", v, maxsplit=1)[0]  # drop a time part
    year: int
    month: int
    day: int
    m = _NUMERIC_DATE.match(v)
    if m:
        a, b, c = m.groups()
        if len(a) == 4:
            year, month, day = int(a), int(b), int(c)
        elif len(c) in (2, 4):
            month, day, year = int(a), int(b), int(c)
            if month > 12 and day <= 12:  # D/M/Y
                month, day = day, month
            if len(c) == 2:
                year += 1900 if year > (_dt.date.today().year % 100) else 2000
        else:
            return None
    elif m := _COMPACT_DATE.match(v):
        year, month, day = (int(g) for g in m.groups())
    elif m := _WORD_DATE_MDY.match(v):
        mon = _MONTHS.get(m.group(1).lower())
        if mon is None:
            return None
        year, month, day = int(m.group(3)), mon, int(m.group(2))
    elif m := _WORD_DATE_DMY.match(v):
        mon = _MONTHS.get(m.group(2).lower())
        if mon is None:
            return None
        year, month, day = int(m.group(3)), mon, int(m.group(1))
    else:
        return None
    try:
        return _dt.date(year, month, day)
    except ValueError:
        return None


def date(value: str) -> Verdict:
    """A real calendar date between 1900 and ten years from now."""
    d = parse_date(value)
    if d is None or not 1900 <= d.year <= _dt.date.today().year + 10:
        return Verdict.INVALID
    if d in (_dt.date(1970, 1, 1), _dt.date(1900, 1, 1)):  # epoch / "unknown" sentinels
        return Verdict.RESERVED
    return Verdict.VALID


def birth_date(value: str) -> Verdict:
    d = parse_date(value)
    if d is None or not 1890 <= d.year <= _dt.date.today().year:
        return Verdict.INVALID
    if d in (_dt.date(1970, 1, 1), _dt.date(1900, 1, 1)):
        return Verdict.RESERVED
    return Verdict.VALID


def age_over_89(value: str) -> Verdict:
    d = ascii_digits(value)
    return Verdict.VALID if d and 90 <= int(d) <= 125 else Verdict.INVALID


# --- labelled identifiers -------------------------------------------------------------------

_HEX_ONLY = re.compile(r"^(?:0x)?[0-9a-fA-F]{16,}$")
_VERSION = re.compile(r"^v?\d+(?:\.\d+){1,3}(?:[-+.]\w+)?$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def record_id(value: str) -> Verdict:
    """A labelled record/account/member/licence/serial number: 4-30 characters, at least 3
    digits, not a version, hash, UUID, all-same or 123456-style filler."""
    v = value.strip()
    if not 4 <= len(v) <= 30 or is_placeholder(v):
        return Verdict.INVALID
    d = ascii_digits(v)
    if len(d) < 3 or _VERSION.match(v) or _HEX_ONLY.match(v) or _UUID.match(v):
        return Verdict.INVALID
    core = _NON_ALNUM.sub("", v)
    if _all_same(core) or _all_same(d) or (d == core and _sequential(d)):
        return Verdict.INVALID
    if v.lower().startswith("0x"):
        return Verdict.INVALID
    return Verdict.VALID


def serial(value: str) -> Verdict:
    """A device serial / UDI: 5-40 characters with at least one digit and not a plain word,
    version, hash or placeholder (serials are often letters with few digits)."""
    v = value.strip()
    if not 5 <= len(v) <= 40 or is_placeholder(v) or not any(is_ascii_digit(c) for c in v):
        return Verdict.INVALID
    if _VERSION.match(v) or _HEX_ONLY.match(v) or _UUID.match(v) or v.lower().startswith("0x"):
        return Verdict.INVALID
    core = _NON_ALNUM.sub("", v)
    if len(core) < 5 or _all_same(core) or (is_ascii_digits(core) and _sequential(core)):
        return Verdict.INVALID
    return Verdict.VALID


def gtin_ok(digits: str) -> bool:
    """GS1 mod-10 check digit (GTIN-8/12/13/14): weights 3,1,3,1... from the right."""
    if not is_ascii_digits(digits) or len(digits) not in (8, 12, 13, 14):
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def udi(value: str) -> Verdict:
    """A GS1 UDI: (01) + GTIN-14 with a valid check digit, then application identifiers."""
    m = re.match(r"\(01\)(\d{14})", value.strip())
    if m is None or not gtin_ok(m.group(1)) or _all_same(m.group(1)[1:-1]):
        return Verdict.INVALID
    return Verdict.VALID


def plate(value: str) -> Verdict:
    v = _NON_ALNUM.sub("", value)
    if (
        not 2 <= len(v) <= 8
        or not any(is_ascii_digit(c) for c in v)
        or not any(c.isalpha() for c in v)
    ):
        return Verdict.INVALID
    return Verdict.INVALID if is_placeholder(value) else Verdict.VALID


_ADDRESS_SHAPE = re.compile(
    r"(?:^|\s)(?:\d{1,6}[A-Za-z]?\s+[A-Za-z][A-Za-z.'-]+|P\.?\s*O\.?\s*Box\s+\d+)", re.I
)


_NOT_A_STREET_WORD = _wordset(
    """
    the a an of and or to in on at for is are was be by with from this that these those it
    bytes byte bits items times lines rows columns chars characters seconds minutes hours
    days weeks months years percent args arguments
    """
)


def street_address(value: str) -> Verdict:
    """A house number followed by a word (or a PO Box), and no code punctuation."""
    if is_placeholder(value) or any(c in value for c in "()=[]{};\\"):
        return Verdict.INVALID
    m = _ADDRESS_SHAPE.search(value)
    if m is None:
        return Verdict.INVALID
    words = re.findall(r"[A-Za-z]+", value[m.start() :])
    if words and words[0].lower() in _NOT_A_STREET_WORD:  # "3 The Street parser", "12 bytes"
        return Verdict.INVALID
    return Verdict.VALID


def any_value(value: str) -> Verdict:
    return Verdict.INVALID if is_placeholder(value) else Verdict.VALID


class NameRules:
    """Data for the person-name validator: words that are never (part of) a person's name."""

    def __init__(self, stopwords: Iterable[str], min_tokens: int = 1) -> None:
        self.stopwords = frozenset(w.lower() for w in stopwords)
        self.min_tokens = min_tokens


_NAME_SPLIT = re.compile(r"[\s,]+")
# Names used as placeholders in documentation, forms and test data.
_PLACEHOLDER_NAMES = frozenset(
    """
    john doe|jane doe|doe john|doe jane|john q doe|jane q doe|john q public|jane q public|
    richard roe|jane roe|john roe|joe bloggs|jane bloggs|joe public|john smith|jane smith|
    test patient|patient test|baby boy|baby girl|max mustermann|erika mustermann|foo bar|
    first last|firstname lastname|first name|last name|given family|mickey mouse|donald duck|
    homer simpson|marge simpson|alice smith|bob smith|alice bob|john appleseed|jane appleseed
    """.replace("\n", " ").split("|")
)
_PARTICLES = _wordset(
    """
    van von de del della der den di da la le du dos das bin al st
    """
)


def person_name(value: str, rules: NameRules, min_tokens: int) -> Verdict:
    """Capitalised name tokens (or ALL-CAPS "DOE, JANE"), at most one comma, no stopword,
    at least `min_tokens` tokens that are more than an initial."""
    if is_placeholder(value) or value.count(",") > 1:
        return Verdict.INVALID
    tokens = [t for t in _NAME_SPLIT.split(value.strip()) if t]
    if not tokens or len(tokens) > 5:
        return Verdict.INVALID
    full = 0
    for tok in tokens:
        bare = tok.rstrip(".")
        low = bare.lower()
        if low in _PARTICLES:
            continue
        if low in rules.stopwords:
            return Verdict.INVALID
        if len(bare) >= 2:
            if not any(c in "aeiouyAEIOUY" or ord(c) > 127 for c in bare):
                return Verdict.INVALID  # "DR", "MRN", "XYZ": acronyms, not names
            full += 1
    if full < min_tokens:
        return Verdict.INVALID
    if full == 1 and len(tokens) == 1 and tokens[0].isupper() and len(tokens[0]) <= 3:
        return Verdict.INVALID
    key = " ".join(t.rstrip(".").lower() for t in tokens if len(t.rstrip(".")) > 1)
    if key.strip() in _PLACEHOLDER_NAMES or " ".join(reversed(key.split())) in _PLACEHOLDER_NAMES:
        return Verdict.RESERVED
    return Verdict.VALID


VALIDATORS: dict[str, Validator] = {
    "us_ssn": us_ssn,
    "npi": npi,
    "dea": dea,
    "medicare_mbi": medicare_mbi,
    "vin": vin,
    "vin_shape": vin_shape,
    "credit_card": credit_card,
    "iban": iban,
    "phone": phone,
    "email": email,
    "ip_address": ip_address,
    "url": url,
    "personal_url": personal_url,
    "zip_code": zip_code,
    "date": date,
    "birth_date": birth_date,
    "age_over_89": age_over_89,
    "record_id": record_id,
    "serial": serial,
    "udi": udi,
    "plate": plate,
    "street_address": street_address,
    "any": any_value,
}
# "person_name" is bound to the loaded name rules by the registry (it needs data).
