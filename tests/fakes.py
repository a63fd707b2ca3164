"""Test doubles for the ports that hand work or messages to other processes: they record what they got."""

import uuid
from collections.abc import Collection, Mapping
from datetime import date


class RecordingQueue:
    def __init__(self) -> None:
        self.shards: list[tuple[uuid.UUID, int]] = []
        self.starts: list[tuple[str, date]] = []
        self.changed_jobs: list[list[uuid.UUID]] = []
        self.changed_users: list[uuid.UUID] = []

    async def jobs_changed(self, job_ids: Collection[uuid.UUID]) -> None:
        self.changed_jobs.append(list(job_ids))

    async def user_changed(self, user_id: uuid.UUID) -> None:
        self.changed_users.append(user_id)

    async def start_run(self, campaign_name: str, run_date: date) -> None:
        self.starts.append((campaign_name, run_date))

    async def run_shard(self, run_id: uuid.UUID, shard_no: int) -> None:
        self.shards.append((run_id, shard_no))


class RecordingNotifier:
    def __init__(self) -> None:
        self.events: list[tuple[uuid.UUID, dict[str, object]]] = []

    async def notify(self, user_id: uuid.UUID, event: Mapping[str, object]) -> None:
        self.events.append((user_id, dict(event)))
