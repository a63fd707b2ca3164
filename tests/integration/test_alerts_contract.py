"""The storage of alert settings and instant alerts, on in-memory, SQLite and PostgreSQL alike: a user's own
threshold and instant-alert choice, the (user, job) alert record, and the system campaign made on first use."""

import asyncio
import uuid
from datetime import UTC, datetime

from domain.alerts import JobAlert
from domain.campaign import Campaign, TemplateType
from domain.user import Preferences, User
from tests.conftest import UowFactory

NOW = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)


def make_user(**preferences: object) -> User:
    return User(uuid.uuid4(), f"{uuid.uuid4().hex[:8]}@example.jp", preferences=Preferences(**preferences))  # type: ignore[arg-type]


async def add_users(make_uow: UowFactory, *users: User) -> None:
    async with make_uow() as uow:
        for user in users:
            await uow.users.add(user)
        await uow.commit()


async def test_alert_settings_are_stored_with_the_preferences_and_default_to_the_sites(
    uow_factory: UowFactory,
) -> None:
    own, unset = make_user(alert_threshold=72.5, instant_alerts=True), make_user()
    await add_users(uow_factory, own, unset)
    async with uow_factory() as uow:
        found = await uow.users.get_many([own.id, unset.id])
        assert found[own.id].preferences is not None
        assert (found[own.id].wishes.alert_threshold, found[own.id].wishes.instant_alerts) == (72.5, True)
        assert (found[unset.id].wishes.alert_threshold, found[unset.id].wishes.instant_alerts) == (None, False)
        found[own.id].wishes.alert_threshold, found[own.id].wishes.instant_alerts = None, False
        await uow.commit()
    async with uow_factory() as uow:
        audience = {u.id: u for u in await uow.users.list_audience()}
        assert (audience[own.id].wishes.alert_threshold, audience[own.id].wishes.instant_alerts) == (None, False)


async def test_a_job_is_alerted_to_a_user_once_whoever_records_it(uow_factory: UowFactory) -> None:
    hanako, taro = make_user(), make_user()
    await add_users(uow_factory, hanako, taro)
    cafe, bakery = uuid.uuid4(), uuid.uuid4()

    def alert(user: User, job: uuid.UUID, event: str) -> JobAlert:
        return JobAlert(user.id, job, uuid.uuid4(), event, NOW)

    first = [alert(hanako, cafe, "ev1"), alert(hanako, bakery, "ev1"), alert(taro, cafe, "ev1")]
    async with uow_factory() as uow:
        assert await uow.job_alerts.add_new(first) == first
        await uow.commit()
    async with uow_factory() as uow:
        again = [alert(hanako, cafe, "ev2"), alert(taro, bakery, "ev2"), alert(taro, bakery, "ev2")]
        assert await uow.job_alerts.add_new(again) == [again[1]]  # one per (user, job), in one call too
        assert await uow.job_alerts.add_new([]) == []
        await uow.commit()
    async with uow_factory() as uow:
        users, jobs = [hanako.id, taro.id, uuid.uuid4()], [cafe, bakery, uuid.uuid4()]
        assert await uow.job_alerts.alerted_among(users, jobs) == {
            (hanako.id, cafe), (hanako.id, bakery), (taro.id, cafe), (taro.id, bakery),
        }  # fmt: skip
        assert await uow.job_alerts.alerted_among([taro.id], [cafe]) == {(taro.id, cafe)}
        assert await uow.job_alerts.alerted_among([], [cafe]) == set()
        assert await uow.job_alerts.alerted_among([hanako.id], []) == set()


async def test_an_alert_is_kept_only_when_committed_and_a_race_has_one_winner(uow_factory: UowFactory) -> None:
    hanako = make_user()
    await add_users(uow_factory, hanako)
    job = uuid.uuid4()
    async with uow_factory() as uow:
        await uow.job_alerts.add_new([JobAlert(hanako.id, job, uuid.uuid4(), "rolled back", NOW)])
    async with uow_factory() as uow:
        assert await uow.job_alerts.alerted_among([hanako.id], [job]) == set()

    async def record(event: str) -> list[JobAlert]:
        async with uow_factory() as uow:
            added = await uow.job_alerts.add_new([JobAlert(hanako.id, job, uuid.uuid4(), event, NOW)])
            await asyncio.sleep(0.05)  # hold the transaction open while the other one races
            await uow.commit()
            return added

    first, second = await asyncio.gather(record("ev1"), record("ev1 again"))
    assert sorted([len(first), len(second)]) == [0, 1]


async def test_the_system_campaign_is_added_once_and_then_found(uow_factory: UowFactory) -> None:
    def system() -> Campaign:
        return Campaign(uuid.uuid4(), "instant_alerts", template_type=TemplateType.INSTANT_ALERT.value,
                        jobs_per_mail=3, per_company_cap=3, send_hour_jst=0, created_at=NOW)  # fmt: skip

    async def get_or_add() -> Campaign:
        async with uow_factory() as uow:
            found = await uow.campaigns.get_or_add(system())
            await asyncio.sleep(0.05)
            await uow.commit()
            return found

    first, second = await asyncio.gather(get_or_add(), get_or_add())
    assert first.id == second.id
    async with uow_factory() as uow:
        (stored,) = await uow.campaigns.list_all()
        assert (stored.id, stored.name, stored.template_type) == (first.id, "instant_alerts", "instant_alert")
        assert stored.is_instant_alerts
        assert (stored.jobs_per_mail, stored.send_hour_jst, stored.created_at) == (3, 0, NOW)
        assert (await uow.campaigns.get_or_add(system())).id == first.id
