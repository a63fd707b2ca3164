"""The scoring state of the run a worker process is on, kept between its shards.

Loading open jobs, the audience and 90 days of actions costs far more than scoring one shard, so a
process loads it once per (run, scoring moment) and reuses it for every shard of that run it takes."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from application.matching import MatchingState


class MatchingStates:
    def __init__(self) -> None:
        self._key: tuple[uuid.UUID, datetime] | None = None
        self._state: MatchingState | None = None
        self._lock = asyncio.Lock()
        self.loads = 0

    async def get(
        self, run_id: uuid.UUID, moment: datetime, load: Callable[[], Awaitable[MatchingState]]
    ) -> MatchingState:
        async with self._lock:  # two shards of one run in one process load it once
            if self._state is None or self._key != (run_id, moment):
                self._state, self._key = None, None  # drop the old run's state before loading the next
                self._state = await load()
                self._key = (run_id, moment)
                self.loads += 1
            return self._state
