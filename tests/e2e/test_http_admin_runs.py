"""GET /api/v1/admin/runs/{id}: a run's progress over HTTP."""

import uuid
from datetime import UTC, date, datetime

from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore
from domain.campaign import Campaign, CampaignRun
from domain.delivery import Delivery, DeliveryStatus
from domain.roles import Role
from domain.shard import split_into_shards
from tests.e2e.test_http_support import account_with_role, client, store

__all__ = ["client", "store"]  # fixtures


def test_an_admin_sees_shards_done_and_mails_by_outcome(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    campaign = Campaign(uuid.uuid4(), "daily")
    run = CampaignRun(campaign.id, date(2026, 12, 3), started_at=datetime(2026, 12, 2, 23, tzinfo=UTC))
    users = [uuid.uuid4() for _ in range(4)]
    shards = split_into_shards(run.id, users, 2)
    shards[0].finish(datetime(2026, 12, 2, 23, 5, tzinfo=UTC), sent=1, skipped=1, failed=0)
    statuses = [DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.PENDING, DeliveryStatus.CLICKED]
    store.campaigns[campaign.id] = campaign
    store.runs[run.id] = run
    store.shards.update({s.id: s for s in shards})
    for user, status in zip(users, statuses, strict=True):
        delivery = Delivery(run.id, campaign.id, user, "a@example.jp", status=status)
        store.deliveries[delivery.id] = delivery
    headers = account_with_role(client, store, Role.ADMIN)
    body = client.get(f"/api/v1/admin/runs/{run.id}", headers=headers).json()
    assert body == {
        "id": str(run.id), "campaign": "daily", "runDate": "2026-12-03", "status": "planning",
        "startedAt": "2026-12-02T23:00:00Z", "finishedAt": None, "shardsTotal": 2, "shardsDone": 1,
        "planned": 4, "pending": 1, "sent": 2, "skipped": 1, "failed": 0,
        "byStatus": {"clicked": 1, "pending": 1, "sent": 1, "skipped": 1},
    }  # fmt: skip
    missing = client.get(f"/api/v1/admin/runs/{uuid.uuid4()}", headers=headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
