"""Campaign variants and each delivery's variant, stored alike by every storage (in-memory, SQLite, PostgreSQL)."""

import uuid
from datetime import timedelta

from domain.analytics import DeliveryCounts
from domain.campaign import Campaign, CampaignVariant
from domain.delivery import DeliveryStatus, PlannedDelivery, PlannedMatch
from tests.conftest import UowFactory
from tests.integration.test_repositories_contract import NOW, make_delivery, seed


async def test_a_campaigns_variants_are_stored_in_order_and_edited_with_it(uow_factory: UowFactory) -> None:
    campaign = Campaign(id=uuid.uuid4(), name=f"ab-{uuid.uuid4().hex[:6]}")
    b = CampaignVariant(uuid.uuid4(), campaign.id, "B 高時給", 60, 1, 1.0, 0.1, 0.0, "{{ jobs|length }}件の求人")
    a = CampaignVariant(uuid.uuid4(), campaign.id, "A", 40, 0)
    campaign.variants = [a, b]
    async with uow_factory() as uow:
        await uow.campaigns.add(campaign)
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.campaigns.get(campaign.id)
        assert loaded is not None
        assert [(v.name, v.share, v.position, v.weights, v.subject_template, v.retired) for v in loaded.variants] == [
            ("A", 40, 0, None, None, False), ("B 高時給", 60, 1, b.weights, b.subject_template, False)
        ]  # fmt: skip
        loaded.variants[0].retired = True
        loaded.variants.append(CampaignVariant(uuid.uuid4(), campaign.id, "C", 40, 2, subject_template="C"))
        await uow.commit()
    async with uow_factory() as uow:
        again = await uow.campaigns.by_name(campaign.name)
        assert again is not None
        assert [(v.name, v.retired) for v in again.variants] == [("A", True), ("B 高時給", False), ("C", False)]
        assert [v.name for v in again.live_variants] == ["B 高時給", "C"]


async def test_planned_deliveries_keep_their_variant(uow_factory: UowFactory) -> None:
    run, users, jobs = await seed(uow_factory, users=3)
    variant = uuid.uuid4()
    match = PlannedMatch(jobs[0].id, 1, 80.0, 70.0, 60.0, 50.0, ["近い"], 1.0, 10)
    planned = [
        PlannedDelivery(run.id, run.campaign_id, users[0].id, users[0].email, DeliveryStatus.PENDING, None,
                        (match,), variant_id=variant),
        PlannedDelivery(run.id, run.campaign_id, users[1].id, users[1].email, DeliveryStatus.SKIPPED,
                        "no_new_matches", (), variant_id=variant),
    ]  # fmt: skip
    legacy = make_delivery(run, users[2], jobs)  # a Delivery planned without variants
    async with uow_factory() as uow:
        assert await uow.deliveries.add_planned([*planned, legacy]) == 3
        await uow.commit()
    async with uow_factory() as uow:
        claimed = await uow.deliveries.claim_pending(run.id, 10, "me", NOW, NOW - timedelta(minutes=5))
        assert {d.user_id: d.variant_id for d in claimed} == {users[0].id: variant, users[2].id: None}
        skipped = await uow.deliveries.for_user(run.id, users[1].id)
        assert skipped is not None
        assert skipped.variant_id == variant
        await uow.commit()


async def test_deliveries_are_counted_per_run_and_variant(uow_factory: UowFactory) -> None:
    run, users, _ = await seed(uow_factory, users=6, jobs=1)
    a, b = uuid.uuid4(), uuid.uuid4()
    variants = [a, a, a, b, b, None]
    planned = [
        PlannedDelivery(run.id, run.campaign_id, u.id, u.email, DeliveryStatus.PENDING, None, (), variant_id=v)
        for u, v in zip(users, variants, strict=True)
    ]
    async with uow_factory() as uow:
        await uow.deliveries.add_planned(planned)
        other = await uow.deliveries.get_or_create_run(run.campaign_id, run.run_date + timedelta(days=1), NOW)
        await uow.commit()
    async with uow_factory() as uow:
        loaded = [await uow.deliveries.get(p.id) for p in planned]
        for d in loaded[:5]:
            assert d is not None
            d.mark_sent(NOW, "件名", f"<{d.id}@x>")
        loaded[0].mark_clicked(NOW)  # type: ignore[union-attr]
        loaded[3].mark_bounced("550 no such user")  # type: ignore[union-attr]
        loaded[4].mark_unsubscribed(NOW)  # type: ignore[union-attr]
        await uow.commit()
    async with uow_factory() as uow:
        rows = await uow.analytics.campaign_variant_runs(run.campaign_id)
        assert await uow.analytics.campaign_variant_runs(uuid.uuid4()) == []
    counts = {(r.run_id, r.variant_id): r.counts for r in rows}
    assert set(counts) == {(run.id, a), (run.id, b)}  # no row for the delivery without a variant, none for `other`
    assert other.id != run.id
    assert counts[(run.id, a)] == DeliveryCounts(deliveries=3, sent=3, opened=1, clicked=1)
    assert counts[(run.id, b)] == DeliveryCounts(deliveries=2, sent=2, bounced=1, unsubscribed=1)
    assert counts[(run.id, b)].rates()["bounced"] == 0.5
