"""The analytics queries and the audit search, the same on the in-memory twin, SQLite and PostgreSQL."""

import uuid
from datetime import UTC, date, datetime, timedelta

from application.ports import AuditFilter
from domain.action import Action, ActionKind
from domain.analytics import DeliveryCounts
from domain.campaign import Campaign, RunStatus
from domain.security import AuditEntry
from tests.conftest import UowFactory
from tests.integration.test_repositories_contract import make_delivery, make_job, make_user, seed

NOW = datetime(2025, 4, 1, 0, 0, tzinfo=UTC)


async def test_deliveries_are_counted_per_run_once_per_outcome(uow_factory: UowFactory) -> None:
    run, users, jobs = await seed(uow_factory, users=7, jobs=2)
    deliveries = [make_delivery(run, user, jobs) for user in users]
    async with uow_factory() as uow:
        await uow.deliveries.add_planned(deliveries)
        later = await uow.deliveries.get_or_create_run(run.campaign_id, date(2025, 4, 2), NOW)
        await uow.commit()
    async with uow_factory() as uow:
        loaded = [await uow.deliveries.get(d.id) for d in deliveries]
        assert all(d is not None for d in loaded)
        sent_only, opened, clicked, click_no_pixel, bounced, skipped, _pending = loaded  # type: ignore[misc]
        for d in (sent_only, opened, clicked, click_no_pixel, bounced):
            d.mark_sent(NOW, "件名", f"<{d.id}@x>")
        opened.mark_opened(NOW)
        opened.mark_opened(NOW + timedelta(hours=1))  # a second open: still one
        clicked.mark_opened(NOW)
        clicked.mark_clicked(NOW)
        clicked.mark_unsubscribed(NOW)
        click_no_pixel.mark_clicked(NOW)  # images blocked: the click proves the open
        bounced.mark_bounced("550 no such user")
        skipped.mark_skipped("no_new_matches")
        await uow.commit()
    async with uow_factory() as uow:
        runs = await uow.analytics.campaign_runs(run.campaign_id)
        assert await uow.analytics.campaign_runs(uuid.uuid4()) == []
    assert [r.run_id for r in runs] == [later.id, run.id]  # newest first, an empty run too
    assert runs[0].counts == DeliveryCounts()
    assert (runs[1].run_date, runs[1].status) == (date(2025, 4, 1), RunStatus.PLANNING.value)
    assert runs[1].counts == DeliveryCounts(deliveries=7, pending=1, sent=5, skipped=1, failed=0, bounced=1,
                                            opened=3, clicked=2, unsubscribed=1)  # fmt: skip
    assert runs[1].counts.rates() == {"bounced": 0.2, "opened": 0.6, "clicked": 0.4, "unsubscribed": 0.2}


async def test_daily_activity_is_cut_at_midnight_in_japan(uow_factory: UowFactory) -> None:
    # 2025-04-01 00:00 JST is 2025-03-31 15:00 UTC.
    midnight = datetime(2025, 3, 31, 15, 0, tzinfo=UTC)
    early = make_user(created_at=midnight - timedelta(seconds=1))  # 31 March in JST
    on_time = make_user(created_at=midnight)  # 1 April
    late = make_user(created_at=midnight + timedelta(days=1, hours=8, minutes=59))  # 2 April, 17:59 JST
    job = make_job()
    async with uow_factory() as uow:
        for user in (early, on_time, late):
            await uow.users.add(user)
        await uow.jobs.add(job)
        for user, kind, at in [
            (early, ActionKind.VIEW, midnight + timedelta(hours=1)),
            (early, ActionKind.APPLY, midnight + timedelta(hours=2)),
            (on_time, ActionKind.VIEW, midnight + timedelta(hours=23, minutes=59)),  # still 1 April
            (on_time, ActionKind.APPLY, midnight + timedelta(days=1)),  # 2 April
            (early, ActionKind.VIEW, midnight - timedelta(minutes=1)),  # 31 March
        ]:
            await uow.actions.add(Action(user.id, job.id, kind, at))
        await uow.commit()
    async with uow_factory() as uow:
        days = await uow.analytics.daily_activity(date(2025, 4, 1), date(2025, 4, 2))
        march = await uow.analytics.daily_activity(date(2025, 3, 31), date(2025, 3, 31))
        empty = await uow.analytics.daily_activity(date(2025, 5, 1), date(2025, 5, 3))
    assert [(d.day, d.new_users, d.active_users, d.actions, d.applications) for d in days] == [
        (date(2025, 4, 1), 1, 2, 3, 1),
        (date(2025, 4, 2), 1, 1, 1, 1),
    ]
    assert [(d.day, d.new_users, d.active_users, d.actions, d.applications) for d in march] == [
        (date(2025, 3, 31), 1, 1, 1, 0)
    ]
    assert empty == []


def entry(at: datetime, action: str, actor: str = "cli") -> AuditEntry:
    return AuditEntry(None, actor, action, "campaign", None, at, {})


async def test_audit_search_filters_and_pages_by_time_then_id(uow_factory: UowFactory) -> None:
    admin = uuid.uuid4()
    same_time = [entry(NOW, "campaign.edit", f"user:{admin}") for _ in range(3)]
    others = [
        entry(NOW - timedelta(hours=1), "campaign.create", f"user:{admin}"),
        entry(NOW + timedelta(hours=1), "campaign.run", "system"),
        entry(NOW + timedelta(days=2), "user.grant_role"),
    ]
    async with uow_factory() as uow:
        await uow.campaigns.add(Campaign(id=uuid.uuid4(), name="x"))
        for e in [*same_time, *others]:
            await uow.audit.add(e)
        await uow.commit()
    async with uow_factory() as uow:
        everything = await uow.audit.search(AuditFilter(), 10)
        mine = await uow.audit.search(AuditFilter(actor=f"user:{admin}"), 10)
        edits = await uow.audit.search(AuditFilter(action="campaign.edit"), 10)
        window = await uow.audit.search(AuditFilter(since=NOW, until=NOW + timedelta(hours=1)), 10)
        first_page = await uow.audit.search(AuditFilter(actor=f"user:{admin}"), 2)
        last = first_page[-1]
        second_page = await uow.audit.search(AuditFilter(actor=f"user:{admin}", before=(last.at, last.id)), 2)
    ordered_same = sorted(same_time, key=lambda e: e.id, reverse=True)
    assert [e.id for e in everything] == [others[2].id, others[1].id, *(e.id for e in ordered_same), others[0].id]
    assert [e.id for e in mine] == [*(e.id for e in ordered_same), others[0].id]
    assert {e.id for e in edits} == {e.id for e in same_time}
    assert {e.id for e in window} == {e.id for e in same_time}  # since inclusive, until exclusive
    assert [e.id for e in first_page + second_page] == [e.id for e in mine]  # no gap, no repeat in a tie
