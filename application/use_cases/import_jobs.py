"""Import job postings from a CSV or JSON Lines file (UTF-8), upserting by external_id.

Columns (JSON Lines: the same keys; header order is free; unknown CSV columns are a file error):

| column | | meaning |
|---|---|---|
| external_id | required | the posting's id in the source system; the upsert key |
| title, company_name, job_type | required | job_type is NFKC-normalised (e.g. カフェ, コンビニ) |
| hourly_wage | required | whole yen ("1,200" ok); >= the legal minimum in the prefecture when posted |
| station_code / station_name | one of these or prefecture_code | N02 station code, or a name (駅 optional) |
| prefecture_code | optional with a station | 01..47; wins over the station's (approximate) prefecture |
| municipality_code | optional | JIS X 0402; places a job without a station |
| industry | optional | JSIC rev. 14 code that exists (e.g. 7671) |
| walking_minutes | optional | 0..120, from the station |
| work_days | optional | "mon,tue", "月火", "月・水・金", "mon-fri", "月〜金" |
| work_start, work_end | optional, together | HH:MM; an end before the start runs past midnight |
| posted_at | optional | ISO date or date-time, Japan time unless an offset is given; default: first import |
| expires_on | optional | a JST date; open through that whole day (expires_at = end_of_day_jst) |
| description, address | optional | free text |

Rules: a bad row is reported as RowError(line, field, message) and skipped, the valid rows are kept and
committed; the same file imported twice changes nothing; a changed row updates its job in place. A column
absent from the file leaves that field of an existing job alone. A station name found in several places more
than 3 km apart needs prefecture_code or station_code.
"""

import uuid
from datetime import datetime

from application.job_places import Place, place_of
from application.parsing import (
    Columns,
    ImportFile,
    ImportReport,
    RawRow,
    RowReader,
    apply_changes,
    nfkc,
    parse_time,
    parse_weekdays,
    read_rows,
)
from application.ports import Clock, MatchInvalidation, ReferenceData, TaskQueue, UnitOfWork
from domain.errors import BelowMinimumWage
from domain.geo import distance_km
from domain.job import Job
from domain.jst import end_of_day_jst, jst_date
from domain.reference import PREFECTURES, Station

JOB_COLUMNS = Columns(
    required=("external_id", "title", "company_name", "job_type", "hourly_wage"),
    optional=(
        "station_code", "station_name", "prefecture_code", "municipality_code", "industry", "walking_minutes",
        "work_days", "work_start", "work_end", "posted_at", "expires_on", "description", "address",
    ),
)  # fmt: skip
SAME_STATION_KM = 3.0  # one name on several lines of one place is one station; farther apart, another town
FETCH_CHUNK = 1000


