"""One contract for every storage the ports have: in-memory, SQLite and PostgreSQL must agree."""

import asyncio
import dataclasses
import gc
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from adapters.sqlalchemy.errors import StorageConflict
from application.ports import ScoreRecord, UnitOfWork
from domain.action import Action, ActionEvent, ActionKind
from domain.campaign import Campaign, CampaignRun, RunStatus
from domain.delivery import Delivery, DeliveryStatus, FailureKind, MatchedJob
from domain.job import Job
from domain.jst import JST
from domain.user import Address, Preferences, User
from tests.conftest import UowFactory

NOW = datetime(2025, 4, 1, 0, 0, tzinfo=UTC)


def make_job(**fields: object) -> Job:
    values: dict[str, object] = {
        "id": uuid.uuid4(), "title": "ホールスタッフ", "company_name": "株式会社サンプル",
        "job_type": "飲食", "hourly_wage": 1200, "prefecture_code": "13", "prefecture": "東京都",
        "city": "渋谷区", "posted_at": NOW - timedelta(days=1),
    }  # fmt: skip
    return Job(**(values | fields))  # type: ignore[arg-type]


def make_user(**fields: object) -> User:
    values: dict[str, object] = {"id": uuid.uuid4(), "email": f"{uuid.uuid4().hex[:8]}@example.jp"}
    return User(**(values | fields))  # type: ignore[arg-type]


def make_delivery(run: CampaignRun, user: User, jobs: list[Job]) -> Delivery:
    matches = [
        MatchedJob(job.id, rank, 0.9 - rank / 100, 0.5, 0.2, 0.3, ["近い"], 1.5, 12)
        for rank, job in enumerate(jobs, 1)
    ]
    return Delivery(run.id, run.campaign_id, user.id, user.email, matches=matches)


async def seed(
    make_uow: UowFactory, users: int = 2, jobs: int = 3
) -> tuple[CampaignRun, list[User], list[Job]]:
    campaign = Campaign(id=uuid.uuid4(), name=f"daily-{uuid.uuid4().hex[:6]}")
    user_list = [make_user() for _ in range(users)]
    job_list = [make_job() for _ in range(jobs)]
    async with make_uow() as uow:
        await uow.campaigns.add(campaign)
        for user in user_list:
            await uow.users.add(user)
        for job in job_list:
            await uow.jobs.add(job)
        run = await uow.deliveries.get_or_create_run(campaign.id, date(2025, 4, 1), NOW)
        await uow.commit()
    return run, user_list, job_list


async def test_nothing_is_kept_unless_committed(uow_factory: UowFactory) -> None:
    job, other = make_job(), make_job()
    async with uow_factory() as uow:
        await uow.jobs.add(job)

    async def commit_then_fail() -> None:
        async with uow_factory() as uow:
            await uow.jobs.add(other)
            await uow.commit()
            other.title = "changed after commit"
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await commit_then_fail()
    async with uow_factory() as uow:
        await uow.jobs.add(make_job(id=job.id, title="explicit rollback"))
        await uow.rollback()
        assert await uow.jobs.get(job.id) is None
    async with uow_factory() as uow:
        assert await uow.jobs.get(job.id) is None
        stored = await uow.jobs.get(other.id)
        assert stored is not None
        assert stored.title == "ホールスタッフ"


async def test_changes_to_loaded_entities_are_saved_on_commit(uow_factory: UowFactory) -> None:
    user = make_user(address=Address("13", "東京都", "渋谷区"), preferences=Preferences(job_types=["飲食"]))
    async with uow_factory() as uow:
        await uow.users.add(user)
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.users.get(user.id)
        assert loaded is not None
        loaded.full_name = "未保存"
    async with uow_factory() as uow:
        loaded = await uow.users.get(user.id)
        assert loaded is not None
        assert loaded.full_name == ""
        loaded.full_name = "山田 花子"
        loaded.address = Address("27", "大阪府", "大阪市北区", postal_code="5300001")
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.users.get(user.id)
        assert loaded is not None
        assert loaded.full_name == "山田 花子"
        assert loaded.address is not None
        assert loaded.address.city == "大阪市北区"
        assert loaded.preferences is not None
        assert loaded.preferences.job_types == ["飲食"]


