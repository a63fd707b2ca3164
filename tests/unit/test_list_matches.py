"""ListMatches: cursor pages over a cached snapshot; the cache goes stale on every change that matters."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.cache.in_process import InProcessCache
from adapters.clock import FixedClock
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.reference_data.loader import BundledReferenceData
from application.links import LinkSigner
from application.match_cache import MatchCache, MatchCacheSettings
from application.paging import CursorCodec
from application.use_cases.list_matches import ListMatches, MatchesQuery, MatchPage
from application.use_cases.recommend_jobs import Recommendation, RecommendJobs, RecommendQuery
from application.use_cases.record_action import RecordAction, RecordActionCommand
from application.use_cases.set_preferences import SetPreferences, SetPreferencesCommand
from domain.errors import InvalidInput
from domain.job import Job
from domain.jst import end_of_day_jst
from domain.user import Address, Preferences, User
from tests.fakes import RecordingQueue

NOW = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
REFERENCE = BundledReferenceData()
SHINJUKU = REFERENCE.postal_point("1600022")
assert SHINJUKU is not None
CURSORS = CursorCodec(LinkSigner(b"c" * 32))


class CountingStats:
    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0

    def hit(self, cache: str) -> None:
        self.hits += 1

    def miss(self, cache: str) -> None:
        self.misses += 1


def a_job(title: str, company: str, wage: int = 1300, **fields: object) -> Job:
    values: dict[str, object] = dict(
        id=uuid.uuid4(), title=title, company_name=company, job_type="カフェ", hourly_wage=wage,
        prefecture_code="13", prefecture="東京都", city="新宿区", posted_at=NOW - timedelta(days=1),
        expires_at=end_of_day_jst(NOW.date() + timedelta(days=30)), latitude=SHINJUKU.point.latitude,
        longitude=SHINJUKU.point.longitude, walking_minutes=5,
    )  # fmt: skip
    return Job(**(values | fields))  # type: ignore[arg-type]


def a_seeker() -> User:
    home = Address("13", "東京都", "新宿区", "13104", "1600022", latitude=SHINJUKU.point.latitude,
                   longitude=SHINJUKU.point.longitude)  # fmt: skip
    return User(uuid.uuid4(), "hanako@example.jp", address=home, preferences=Preferences(job_types=["カフェ"]))


class World:
    def __init__(self, jobs: list[Job], clock: FixedClock | None = None) -> None:
        self.store = InMemoryStore()
        self.user = a_seeker()
        self.clock = clock or FixedClock(NOW)
        self.cache = MatchCache(InProcessCache(clock=lambda: self.clock.now().timestamp()), MatchCacheSettings())
        self.stats = CountingStats()
        self.jobs = jobs

    async def seed(self) -> None:
        async with InMemoryUnitOfWork(self.store) as uow:
            await uow.users.add(self.user)
            for job in self.jobs:
                await uow.jobs.add(job)
            await uow.commit()

    def list_matches(self) -> ListMatches:
        recommend = RecommendJobs(InMemoryUnitOfWork(self.store), REFERENCE, self.clock)
        return ListMatches(recommend, self.cache, CURSORS, self.clock, self.stats)

    async def page(self, limit: int, cursor: str | None = None) -> MatchPage:
        return await self.list_matches()(MatchesQuery(self.user.id, limit, cursor))

    async def act(self, job_id: uuid.UUID, kind: str) -> None:
        use_case = RecordAction(InMemoryUnitOfWork(self.store), self.clock, self.cache)
        await use_case(RecordActionCommand(self.user.id, job_id, kind))


def tied_jobs(count: int, companies: int) -> list[Job]:
    """Jobs identical but for id, title and company: every score ties."""
    return [a_job(f"job{i}", f"会社{i % companies}") for i in range(count)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.integers(min_value=0, max_value=25),
    companies=st.integers(min_value=1, max_value=25),
    limit=st.integers(min_value=1, max_value=7),
    act_after_page=st.integers(min_value=0, max_value=5),
    kind=st.sampled_from(["dismiss", "apply", "favorite"]),
)
def test_pages_are_disjoint_and_complete_across_ties_and_an_interleaved_action(
    count: int, companies: int, limit: int, act_after_page: int, kind: str
) -> None:
    async def scenario() -> None:
        world = World(tied_jobs(count, companies))
        await world.seed()
        first = await world.page(100)  # the whole ranked list, as the listing's snapshot holds it
        expected = [item.job_id for item in first.items]
        seen: list[uuid.UUID] = []
        cursor: str | None = None
        pages = 0
        while True:
            page = await world.page(limit, cursor)
            assert len(page.items) <= limit
            seen += [item.job_id for item in page.items]
            pages += 1
            if pages == act_after_page + 1 and seen:
                await world.act(seen[-1], kind)  # a dismiss (or another action) between two pages
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert seen == expected  # disjoint, complete, in rank order
        assert len(set(seen)) == len(seen)

    asyncio.run(scenario())


async def test_a_listing_after_a_dismiss_is_ranked_again_without_the_job() -> None:
    world = World(tied_jobs(6, 6))
    await world.seed()
    first = await world.page(3)
    assert world.stats.misses == 1
    again = await world.page(3)
    assert [i.job_id for i in again.items] == [i.job_id for i in first.items]
    assert world.stats.hits == 1
    await world.act(first.items[0].job_id, "dismiss")
    after = await world.page(3)
    assert world.stats.misses == 2
    assert first.items[0].job_id not in [i.job_id for i in after.items]
    # The old listing's cursor still continues the old snapshot.
    assert first.next_cursor is not None
    rest = await world.page(10, first.next_cursor)
    assert len(rest.items) == 3


async def test_new_wishes_and_job_changes_make_the_snapshot_stale() -> None:
    world = World(tied_jobs(3, 3))
    await world.seed()
    await world.page(5)
    set_wishes = SetPreferences(InMemoryUnitOfWork(world.store), REFERENCE, world.clock, world.cache, RecordingQueue())
    await set_wishes(SetPreferencesCommand(world.user.id, ["コンビニ"], [], None, None, {}))
    await world.page(5)
    assert (world.stats.hits, world.stats.misses) == (0, 2)
    await world.cache.jobs_changed()
    await world.page(5)
    await world.page(5)
    assert (world.stats.hits, world.stats.misses) == (1, 3)


async def test_a_listed_job_expiring_ends_the_snapshot_and_leaves_the_pages() -> None:
    clock = FixedClock(NOW)
    soon = a_job("soon", "会社A", expires_at=NOW + timedelta(minutes=2))
    world = World([soon, a_job("later", "会社B")], clock)
    await world.seed()
    first = await world.page(1)
    assert [i.title for i in first.items] in (["soon"], ["later"])
    clock.moment = NOW + timedelta(minutes=3)
    assert [i.title for i in (await world.page(5)).items] == ["later"]
    assert world.stats.misses == 2  # the current snapshot ended with the job's expiry
    if first.next_cursor is not None:
        assert [i.title for i in (await world.page(5, first.next_cursor)).items] in ([], ["later"])


async def test_cursors_of_another_user_forged_or_expired_are_refused() -> None:
    world = World(tied_jobs(4, 4))
    await world.seed()
    page = await world.page(2)
    assert page.next_cursor is not None
    other = ListMatches(RecommendJobs(InMemoryUnitOfWork(world.store), REFERENCE, world.clock), world.cache,
                        CURSORS, world.clock, world.stats)  # fmt: skip
    for query in (
        MatchesQuery(uuid.uuid4(), 2, page.next_cursor),
        MatchesQuery(world.user.id, 2, page.next_cursor + "x"),
        MatchesQuery(world.user.id, 2, CURSORS.encode("jobs", {"s": "x", "u": str(world.user.id), "o": "0"})),
        MatchesQuery(world.user.id, 2, CURSORS.encode("matches", {"s": "gone", "u": str(world.user.id), "o": "0"})),
        MatchesQuery(world.user.id, 0),
    ):
        with pytest.raises(InvalidInput) as raised:
            await other(query)
        assert raised.value.field in ("cursor", "limit")


def test_overlapping_misses_of_one_user_share_one_ranking_and_each_counts_as_a_miss() -> None:
    async def scenario() -> None:
        world = World(tied_jobs(5, 5))
        await world.seed()
        inner = RecommendJobs(InMemoryUnitOfWork(world.store), REFERENCE, world.clock)
        rankings = 0

        async def slow_recommend(query: RecommendQuery) -> Recommendation:
            nonlocal rankings
            rankings += 1
            await asyncio.sleep(0.01)  # the other requests arrive meanwhile
            return await inner(query)

        use_case = ListMatches(slow_recommend, world.cache, CURSORS, world.clock, world.stats)
        pages = await asyncio.gather(*(use_case(MatchesQuery(world.user.id, 2)) for _ in range(5)))
        assert rankings == 1
        assert len({page.next_cursor for page in pages}) == 1  # one snapshot for all
        assert (world.stats.hits, world.stats.misses) == (0, 5)
        await world.act(pages[0].items[0].job_id, "dismiss")  # a change: the next overlapping misses rank anew
        after = await asyncio.gather(*(use_case(MatchesQuery(world.user.id, 2)) for _ in range(3)))
        assert rankings == 2
        assert pages[0].items[0].job_id not in [item.job_id for item in after[0].items]

    asyncio.run(scenario())


def test_a_failed_shared_ranking_fails_every_caller_and_the_next_miss_ranks_again() -> None:
    async def scenario() -> None:
        world = World(tied_jobs(3, 3))
        await world.seed()
        calls = 0

        async def failing_once(query: RecommendQuery) -> Recommendation:
            nonlocal calls
            calls += 1
            await asyncio.sleep(0.01)
            if calls == 1:
                raise LookupError("storage down")
            return await RecommendJobs(InMemoryUnitOfWork(world.store), REFERENCE, world.clock)(query)

        use_case = ListMatches(failing_once, world.cache, CURSORS, world.clock, world.stats)
        outcomes = await asyncio.gather(*(use_case(MatchesQuery(world.user.id, 2)) for _ in range(3)),
                                        return_exceptions=True)  # fmt: skip
        assert [type(outcome) for outcome in outcomes] == [LookupError] * 3
        assert len((await use_case(MatchesQuery(world.user.id, 2))).items) == 2
        assert calls == 2

    asyncio.run(scenario())
