"""The Cache port in this process's memory, for the embedded mode and for tests."""

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

MonotonicClock = Callable[[], float]


class _Entry(NamedTuple):
    value: bytes
    expires_at: float | None  # monotonic seconds; None lives until deleted


class InProcessCache:
    """Bytes by key with expiry and least-recently-used eviction past `max_entries`.

    Counters made by `incr` are kept apart and never evicted: a version counter that fell out and came
    back at 1 would make entries written under an old version fresh again. Like Redis, a counter reads as
    its decimal bytes and keeps the lifetime of the value it was made from (none if it started at 1).

    No method awaits anything, so each runs whole within one event loop; it is not thread-safe.
    """

    def __init__(self, max_entries: int = 10_000, clock: MonotonicClock = time.monotonic) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._clock = clock
        self._values: OrderedDict[str, _Entry] = OrderedDict()
        self._counters: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._values) + len(self._counters)

    async def get(self, key: str) -> bytes | None:
        entry = self._live(key)
        if entry is None:
            return None
        if key in self._values:
            self._values.move_to_end(key)
        return entry.value

    async def get_many(self, *keys: str) -> list[bytes | None]:
        return [await self.get(key) for key in keys]

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        if ttl_seconds < 1:
            raise ValueError("ttl_seconds must be at least 1")
        self._counters.pop(key, None)
        self._values[key] = _Entry(bytes(value), self._clock() + ttl_seconds)
        self._values.move_to_end(key)
        while len(self._values) > self._max_entries:
            self._values.popitem(last=False)

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._values.pop(key, None)
            self._counters.pop(key, None)

    async def incr(self, key: str) -> int:
        entry = self._live(key)
        if entry is None:
            count, expires_at = 1, None
        else:
            try:
                count, expires_at = int(entry.value) + 1, entry.expires_at
            except ValueError:
                raise ValueError(f"cache value at {key!r} is not an integer") from None
        self._values.pop(key, None)
        self._counters[key] = _Entry(str(count).encode(), expires_at)
        return count

    def _live(self, key: str) -> _Entry | None:
        """The entry under `key`, dropping it if it has expired."""
        entry = self._values.get(key) or self._counters.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= self._clock():
            self._values.pop(key, None)
            self._counters.pop(key, None)
            return None
        return entry