async def test_loaded_entities_outlive_the_objects_first_added(uow_factory: UowFactory) -> None:
    job_id = uuid.uuid4()
    async with uow_factory() as uow:
        await uow.jobs.add(make_job(id=job_id))
        await uow.commit()
    gc.collect()  # the added object is gone; what storage hands out must not depend on it
    async with uow_factory() as uow:
        loaded = await uow.jobs.get(job_id)
        assert loaded is not None
        loaded.title = "品出し"
        await uow.commit()
    async with uow_factory() as uow:
        reloaded = await uow.jobs.get(job_id)
    assert reloaded is not None
    assert reloaded.title == "品出し"


async def test_jobs_by_id_and_external_id(uow_factory: UowFactory) -> None:
    jobs = [make_job(external_id=f"ext-{n}") for n in range(3)]
    async with uow_factory() as uow:
        for job in jobs:
            await uow.jobs.add(job)
        await uow.commit()
    async with uow_factory() as uow:
        many = await uow.jobs.get_many([jobs[0].id, jobs[2].id, uuid.uuid4()])
        assert set(many) == {jobs[0].id, jobs[2].id}
        by_ext = await uow.jobs.by_external_ids(["ext-1", "missing"])
        assert list(by_ext) == ["ext-1"]
        assert by_ext["ext-1"].id == jobs[1].id
        assert await uow.jobs.get(uuid.uuid4()) is None


async def test_open_jobs_expire_at_the_instant(uow_factory: UowFactory) -> None:
    at = datetime(2025, 4, 1, 0, 0, tzinfo=JST)  # compared as the same instant in UTC
    open_ = [make_job(expires_at=at + timedelta(microseconds=1)), make_job(expires_at=None)]
    closed = [
        make_job(expires_at=at),
        make_job(is_active=False),
        make_job(expires_at=at - timedelta(hours=1)),
    ]
    async with uow_factory() as uow:
        for job in open_ + closed:
            await uow.jobs.add(job)
        await uow.commit()
    async with uow_factory() as uow:
        listed = await uow.jobs.list_open(at)
    assert {job.id for job in listed} == {job.id for job in open_}


async def test_datetimes_come_back_aware_utc(uow_factory: UowFactory) -> None:
    naive = datetime(2025, 4, 1, 12, 30, 15, 123456)
    jst = datetime(2025, 4, 2, 9, 0, tzinfo=JST)
    job = make_job(posted_at=naive, expires_at=jst)
    async with uow_factory() as uow:
        await uow.jobs.add(job)
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.jobs.get(job.id)
    assert stored is not None
    assert stored.posted_at == naive.replace(tzinfo=UTC)
    assert stored.posted_at.utcoffset() == timedelta(0)
    assert stored.expires_at == jst
    assert stored.expires_at is not None
    assert stored.expires_at.utcoffset() == timedelta(0)


async def test_users_audience_external_ids_and_shared_email(uow_factory: UowFactory) -> None:
    older = make_user(email="family@example.jp", created_at=NOW - timedelta(days=2), external_id="u-1")
    newer = make_user(email="family@example.jp", created_at=NOW, address=Address("13", "東京都", "新宿区"))
    inactive, opted_out = make_user(is_active=False), make_user(email_opt_in=False)
    async with uow_factory() as uow:
        for user in (newer, inactive, opted_out, older):
            await uow.users.add(user)
        await uow.commit()
    async with uow_factory() as uow:
        audience = await uow.users.list_audience()
        found = await uow.users.by_email("family@example.jp")
        assert found is not None
        assert found.id == older.id
        assert await uow.users.by_email("nobody@example.jp") is None
        assert list(await uow.users.by_external_ids(["u-1", "u-2"])) == ["u-1"]
    assert [user.id for user in audience] == sorted([older.id, newer.id])
    with_address = next(user for user in audience if user.id == newer.id)
    assert with_address.address is not None
    assert with_address.address.city == "新宿区"


