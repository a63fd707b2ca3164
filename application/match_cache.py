"""The matches a user pages through: a ranked snapshot kept in the cache, and what makes it stale.

Keys (the Cache port adds its own prefix):
- `matches:gen` and `matches:gen:<user>`: generation counters. Any job change bumps the first (a new,
  edited, closed or imported posting can enter or leave anyone's list); a change to the user's address,
  wishes or actions bumps the second.
- `matches:current:<user>`: `<gen>:<user gen>:<id>`, the id of the user's snapshot and the generations it
  was ranked under (read before ranking), for `current_ttl` seconds, and never past the first expiry among
  its jobs. It is read in the same MGET as both counters and counts only when its generations are the
  counters' values now, so a stale snapshot is never read as current, on any process sharing the cache.
  (A ranking that finishes after a newer one overwrites it with older generations: the next read misses
  and ranks again; it never serves the older one.)
- `matches:snap:<id>`: the snapshot itself, immutable, for `snapshot_ttl` seconds, so a client paging
  through it with a cursor sees disjoint and complete pages whatever happens meanwhile.
"""

import json
import secrets
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from application.ports import Cache
from domain.jst import as_utc

GLOBAL_GENERATION = "matches:gen"


@dataclass(frozen=True, slots=True)
class MatchCacheSettings:
    current_ttl: int = 300  # the sketch's api_responses lifetime
    snapshot_ttl: int = 3600  # the sketch's user_sessions lifetime: how long a cursor keeps working
    decoded_in_process: int = 256  # snapshots kept decoded in this process (about 100 kB each)


@dataclass(frozen=True, slots=True)
class MatchItem:
    """One ranked job as the listing shows it."""

    job_id: uuid.UUID
    title: str
    company_name: str
    hourly_wage: int
    total: float
    basic: float
    seo: float
    personalized: float
    reasons: tuple[str, ...]
    distance_km: float | None
    commute_minutes: float | None
    expires_at: datetime | None

    def open_at(self, moment: datetime) -> bool:
        return self.expires_at is None or as_utc(self.expires_at) > as_utc(moment)


@dataclass(frozen=True, slots=True)
class MatchSnapshot:
    id: str
    user_id: uuid.UUID
    made_at: datetime
    eligible: int
    items: tuple[MatchItem, ...]
    # The first expiry among the items (UTC), None when none expires: before it every item is open.
    first_expiry: datetime | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        expiries = [as_utc(i.expires_at) for i in self.items if i.expires_at is not None]
        object.__setattr__(self, "first_expiry", min(expiries) if expiries else None)

    def all_open_at(self, moment: datetime) -> bool:
        return self.first_expiry is None or self.first_expiry > as_utc(moment)

    def encode(self) -> bytes:
        body = asdict(self)
        del body["first_expiry"]
        return json.dumps(body, default=str, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes) -> "MatchSnapshot":
        body = json.loads(data)
        items = tuple(
            MatchItem(
                **{
                    **item,
                    "job_id": uuid.UUID(item["job_id"]),
                    "reasons": tuple(item["reasons"]),
                    "expires_at": _moment(item["expires_at"]),
                }
            )
            for item in body["items"]
        )
        return cls(
            body["id"], uuid.UUID(body["user_id"]), datetime.fromisoformat(body["made_at"]), body["eligible"], items
        )


def _moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def new_snapshot_id() -> str:
    return secrets.token_urlsafe(12)


class MatchCache:
    """Implements the MatchInvalidation port, and keeps the snapshots ListMatches pages over."""

    def __init__(self, cache: Cache, settings: MatchCacheSettings) -> None:
        self._cache = cache
        self._settings = settings
        # Decoded snapshots by id. A snapshot never changes once kept, so a copy decoded here stays right
        # for its whole lifetime; invalidation moves the current *key*, which is always read from the cache.
        self._decoded: OrderedDict[str, MatchSnapshot] = OrderedDict()

    async def user_changed(self, user_id: uuid.UUID) -> None:
        await self._cache.incr(f"matches:gen:{user_id}")

    async def jobs_changed(self) -> None:
        await self._cache.incr(GLOBAL_GENERATION)

    async def current(self, user_id: uuid.UUID, now: datetime) -> tuple[str, MatchSnapshot | None]:
        """The generations in force now (an opaque stamp), and the user's current snapshot if there is
        one. Read before ranking and give the stamp to `keep`: a change while ranking then leaves the
        result stale. One round trip (MGET on Redis), then the snapshot unless decoded already."""
        generation, user_generation, current = await self._cache.get_many(*self.current_keys(user_id))
        stamp = f"{(generation or b'0').decode()}:{(user_generation or b'0').decode()}"
        if current is None:
            return stamp, None
        kept_stamp, _, snapshot_id = current.decode().rpartition(":")
        return stamp, await self.snapshot(snapshot_id, now) if kept_stamp == stamp else None

    def current_keys(self, user_id: uuid.UUID) -> tuple[str, str, str]:
        """The keys `current` reads, in one MGET (the API reads them ahead, with its rate-limit check)."""
        return GLOBAL_GENERATION, f"matches:gen:{user_id}", f"matches:current:{user_id}"

    async def snapshot(self, snapshot_id: str, now: datetime) -> MatchSnapshot | None:
        """A kept snapshot by id, until `snapshot_ttl` after it was made."""
        found = self._decoded.get(snapshot_id)
        if found is not None:
            if as_utc(found.made_at) + timedelta(seconds=self._settings.snapshot_ttl) > as_utc(now):
                self._decoded.move_to_end(snapshot_id)
                return found
            del self._decoded[snapshot_id]
        data = await self._cache.get(f"matches:snap:{snapshot_id}")
        if data is None:
            return None
        found = MatchSnapshot.decode(data)
        self._remember(found)
        return found

    def _remember(self, snapshot: MatchSnapshot) -> None:
        self._decoded[snapshot.id] = snapshot
        while len(self._decoded) > self._settings.decoded_in_process:
            self._decoded.popitem(last=False)

    async def keep(self, stamp: str, snapshot: MatchSnapshot, now: datetime) -> None:
        """Store the snapshot and make it current for the generations `current` gave (until it goes stale)."""
        await self._cache.set(f"matches:snap:{snapshot.id}", snapshot.encode(), self._settings.snapshot_ttl)
        self._remember(snapshot)
        ttl = self._settings.current_ttl
        if snapshot.first_expiry is not None:  # a listed job's expiry ends the snapshot's time as the current one
            ttl = min(ttl, int((snapshot.first_expiry - as_utc(now)).total_seconds()))
        if ttl >= 1:
            await self._cache.set(f"matches:current:{snapshot.user_id}", f"{stamp}:{snapshot.id}".encode(), ttl)
