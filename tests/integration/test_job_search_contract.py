"""JobRepository.search: in-memory, SQLite and PostgreSQL agree on filters, keyword forms and paging."""

import uuid
from datetime import timedelta

import pytest

from adapters.sqlalchemy.errors import StorageConflict
from domain.job import Job
from domain.job_search import JobSearch, SearchPosition
from domain.text import search_words
from tests.conftest import UowFactory
from tests.integration.test_repositories_contract import NOW, make_job


async def store(make_uow: UowFactory, *jobs: Job) -> None:
    async with make_uow() as uow:
        for job in jobs:
            await uow.jobs.add(job)
        await uow.commit()


async def search(
    make_uow: UowFactory, criteria: JobSearch, after: SearchPosition | None = None, limit: int = 50
) -> list[str]:
    async with make_uow() as uow:
        return [job.title for job in await uow.jobs.search(criteria, NOW, after, limit)]


async def test_keywords_match_across_width_case_and_kana(uow_factory: UowFactory) -> None:
    await store(
        uow_factory,
        make_job(title="カフェスタッフ（ホール）", posted_at=NOW - timedelta(hours=1)),
        make_job(title="ｺﾝﾋﾞﾆ 夜勤", company_name="ＡＢＣマート", posted_at=NOW - timedelta(hours=2)),
        make_job(
            title="倉庫作業", description="ピッキング中心", nearest_station="新宿", posted_at=NOW - timedelta(hours=3)
        ),
    )
    for keyword, expected in [
        ("かふぇ", ["カフェスタッフ（ホール）"]),
        ("ｶﾌｪ", ["カフェスタッフ（ホール）"]),
        ("(ホール)", ["カフェスタッフ（ホール）"]),
        ("コンビニ", ["ｺﾝﾋﾞﾆ 夜勤"]),
        ("abc まーと", ["ｺﾝﾋﾞﾆ 夜勤"]),
        ("ぴっきんぐ　新宿", ["倉庫作業"]),  # ideographic space between two words, both must occur
        ("ぴっきんぐ 渋谷区", ["倉庫作業"]),  # the city is searched too
        ("ぴっきんぐ 池袋", []),
        ("100%", []),  # LIKE wildcards are literal
        ("_", []),
    ]:
        assert await search(uow_factory, JobSearch(keywords=search_words(keyword))) == expected, keyword


async def test_filters_and_only_open_jobs(uow_factory: UowFactory) -> None:
    await store(
        uow_factory,
        make_job(title="a", prefecture_code="13", municipality_code="13104", city="新宿区", station_code="003700",
                 job_type="カフェ", industry="7671", hourly_wage=1300, posted_at=NOW - timedelta(hours=1)),
        make_job(title="b", prefecture_code="14", city="横浜市西区", job_type="コンビニ", industry="5891",
                 hourly_wage=1200, posted_at=NOW - timedelta(hours=2)),
        make_job(title="closed", is_active=False),
        make_job(title="expired", expires_at=NOW - timedelta(seconds=1)),
        make_job(title="open until later", expires_at=NOW + timedelta(seconds=1), posted_at=NOW - timedelta(hours=3)),
    )  # fmt: skip
    assert await search(uow_factory, JobSearch()) == ["a", "b", "open until later"]
    assert await search(uow_factory, JobSearch(prefecture_code="14")) == ["b"]
    assert await search(uow_factory, JobSearch(municipality_code="13104")) == ["a"]
    assert await search(uow_factory, JobSearch(city="横浜市西区")) == ["b"]
    assert await search(uow_factory, JobSearch(station_codes=("003700", "999999"))) == ["a"]
    assert await search(uow_factory, JobSearch(job_type="コンビニ")) == ["b"]
    assert await search(uow_factory, JobSearch(industry_prefixes=("76",))) == ["a"]
    assert await search(uow_factory, JobSearch(industry_prefixes=("58", "76"))) == ["a", "b"]
    assert await search(uow_factory, JobSearch(min_hourly_wage=1250)) == ["a"]
    assert await search(uow_factory, JobSearch(min_hourly_wage=1201, prefecture_code="13")) == ["a"]
    assert await search(uow_factory, JobSearch(min_hourly_wage=1200, prefecture_code="13")) == ["a", "open until later"]


async def test_pages_follow_posted_at_then_id_with_ties(uow_factory: UowFactory) -> None:
    tied = NOW - timedelta(hours=1)
    jobs = [make_job(title=f"t{i}", posted_at=tied) for i in range(4)]
    jobs += [make_job(title="newest", posted_at=NOW - timedelta(minutes=1)), make_job(title="oldest")]
    await store(uow_factory, *jobs)
    expected = ["newest", *(j.title for j in sorted(jobs[:4], key=lambda j: j.id)), "oldest"]
    seen: list[str] = []
    after = None
    while True:
        async with uow_factory() as uow:
            page = await uow.jobs.search(JobSearch(), NOW, after, 2)
        if not page:
            break
        seen += [job.title for job in page]
        after = SearchPosition(page[-1].posted_at, page[-1].id)
    assert seen == expected


async def test_search_text_follows_an_edit(uow_factory: UowFactory) -> None:
    job = make_job(title="ホールスタッフ")
    await store(uow_factory, job)
    async with uow_factory() as uow:
        loaded = await uow.jobs.get(job.id)
        assert loaded is not None
        loaded.title = "キッチンスタッフ"
        await uow.commit()
    assert await search(uow_factory, JobSearch(keywords=("きっちん",))) == ["キッチンスタッフ"]
    assert await search(uow_factory, JobSearch(keywords=("ほーる",))) == []


async def test_unknown_ids_and_empty_results_are_just_empty(uow_factory: UowFactory) -> None:
    after = SearchPosition(NOW, uuid.uuid4())
    assert await search(uow_factory, JobSearch(prefecture_code="47"), after) == []


async def test_companies_and_the_company_of_users_and_jobs(uow_factory: UowFactory) -> None:
    from domain.company import Company
    from tests.integration.test_repositories_contract import make_user

    firm = Company(uuid.uuid4(), "新宿カフェ株式会社", NOW)
    user = make_user(company_id=firm.id, role="employer")
    job = make_job(company_id=firm.id, employer_id=user.id, company_name=firm.name)
    async with uow_factory() as uow:
        await uow.companies.add(firm)
        await uow.users.add(user)
        await uow.jobs.add(job)
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.companies.by_name("新宿カフェ株式会社")).id == firm.id  # type: ignore[union-attr]
        assert (await uow.companies.get(firm.id)).name == firm.name  # type: ignore[union-attr]
        assert await uow.companies.by_name("渋谷書店") is None
        assert (await uow.users.get(user.id)).company_id == firm.id  # type: ignore[union-attr]
        assert (await uow.jobs.get(job.id)).company_id == firm.id  # type: ignore[union-attr]
    async with uow_factory() as uow:
        await uow.companies.add(Company(uuid.uuid4(), "新宿カフェ株式会社"))
        with pytest.raises(StorageConflict):
            await uow.commit()