async def test_actions_since_inclusive_and_by_user(uow_factory: UowFactory) -> None:
    user, other = make_user(), make_user()
    job = make_job()
    actions = [
        Action(user.id, job.id, ActionKind.APPLY, NOW, metadata={"from": "mail"}),
        Action(user.id, job.id, ActionKind.VIEW, NOW - timedelta(microseconds=1)),
        Action(other.id, job.id, ActionKind.DISMISS, NOW + timedelta(hours=1)),
    ]
    async with uow_factory() as uow:
        await uow.jobs.add(job)
        for action in actions:  # actions before their users: the flush must order the inserts
            await uow.actions.add(action)
        await uow.users.add(user)
        await uow.users.add(other)
        await uow.commit()
    async with uow_factory() as uow:
        everyone = await uow.actions.list_since(NOW)
        mine = await uow.actions.list_since(NOW, [user.id])
    assert [a.id for a in everyone] == [actions[0].id, actions[2].id]
    assert [(a.kind, a.job_id, a.metadata) for a in mine] == [(ActionKind.APPLY, job.id, {"from": "mail"})]
    assert mine[0].occurred_at == NOW
    assert isinstance(mine[0].kind, ActionKind)
    async with uow_factory() as uow:
        events = await uow.actions.events_since(NOW)
    assert sorted(events, key=lambda e: e.occurred_at) == [
        ActionEvent(user.id, job.id, ActionKind.APPLY, NOW),
        ActionEvent(other.id, job.id, ActionKind.DISMISS, NOW + timedelta(hours=1)),
    ]
    assert all(e.occurred_at.tzinfo is not None and isinstance(e.kind, ActionKind) for e in events)


async def test_campaign_names_are_unique(uow_factory: UowFactory) -> None:
    campaign = Campaign(id=uuid.uuid4(), name="daily", jobs_per_mail=5)
    async with uow_factory() as uow:
        await uow.campaigns.add(campaign)
        await uow.commit()
    async with uow_factory() as uow:
        by_name = await uow.campaigns.by_name("daily")
        assert by_name is not None
        assert by_name.id == campaign.id
        assert by_name.jobs_per_mail == 5
        assert (await uow.campaigns.get(campaign.id)) is not None
        assert await uow.campaigns.by_name("weekly") is None

    async def add_same_name() -> None:
        async with uow_factory() as uow:
            await uow.campaigns.add(Campaign(id=uuid.uuid4(), name="daily"))
            await uow.commit()

    with pytest.raises(StorageConflict):
        await add_same_name()


async def test_racing_processes_get_the_same_run(uow_factory: UowFactory) -> None:
    run, _, _ = await seed(uow_factory)

    async def open_run(day: date) -> CampaignRun:
        async with uow_factory() as uow:
            found = await uow.deliveries.get_or_create_run(run.campaign_id, day, NOW)
            await asyncio.sleep(0.05)  # hold the transaction open while the other one races
            await uow.commit()
            return found

    first, second = await asyncio.gather(open_run(date(2025, 4, 2)), open_run(date(2025, 4, 2)))
    assert first.id == second.id
    assert first.status is RunStatus.PLANNING
    assert first.started_at == NOW
    again = await open_run(date(2025, 4, 1))
    assert again.id == run.id
    async with uow_factory() as uow:
        run.status, run.finished_at = RunStatus.FINISHED, NOW
        await uow.deliveries.save_run(run)
        await uow.commit()
    assert (await open_run(date(2025, 4, 1))).status is RunStatus.FINISHED


