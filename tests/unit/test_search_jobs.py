"""SearchJobs: parameters as a client types them, each bad one named; signed cursors over the pages."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.reference_data.loader import BundledReferenceData
from application.links import LinkSigner
from application.paging import CursorCodec
from application.use_cases.search_jobs import SearchJobs, SearchJobsQuery
from domain.errors import InvalidInput
from domain.job import Job
from domain.text import search_form, search_words

NOW = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)
REFERENCE = BundledReferenceData()
CURSORS = CursorCodec(LinkSigner(b"k" * 32))


def job(title: str, **fields: object) -> Job:
    values: dict[str, object] = dict(
        id=uuid.uuid4(), title=title, company_name="株式会社テスト", job_type="カフェ", hourly_wage=1300,
        prefecture_code="13", prefecture="東京都", city="新宿区", municipality_code="13104",
        posted_at=NOW - timedelta(days=1),
    )  # fmt: skip
    return Job(**(values | fields))  # type: ignore[arg-type]


async def make_search(*jobs: Job) -> SearchJobs:
    store = InMemoryStore()
    async with InMemoryUnitOfWork(store) as uow:
        for row in jobs:
            await uow.jobs.add(row)
        await uow.commit()
    return SearchJobs(InMemoryUnitOfWork(store), REFERENCE, FixedClock(NOW), CURSORS)


def test_search_form_folds_width_case_and_kana() -> None:
    assert search_form("ｶﾌｪ") == search_form("カフェ") == search_form("かふぇ") == "かふぇ"
    assert search_form("ＡＢＣ　Ｍａｒｔ") == "abc mart"
    assert search_form("ヴァ") == "ゔぁ"
    assert search_form("ガ") == search_form("ガ")  # decomposed and composed kana
    assert search_words(" 新宿　カフェ 新宿 ") == ("新宿", "かふぇ")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (SearchJobsQuery(prefecture="48"), "prefecture"),
        (SearchJobsQuery(prefecture="東京府"), "prefecture"),
        (SearchJobsQuery(municipality="99999"), "municipality"),
        (SearchJobsQuery(station="存在しない駅"), "station"),
        (SearchJobsQuery(station="000000"), "station"),
        (SearchJobsQuery(industry="ZZ"), "industry"),
        (SearchJobsQuery(min_hourly_wage="abc"), "min_hourly_wage"),
        (SearchJobsQuery(min_hourly_wage="-1"), "min_hourly_wage"),
        (SearchJobsQuery(limit="0"), "limit"),
        (SearchJobsQuery(limit="101"), "limit"),
        (SearchJobsQuery(keyword="あ" * 201), "keyword"),
        (SearchJobsQuery(keyword=" ".join("abcdefghijk")), "keyword"),
        (SearchJobsQuery(job_type="  "), "job_type"),
        (SearchJobsQuery(cursor="garbage"), "cursor"),
        (SearchJobsQuery(cursor=CursorCodec(LinkSigner(b"x" * 32)).encode("jobs", {"p": "x", "i": "y"})), "cursor"),
        (SearchJobsQuery(cursor=CURSORS.encode("matches", {"p": NOW.isoformat(), "i": str(uuid.uuid4())})), "cursor"),
        (SearchJobsQuery(cursor=CURSORS.encode("jobs", {"p": "yesterday", "i": str(uuid.uuid4())})), "cursor"),
    ],
)
async def test_each_bad_parameter_is_named(query: SearchJobsQuery, field: str) -> None:
    search = await make_search()
    with pytest.raises(InvalidInput) as raised:
        await search(query)
    assert raised.value.field == field


async def test_parameters_in_the_forms_people_type() -> None:
    shinjuku = REFERENCE.stations_named("新宿", "13")
    jobs = [
        job("新宿のカフェ", station_code=shinjuku[-1].code, industry="7671", hourly_wage=1500),
        job("横浜のコンビニ", prefecture_code="14", prefecture="神奈川県", city="横浜市西区", municipality_code="14103",
            job_type="コンビニ", industry="5891", hourly_wage=1250),
    ]  # fmt: skip
    search = await make_search(*jobs)

    async def titles(**params: str) -> list[str]:
        return [j.title for j in (await search(SearchJobsQuery(**params))).jobs]

    assert await titles(prefecture="１３") == ["新宿のカフェ"]
    assert await titles(prefecture="神奈川") == ["横浜のコンビニ"]
    assert await titles(prefecture="神奈川県") == ["横浜のコンビニ"]
    assert await titles(municipality="14103") == ["横浜のコンビニ"]
    assert await titles(municipality="新宿区") == ["新宿のカフェ"]
    assert await titles(station="新宿駅") == ["新宿のカフェ"]
    assert await titles(station=shinjuku[0].code) == ["新宿のカフェ"]  # another line's 新宿 is the same place
    assert await titles(job_type="ｺﾝﾋﾞﾆ") == ["横浜のコンビニ"]
    assert await titles(industry="M") == ["新宿のカフェ"]  # major class: its middle classes' postings
    assert await titles(industry="767") == ["新宿のカフェ"]
    assert await titles(industry="i") == ["横浜のコンビニ"]
    assert await titles(min_hourly_wage="１，３００") == ["新宿のカフェ"]
    assert await titles(keyword="ｶﾌｪ") == ["新宿のカフェ"]
    assert await titles(keyword="よこはま") == []  # kana do not match kanji: no reading dictionary


async def test_cursor_pages_are_disjoint_and_complete() -> None:
    jobs = [job(f"j{i}", posted_at=NOW - timedelta(hours=i % 3)) for i in range(7)]
    search = await make_search(*jobs)
    seen: list[uuid.UUID] = []
    cursor = None
    pages = 0
    while True:
        page = await search(SearchJobsQuery(limit="3", cursor=cursor))
        seen += [j.id for j in page.jobs]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3
    assert sorted(seen) == sorted(j.id for j in jobs)
    assert len(set(seen)) == len(seen)
