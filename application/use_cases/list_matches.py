"""The caller's matches, a page at a time.

Rules: the first page (no cursor) comes from the user's current snapshot: the best DEPTH jobs ranked as
RecommendJobs ranks them (same rules, total order, per-company cap), taken from the cache when nothing has
changed since (a hit) or ranked now and kept (a miss). A cursor continues the snapshot it came from, so
the pages of one listing are disjoint and together complete, even when scores tie or the user acts between
two pages; jobs that expired meanwhile are left out. A cursor is signed for its user: another user's, a
forged one, or one whose snapshot has gone (after MatchCacheSettings.snapshot_ttl) is an InvalidInput on
`cursor`, and the client starts again without one. `limit` is 1..100.
Misses of one user under the same generations that overlap in this process share one ranking (each is
still counted as a miss): a change seen by many concurrent requests ranks once, not once a request.
"""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from application.match_cache import MatchCache, MatchItem, MatchSnapshot, new_snapshot_id
from application.paging import CursorCodec, cursor_int
from application.ports import CacheStats, Clock
from application.use_cases.recommend_jobs import MAX_LIMIT, Recommendation, RecommendQuery
from domain.errors import InvalidInput

DEPTH = MAX_LIMIT  # how many ranked jobs a snapshot holds
CURSOR_LISTING = "matches"
CACHE_NAME = "matches"
# RecommendJobs, or a caller of it in a unit of work of its own: ListMatches ranks only on a miss, so it can
# outlive a request (the API keeps one for the app's lifetime) while every ranking gets a fresh unit of work.
Recommend = Callable[[RecommendQuery], Awaitable[Recommendation]]


@dataclass(frozen=True)
class MatchesQuery:
    user_id: uuid.UUID
    limit: int = 10
    cursor: str | None = None


@dataclass(frozen=True)
class MatchPage:
    items: list[MatchItem]
    eligible: int  # jobs that passed every rule when the snapshot was ranked
    next_cursor: str | None


class ListMatches:
    def __init__(
        self, recommend: Recommend, matches: MatchCache, cursors: CursorCodec, clock: Clock, stats: CacheStats
    ) -> None:
        self._recommend = recommend
        self._matches = matches
        self._cursors = cursors
        self._clock = clock
        self._stats = stats
        # Rankings under way, by user and the generations read before them (what `keep` is given).
        self._ranking: dict[tuple[uuid.UUID, str], asyncio.Future[MatchSnapshot]] = {}

    async def __call__(self, query: MatchesQuery) -> MatchPage:
        if not 1 <= query.limit <= MAX_LIMIT:
            raise InvalidInput("limit", f"must be between 1 and {MAX_LIMIT}")
        if query.cursor is None:
            snapshot, offset = await self._current(query.user_id), 0
        else:
            snapshot, offset = await self._continued(query.user_id, query.cursor)
        now = self._clock.now()
        if snapshot.all_open_at(now):  # the usual case: no listed job has expired since the ranking
            items = list(snapshot.items[offset : offset + query.limit])
            position = offset + len(items)
            more = position < len(snapshot.items)
        else:
            items = []
            position = offset
            while position < len(snapshot.items) and len(items) < query.limit:
                if snapshot.items[position].open_at(now):
                    items.append(snapshot.items[position])
                position += 1
            more = any(item.open_at(now) for item in snapshot.items[position:])
        payload = {"s": snapshot.id, "u": str(query.user_id), "o": str(position)}
        return MatchPage(items, snapshot.eligible, self._cursors.encode(CURSOR_LISTING, payload) if more else None)

    async def _current(self, user_id: uuid.UUID) -> MatchSnapshot:
        key, snapshot = await self._matches.current(user_id, self._clock.now())
        if snapshot is not None:
            self._stats.hit(CACHE_NAME)
            return snapshot
        self._stats.miss(CACHE_NAME)
        flight = (user_id, key)
        running = self._ranking.get(flight)
        if running is None:
            running = self._ranking[flight] = asyncio.ensure_future(self._rank(user_id, key))
            running.add_done_callback(lambda done: self._landed(flight, done))
        return await asyncio.shield(running)  # one caller giving up does not cancel the others' ranking

    def _landed(self, flight: tuple[uuid.UUID, str], done: "asyncio.Future[MatchSnapshot]") -> None:
        if self._ranking.get(flight) is done:
            del self._ranking[flight]
        if not done.cancelled():
            done.exception()  # retrieved here too, in case every caller gave up before it ended

    async def _rank(self, user_id: uuid.UUID, key: str) -> MatchSnapshot:
        result = await self._recommend(RecommendQuery(user_id, limit=DEPTH))
        items = tuple(
            MatchItem(
                job_id=r.job.id,
                title=r.job.title,
                company_name=r.job.company_name,
                hourly_wage=r.job.hourly_wage,
                total=r.score.total,
                basic=r.score.basic,
                seo=r.score.seo,
                personalized=r.score.personalized,
                reasons=tuple(r.reasons),
                distance_km=r.score.distance_km,
                commute_minutes=r.score.commute_minutes,
                expires_at=r.job.expires_at,
            )
            for r in result.jobs
        )
        now = self._clock.now()
        snapshot = MatchSnapshot(new_snapshot_id(), user_id, now, result.eligible, items)
        await self._matches.keep(key, snapshot, now)
        return snapshot

    async def _continued(self, user_id: uuid.UUID, cursor: str) -> tuple[MatchSnapshot, int]:
        payload = self._cursors.decode(CURSOR_LISTING, cursor)
        if payload.get("u") != str(user_id):
            raise InvalidInput("cursor", "this cursor belongs to another listing; start again without one")
        snapshot = await self._matches.snapshot(payload.get("s", ""), self._clock.now())
        offset = cursor_int(payload, "o")
        if snapshot is None:
            raise InvalidInput("cursor", "these results have expired; start again without a cursor")
        if not 0 <= offset <= len(snapshot.items):
            raise InvalidInput("cursor", "malformed cursor; start again without one")
        return snapshot, offset