async def test_campaigns_are_listed_by_name_and_runs_found_without_creating(uow_factory: UowFactory) -> None:
    run, _, _ = await seed(uow_factory)
    other = Campaign(id=uuid.uuid4(), name="a-first")
    async with uow_factory() as uow:
        await uow.campaigns.add(other)
        newer = await uow.deliveries.get_or_create_run(run.campaign_id, date(2025, 4, 3), NOW)
        await uow.commit()
    async with uow_factory() as uow:
        listed = await uow.campaigns.list_all()
        assert (len(listed), listed[0].name) == (2, "a-first")
        found = await uow.deliveries.get_run(run.id)
        assert found is not None
        assert (found.campaign_id, found.run_date) == (run.campaign_id, date(2025, 4, 1))
        assert await uow.deliveries.get_run(uuid.uuid4()) is None
        by_date = await uow.deliveries.find_run(run.campaign_id, date(2025, 4, 3))
        assert by_date is not None
        assert by_date.id == newer.id
        assert await uow.deliveries.find_run(run.campaign_id, date(2025, 4, 2)) is None
        assert await uow.deliveries.find_run(other.id, date(2025, 4, 1)) is None
        assert [r.id for r in await uow.deliveries.runs_of(run.campaign_id, 10)] == [newer.id, run.id]
        assert [r.id for r in await uow.deliveries.runs_of(run.campaign_id, 1)] == [newer.id]
        assert await uow.deliveries.runs_of(other.id, 10) == []
    async with uow_factory() as uow:  # find_run created nothing
        assert await uow.deliveries.find_run(run.campaign_id, date(2025, 4, 2)) is None


async def test_add_planned_skips_existing_run_user_pairs(uow_factory: UowFactory) -> None:
    run, users, jobs = await seed(uow_factory, users=3)
    first = [make_delivery(run, users[0], jobs), make_delivery(run, users[1], jobs[:1])]
    async with uow_factory() as uow:
        assert await uow.deliveries.add_planned(first) == 2
        assert await uow.deliveries.add_planned(first) == 0
        await uow.commit()
    replanned = make_delivery(run, users[1], jobs)  # same (run, user), new id and matches
    async with uow_factory() as uow:
        assert await uow.deliveries.add_planned([replanned, make_delivery(run, users[2], jobs)]) == 1
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.deliveries.planned_user_ids(run.id) == {user.id for user in users}
        kept = await uow.deliveries.for_user(run.id, users[1].id)
        assert kept is not None
        assert kept.id == first[1].id
        assert len(kept.matches) == 1
        full = await uow.deliveries.get(first[0].id)
        assert full is not None
        assert [m.job_id for m in full.matches] == [job.id for job in jobs]
        assert full.matches[0].reasons == ["近い"]
        assert full.created_at is not None
        assert await uow.deliveries.get(replanned.id) is None
        assert await uow.deliveries.for_user(run.id, uuid.uuid4()) is None


async def claim(
    make_uow: UowFactory, run: CampaignRun, claimant: str, at: datetime, limit: int = 10
) -> list[Delivery]:
    async with make_uow() as uow:
        claimed = await uow.deliveries.claim_pending(run.id, limit, claimant, at, at - timedelta(minutes=10))
        await uow.commit()
        return claimed


async def test_claims_are_exclusive_until_stale(uow_factory: UowFactory) -> None:
    run, users, jobs = await seed(uow_factory, users=6)
    async with uow_factory() as uow:
        await uow.deliveries.add_planned([make_delivery(run, user, jobs) for user in users])
        await uow.commit()
    taken = asyncio.Event()

    async def slow_claimant() -> list[Delivery]:
        async with uow_factory() as uow:
            got = await uow.deliveries.claim_pending(run.id, 2, "a", NOW, NOW - timedelta(minutes=10))
            taken.set()
            await asyncio.sleep(0.2)  # the other claimant runs while these rows are held
            await uow.commit()
            return got

    async def second_claimant() -> list[Delivery]:
        await taken.wait()
        return await claim(uow_factory, run, "b", NOW, limit=3)

    a, b = await asyncio.gather(slow_claimant(), second_claimant())
    assert len(a) == 2
    assert len(b) == 3
    assert not {d.id for d in a} & {d.id for d in b}
    assert all(len(d.matches) == len(jobs) for d in a + b)
    assert len(await claim(uow_factory, run, "c", NOW + timedelta(minutes=5))) == 1  # fresh claims stay
    stale = await claim(uow_factory, run, "d", NOW + timedelta(minutes=11))
    assert {d.id for d in stale} == {d.id for d in a + b}


