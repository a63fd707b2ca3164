"""How far a daily run is: shards done, and its deliveries by outcome (admins and the CLI follow this)."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from application.ports import UnitOfWork
from domain.delivery import DeliveryStatus
from domain.errors import NotFound
from domain.shard import ShardStatus

_MAILED = (DeliveryStatus.SENT, DeliveryStatus.OPENED, DeliveryStatus.CLICKED, DeliveryStatus.BOUNCED)


@dataclass(frozen=True)
class RunProgress:
    run_id: uuid.UUID
    campaign: str
    run_date: date
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    shards_total: int
    shards_done: int
    planned: int
    pending: int
    sent: int  # sent, opened, clicked or bounced later: a mail went out
    skipped: int
    failed: int
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status == "finished"


class ShowRunProgress:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, run_id: uuid.UUID) -> RunProgress:
        async with self._uow as uow:
            run = await uow.shards.get_run(run_id)
            if run is None:
                raise NotFound("run", run_id)
            campaign = await uow.campaigns.get(run.campaign_id)
            shards = await uow.shards.for_run(run_id)
            counts = await uow.deliveries.status_counts(run_id)
        return RunProgress(
            run_id=run.id, campaign=campaign.name if campaign else str(run.campaign_id), run_date=run.run_date,
            status=str(run.status), started_at=run.started_at, finished_at=run.finished_at,
            shards_total=len(shards), shards_done=sum(s.status is ShardStatus.DONE for s in shards),
            planned=sum(counts.values()), pending=counts.get("pending", 0),
            sent=sum(counts.get(str(s), 0) for s in _MAILED), skipped=counts.get("skipped", 0),
            failed=counts.get("failed", 0), by_status=dict(sorted(counts.items())),
        )  # fmt: skip
