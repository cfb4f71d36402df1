"""Read an uploaded file into rows of import fields: decoding, CSV and vCard parsing, cell checks.

Nothing here touches the database. Every refusal is a :class:`FileRejected` naming what is wrong (the API
answers it as problem+json, the CLI as one line).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from contacts.imports.profiles import MEISHI, MULTI, MappingError, columns_for
from contacts.segments.export import unescape_formula

ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "cp932": "cp932",
    "shift_jis": "cp932",
}
MAX_CELL = 2000
# A cell a spreadsheet would evaluate: stored as the text it is, never evaluated; flagged in the plan.
_FORMULA = re.compile(r"^[=@]|^[+\-](?![\d\s(])")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class FileRejected(ValueError):
    """The file cannot be imported at all; ``errors`` are field-level details in the API's shape."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None, *, too_large: bool = False):
        super().__init__(message)
        self.errors = errors or []
        self.too_large = too_large


@dataclass
class ParsedRow:
    """One record of the file: its number (1-based, header not counted), its fields and what is wrong."""

    number: int
    values: dict[str, Any]
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ParsedFile:
    """What a file holds: its format, encoding, profile, column mapping and rows."""

    format: str
    encoding: str
    profile: str
    mapping: dict[str, str]
    rows: list[ParsedRow]


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Return (text, encoding): the named encoding, else UTF-8 (with or without BOM), else cp932."""
    if encoding is not None:
        name = ENCODINGS.get(encoding.strip().lower())
        if name is None:
            raise FileRejected(
                f"unsupported encoding {encoding!r}",
                [{"field": "encoding", "message": "one of utf-8, utf-8-sig, cp932", "code": "unsupported"}],
            )
        candidates = [name]
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    else:
        candidates = ["utf-8", "cp932"]
    failure: UnicodeDecodeError | None = None
    for name in candidates:
        try:
            text = data.decode("utf-8-sig" if name == "utf-8" else name)
        except UnicodeDecodeError as e:
            failure = failure or e
            continue
        if "\x00" in text:  # UTF-16 or binary data decodes "successfully" into NUL characters
            raise FileRejected(
                "the file contains NUL bytes: it is not UTF-8 or cp932 text (UTF-16? a spreadsheet file?); "
                "save it as CSV in UTF-8",
                [{"field": "encoding", "message": "NUL bytes in the text", "code": "wrong_encoding"}],
            )
        return text, name
    assert failure is not None
    tried = " or ".join(candidates)
    raise FileRejected(
        f"the file is not {tried} text (byte 0x{data[failure.start]:02x} at offset {failure.start}); "
        "save it as UTF-8 or cp932 (Shift_JIS), or name its encoding with encoding=",
        [{"field": "encoding", "message": f"cannot decode as {tried}", "code": "wrong_encoding"}],
    ) from failure


def _check_cell(row: ParsedRow, column: str, value: str) -> bool:
    """Record what is wrong with a cell; return whether its value may be kept."""
    if _UNSTORABLE.search(value):
        row.errors.append(
            {"column": column, "message": "NUL or unpaired surrogate characters", "code": "invalid"}
        )
        return False
    if len(value) > MAX_CELL:
        row.errors.append(
            {"column": column, "message": f"longer than {MAX_CELL} characters", "code": "too_long"}
        )
        return False
    if _FORMULA.match(value):
        row.warnings.append(
            {
                "column": column,
                "message": "looks like a spreadsheet formula; stored as text",
                "code": "formula",
            }
        )
    return True


def _put(values: dict[str, Any], name: str, value: str) -> None:
    if name in MULTI:
        values.setdefault(name, []).extend(v.strip() for v in value.split(";") if v.strip())
    elif name == "address" and name in values:
        values[name] = f"{values[name]} {value}"
    elif name not in values:
        values[name] = value


def _csv_rows(text: str, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for record in reader:
            if reader.line_num and len(record) == 0:
                continue
            yield reader.line_num, record
    except csv.Error as e:
        raise FileRejected(
            f"the CSV is broken at line {reader.line_num + 1}: {e}",
            [{"field": "file", "message": f"line {reader.line_num + 1}: {e}", "code": "broken_csv"}],
        ) from e


def _too_many(max_rows: int) -> FileRejected:
    return FileRejected(
        f"the file has more than {max_rows} rows (MEISHI_IMPORT_MAX_ROWS); split it",
        [{"field": "file", "message": f"more than {max_rows} rows", "code": "too_many_rows"}],
    )


def parse_csv(
    text: str, *, max_rows: int, profile: str | None = None, mapping: Mapping[str, str] | None = None
) -> tuple[str, dict[str, str], list[ParsedRow]]:
    """Parse CSV text into rows of fields; return (profile, column mapping, rows)."""
    records = _csv_rows(text, max_rows)
    first = next(records, None)
    if first is None:
        raise FileRejected(
            "the file is empty", [{"field": "file", "message": "no header row", "code": "empty"}]
        )
    header = [h.strip() for h in first[1]]
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise FileRejected(
            f"the header repeats columns: {', '.join(dupes)}",
            [{"field": "file", "message": f"repeated columns {dupes}", "code": "broken_csv"}],
        )
    try:
        name, columns = columns_for(header, profile=profile, mapping=mapping)
    except MappingError as e:
        raise FileRejected(str(e), e.errors) from e
    rows: list[ParsedRow] = []
    for number, (_line, record) in enumerate(records, start=1):
        if number > max_rows:
            raise _too_many(max_rows)
        row = ParsedRow(number=number, values={})
        if len(record) > len(header):
            row.errors.append(
                {
                    "column": f"#{len(header) + 1}",
                    "message": f"{len(record)} cells for {len(header)} columns",
                    "code": "extra_cells",
                }
            )
        for column, value in zip(header, record, strict=False):
            target = columns.get(column)
            value = value.strip()
            if target is None or target == "ignore" or not value:
                continue
            if name == MEISHI.name:  # our own export escaped cells a spreadsheet would run
                value = unescape_formula(value)
            if _check_cell(row, column, value):
                _put(row.values, target, value)
        rows.append(row)
    return name, columns, rows


def _unfold(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.splitlines():
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif raw.strip():
            lines.append(raw)
    return lines


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\,;nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _components(value: str) -> list[str]:
    return [_unescape(p) for p in re.split(r"(?<!\\);", value)]


def parse_vcard(text: str, *, max_rows: int) -> list[ParsedRow]:
    """Parse vCard 3.0/4.0 text (one card per row)."""
    rows: list[ParsedRow] = []
    current: ParsedRow | None = None
    for line in _unfold(text):
        name_part, sep, value = line.partition(":")
        if not sep:
            raise FileRejected(
                f"a vCard line without ':' in card {len(rows) + 1}",
                [
                    {
                        "field": "file",
                        "message": f"card {len(rows) + 1}: {line[:60]!r}",
                        "code": "broken_vcard",
                    }
                ],
            )
        name, *params = name_part.split(";")
        name = name.split(".")[-1].upper()
        types = ",".join(p.upper() for p in params)
        if name == "BEGIN":
            if len(rows) >= max_rows:
                raise _too_many(max_rows)
            current = ParsedRow(number=len(rows) + 1, values={})
            rows.append(current)
            continue
        if current is None or name in ("END", "VERSION", "PRODID"):
            continue
        if not _check_cell(current, name, value):
            continue
        values = current.values
        if name == "FN":
            _put(values, "full_name", _unescape(value))
        elif name == "N":
            parts = [*_components(value), "", ""]
            if parts[0]:
                _put(values, "family_name", parts[0])
            if parts[1]:
                _put(values, "given_name", parts[1])
        elif name == "ORG":
            parts = [*_components(value), ""]
            if parts[0]:
                _put(values, "company", parts[0])
            if parts[1]:
                _put(values, "department", parts[1])
        elif name in ("TITLE", "URL", "UID"):
            _put(values, {"TITLE": "title", "URL": "url", "UID": "external_id"}[name], _unescape(value))
        elif name == "EMAIL":
            _put(values, "emails", _unescape(value).replace(";", ""))
        elif name == "TEL":
            kind = "mobile" if "CELL" in types else "fax" if "FAX" in types else "phones"
            _put(values, kind, _unescape(value).replace(";", ""))
        elif name == "ADR":
            parts = (_components(value) + [""] * 7)[:7]
            street = " ".join(p for p in (parts[4], parts[3], parts[2]) if p)
            if street:
                _put(values, "address", street)
            if parts[5]:
                _put(values, "postal_code", parts[5])
        elif name in ("SORT-STRING", "X-PHONETIC-LAST-NAME"):
            _put(values, "family_name_kana" if name != "SORT-STRING" else "name_kana", _unescape(value))
        elif name == "X-PHONETIC-FIRST-NAME":
            _put(values, "given_name_kana", _unescape(value))
        elif name == "CATEGORIES":
            _put(values, "tags", ";".join(_components(value.replace(",", ";"))))
    return rows


def parse_file(
    data: bytes,
    *,
    filename: str | None,
    max_bytes: int,
    max_rows: int,
    encoding: str | None = None,
    profile: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ParsedFile:
    """Decode and parse an uploaded file: CSV (a known export or ``mapping``) or vCard."""
    if len(data) > max_bytes:
        raise FileRejected(
            f"the file is larger than {max_bytes} bytes (MEISHI_IMPORT_MAX_BYTES); split it",
            [{"field": "file", "message": f"more than {max_bytes} bytes", "code": "too_large"}],
            too_large=True,
        )
    text, used = decode(data, encoding)
    is_vcard = (filename or "").lower().endswith((".vcf", ".vcard")) or text.lstrip()[
        :11
    ].upper() == "BEGIN:VCARD"
    if is_vcard:
        return ParsedFile("vcard", used, "vcard", {}, parse_vcard(text, max_rows=max_rows))
    name, columns, rows = parse_csv(text, max_rows=max_rows, profile=profile, mapping=mapping)
    return ParsedFile("csv", used, name, columns, rows)