async def test_many_claimants_share_the_run_without_overlap(uow_factory: UowFactory) -> None:
    run, users, jobs = await seed(uow_factory, users=40, jobs=1)
    async with uow_factory() as uow:
        await uow.deliveries.add_planned([make_delivery(run, user, jobs) for user in users])
        await uow.commit()

    async def drain(name: str) -> list[uuid.UUID]:
        got: list[uuid.UUID] = []
        while batch := await claim(uow_factory, run, name, NOW, limit=3):
            got.extend(d.id for d in batch)
        return got

    results = await asyncio.gather(*(drain(f"w{n}") for n in range(4)))
    every = [delivery_id for result in results for delivery_id in result]
    assert len(every) == len(set(every)) == len(users)


async def test_outcomes_are_saved_and_release_the_claim(uow_factory: UowFactory) -> None:
    run, users, jobs = await seed(uow_factory, users=3)
    async with uow_factory() as uow:
        await uow.deliveries.add_planned([make_delivery(run, user, jobs) for user in users])
        await uow.commit()
    sent, failed, retry = await claim(uow_factory, run, "a", NOW)
    sent.mark_sent(NOW, "本日のおすすめ", "<m@example.jp>")
    failed.mark_failed("smtp_550")
    for delivery in (sent, failed, retry):
        delivery.attempts += 1
    async with uow_factory() as uow:
        await uow.deliveries.save_outcomes([sent, failed, retry], "a")
        await uow.commit()
    again = await claim(uow_factory, run, "b", NOW)  # released though fresh: only the pending one
    assert [d.id for d in again] == [retry.id]
    assert again[0].attempts == 1
    async with uow_factory() as uow:
        stored = await uow.deliveries.get(sent.id)
        assert stored is not None
        assert stored.status is DeliveryStatus.SENT
        assert (stored.subject, stored.message_id, stored.sent_at) == (
            "本日のおすすめ",
            "<m@example.jp>",
            NOW,
        )
        assert await uow.deliveries.status_counts(run.id) == {"sent": 1, "failed": 1, "pending": 1}
        assert await uow.deliveries.reason_counts(run.id) == {"smtp_550": 1}


async def test_an_outcome_is_written_only_while_the_claim_is_ours(uow_factory: UowFactory) -> None:
    run, users, jobs = await seed(uow_factory, users=1)
    async with uow_factory() as uow:
        await uow.deliveries.add_planned([make_delivery(run, users[0], jobs)])
        await uow.commit()
    (late,) = await claim(uow_factory, run, "a", NOW)
    (taker,) = await claim(uow_factory, run, "b", NOW + timedelta(minutes=11))  # a's lease ran out
    taker.mark_sent(NOW, "b sent it", "<b@x>")
    late.mark_failed("smtp 550", FailureKind.PERMANENT, 550)
    async with uow_factory() as uow:
        assert await uow.deliveries.begin_sending([late.id], "a", NOW) == set()  # a may not start it
        await uow.deliveries.save_outcomes([late], "a")  # nor overwrite what b records
        await uow.deliveries.save_outcomes([taker], "b")
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.deliveries.get(taker.id)
    assert stored is not None
    assert (stored.status, stored.subject, stored.failure) == (DeliveryStatus.SENT, "b sent it", None)


