"""The suppression repository's contract, on in-memory, SQLite and PostgreSQL alike."""

import uuid
from datetime import UTC, datetime

from domain.suppression import BounceEvent, BounceKind, Suppression
from tests.conftest import UowFactory

NOW = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)


def event(report_key: str, email: str, kind: BounceKind = BounceKind.SOFT) -> BounceEvent:
    return BounceEvent(report_key, email, kind, "4.2.2", "mailbox full", NOW, uuid.uuid4())


async def test_an_event_is_recorded_once_per_report_and_address(uow_factory: UowFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.suppressions.add_event(event("<r1@mx>", "Hanako@Example.JP"))
        assert not await uow.suppressions.add_event(event("<r1@mx>", "hanako@example.jp"))  # same, normalized
        assert await uow.suppressions.add_event(event("<r1@mx>", "taro@example.jp"))  # same report, other rcpt
        assert await uow.suppressions.add_event(event("<r2@mx>", "hanako@example.jp"))
        await uow.suppressions.add_event(event("<r3@mx>", "hanako@example.jp", BounceKind.HARD))
        await uow.commit()
    async with uow_factory() as uow:
        assert not await uow.suppressions.add_event(event("<r2@mx>", "hanako@example.jp"))
        assert await uow.suppressions.soft_count(" HANAKO@example.jp ") == 2  # hard ones are not soft
        assert await uow.suppressions.soft_count("nobody@example.jp") == 0


async def test_suppression_keeps_the_first_reason_and_is_found_case_blind(uow_factory: UowFactory) -> None:
    async with uow_factory() as uow:
        first = Suppression("Yuki..Chan.@docomo.ne.jp", BounceKind.HARD, "550 unknown user", NOW)
        assert await uow.suppressions.suppress(first)
        assert not await uow.suppressions.suppress(Suppression("yuki..chan.@docomo.ne.jp", BounceKind.COMPLAINT,
                                                               "abuse", NOW))  # fmt: skip
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.suppressions.get("YUKI..CHAN.@DOCOMO.NE.JP")
        assert found is not None
        assert found.kind is BounceKind.HARD
        assert found.reason == "550 unknown user"
        assert found.created_at == NOW
        assert await uow.suppressions.get("other@docomo.ne.jp") is None
        many = [f"user{i}@example.jp" for i in range(1200)] + ["yuki..chan.@docomo.ne.jp"]
        assert await uow.suppressions.suppressed_among(many) == {"yuki..chan.@docomo.ne.jp"}
        assert await uow.suppressions.suppressed_among([]) == set()


async def test_nothing_is_suppressed_unless_committed(uow_factory: UowFactory) -> None:
    async with uow_factory() as uow:
        await uow.suppressions.suppress(Suppression("gone@example.jp", BounceKind.HARD, "x", NOW))
    async with uow_factory() as uow:
        assert await uow.suppressions.get("gone@example.jp") is None


async def test_mailed_counts_count_sent_mails_of_other_runs_since_a_moment(uow_factory: UowFactory) -> None:
    from datetime import date, timedelta

    from domain.campaign import Campaign
    from domain.delivery import Delivery, DeliveryStatus
    from domain.user import User

    campaign = Campaign(id=uuid.uuid4(), name=f"daily-{uuid.uuid4().hex[:6]}")
    users = [User(uuid.uuid4(), f"{n}@example.jp") for n in range(3)]
    async with uow_factory() as uow:
        await uow.campaigns.add(campaign)
        for user in users:
            await uow.users.add(user)
        runs = [await uow.deliveries.get_or_create_run(campaign.id, date(2026, 12, d), NOW) for d in (1, 2, 3)]
        await uow.commit()
    rows = [  # (run, user, status, sent_at)
        (runs[0], users[0], DeliveryStatus.SENT, NOW - timedelta(days=2)),  # before `since`
        (runs[1], users[0], DeliveryStatus.BOUNCED, NOW - timedelta(hours=1)),  # sent, then bounced: counts
        (runs[2], users[0], DeliveryStatus.SENT, NOW),  # the excluded run
        (runs[1], users[1], DeliveryStatus.SKIPPED, None),
        (runs[0], users[2], DeliveryStatus.OPENED, NOW - timedelta(days=1)),
    ]
    async with uow_factory() as uow:
        await uow.deliveries.add_planned([
            Delivery(run.id, campaign.id, user.id, user.email, status=status, sent_at=sent_at)
            for run, user, status, sent_at in rows
        ])  # fmt: skip
        await uow.commit()
    async with uow_factory() as uow:
        counts = await uow.deliveries.mailed_counts([u.id for u in users], NOW - timedelta(days=1), runs[2].id)
    assert counts == {users[0].id: 1, users[1].id: 0, users[2].id: 1}
