"""The link hit repository's contract, on in-memory, SQLite and PostgreSQL alike."""

import uuid
from datetime import UTC, date, datetime, timedelta

from domain.campaign import Campaign
from domain.delivery import Delivery, DeliveryStatus
from domain.link_scanners import HitKind, LinkHit, ScannerReason
from domain.user import User
from tests.conftest import UowFactory

NOW = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)


async def test_hits_are_kept_with_their_flag_oldest_first(uow_factory: UowFactory) -> None:
    campaign, user = Campaign(id=uuid.uuid4(), name=f"daily-{uuid.uuid4().hex[:6]}"), User(uuid.uuid4(), "a@b.jp")
    async with uow_factory() as uow:
        await uow.campaigns.add(campaign)
        await uow.users.add(user)
        run = await uow.deliveries.get_or_create_run(campaign.id, date(2026, 12, 3), NOW)
        await uow.commit()
    delivery = Delivery(run.id, campaign.id, user.id, user.email, status=DeliveryStatus.SENT, sent_at=NOW)
    job_id = uuid.uuid4()
    async with uow_factory() as uow:
        await uow.deliveries.add_planned([delivery])
        await uow.link_hits.add(LinkHit(delivery.id, HitKind.CLICK, NOW + timedelta(minutes=5), "Mozilla/5.0", None,
                                        job_id))  # fmt: skip
        await uow.link_hits.add(LinkHit(delivery.id, HitKind.OPEN, NOW + timedelta(seconds=2), "SafeLinks/1.0",
                                        ScannerReason.SCANNER_AGENT))  # fmt: skip
        await uow.commit()
    async with uow_factory() as uow:
        await uow.link_hits.add(LinkHit(delivery.id, HitKind.OPEN, NOW, "", ScannerReason.NO_AGENT))  # rolled back
    async with uow_factory() as uow:
        found = await uow.link_hits.for_delivery(delivery.id)
        assert await uow.link_hits.for_delivery(uuid.uuid4()) == []
    assert [(h.kind, h.scanner_reason, h.user_agent, h.job_id) for h in found] == [
        (HitKind.OPEN, ScannerReason.SCANNER_AGENT, "SafeLinks/1.0", None),
        (HitKind.CLICK, None, "Mozilla/5.0", job_id),
    ]
    assert found[0].occurred_at == NOW + timedelta(seconds=2)


async def test_the_chosen_mail_frequency_is_stored(uow_factory: UowFactory) -> None:
    user = User(uuid.uuid4(), "weekly@example.jp", mail_frequency="weekly")
    async with uow_factory() as uow:
        await uow.users.add(user)
        await uow.users.add(User(uuid.uuid4(), "daily@example.jp"))
        await uow.commit()
    async with uow_factory() as uow:
        audience = {u.email: u.mail_frequency for u in await uow.users.list_audience()}
    assert audience == {"weekly@example.jp": "weekly", "daily@example.jp": "daily"}
