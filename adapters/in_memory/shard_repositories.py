"""In-memory twins of the shard and schedule repositories."""

import copy
import uuid
from collections.abc import Sequence
from datetime import datetime

from adapters.in_memory.store import Transaction
from domain.campaign import CampaignRun
from domain.cron import ScheduledFire
from domain.jst import as_utc
from domain.shard import RunShard


class InMemoryShardRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def add_many(self, shards: Sequence[RunShard]) -> int:
        present = {(s.run_id, s.shard_no) for s in self._tx.shards.peek()}
        added = 0
        for shard in shards:
            if (shard.run_id, shard.shard_no) in present:
                continue
            self._tx.shards.add(shard.id, copy.deepcopy(shard))
            present.add((shard.run_id, shard.shard_no))
            added += 1
        return added

    async def for_run(self, run_id: uuid.UUID) -> list[RunShard]:
        found = [copy.deepcopy(s) for s in self._tx.shards.peek() if s.run_id == run_id]
        return sorted(found, key=lambda s: s.shard_no)

    async def get(self, run_id: uuid.UUID, shard_no: int) -> RunShard | None:
        for shard in self._tx.shards.peek():
            if shard.run_id == run_id and shard.shard_no == shard_no:
                return copy.deepcopy(shard)
        return None

    async def save(self, shard: RunShard) -> None:
        if shard.id in self._tx.shards:
            self._tx.shards.put(shard.id, copy.deepcopy(shard))

    async def get_run(self, run_id: uuid.UUID) -> CampaignRun | None:
        return self._tx.runs.get(run_id)

    async def lock_run(self, run_id: uuid.UUID) -> None:
        return None  # in-memory transactions already run one at a time


class InMemoryScheduleRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def record_fire(self, fire: ScheduledFire) -> bool:
        key = (fire.schedule_id, as_utc(fire.fire_at))
        if key in self._tx.fires:
            return False
        self._tx.fires[key] = copy.deepcopy(fire)
        return True

    async def fires(self, schedule_id: str, limit: int = 10) -> list[ScheduledFire]:
        found = [copy.deepcopy(f) for (sid, _), f in self._tx.fires.items() if sid == schedule_id]
        return sorted(found, key=lambda f: as_utc(f.fire_at), reverse=True)[:limit]

    async def watermark(self, sweep: str) -> datetime | None:
        return self._tx.watermarks.get(sweep)

    async def advance_watermark(self, sweep: str, expected: datetime | None, until: datetime) -> bool:
        if self._tx.watermarks.get(sweep) != (None if expected is None else as_utc(expected)):
            return False
        self._tx.watermarks[sweep] = as_utc(until)
        return True