async def test_renewed_claims_stay_ours_and_in_flight_marks_survive(uow_factory: UowFactory) -> None:
    run, users, jobs = await seed(uow_factory, users=2)
    async with uow_factory() as uow:
        await uow.deliveries.add_planned([make_delivery(run, user, jobs) for user in users])
        await uow.commit()
    first, second = await claim(uow_factory, run, "a", NOW)
    async with uow_factory() as uow:
        assert await uow.deliveries.renew_claims(run.id, "a", NOW + timedelta(minutes=8)) == 2
        assert await uow.deliveries.begin_sending([first.id], "a", NOW + timedelta(minutes=8)) == {first.id}
        await uow.commit()
    assert await claim(uow_factory, run, "b", NOW + timedelta(minutes=11)) == []  # renewed: not stale
    # a dies; once its lease is over the in-flight one comes back marked, the other one unmarked
    taken = {d.id: d for d in await claim(uow_factory, run, "b", NOW + timedelta(minutes=19))}
    assert set(taken) == {first.id, second.id}
    assert taken[first.id].sending_at == NOW + timedelta(minutes=8)
    assert taken[second.id].sending_at is None


async def test_a_deferred_delivery_waits_and_retry_failed_takes_only_retryable_ones(
    uow_factory: UowFactory,
) -> None:
    run, users, jobs = await seed(uow_factory, users=3)
    async with uow_factory() as uow:
        await uow.deliveries.add_planned([make_delivery(run, user, jobs) for user in users])
        await uow.commit()
    deferred, gave_up, refused = await claim(uow_factory, run, "a", NOW)
    deferred.defer(NOW + timedelta(minutes=1), "smtp 451", 451, "451 4.7.1 try later")
    gave_up.mark_failed("smtp 451", FailureKind.RETRYABLE, 451)
    refused.mark_failed("smtp 550", FailureKind.PERMANENT, 550, "550 5.1.1 no such user")
    for delivery in (deferred, gave_up, refused):
        delivery.attempts = 5
    async with uow_factory() as uow:
        await uow.deliveries.save_outcomes([deferred, gave_up, refused], "a")
        await uow.commit()
    assert await claim(uow_factory, run, "b", NOW + timedelta(seconds=59)) == []
    (again,) = await claim(uow_factory, run, "b", NOW + timedelta(minutes=1))
    assert (again.id, again.reason, again.smtp_code) == (deferred.id, "smtp 451", 451)
    assert again.detail == "451 4.7.1 try later"
    async with uow_factory() as uow:
        assert await uow.deliveries.retry_failed(run.id) == 1
        await uow.commit()
    async with uow_factory() as uow:
        retried, kept = await uow.deliveries.get(gave_up.id), await uow.deliveries.get(refused.id)
    assert retried is not None
    assert kept is not None
    assert (retried.status, retried.failure, retried.attempts) == (DeliveryStatus.PENDING, None, 0)
    assert (kept.status, kept.failure, kept.smtp_code) == (DeliveryStatus.FAILED, FailureKind.PERMANENT, 550)


async def test_mailed_job_ids_counts_other_runs_inside_the_window(uow_factory: UowFactory) -> None:
    run, users, jobs = await seed(uow_factory, users=2)
    async with uow_factory() as uow:
        today = await uow.deliveries.get_or_create_run(run.campaign_id, date(2025, 4, 2), NOW)
        await uow.commit()
    old = [make_delivery(run, users[0], jobs[:2]), make_delivery(run, users[1], jobs[2:])]
    async with uow_factory() as uow:
        await uow.deliveries.add_planned([*old, make_delivery(today, users[0], jobs[2:])])
        await uow.commit()
    mailed, skipped = await claim(uow_factory, run, "a", NOW)
    mailed, skipped = (mailed, skipped) if mailed.id == old[0].id else (skipped, mailed)
    mailed.mark_sent(NOW, "s", "<1@x>")
    skipped.mark_skipped("no_new_matches")
    async with uow_factory() as uow:
        await uow.deliveries.save_outcomes([mailed, skipped], "a")
        await uow.commit()
    (todays,) = await claim(uow_factory, today, "a", NOW)
    todays.mark_sent(NOW, "s", "<2@x>")
    async with uow_factory() as uow:
        await uow.deliveries.save_outcomes([todays], "a")
        await uow.commit()
    ids = [users[0].id, users[1].id]
    async with uow_factory() as uow:
        inside = await uow.deliveries.mailed_job_ids(ids, NOW, exclude_run_id=today.id)
        everything = await uow.deliveries.mailed_job_ids(ids, NOW, exclude_run_id=None)
        later = await uow.deliveries.mailed_job_ids(ids, NOW + timedelta(microseconds=1), None)
    assert inside == {users[0].id: {jobs[0].id, jobs[1].id}, users[1].id: set()}
    assert everything[users[0].id] == {job.id for job in jobs}
    assert later == {users[0].id: set(), users[1].id: set()}


