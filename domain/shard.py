"""A run's shards: the audience of a daily run split into slices that worker processes take one at a time.

A shard is fixed when the run is split (its users are stored with it), so a shard redelivered to another
worker hours later still means the same users; finishing one records what its users got."""

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime


class ShardStatus(enum.StrEnum):
    QUEUED = "queued"
    DONE = "done"


@dataclass(eq=False)
class RunShard:
    run_id: uuid.UUID
    shard_no: int
    user_ids: list[uuid.UUID]
    status: ShardStatus = ShardStatus.QUEUED
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    finished_at: datetime | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def finish(self, at: datetime, sent: int, skipped: int, failed: int) -> None:
        self.status, self.finished_at = ShardStatus.DONE, at
        self.sent, self.skipped, self.failed = sent, skipped, failed


def split_into_shards(run_id: uuid.UUID, user_ids: Sequence[uuid.UUID], size: int) -> list[RunShard]:
    """Consecutive slices of `size` users (the caller orders them, e.g. geographically, so a shard's users
    share the jobs they can reach)."""
    if size <= 0:
        raise ValueError(f"shard size must be positive, got {size}")
    return [
        RunShard(run_id, number, list(user_ids[start : start + size]))
        for number, start in enumerate(range(0, len(user_ids), size))
    ]
