"""Reading import files (CSV or JSON Lines, UTF-8) into rows, and the field readers the imports share.

A file problem (not UTF-8, a broken or unknown header, an unknown format) is one ImportFileError. A row
problem is a RowError(line, field, message) in the report: the row is skipped and the others are kept.
Line numbers are the file's physical lines, the CSV header being line 1. Japanese text is NFKC-normalised
where it is compared or parsed (digits, colons, dashes and weekday names may be full width).
"""

import asyncio
import csv
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Literal

from domain.errors import InvalidInput
from domain.jst import JST, as_utc
from domain.schedule import WEEKDAY_LABELS_JA, WEEKDAYS

ImportFormat = Literal["csv", "jsonl"]
FORMATS_BY_SUFFIX: dict[str, ImportFormat] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−ー〜~"})  # what people type between two numbers or days
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_YES = {"1", "true", "yes", "y", "はい", "○", "可"}
_NO = {"0", "false", "no", "n", "いいえ", "×", "不可"}


class ImportFileError(InvalidInput):
    """The whole file cannot be read; nothing was imported."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__("file", f"{file}: {message}")
        self.file = file


@dataclass(frozen=True, slots=True)
class ImportFile:
    """A file to import: a path, or its text lines (an upload). The format comes from the name's extension
    (.csv, .jsonl, .ndjson) unless given."""

    path: Path | None = None
    lines: Sequence[str] | None = None
    format: ImportFormat | None = None
    name: str | None = None  # how reports name the file; defaults to the path

    @property
    def display_name(self) -> str:
        return self.name or (str(self.path) if self.path else "<upload>")

    def resolved_format(self) -> ImportFormat:
        if self.format is not None:
            return self.format
        found = FORMATS_BY_SUFFIX.get(Path(self.name or str(self.path or "")).suffix.lower())
        if found is None:
            message = "unknown format: name it .csv or .jsonl"
            raise ImportFileError(self.display_name, message)
        return found


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


@dataclass
class ImportReport:
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # imported, but worth a look

    @property
    def skipped(self) -> int:
        return len({error.line for error in self.errors})

    def finish(self) -> "ImportReport":
        self.errors.sort(key=lambda e: e.line)
        self.warnings.sort(key=lambda e: e.line)
        return self

    def describe(self) -> list[str]:
        """One line per problem, as "file:line: field: message" (errors first)."""
        return [f"{self.file}:{e.line}: {e.field}: {e.message}" for e in self.errors] + [
            f"{self.file}:{w.line}: {w.field}: warning: {w.message}" for w in self.warnings
        ]


@dataclass(frozen=True, slots=True)
class Columns:
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def known(self) -> frozenset[str]:
        return frozenset(self.required + self.optional)


@dataclass(frozen=True, slots=True)
class RawRow:
    line: int
    values: dict[str, object]  # CSV: str; JSON Lines: whatever JSON gave


async def read_rows(file: ImportFile, columns: Columns, report: ImportReport) -> list[RawRow]:
    """Rows of the file; a row that cannot even be split into fields goes to report.errors."""
    kind = file.resolved_format()
    lines = list(file.lines) if file.lines is not None else await _read_lines(file)
    rows = _csv_rows(lines, columns, file.display_name, report) if kind == "csv" else _json_rows(lines, report)
    report.rows = len(rows) + len({e.line for e in report.errors})
    return rows


async def _read_lines(file: ImportFile) -> list[str]:
    if file.path is None:
        raise ImportFileError(file.display_name, "neither a path nor lines given")
    try:
        data = await asyncio.to_thread(file.path.read_bytes)
    except OSError as error:
        raise ImportFileError(file.display_name, f"cannot be read ({error.strerror})") from None
    try:
        return data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as error:
        hint = ""
        try:
            data.decode("cp932")
            hint = " (it looks like Shift_JIS: save it as UTF-8)"
        except UnicodeDecodeError:
            pass
        raise ImportFileError(file.display_name, f"is not UTF-8 text at byte {error.start}{hint}") from None


def _csv_rows(lines: list[str], columns: Columns, name: str, report: ImportReport) -> list[RawRow]:
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in columns.required if c not in header]
    unknown = [h for h in header if h not in columns.known]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if not header or missing or unknown or duplicated:
        problems = [f"missing {', '.join(missing)}"] if missing else []
        problems += [f"unknown {', '.join(unknown)}"] if unknown else []
        problems += [f"repeated {', '.join(duplicated)}"] if duplicated else []
        raise ImportFileError(
            name, f"header is broken ({'; '.join(problems) or 'empty'}); expected columns: "
            f"{', '.join(columns.required + columns.optional)}"
        )  # fmt: skip
    rows, start = [], reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1  # a quoted field may span lines: report where the row began
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            message = f"has {len(cells)} fields, the header has {len(header)}"
            report.errors.append(RowError(line, "row", message))
            continue
        rows.append(RawRow(line, dict(zip(header, cells, strict=True))))
    return rows


def _json_rows(lines: list[str], report: ImportReport) -> list[RawRow]:
    rows = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            values = json.loads(text)
        except json.JSONDecodeError as error:
            report.errors.append(RowError(number, "row", f"is not valid JSON ({error.msg})"))
            continue
        if not isinstance(values, dict):
            report.errors.append(RowError(number, "row", "is not a JSON object"))
            continue
        rows.append(RawRow(number, values))
    return rows


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def normalize_postal_code(value: str) -> str | None:
    """ "150-0002", "１５０－０００２", "〒150-0002" and "1500002" -> "1500002"; anything else -> None."""
    code = nfkc(value).translate(_DASHES).removeprefix("〒").replace("-", "").replace(" ", "")
    return code if len(code) == 7 and code.isascii() and code.isdigit() else None


def parse_time(value: str) -> time:
    """ "9:00", "09:00", "０９：００" -> time; "24:00" is the end of the day. ValueError otherwise."""
    match = _TIME.match(nfkc(value))
    if not match or int(match[1]) > 24 or int(match[2]) > 59 or (int(match[1]) == 24 and int(match[2])):
        raise ValueError(f"{value!r} is not a time HH:MM")
    hour, minute = int(match[1]), int(match[2])
    return time(23, 59) if hour == 24 else time(hour, minute)


def parse_weekdays(value: str) -> int:
    """ "mon,tue", "月火", "月・水・金", "mon-fri", "月〜金", "土日" -> bitmask (bit 0 = Monday)."""
    bits = 0
    for token in re.split(r"[,、・/\s]+", nfkc(value).lower().translate(_DASHES)):
        token = token.replace("曜日", "").replace("曜", "")
        if not token:
            continue
        if "-" in token:
            first, _, last = token.partition("-")
            start, end = _day_index(first, value), _day_index(last, value)
            bits |= sum(1 << (d % 7) for d in range(start, end + (7 if end < start else 0) + 1))
        elif token in WEEKDAYS:
            bits |= 1 << WEEKDAYS.index(token)
        elif token.isascii():
            raise ValueError(f"{value!r}: unknown weekday {token!r} (use mon..sun or 月..日)")
        else:  # "月火水": one character a day
            for char in token:
                bits |= 1 << _day_index(char, value)
    if not bits:
        raise ValueError(f"{value!r} names no weekday")
    return bits


def _day_index(token: str, whole: str) -> int:
    if token in WEEKDAYS:
        return WEEKDAYS.index(token)
    if token in WEEKDAY_LABELS_JA:
        return WEEKDAY_LABELS_JA.index(token)
    raise ValueError(f"{whole!r}: unknown weekday {token!r} (use mon..sun or 月..日)")


class RowReader:
    """Reads the fields of one row; each problem becomes a RowError and the reader returns None for it."""

    def __init__(self, row: RawRow, report: ImportReport) -> None:
        self.row, self.report, self.failed = row, report, False

    def has(self, name: str) -> bool:
        return name in self.row.values

    def fail(self, name: str, message: str) -> None:
        self.failed = True
        self.report.errors.append(RowError(self.row.line, name, message))

    def warn(self, name: str, message: str) -> None:
        self.report.warnings.append(RowError(self.row.line, name, message))

    def text(self, name: str, *, required: bool = False, max_length: int = 10_000) -> str | None:
        value = self.row.values.get(name)
        if isinstance(value, bool) or not isinstance(value, str | int | float | type(None)):
            self.fail(name, "must be text")
            return None
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                self.fail(name, "is required")
            return None
        if len(text) > max_length:
            self.fail(name, f"is longer than {max_length} characters")
            return None
        return text

    def integer(self, name: str, *, required: bool = False, low: int = 0, high: int = 10**9) -> int | None:
        value = self.row.values.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = self.text(name, required=required)
            if text is None:
                return None
            digits = nfkc(text).replace(",", "")
            if not (digits.isascii() and digits.lstrip("-").isdigit()):
                self.fail(name, f"{text!r} is not a whole number")
                return None
            number = int(digits)
        if not low <= number <= high:
            self.fail(name, f"{number} is outside {low}..{high}")
            return None
        return number

    def boolean(self, name: str, default: bool) -> bool:
        value = self.row.values.get(name)
        if isinstance(value, bool):
            return value
        text = nfkc(str(value)).lower() if value not in (None, "") else ""
        if not text:
            return default
        if text in _YES or text in _NO:
            return text in _YES
        self.fail(name, f"{value!r} is not true/false")
        return default

    def day(self, name: str, *, required: bool = False) -> date | None:
        text = self.text(name, required=required)
        if text is None:
            return None
        try:
            return date.fromisoformat(nfkc(text).replace("/", "-"))
        except ValueError:
            self.fail(name, f"{text!r} is not a date YYYY-MM-DD")
            return None

    def moment(self, name: str) -> datetime | None:
        """ISO date or date-time; without an offset it is Japan time (what the site's staff mean)."""
        text = self.text(name)
        if text is None:
            return None
        try:
            parsed = datetime.fromisoformat(nfkc(text).replace("/", "-"))
        except ValueError:
            self.fail(name, f"{text!r} is not a date-time YYYY-MM-DD[THH:MM[+09:00]]")
            return None
        return as_utc(parsed if parsed.tzinfo else parsed.replace(tzinfo=JST))

    def items(self, name: str) -> list[str] | None:
        """A JSON array of strings, or "a|b|c" text; None when the field is absent or empty."""
        value = self.row.values.get(name)
        if isinstance(value, list):
            if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
                self.fail(name, "must be a list of text")
                return None
            found = [nfkc(str(v)) for v in value]
        else:
            text = self.text(name)
            found = [nfkc(part) for part in text.split("|")] if text else []
        return [f for f in found if f] or None


def changed_fields(entity: object, fields: dict[str, object]) -> list[str]:
    """The fields whose value differs (datetimes compared in UTC, as storage may hand back naive UTC)."""
    names = []
    for name, value in fields.items():
        current = getattr(entity, name)
        if isinstance(current, datetime) and isinstance(value, datetime):
            same = as_utc(current) == as_utc(value)
        else:
            same = current == value
        if not same:
            names.append(name)
    return names


def apply_changes(entity: object, fields: dict[str, object]) -> bool:
    """Set the fields that differ (see changed_fields); True when any did."""
    names = changed_fields(entity, fields)
    for name in names:
        setattr(entity, name, fields[name])
    return bool(names)