async def test_a_loaded_delivery_is_tracked(uow_factory: UowFactory) -> None:
    run, users, jobs = await seed(uow_factory, users=1)
    delivery = make_delivery(run, users[0], jobs)
    async with uow_factory() as uow:
        await uow.deliveries.add_planned([delivery])
        await uow.commit()
    (claimed,) = await claim(uow_factory, run, "a", NOW)
    claimed.mark_sent(NOW, "s", "<1@x>")
    async with uow_factory() as uow:
        await uow.deliveries.save_outcomes([claimed], "a")
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.deliveries.get(delivery.id)
        assert loaded is not None
        loaded.mark_opened(NOW + timedelta(hours=1))
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.deliveries.for_user(run.id, users[0].id)
    assert loaded is not None
    assert loaded.status is DeliveryStatus.OPENED
    assert loaded.opened_at == NOW + timedelta(hours=1)


def score(user: User, job: Job, total: float, at: datetime = NOW) -> ScoreRecord:
    factors = json.dumps({"distance_km": 1.5, "理由": ["近い"]}, ensure_ascii=False)
    return ScoreRecord(user.id, job.id, total / 2, 0.1, 0.2, total, factors, at)


async def test_scores_are_replaced_per_user(uow_factory: UowFactory) -> None:
    _, users, jobs = await seed(uow_factory, users=2, jobs=3)
    first = [score(users[0], job, 0.1 * n) for n, job in enumerate(jobs, 1)]
    kept = score(users[1], jobs[0], 0.5)
    async with uow_factory() as uow:
        await uow.scores.replace_for_users([users[0].id, users[1].id], [*first, kept])
        await uow.commit()
    naive = datetime(2025, 4, 2, 3, 0)
    async with uow_factory() as uow:
        await uow.scores.replace_for_users([users[0].id], [score(users[0], jobs[1], 0.9, at=naive)])
        await uow.commit()
    async with uow_factory() as uow:
        top = await uow.scores.top_for_user(users[0].id, 5)
        other = await uow.scores.top_for_user(users[1].id, 5)
        assert await uow.scores.top_for_user(uuid.uuid4(), 5) == []
    assert [(r.job_id, r.total_score) for r in top] == [(jobs[1].id, 0.9)]
    assert top[0].calculated_at == naive.replace(tzinfo=UTC)
    assert top[0].calculated_at.tzinfo is not None
    assert json.loads(top[0].score_factors) == {"distance_km": 1.5, "理由": ["近い"]}
    # JSONB keeps the JSON, not its text: keys may come back in another order.
    assert [r._replace(score_factors=json.loads(r.score_factors)) for r in other] == [
        kept._replace(score_factors=json.loads(kept.score_factors))
    ]


