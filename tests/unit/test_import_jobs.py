"""ImportJobs: bad rows are reported and skipped, good rows kept; re-import is idempotent; changes update."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.cache.in_process import InProcessCache
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.reference_data import BundledReferenceData
from application.match_cache import MatchCache, MatchCacheSettings
from application.parsing import ImportFile, ImportFileError
from application.use_cases.import_jobs import ImportJobs
from domain.jst import end_of_day_jst
from tests.fakes import RecordingQueue

HEADER = (
    "external_id,title,company_name,job_type,hourly_wage,station_code,station_name,prefecture_code,"
    "walking_minutes,work_days,work_start,work_end,posted_at,expires_on,industry,description"
)
GOOD = ",".join(
    (
        "j1",
        "渋谷駅徒歩5分／カフェ",
        "株式会社テスト",
        "ｶﾌｪ",
        '"1,300"',
        "",
        "渋谷駅",
        "13",
        "5",
        "月〜金",
        "09:00",
        "17:00",
        "2025-10-20",
        "2025-11-30",
        "7671",
        "",
    )
)
ROWS = [
    HEADER,
    GOOD,
    "j2,新宿,株式会社テスト,カフェ,1200,,新宿,13,,mon,9:00,17:00,2025-10-20,,,",  # below 1226
    "j3,新宿(旧),株式会社テスト,カフェ,1170,,新宿,13,,mon,9:00,17:00,2025-10-01,,,",  # 1163 then: ok
    "j4,曖昧,株式会社テスト,カフェ,1300,,日本橋,,,xyz,25:00,,2025-10-20,2025/13/01,,",
    "j5,,株式会社テスト,カフェ,abc,999999,,,,,,,,,,",
]


class FixedClock:
    def now(self) -> datetime:
        return datetime(2025, 11, 1, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def reference() -> BundledReferenceData:
    return BundledReferenceData()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def import_jobs(store: InMemoryStore, reference: BundledReferenceData) -> ImportJobs:
    return ImportJobs(
        InMemoryUnitOfWork(store), reference, FixedClock(), MatchCache(InProcessCache(), MatchCacheSettings()),
        RecordingQueue(),
    )  # fmt: skip


async def test_bad_rows_are_reported_with_line_and_field_and_good_rows_kept(
    import_jobs: ImportJobs, store: InMemoryStore
) -> None:
    report = await import_jobs(ImportFile(lines=ROWS, name="jobs.csv"))
    assert (report.rows, report.created, report.skipped) == (5, 2, 3)
    assert {(e.line, e.field) for e in report.errors} >= {
        (3, "hourly_wage"), (5, "station_name"), (5, "work_days"), (5, "work_start"), (5, "expires_on"),
        (6, "title"), (6, "hourly_wage"), (6, "station_code"),
    }  # fmt: skip
    below = next(e for e in report.errors if e.line == 3)
    assert "1226" in below.message
    assert "jobs.csv:3: hourly_wage:" in report.describe()[0]
    cafe = next(j for j in store.jobs.values() if j.external_id == "j1")
    assert (cafe.job_type, cafe.hourly_wage, cafe.prefecture, cafe.city) == (
        "カフェ",
        1300,
        "東京都",
        "渋谷区",
    )
    assert (cafe.nearest_station, cafe.work_days, cafe.industry, cafe.walking_minutes) == (
        "渋谷",
        0b11111,
        "7671",
        5,
    )
    assert cafe.expires_at == end_of_day_jst(datetime(2025, 11, 30).date())
    assert cafe.posted_at == datetime(2025, 10, 19, 15, 0, tzinfo=UTC)  # 2025-10-20 00:00 JST


async def test_reimport_changes_nothing_and_a_change_updates(
    import_jobs: ImportJobs, store: InMemoryStore
) -> None:
    await import_jobs(ImportFile(lines=ROWS, name="jobs.csv"))
    before = {j.external_id: (j.id, j.updated_at) for j in store.jobs.values()}
    again = await import_jobs(ImportFile(lines=ROWS, name="jobs.csv"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert {j.external_id: (j.id, j.updated_at) for j in store.jobs.values()} == before
    changed = await import_jobs(ImportFile(lines=[HEADER, GOOD.replace('"1,300"', "1400")], name="jobs.csv"))
    assert (changed.created, changed.updated) == (0, 1)
    cafe = next(j for j in store.jobs.values() if j.external_id == "j1")
    assert (cafe.id, cafe.hourly_wage) == (before["j1"][0], 1400)
    assert len(store.jobs) == 2


async def test_created_and_changed_jobs_are_queued_for_rescoring_and_unchanged_ones_not(
    store: InMemoryStore, reference: BundledReferenceData
) -> None:
    queue = RecordingQueue()
    import_jobs = ImportJobs(
        InMemoryUnitOfWork(store), reference, FixedClock(), MatchCache(InProcessCache(), MatchCacheSettings()), queue
    )
    await import_jobs(ImportFile(lines=ROWS, name="jobs.csv"))
    assert sorted(queue.changed_jobs[0]) == sorted(store.jobs)
    await import_jobs(ImportFile(lines=ROWS, name="jobs.csv"))
    assert queue.changed_jobs[1] == []
    await import_jobs(ImportFile(lines=[HEADER, GOOD.replace('"1,300"', "1400")], name="jobs.csv"))
    assert queue.changed_jobs[2] == [next(j.id for j in store.jobs.values() if j.external_id == "j1")]


async def test_jsonl_with_the_same_keys(
    import_jobs: ImportJobs, store: InMemoryStore, tmp_path: Path
) -> None:
    path = tmp_path / "jobs.jsonl"
    rows = [
        {"external_id": "k1", "title": "梅田／居酒屋", "company_name": "株式会社テスト", "job_type": "居酒屋",
         "hourly_wage": 1200, "station_name": "梅田", "prefecture_code": "27", "work_days": "fri-sun",
         "work_start": "18:00", "work_end": "24:00"},
        {"external_id": "k2", "title": "x", "company_name": "y", "job_type": "z", "hourly_wage": 900,
         "prefecture_code": "27"},
    ]  # fmt: skip
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n", encoding="utf-8"
    )
    report = await import_jobs(ImportFile(path=path))
    assert report.created == 1
    assert [(e.line, e.field) for e in report.errors] == [(2, "hourly_wage"), (3, "row")]
    izakaya = next(iter(store.jobs.values()))
    assert (izakaya.prefecture_code, izakaya.work_days) == ("27", 0b1110000)


async def test_a_file_that_is_not_utf8_is_one_error(import_jobs: ImportJobs, tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_bytes(("\n".join([HEADER, GOOD]) + "\n").encode("cp932"))
    with pytest.raises(ImportFileError, match="Shift_JIS"):
        await import_jobs(ImportFile(path=path))


async def test_a_broken_header_is_one_error(import_jobs: ImportJobs) -> None:
    with pytest.raises(ImportFileError, match=r"missing hourly_wage.*unknown wage"):
        await import_jobs(ImportFile(lines=["external_id,title,company_name,job_type,wage"], name="jobs.csv"))
