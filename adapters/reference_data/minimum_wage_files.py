"""Legal minimum wages from CSV files: the bundled FY2025 table plus any year an operator adds.

Each row is (pref_code, fiscal_year, min_wage_jpy, effective_date[, prev_fy_min_wage_jpy]). A row's
prev_fy_min_wage_jpy stands for the previous fiscal year, in force from one year before the effective date,
so a date before the effective date gets the previous value even when no file holds that year.
An explicit row for a year always wins over one derived from the next year's prev_fy_min_wage_jpy.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from domain.reference import PREFECTURES, MinimumWage, MinimumWageTable

REQUIRED_COLUMNS = ("pref_code", "fiscal_year", "min_wage_jpy", "effective_date")


class ReferenceDataError(Exception):
    """A reference file the product cannot use; names the file, line and field an operator must fix."""

    def __init__(self, file: str, line: int | None, field: str | None, message: str) -> None:
        where = file if line is None else f"{file}, line {line}"
        super().__init__(f"{where}{f', field {field}' if field else ''}: {message}")
        self.file, self.line, self.field, self.message = file, line, field, message


@dataclass(frozen=True, slots=True)
class _Row:
    wage: MinimumWage
    previous_jpy: int | None
    source: str  # "file, line N": where a conflict points the operator


def _int_field(raw: dict[str, str | None], name: str, file: str, line: int, low: int, high: int) -> int:
    value = (raw.get(name) or "").strip()
    try:
        number = int(value)
    except ValueError:
        raise ReferenceDataError(file, line, name, f"{value!r} is not a whole number") from None
    if not low <= number <= high:
        raise ReferenceDataError(file, line, name, f"{number} is outside {low}..{high}")
    return number


def _parse_row(raw: dict[str, str | None], file: str, line: int) -> _Row:
    # Spreadsheet programs drop leading zeros, so "1" is accepted for Hokkaido's "01".
    pref = (raw.get("pref_code") or "").strip().zfill(2)
    if pref not in PREFECTURES:
        message = f"{raw.get('pref_code')!r} is not a prefecture code 01..47"
        raise ReferenceDataError(file, line, "pref_code", message)
    year = _int_field(raw, "fiscal_year", file, line, 2000, 2100)
    wage = _int_field(raw, "min_wage_jpy", file, line, 1, 100_000)
    text = (raw.get("effective_date") or "").strip()
    try:
        effective = date.fromisoformat(text)
    except ValueError:
        raise ReferenceDataError(file, line, "effective_date", f"{text!r} is not a YYYY-MM-DD date") from None
    # A fiscal year runs April to March; a date outside it is a typo in the year.
    if not date(year, 4, 1) <= effective <= date(year + 1, 3, 31):
        message = f"{effective} is not within fiscal year {year} (April to March)"
        raise ReferenceDataError(file, line, "effective_date", message)
    previous = None
    if (raw.get("prev_fy_min_wage_jpy") or "").strip():
        previous = _int_field(raw, "prev_fy_min_wage_jpy", file, line, 1, wage)
    return _Row(MinimumWage(pref, year, wage, effective), previous, f"{file}, line {line}")


def read_rows(text: str, file: str) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ReferenceDataError(file, 1, missing[0], f"header lacks {', '.join(missing)}")
    rows = []
    for raw in reader:
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue  # blank line at the end of a hand-edited file
        rows.append(_parse_row(raw, file, reader.line_num))
    return rows


def read_file(path: Path) -> list[_Row]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ReferenceDataError(str(path), None, None, "is not UTF-8 text") from None
    return read_rows(text, str(path))


def extra_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise ReferenceDataError(str(directory), None, None, "minimum-wage directory does not exist")
    return sorted(directory.glob("*.csv"))


def build_table(rows: Iterable[_Row]) -> MinimumWageTable:
    explicit: dict[tuple[str, int], _Row] = {}
    for row in rows:
        key = (row.wage.prefecture_code, row.wage.fiscal_year)
        seen = explicit.get(key)
        if seen is not None and seen.wage != row.wage:
            raise ReferenceDataError(
                row.source, None, "min_wage_jpy",
                f"prefecture {key[0]} FY{key[1]} is also given as {seen.wage.hourly_jpy} JPY "
                f"from {seen.wage.effective_date} in {seen.source}",
            )  # fmt: skip
        explicit[key] = row
    table = {key: row.wage for key, row in explicit.items()}
    for (pref, year), row in explicit.items():
        if row.previous_jpy is None:
            continue
        earlier = explicit.get((pref, year - 1))
        if earlier is not None and earlier.wage.hourly_jpy != row.previous_jpy:
            raise ReferenceDataError(
                row.source, None, "prev_fy_min_wage_jpy",
                f"{row.previous_jpy} JPY disagrees with FY{year - 1} = {earlier.wage.hourly_jpy} JPY "
                f"in {earlier.source}",
            )  # fmt: skip
        if earlier is None:
            start = row.wage.effective_date
            # 29 February has no twin a year earlier; the day before stands in.
            start = start.replace(year=start.year - 1, day=min(start.day, 28 if start.month == 2 else 31))
            table[(pref, year - 1)] = MinimumWage(pref, year - 1, row.previous_jpy, start)
    ordered = sorted(table.values(), key=lambda w: (w.prefecture_code, w.effective_date))
    return MinimumWageTable(tuple(ordered))
