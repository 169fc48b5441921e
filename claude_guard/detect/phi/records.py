"""Record structure: tables (with or without a header), SQL, HL7 v2 and FHIR.

Each schema says what a cell or field is: a header cell or SQL column is looked up through the
labels, an HL7 field by segment and number, a FHIR value by its key. Without a header, the
kind of each column is inferred from its values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from claude_guard.detect.phi import validators as v
from claude_guard.detect.phi.base import Candidate, Example, Identifier, ValueKind
from claude_guard.detect.phi.labels import LabelIndex, LabelledRecognizer
from claude_guard.detect.phi.text import ScanDoc

__all__ = [
    "INFERRED_ENTITY",
    "DelimitedTableRecognizer",
    "FhirRecognizer",
    "Hl7Recognizer",
    "InferredTableRecognizer",
    "SqlInsertRecognizer",
    "split_cells",
]


# ---------------------------------------------------------------------------------------------
# Record structure
# ---------------------------------------------------------------------------------------------


def split_cells(line: str, delim: str) -> list[tuple[int, int]]:
    """Cell spans of one delimited line (double-quoted cells may contain the delimiter);
    spans exclude surrounding whitespace and quotes."""
    cells: list[tuple[int, int]] = []
    i, n = 0, len(line)
    while True:
        start = i
        if i < n and line[i] == '"':
            j = i + 1
            while j < n:
                if line[j] == '"':
                    if j + 1 < n and line[j + 1] == '"':
                        j += 2
                        continue
                    break
                j += 1
            cells.append((i + 1, min(j, n)))
            k = line.find(delim, j)
            if k == -1:
                return cells
            i = k + 1
            continue
        k = line.find(delim, i)
        stop = n if k == -1 else k
        a, b = start, stop
        while a < b and line[a] in " \t":
            a += 1
        while b > a and line[b - 1] in " \t\r":
            b -= 1
        cells.append((a, b))
        if k == -1:
            return cells
        i = k + 1


_HEADER_CELL = re.compile(r"[A-Za-z#][\w .#/()'\u2019+-]{0,60}")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


@dataclass(slots=True)
class DelimitedTableRecognizer:
    id: str
    entities: tuple[str, ...]
    delimiters: tuple[str, ...]
    min_mapped: int
    max_columns: int
    max_rows: int
    index: LabelIndex | None = None
    examples: tuple[tuple[Example, ...], tuple[Example, ...]] = ((), ())

    def find(self, doc: ScanDoc) -> Iterator[Candidate]:
        if self.index is None:
            return
        for line_start in self.index.header_lines(doc):
            yield from self._table(doc, line_start)

    def _table(self, doc: ScanDoc, line_start: int) -> Iterator[Candidate]:
        index = self.index
        if index is None:
            return
        text = doc.text
        line_end = doc.line_end(line_start)
        header = text[line_start:line_end].rstrip("\r")
        if header.startswith("\ufeff"):  # Excel's UTF-8 BOM
            header = " " + header[1:]
        delim = max(self.delimiters, key=header.count)
        if header.count(delim) < 1:
            return
        markdown = delim == "|" and header.lstrip().startswith("|")
        cells = split_cells(header, delim)
        if markdown:
            cells = cells[1:-1] if header.rstrip().endswith("|") else cells[1:]
        if not 2 <= len(cells) <= self.max_columns:
            return
        columns: dict[int, tuple[LabelledRecognizer, Identifier]] = {}
        specific = False
        for i, (a, b) in enumerate(cells):
            cell = header[a:b]
            if not _HEADER_CELL.fullmatch(cell):
                return  # code, prose or data, not a header
            mapped = index.lookup_cell(cell)
            if mapped is not None:
                rec, ident, key = mapped
                columns[i] = (rec, ident)
                if key not in index.no_prefix and rec.identifier is not Identifier.WEAK:
                    specific = True
        # two label columns, or one specific one ("mrn", not "name")
        if len(columns) < self.min_mapped and not (columns and specific):
            return
        pos = line_end + 1
        rows = 0
        while pos < len(text) and rows < self.max_rows:
            end = doc.line_end(pos)
            row = text[pos:end].rstrip("\r")
            if not row.strip():
                break
            if markdown and _MD_RULE.match(row):
                pos = end + 1
                continue
            rcells = split_cells(row, delim)
            if markdown:
                rcells = rcells[1:-1] if row.rstrip().endswith("|") else rcells[1:]
            if len(rcells) != len(cells):
                break
            for i, (rec, ident) in columns.items():
                a, b = rcells[i]
                if a >= b:
                    continue
                found = rec.value_at(text, pos + a, pos + b, None)
                if found is None:
                    continue
                s, e, verdict = found
                yield Candidate(
                    rec.entities[0], s, e, rec.score, f"{self.id}/{rec.id}", ident, verdict
                )
            rows += 1
            pos = end + 1


_SQL_INSERT = re.compile(
    r"(?i:insert)\s+(?i:into)\s+([\w.\"`\[\]]+)\s*(?:\(([^()]{1,2000})\)\s*)?(?i:values)\s*", re.S
)
_SQL_CREATE = re.compile(
    r"(?i:create)\s+(?:(?i:temporary|temp)\s+)?(?i:table)\s+(?:(?i:if\s+not\s+exists)\s+)?"
    r"([\w.\"`\[\]]+)\s*\(",
    re.S,
)
_SQL_VALUE = re.compile(
    r"\s*(?:'((?:[^'\\]|''|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"|"
    r"(NULL|null|[-+]?\d[\w.:+-]*|\?|%s|:\w+|\$\d+|%\(\w+\)s))\s*"
)
_SQL_ALIAS = re.compile(r"'((?:[^'\n]|''){1,120})'(?:::\w+)?\s+(?i:as)\s+[\"`]?(\w+)")


def _sql_name(raw: str) -> str:
    return raw.strip().strip('"`[]').split(".")[-1].strip('"`[]').lower()


@dataclass(slots=True)
class SqlInsertRecognizer:
    """INSERT ... VALUES tuples (columns from the statement or from a CREATE TABLE in the same
    text) and `SELECT 'literal' AS column` rows, mapped through the labels."""

    id: str
    entities: tuple[str, ...]
    index: LabelIndex | None = field(default=None, repr=False)
    examples: tuple[tuple[Example, ...], tuple[Example, ...]] = ((), ())

    def find(self, doc: ScanDoc) -> Iterator[Candidate]:
        if self.index is None:
            return
        text = doc.text
        if doc.has_word("insert") and doc.positions("insert"):
            tables = self._create_tables(doc) if doc.has_word("create") else {}
            for p in doc.positions("insert"):
                m = _SQL_INSERT.match(text, p)
                if m is None:
                    continue
                cols = (
                    m.group(2).split(",") if m.group(2) else tables.get(_sql_name(m.group(1)), [])
                )
                yield from self._tuples(text, m.end(), [c.strip().strip('"`[]') for c in cols])
        if doc.has_word("select") and doc.has_word("as"):
            for m in self._aliases(doc):
                mapped = self.index.lookup_cell(m.group(2))
                if mapped is None:
                    continue
                rec, ident, _ = mapped
                found = rec.value_at(text, m.start(1), m.end(1), None)
                if found is not None and found[1] <= m.end(1):
                    yield Candidate(
                        rec.entities[0],
                        found[0],
                        found[1],
                        rec.score,
                        f"{self.id}/{rec.id}",
                        ident,
                        found[2],
                    )

    @staticmethod
    def _aliases(doc: ScanDoc) -> Iterator[re.Match[str]]:
        """`'literal' AS column` within a few lines after each SELECT."""
        seen = -1
        for p in doc.positions("select"):
            if p < seen:
                continue
            end = min(len(doc.text), p + 4000)
            yield from _SQL_ALIAS.finditer(doc.text, p, end)
            seen = end

    def _create_tables(self, doc: ScanDoc) -> dict[str, list[str]]:
        tables: dict[str, list[str]] = {}
        text = doc.text
        for p in doc.positions("create"):
            m = _SQL_CREATE.match(text, p)
            if m is None:
                continue
            end = _matching_paren(text, m.end() - 1)
            cols = []
            for part in _split_top_level(text[m.end() : end]):
                name = part.strip().split(None, 1)[0].strip('"`[]') if part.strip() else ""
                if name and name.upper() not in (
                    "PRIMARY",
                    "FOREIGN",
                    "UNIQUE",
                    "CONSTRAINT",
                    "KEY",
                    "CHECK",
                    "INDEX",
                ):
                    cols.append(name)
            tables[_sql_name(m.group(1))] = cols
        return tables

    def _tuples(self, text: str, pos: int, cols: list[str]) -> Iterator[Candidate]:
        assert self.index is not None
        mapped = [self.index.lookup_cell(c) for c in cols]
        if not any(mapped):
            return
        n = len(text)
        for _ in range(100000):  # one tuple per iteration
            if pos >= n or text[pos] != "(":
                return
            pos += 1
            for col in range(len(cols)):
                vm = _SQL_VALUE.match(text, pos)
                if vm is None:
                    break
                m_col = mapped[col]
                group = 1 if vm.group(1) is not None else 2 if vm.group(2) is not None else 3
                s, e = vm.span(group)
                if m_col is not None and s < e:
                    rec, ident, _ = m_col
                    found = rec.value_at(text, s, e, None)
                    if found is not None and found[1] <= e:
                        yield Candidate(
                            rec.entities[0],
                            found[0],
                            found[1],
                            rec.score,
                            f"{self.id}/{rec.id}",
                            ident,
                            found[2],
                        )
                pos = vm.end()
                if pos < n and text[pos] == ",":
                    pos += 1
            close = text.find(")", pos)
            if close == -1:
                return
            pos = close + 1
            while pos < n and text[pos] in " \t\r\n,":
                pos += 1
            if text.startswith(("INSERT", "insert"), pos):
                return


def _matching_paren(text: str, open_pos: int) -> int:
    depth = 0
    for i in range(open_pos, min(len(text), open_pos + 20000)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return min(len(text), open_pos + 20000)


def _split_top_level(body: str) -> list[str]:
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in body:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


# ---------------------------------------------------------------------------------------------
# Tables without a header: infer each column's kind from its values
# ---------------------------------------------------------------------------------------------

_TUPLE = re.compile(
    r"\((\s*(?:'(?:[^'\\\n]|\\.|'')*'|\"(?:[^\"\\\n]|\\.)*\"|-?\d[\w.:/-]*|NULL|null|None|True|False)"
    r"(?:\s*,\s*(?:'(?:[^'\\\n]|\\.|'')*'|\"(?:[^\"\\\n]|\\.)*\"|-?\d[\w.:/-]*|NULL|null|None|True|False)){2,40}\s*)\)"
)
_TUPLE_CELL = re.compile(
    r"'((?:[^'\\\n]|\\.|'')*)'|\"((?:[^\"\\\n]|\\.)*)\"|(-?\d[\w.:/-]*|NULL|null|None|True|False)"
)
_FIXED_SPLIT = re.compile(r"\S+(?: \S+)*")


@dataclass(slots=True)
class InferredTableRecognizer:
    """Rows without a header: CSV with no header line, fixed-width reports, and tuples of
    literals (`args=('0127598', 'Priya Quintero', '1973-10-24')`, `VALUES (1,'Pike',...)`).

    Rows come only from lines that hold a digit shape (the shared pre-filter), so code costs
    nothing extra. Rows of the same shape (>= min_rows) form a table; a column takes a kind
    when >= column_share of its cells validate as that kind. The table is an identity table
    when it has a name column (a full name, or two name-part columns) and an identifier column
    (date, SSN, phone, e-mail, ID); only then are its cells candidates."""

    id: str
    entities: tuple[str, ...]
    anchors: tuple[str, ...]
    min_rows: int
    column_share: float
    kinds: dict[str, ValueKind]
    score: float
    examples: tuple[tuple[Example, ...], tuple[Example, ...]] = ((), ())

    def find(self, doc: ScanDoc) -> Iterator[Candidate]:
        positions = sorted({p for a in self.anchors for p in doc.positions(a)})
        if len(positions) < self.min_rows:
            return
        text = doc.text
        groups: dict[tuple[str, int], list[list[tuple[int, int]]]] = {}
        seen_lines: set[int] = set()
        for p in positions:
            ls = doc.line_start(p)
            if ls in seen_lines:
                continue
            seen_lines.add(ls)
            le = doc.line_end(p)
            if le - ls > 5000:
                continue
            for shape, row in self._rows(text, ls, le):
                groups.setdefault(shape, []).append(row)
        for (_, ncols), rows in groups.items():
            if len(rows) >= self.min_rows:
                yield from self._table(text, rows, ncols)

    def _rows(
        self, text: str, ls: int, le: int
    ) -> Iterator[tuple[tuple[str, int], list[tuple[int, int]]]]:
        line = text[ls:le]
        tuples = list(_TUPLE.finditer(line))
        if tuples:
            for t in tuples:
                cells = []
                for cm in _TUPLE_CELL.finditer(line, t.start(1), t.end(1)):
                    g = 1 if cm.group(1) is not None else 2 if cm.group(2) is not None else 3
                    cells.append((ls + cm.start(g), ls + cm.end(g)))
                yield ("tuple", len(cells)), cells
            return
        stripped = line.rstrip("\r")
        delim = max(",\t|;", key=stripped.count)
        if stripped.count(delim) >= 2:
            cells = [(ls + a, ls + b) for a, b in split_cells(stripped, delim)]
            yield ("delim" + delim, len(cells)), cells
            return
        parts = [m for m in _FIXED_SPLIT.finditer(stripped) if m.group()]
        if len(parts) >= 3 and "  " in stripped:
            yield ("fixed", len(parts)), [(ls + m.start(), ls + m.end()) for m in parts]

    def _table(
        self, text: str, rows: list[list[tuple[int, int]]], ncols: int
    ) -> Iterator[Candidate]:
        kinds: dict[int, str] = {}
        for col in range(ncols):
            cells = [row[col] for row in rows if row[col][0] < row[col][1]]
            if len(cells) < self.min_rows:
                continue
            probe = cells[: self.min_rows]
            for kind_name, kind in self.kinds.items():
                # a quick look at the first cells before validating the whole column
                if sum(1 for a, b in probe if _whole_cell(kind, text, a, b)) < len(probe) - 1:
                    continue
                ok = sum(1 for a, b in cells if _whole_cell(kind, text, a, b))
                if ok >= self.column_share * len(cells):
                    kinds[col] = kind_name
                    break
        names = [c for c, k in kinds.items() if k in ("person", "name_part")]
        ids = [c for c, k in kinds.items() if k not in ("person", "name_part")]
        has_name = any(kinds[c] == "person" for c in names) or len(names) >= 2
        if not (has_name and ids):
            return
        birth_like = self._birth_like(text, rows, [c for c in ids if kinds[c] == "date"])
        for row in rows:
            for col, kind_name in kinds.items():
                a, b = row[col]
                found = self.kinds[kind_name].extract(text, a, b, None)
                if found is None or found[1] != b:
                    continue
                entity = INFERRED_ENTITY[kind_name]
                if kind_name == "date":
                    entity = "DATE_OF_BIRTH" if col in birth_like else "DATE"
                yield Candidate(
                    entity, found[0], found[1], self.score, self.id, Identifier.STRONG, found[2]
                )

    @staticmethod
    def _birth_like(text: str, rows: list[list[tuple[int, int]]], cols: list[int]) -> set[int]:
        """Date columns that look like birth dates: all in the past, spread over >= 15 years."""
        out = set()
        for col in cols:
            years = [d.year for row in rows if (d := v.parse_date(text[row[col][0] : row[col][1]]))]
            if years and max(years) - min(years) >= 15:
                out.add(col)
        return out


def _whole_cell(kind: ValueKind, text: str, a: int, b: int) -> bool:
    found = kind.extract(text, a, b, None)
    return found is not None and found[1] == b


INFERRED_ENTITY = {
    "person": "PERSON",
    "name_part": "PERSON",
    "date": "DATE",
    "ssn": "US_SSN",
    "phone": "PHONE_NUMBER",
    "email": "EMAIL_ADDRESS",
    "id": "UNIQUE_ID",
}


_HL7_SEGMENT_START = re.compile(r"(?:^|(?<=[\r\n\"' \t])|(?<=\\[rn]))([A-Z][A-Z0-9]{2})\|")


@dataclass(slots=True)
class Hl7Recognizer:
    id: str
    entities: tuple[str, ...]
    identifier: Identifier
    score: float
    segments: dict[str, dict[int, str]]
    id_types: dict[str, str]
    entity_values: dict[str, LabelledRecognizer] = field(default_factory=dict, repr=False)
    examples: tuple[tuple[Example, ...], tuple[Example, ...]] = ((), ())

    def find(self, doc: ScanDoc) -> Iterator[Candidate]:
        text = doc.text
        starts: set[int] = set()
        words = doc.words
        for seg in self.segments:
            w = seg.lower().encode()
            # "PID|" is a word of the text, or glued to an escaped "\r" inside a JSON string
            if w not in words and b"r" + w not in words and b"n" + w not in words:
                continue
            for p in doc._find_all(text, seg + "|"):
                if _HL7_SEGMENT_START.match(text, p):
                    starts.add(p)
        for p in sorted(starts):
            yield from self._segment(text, p)

    def _segment(self, text: str, p: int) -> Iterator[Candidate]:
        end = p
        n = len(text)
        while (
            end < n
            and text[end] not in '\r\n"'
            and not (text[end] == "\\" and text[end + 1 : end + 2] in ("r", "n"))
        ):
            end += 1
        seg = text[p : p + 3]
        wanted = self.segments.get(seg, {})
        if text.count("|", p, end) < 3:
            return
        pos = p + 4
        field_no = 1
        while pos <= end:
            bar = text.find("|", pos, end)
            stop = end if bar == -1 else bar
            entity = wanted.get(field_no)
            if entity is not None and stop > pos:
                yield from self._field(text, pos, stop, entity)
            if bar == -1:
                break
            pos = bar + 1
            field_no += 1

    def _field(self, text: str, a: int, b: int, entity: str) -> Iterator[Candidate]:
        for rep_a, rep_b in _split_span(text, a, b, "~"):
            comps = text[rep_a:rep_b].split("^")
            etype = entity
            if len(comps) >= 5 and comps[4].strip().upper() in self.id_types:
                etype = self.id_types[comps[4].strip().upper()]
            s, e = rep_a, rep_b
            if etype not in ("PERSON", "STREET_ADDRESS", "PHONE_NUMBER") and "^" in text[s:e]:
                e = s + len(comps[0])  # an identifier: its first component
            while e > s and text[e - 1] in "^& ":
                e -= 1
            while s < e and text[s] in "^& ":
                s += 1
            value = text[s:e]
            if not any(c.isalnum() for c in value) or value in ('""',):
                continue
            verdict = self._check(etype, value)
            if verdict is v.Verdict.INVALID:
                continue
            yield Candidate(etype, s, e, self.score, self.id, self.identifier, verdict)

    def _check(self, entity: str, value: str) -> v.Verdict:
        """HL7 values are structured; validate the parts a placeholder would show in:
        names (PATIENT^TEST), dates (19000101), identifiers (000000)."""
        flat = value.replace("^", " ").replace("&", " ").strip()
        if v.is_placeholder(flat):
            return v.Verdict.INVALID
        if entity == "PERSON":
            parts = [p for p in value.split("^")[:3] if len(p) > 1]  # initials are no evidence
            rec = self.entity_values.get("PERSON")
            if rec is None:
                return v.Verdict.VALID
            verdicts = [rec.value_kinds[0].validator(p.title()) for p in parts]
            if not verdicts or v.Verdict.INVALID in verdicts:
                return v.Verdict.INVALID
            return min(verdicts)
        if entity in ("DATE_OF_BIRTH", "DATE"):
            return v.birth_date(value[:8]) if entity == "DATE_OF_BIRTH" else v.date(value[:8])
        if entity in (
            "MEDICAL_RECORD_NUMBER",
            "ACCOUNT_NUMBER",
            "HEALTH_PLAN_ID",
            "LICENSE_NUMBER",
        ):
            return v.record_id(value.split("^", 1)[0])
        if entity == "US_SSN":
            return v.us_ssn(value)
        if entity == "NPI":
            return v.npi(value.split("^", 1)[0])
        return v.Verdict.VALID


def _split_span(text: str, a: int, b: int, sep: str) -> Iterator[tuple[int, int]]:
    pos = a
    while True:
        k = text.find(sep, pos, b)
        if k == -1:
            yield pos, b
            return
        yield pos, k
        pos = k + 1


_FHIR_XML_IDENTIFIER = re.compile(r"<identifier>(.{0,1500}?)</identifier>", re.S)
_FHIR_XML_VALUE = re.compile(r'<value value="([^"\n]{1,200})"\s*/>')
_FHIR_XML_CODE = re.compile(r'<code value="([A-Za-z]{1,5})"\s*/>')
_FHIR_NAME_OBJ = re.compile(
    r'"(name|patient|subject|beneficiary|individual|policyHolder|subscriber)"\s*:\s*\[?\s*\{'
)
_CONTACT_REACH = 2000
_FHIR_IDENTIFIERS = re.compile(r'"identifier"\s*:\s*\[')
_FHIR_NAME_TEXT = re.compile(r'"text"\s*:\s*"([^"\n]{1,200})"')
_FHIR_DISPLAY = re.compile(r'"display"\s*:\s*"([^"\n]{1,200})"')
_JSON_STR = re.compile(r'\s*"((?:[^"\\\n]|\\.){0,200})"')
_FHIR_SYSTEM = re.compile(r'"system"\s*:\s*"([^"\n]{1,200})"')
_FHIR_CODE = re.compile(r'"code"\s*:\s*"([A-Za-z]{1,5})"')
_FHIR_VALUE = re.compile(r'"value"\s*:\s*"((?:[^"\\\n]|\\.){1,200})"')


@dataclass(slots=True)
class FhirRecognizer:
    id: str
    entities: tuple[str, ...]
    identifier: Identifier
    score: float
    resource_types: tuple[str, ...]
    keys: dict[str, str]
    telecom_systems: dict[str, str]
    id_types: dict[str, str]
    id_systems: dict[str, str]
    default_identifier: str
    entity_values: dict[str, LabelledRecognizer]
    examples: tuple[tuple[Example, ...], tuple[Example, ...]] = ((), ())
    _key_re: re.Pattern[str] = field(init=False)
    _xml_re: re.Pattern[str] = field(init=False)
    _active_re: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        keys = "|".join(re.escape(k) for k in self.keys)
        self._key_re = re.compile(r'"(' + keys + r')"\s*:\s*(\[?)')
        self._xml_re = re.compile(r"<(" + keys + r')\s+value="([^"\n]{1,200})"')
        self._active_re = re.compile(
            r'"resourceType"\s*:\s*"[A-Z][A-Za-z]+"|<[A-Z][A-Za-z]+\s+xmlns="http://hl7\.org/fhir"'
        )

    def find(self, doc: ScanDoc) -> Iterator[Candidate]:
        if not (doc.has_word("resourcetype") or doc.has_word("fhir")):
            return
        text = doc.text
        if not self._active_re.search(text):
            return
        for m in self._key_re.finditer(text):
            entity = self.keys[m.group(1)]
            pos = m.end()
            while True:
                sm = _JSON_STR.match(text, pos)
                if sm is None:
                    break
                yield from self._value(text, sm.start(1), sm.end(1), entity)
                pos = sm.end()
                if not m.group(2) or text[pos : pos + 1] != ",":
                    break
                pos += 1
        for m in self._xml_re.finditer(text):
            yield from self._value(text, m.start(2), m.end(2), self.keys[m.group(1)])
        yield from self._name_text(text)
        yield from self._telecom(text)
        yield from self._identifiers(text)
        yield from self._xml_identifiers(text)

    def _xml_identifiers(self, text: str) -> Iterator[Candidate]:
        """<identifier>...<code value="MR"/>...<value value="00482913"/></identifier>"""
        for m in _FHIR_XML_IDENTIFIER.finditer(text):
            body = m.group(1)
            vm = _FHIR_XML_VALUE.search(body)
            if vm is None:
                continue
            entity = self.default_identifier
            cm = _FHIR_XML_CODE.search(body)
            if cm is not None:
                entity = self.id_types.get(cm.group(1).upper(), entity)
            value = vm.group(1)
            if v.record_id(value) is v.Verdict.INVALID and v.serial(value) is v.Verdict.INVALID:
                continue
            start = m.start(1) + vm.start(1)
            yield Candidate(entity, start, start + len(value), self.score, self.id, self.identifier)

    def _value(self, text: str, s: int, e: int, entity: str) -> Iterator[Candidate]:
        if s >= e or v.is_placeholder(text[s:e]):
            return
        rec = self.entity_values.get(entity)
        if rec is not None and rec.value_at(text, s, e, None) is None:
            return
        yield Candidate(entity, s, e, self.score, self.id, self.identifier)

    def _name_text(self, text: str) -> Iterator[Candidate]:
        """HumanName.text, and the display of a reference to the patient/subject."""
        for m in _FHIR_NAME_OBJ.finditer(text):
            close = text.find("}", m.end())
            seg_end = close if close != -1 else min(len(text), m.end() + 400)
            tm = (_FHIR_NAME_TEXT if m.group(1) == "name" else _FHIR_DISPLAY).search(
                text, m.end(), seg_end
            )
            if tm:
                yield from self._value(text, tm.start(1), tm.end(1), "PERSON")

    def _telecom(self, text: str) -> Iterator[Candidate]:
        for m in _FHIR_SYSTEM.finditer(text):
            entity = self.telecom_systems.get(m.group(1))
            if entity is None:
                continue
            # A ContactPoint is a small object: its braces are looked for nearby only (a text
            # of many systems and no braces made every match search the whole text).
            lo = text.rfind("{", max(0, m.start() - _CONTACT_REACH), m.start())
            hi = text.find("}", m.end(), m.end() + _CONTACT_REACH)
            if lo == -1 or hi == -1:
                continue
            vm = _FHIR_VALUE.search(text, lo, hi)
            if vm:
                yield from self._value(text, vm.start(1), vm.end(1), entity)

    def _identifiers(self, text: str) -> Iterator[Candidate]:
        device_only = '"Device"' in text and '"Patient"' not in text
        default = "DEVICE_ID" if device_only else self.default_identifier
        end = -1
        for m in _FHIR_IDENTIFIERS.finditer(text):
            if m.start() < end:
                # Inside the previous identifier array (FHIR never nests one in another): its
                # objects were read already, and following each nested bracket again made
                # 187 KB of `"identifier":[` take 16 s.
                continue
            end = _matching_bracket(text, m.end() - 1)
            for obj_s, obj_e in _top_level_objects(text, m.end(), end):
                vm = _FHIR_VALUE.search(text, obj_s, obj_e)
                if vm is None:
                    continue
                entity = default
                for cm in _FHIR_CODE.finditer(text, obj_s, obj_e):
                    entity = self.id_types.get(cm.group(1).upper(), entity)
                for sm in _FHIR_SYSTEM.finditer(text, obj_s, obj_e):
                    system = sm.group(1).lower()
                    for key, ent in self.id_systems.items():
                        if system.endswith(key) or f"/{key}" in system:
                            entity = ent
                value = vm.group(1)
                if v.record_id(value) is v.Verdict.INVALID and v.serial(value) is v.Verdict.INVALID:
                    continue  # "1", "abc", "0000": not an identifier of anyone
                yield Candidate(
                    entity, vm.start(1), vm.end(1), self.score, self.id, self.identifier
                )


def _matching_bracket(text: str, open_pos: int) -> int:
    depth = 0
    in_str = False
    i = open_pos
    n = min(len(text), open_pos + 20000)
    while i < n:
        c = text[i]
        if in_str:
            if c == "\\":
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return n


def _top_level_objects(text: str, a: int, b: int) -> Iterator[tuple[int, int]]:
    i = a
    while i < b:
        k = text.find("{", i, b)
        if k == -1:
            return
        end = _matching_bracket(text, k)
        yield k, min(end, b)
        i = end + 1