async def test_top_scores_are_ordered_and_limited(uow_factory: UowFactory) -> None:
    _, users, jobs = await seed(uow_factory, users=1, jobs=4)
    records = [score(users[0], job, total) for job, total in zip(jobs, [0.3, 0.8, 0.5, 0.8], strict=True)]
    async with uow_factory() as uow:
        await uow.scores.replace_for_users([users[0].id], records)
        await uow.commit()
    async with uow_factory() as uow:
        top = await uow.scores.top_for_user(users[0].id, 3)
        await uow.scores.replace_for_users([users[0].id], [])
    assert [r.total_score for r in top] == [0.8, 0.8, 0.5]
    assert [r.job_id for r in top[:2]] == sorted([jobs[1].id, jobs[3].id])


def test_the_unit_of_work_satisfies_the_port(uow_factory: UowFactory) -> None:
    uow: UnitOfWork = uow_factory()
    assert uow is not None


async def test_get_many_users_returns_those_that_exist_with_their_address(uow_factory: UowFactory) -> None:
    first = make_user(address=Address("13", "東京都", "新宿区", postal_code="1600022"))
    second = make_user(preferences=Preferences(job_types=["カフェ"]))
    async with uow_factory() as uow:
        await uow.users.add(first)
        await uow.users.add(second)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.users.get_many([first.id, second.id, uuid.uuid4()])
    assert set(found) == {first.id, second.id}
    assert found[first.id].address is not None
    assert found[first.id].address.city == "新宿区"
    assert found[second.id].address is None
    assert found[second.id].preferences is not None
    assert found[second.id].preferences.job_types == ["カフェ"]
    async with uow_factory() as uow:
        assert await uow.users.get_many([]) == {}


def _fields(entity: object) -> dict[str, object]:
    return {f.name: getattr(entity, f.name) for f in dataclasses.fields(entity)}  # type: ignore[arg-type]


async def test_the_audience_and_open_jobs_read_for_a_run_hold_every_field_as_stored(uow_factory: UowFactory) -> None:
    """A run reads them as copies (no unit of work tracks them on SQL storage): every field, the address and
    the wishes must still be exactly what reading the entity by id gives."""
    wishes = Preferences(["カフェ", "ｺﾝﾋﾞﾆ"], ["76"], 40, 1200, {"mon": [["09:00", "17:00"]]}, 72.5, True)
    home = Address("13", "東京都", "新宿区", "13104", "160-0022", "新宿3-1", 35.69, 139.70)
    full = make_user(full_name="山田 花子", external_id="u-9", created_at=NOW, address=home, preferences=wishes)
    bare = make_user()  # no address, no wishes
    job = make_job(expires_at=NOW + timedelta(days=3), work_days=0b11111, benefits=["交通費支給"],
                   requirements={"経験": "不問"}, latitude=35.69, longitude=139.70, walking_minutes=4)  # fmt: skip
    async with uow_factory() as uow:
        for user in (full, bare):
            await uow.users.add(user)
        await uow.jobs.add(job)
        await uow.commit()
    async with uow_factory() as uow:
        audience = {user.id: user for user in await uow.users.list_audience()}
        listed = {j.id: j for j in await uow.jobs.list_open(NOW)}
    async with uow_factory() as uow:
        by_id = {user.id: await uow.users.get(user.id) for user in (full, bare)}
        stored_job = await uow.jobs.get(job.id)
        for user_id, stored in by_id.items():
            assert stored is not None
            copy = audience[user_id]
            assert {k: v for k, v in _fields(copy).items() if k not in ("address", "preferences")} == {
                k: v for k, v in _fields(stored).items() if k not in ("address", "preferences")
            }
            for part in ("address", "preferences"):
                mine, theirs = getattr(copy, part), getattr(stored, part)
                assert (mine is None) == (theirs is None)
                if mine is not None:
                    assert _fields(mine) == _fields(theirs)
        assert _fields(listed[job.id]) == _fields(stored_job)
    assert audience[full.id].wishes.job_types == ["カフェ", "ｺﾝﾋﾞﾆ"]
    assert audience[full.id].home_point is not None
    assert audience[bare.id].address is None
    assert audience[bare.id].preferences is None
    assert listed[job.id].expires_at is not None
    assert listed[job.id].expires_at.utcoffset() == timedelta(0)
