"""A posting as an employer writes it, checked into Job fields; shared by PostJob and EditJob.

Rules: text is NFKC-normalised and bounded; the job type is required on a new posting; the place comes
from `station_code`, else `municipality_code`, else `prefecture_code` (a given prefecture wins over the
station's); walking minutes 0..120; work days as the import reads them ("mon-fri", "月〜金"); work_start
and work_end together (HH:MM); expires_on a JST date from today on (open through that whole day); the
industry a JSIC rev. 14 code. The hourly wage must be at least the legal minimum in force for the job's
prefecture on the JST date of the check (BelowMinimumWage names the field, the wage and the minimum).
Every violation is an InvalidInput naming its field.
"""

import unicodedata
from dataclasses import dataclass, fields
from datetime import date

from application.job_places import place_of
from application.parsing import parse_time, parse_weekdays
from application.ports import ReferenceData
from domain.errors import BelowMinimumWage, InvalidInput
from domain.jst import end_of_day_jst
from domain.reference import PREFECTURES

MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MAX_SHORT = 200


@dataclass(frozen=True)
class JobDraft:
    """What the employer sent; None: not given (on an edit: left as it is)."""

    title: str | None = None
    job_type: str | None = None
    hourly_wage: int | None = None
    description: str | None = None
    industry: str | None = None
    station_code: str | None = None
    municipality_code: str | None = None
    prefecture_code: str | None = None
    walking_minutes: int | None = None
    work_days: str | None = None
    work_start: str | None = None
    work_end: str | None = None
    expires_on: date | None = None
    address: str | None = None

    def given(self) -> set[str]:
        return {f.name for f in fields(self) if getattr(self, f.name) is not None}


def _text(field: str, value: str, limit: int, *, required: bool = True) -> str:
    text = unicodedata.normalize("NFKC", value).strip()
    if required and not text:
        raise InvalidInput(field, "must not be empty")
    if len(text) > limit:
        raise InvalidInput(field, f"at most {limit} characters")
    return text


def draft_fields(reference: ReferenceData, draft: JobDraft, today: date) -> dict[str, object]:
    """The Job fields the draft sets, checked (not the wage against the legal minimum: see check_wage)."""
    out: dict[str, object] = {}
    if draft.title is not None:
        out["title"] = _text("title", draft.title, MAX_TITLE)
    if draft.job_type is not None:
        out["job_type"] = _text("job_type", draft.job_type, MAX_SHORT)
    if draft.description is not None:
        out["description"] = _text("description", draft.description, MAX_DESCRIPTION, required=False)
    if draft.address is not None:
        out["address"] = _text("address", draft.address, MAX_SHORT, required=False) or None
    if draft.hourly_wage is not None:
        if not 1 <= draft.hourly_wage <= 100_000:
            raise InvalidInput("hourly_wage", "must be between 1 and 100000 yen")
        out["hourly_wage"] = draft.hourly_wage
    if draft.industry is not None:
        code = _text("industry", draft.industry, 8).upper()
        if reference.industry(code) is None:
            raise InvalidInput("industry", f"{draft.industry!r} is not a JSIC rev. 14 code")
        out["industry"] = code
    if draft.walking_minutes is not None:
        if not 0 <= draft.walking_minutes <= 120:
            raise InvalidInput("walking_minutes", "must be between 0 and 120")
        out["walking_minutes"] = draft.walking_minutes
    if draft.expires_on is not None:
        if draft.expires_on < today:
            raise InvalidInput("expires_on", f"{draft.expires_on} is before today ({today}, Japan time)")
        out["expires_at"] = end_of_day_jst(draft.expires_on)
    out.update(_shift(draft))
    if {"station_code", "municipality_code", "prefecture_code"} & draft.given():
        out.update(_place(reference, draft))
    return out


def _shift(draft: JobDraft) -> dict[str, object]:
    out: dict[str, object] = {}
    if draft.work_days is not None:
        try:
            out["work_days"] = parse_weekdays(draft.work_days) if draft.work_days.strip() else 0
        except ValueError as error:
            raise InvalidInput("work_days", str(error)) from None
    if (draft.work_start is None) != (draft.work_end is None):
        raise InvalidInput("work_end" if draft.work_end is None else "work_start", "give both work_start and work_end")
    for field, value in (("work_start", draft.work_start), ("work_end", draft.work_end)):
        if value is not None:
            try:
                out[f"{field}_time"] = parse_time(value)
            except ValueError as error:
                raise InvalidInput(field, str(error)) from None
    return out


def _place(reference: ReferenceData, draft: JobDraft) -> dict[str, object]:
    prefecture = None
    if draft.prefecture_code is not None:
        prefecture = unicodedata.normalize("NFKC", draft.prefecture_code).strip().zfill(2)
        if prefecture not in PREFECTURES:
            raise InvalidInput("prefecture_code", f"{draft.prefecture_code!r} is not a prefecture code 01..47")
    station = municipality = None
    if draft.station_code is not None:
        station = reference.station(unicodedata.normalize("NFKC", draft.station_code).strip())
        if station is None:
            raise InvalidInput("station_code", f"{draft.station_code!r} is not a station code (N02-23)")
    if draft.municipality_code is not None:
        municipality = reference.municipality(unicodedata.normalize("NFKC", draft.municipality_code).strip())
        if municipality is None:
            raise InvalidInput("municipality_code", f"{draft.municipality_code!r} is not a municipality code")
    place = place_of(reference, prefecture, station, municipality)
    assert place is not None  # one of the three was given and valid
    return {**place.fields, "prefecture_code": place.prefecture_code}


def check_wage(reference: ReferenceData, prefecture_code: str, wage: int, day: date) -> None:
    """Refuse a wage below the legal minimum in force for the prefecture on `day` (JST)."""
    legal = reference.minimum_wages().in_force(prefecture_code, day)
    if legal is not None and wage < legal:
        raise BelowMinimumWage(wage, legal, prefecture_code)