class ImportJobs:
    """Upsert job postings from a file; see the module docstring for the columns and rules."""

    def __init__(
        self, uow: UnitOfWork, reference: ReferenceData, clock: Clock, matches: MatchInvalidation, events: TaskQueue
    ) -> None:
        self._uow, self._reference, self._clock, self._matches = uow, reference, clock, matches
        self._events = events

    async def __call__(self, command: ImportFile) -> ImportReport:
        report = ImportReport(command.display_name)
        rows = await read_rows(command, JOB_COLUMNS, report)
        now = self._clock.now()
        parsed: dict[str, tuple[RawRow, dict[str, object]]] = {}
        for row in rows:
            reader = RowReader(row, report)
            external_id = reader.text("external_id", required=True, max_length=200)
            fields = self._fields(reader)
            if external_id in parsed:
                reader.fail("external_id", f"{external_id!r} is also on line {parsed[external_id][0].line}")
            if external_id is not None and fields is not None and not reader.failed:
                parsed[external_id] = (row, fields)
        async with self._uow as uow:
            existing: dict[str, Job] = {}
            ids = list(parsed)
            for start in range(0, len(ids), FETCH_CHUNK):
                existing.update(await uow.jobs.by_external_ids(ids[start : start + FETCH_CHUNK]))
            changed = []
            for external_id, (row, fields) in parsed.items():
                job = existing.get(external_id)
                if (changed_id := await self._upsert(uow, external_id, RowReader(row, report), fields, job, now)):
                    changed.append(changed_id)
            await uow.commit()
        if report.created or report.updated:
            await self._matches.jobs_changed()
        await self._events.jobs_changed(changed)  # rescored against nearby users, off the request
        return report.finish()

    async def _upsert(
        self,
        uow: UnitOfWork,
        external_id: str,
        reader: RowReader,
        fields: dict[str, object],
        job: Job | None,
        now: datetime,
    ) -> uuid.UUID | None:
        """The job's id when it was created or changed."""
        posted = fields.get("posted_at") or (job.posted_at if job else now)
        assert isinstance(posted, datetime)
        if not self._wage_ok(reader, fields, posted):
            return None
        if job is None:
            fields.setdefault("posted_at", now)
            job = Job(id=uuid.uuid4(), external_id=external_id, created_at=now, updated_at=now, **fields)  # type: ignore[arg-type]
            await uow.jobs.add(job)
            reader.report.created += 1
            return job.id
        if apply_changes(job, fields):
            job.updated_at = now
            reader.report.updated += 1
            return job.id
        reader.report.unchanged += 1
        return None

    def _wage_ok(self, reader: RowReader, fields: dict[str, object], posted: datetime) -> bool:
        wage, prefecture = fields["hourly_wage"], fields["prefecture_code"]
        assert isinstance(wage, int)
        assert isinstance(prefecture, str)
        day = jst_date(posted)
        legal = self._reference.minimum_wages().in_force(prefecture, day)
        if legal is None:
            reader.warn("hourly_wage", f"no legal minimum known for prefecture {prefecture} on {day}")
        elif wage < legal:
            error = BelowMinimumWage(wage, legal, prefecture)
            reader.fail("hourly_wage", f"{error.message} on {day} (the posting date)")
            return False
        return True

    def _fields(self, reader: RowReader) -> dict[str, object] | None:
        title = reader.text("title", required=True, max_length=200)
        company = reader.text("company_name", required=True, max_length=200)
        job_type = reader.text("job_type", required=True, max_length=100)
        wage = reader.integer("hourly_wage", required=True, low=1, high=100_000)
        place = self._place(reader)
        fields: dict[str, object] = {
            "title": title,
            "company_name": company,
            "hourly_wage": wage,
            "job_type": nfkc(job_type or ""),
        }
        if place is not None:
            fields.update(place.fields, prefecture_code=place.prefecture_code)
        self._optional_fields(reader, fields)
        return None if reader.failed or place is None else fields

    def _optional_fields(self, reader: RowReader, fields: dict[str, object]) -> None:
        if reader.has("industry"):
            code = reader.text("industry")
            if code is not None and self._reference.industry(nfkc(code)) is None:
                reader.fail("industry", f"{code!r} is not a JSIC rev. 14 code")
            fields["industry"] = nfkc(code) if code else None
        if reader.has("walking_minutes"):
            fields["walking_minutes"] = reader.integer("walking_minutes", low=0, high=120)
        for column in ("description", "address"):
            if reader.has(column):
                fields[column] = reader.text(column) or ("" if column == "description" else None)
        if reader.has("posted_at") and (posted := reader.moment("posted_at")) is not None:
            fields["posted_at"] = posted
        if reader.has("expires_on"):
            expires = reader.day("expires_on")
            fields["expires_at"] = end_of_day_jst(expires) if expires else None
        self._shift(reader, fields)

    def _shift(self, reader: RowReader, fields: dict[str, object]) -> None:
        if reader.has("work_days"):
            days = reader.text("work_days")
            try:
                fields["work_days"] = parse_weekdays(days) if days else 0
            except ValueError as error:
                reader.fail("work_days", str(error))
        times = {}
        for column, attribute in (("work_start", "work_start_time"), ("work_end", "work_end_time")):
            if reader.has(column):
                text = reader.text(column)
                try:
                    times[attribute] = parse_time(text) if text else None
                except ValueError as error:
                    reader.fail(column, str(error))
        if len(times) == 2 and (times["work_start_time"] is None) != (times["work_end_time"] is None):
            missing = "work_end" if times["work_end_time"] is None else "work_start"
            reader.fail(missing, "give both work_start and work_end")
        fields.update(times)

    def _place(self, reader: RowReader) -> Place | None:
        """Prefecture, municipality and point from the station, else from the municipality or prefecture."""
        given = reader.text("prefecture_code")
        prefecture = given.zfill(2) if given else None
        if prefecture is not None and prefecture not in PREFECTURES:
            reader.fail("prefecture_code", f"{given!r} is not a prefecture code 01..47")
            return None
        station = self._station(reader, prefecture)
        if reader.failed:
            return None
        municipality_code = reader.text("municipality_code")
        municipality = self._reference.municipality(municipality_code) if municipality_code else None
        if municipality_code and municipality is None:
            reader.fail("municipality_code", f"{municipality_code!r} is not a municipality code (JIS X 0402)")
            return None
        if station is not None and prefecture is not None and prefecture != station.prefecture_code:
            message = f"station {station.name} is near prefecture {station.prefecture_code}"
            reader.warn("prefecture_code", f"{message}; kept {prefecture}")
        place = place_of(self._reference, prefecture, station, municipality)
        if place is None:
            reader.fail("station_code", "give station_code, station_name or prefecture_code")
        return place

    def _station(self, reader: RowReader, prefecture: str | None) -> Station | None:
        code = reader.text("station_code")
        if code is not None:
            station = self._reference.station(nfkc(code))
            if station is None:
                reader.fail("station_code", f"{code!r} is not a station code (N02-23)")
            return station
        name = reader.text("station_name")
        if name is None:
            return None
        found = self._reference.stations_named(name, prefecture)
        where = f" in prefecture {prefecture}" if prefecture else ""
        if not found:
            reader.fail("station_name", f"no station named {name!r}{where}")
            return None
        if any(distance_km(found[0].point, s.point) > SAME_STATION_KM for s in found):
            places = sorted({s.prefecture_code for s in found})
            message = f"{name!r} names stations in several places (prefectures {', '.join(places)})"
            reader.fail("station_name", f"{message}; give prefecture_code or station_code")
            return None
        return found[0]
