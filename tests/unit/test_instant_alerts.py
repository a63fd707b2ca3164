"""Per-user alert thresholds and instant-alert mail (RescoreChangedJobs with InstantAlertMail) on the
in-memory storage and the outbox: who is alerted at what threshold, who is mailed, once, and who is not."""

import dataclasses
import email
import email.policy
import uuid
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryUnitOfWork
from adapters.mail.composer import JinjaMailComposer
from adapters.mail.outbox import OutboxMailer
from application.instant_alerts import NotTheAlertCampaign
from application.matching import MatchingState
from application.ports import MailDeliveryError, NullProgress, OutgoingMail
from application.use_cases import rescore_changed_jobs
from application.use_cases.rescore_changed_jobs import JobsChangedCommand
from application.use_cases.run_daily_mail import RunDailyMail, RunDailyMailCommand
from domain.alerts import INSTANT_ALERTS_CAMPAIGN
from domain.campaign import Campaign, RunStatus, TemplateType
from domain.delivery import Delivery, DeliveryStatus
from domain.errors import InvalidInput
from domain.frequency import FrequencyCap
from domain.suppression import BounceKind, Suppression
from domain.user import Preferences, User
from tests.unit.test_events import NOW, rescorer
from tests.unit.test_run_daily_mail import OPTIONS, REFERENCE, RUN_DATE, Cast, World, make_job, make_user

TOMORROW = NOW + timedelta(days=1)


@pytest.fixture
async def world(tmp_path: Path) -> tuple[World, Cast]:
    w, c = World(tmp_path / "outbox"), Cast()
    for user in (c.hanako, c.opted_out):
        user.preferences = Preferences(instant_alerts=True)
    await w.add(*c.audience, c.opted_out)
    return w, c


async def set_alerts(w: World, user: User, threshold: float | None = None, instant: bool = True) -> None:
    async with InMemoryUnitOfWork(w.store) as uow:
        stored = await uow.users.get(user.id)
        assert stored is not None
        assert stored.preferences is not None
        stored.preferences.alert_threshold, stored.preferences.instant_alerts = threshold, instant
        await uow.commit()


def alert_mails(w: World) -> list[Delivery]:
    campaigns = [c.id for c in w.store.campaigns.values() if c.name == INSTANT_ALERTS_CAMPAIGN]
    return sorted((d for d in w.store.deliveries.values() if d.campaign_id in campaigns),
                  key=lambda d: d.created_at or NOW)  # fmt: skip


def read(w: World, delivery: Delivery) -> EmailMessage:
    raw = (w.outbox / f"{delivery.id}.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


async def test_each_user_is_alerted_at_their_own_threshold_or_else_the_sites(world: tuple[World, Cast]) -> None:
    w, c = world
    bakery = make_job("渋谷ベーカリー", hourly_wage=1500)
    await w.add(bakery)
    probe, notifier = rescorer(w, threshold=0.0)
    await probe(JobsChangedCommand([bakery.id], "probe"))
    total = {user: event["jobs"][0]["total"] for user, event in notifier.events}  # type: ignore[index]
    hanako, taro = float(total[c.hanako.id]), float(total[c.taro.id])  # type: ignore[arg-type]

    await set_alerts(w, c.taro, threshold=taro + 1)  # hanako sets none: the site's threshold is hers
    done = await rescorer(w, threshold=hanako - 1)[0](JobsChangedCommand([bakery.id], "ev1"))
    assert set(done.alerted) == {c.hanako.id}
    assert done.eligible_users == 1

    await set_alerts(w, c.taro, threshold=taro - 1)
    rescore, notifier = rescorer(w, threshold=100.0)  # above everyone's total: only an own threshold alerts
    done = await rescore(JobsChangedCommand([bakery.id], "ev2"))
    assert done.alerted == {c.taro.id: [bakery.id]}
    assert [user for user, _ in notifier.events] == [c.taro.id]

    await set_alerts(w, c.taro, threshold=0.0)
    await set_alerts(w, c.hanako, threshold=100.0)
    assert set((await rescorer(w, threshold=50.0)[0](JobsChangedCommand([bakery.id], "ev3"))).alerted) == {c.taro.id}


async def test_a_fitting_job_is_mailed_at_once_and_only_once(world: tuple[World, Cast]) -> None:
    w, c = world
    bakery = make_job("渋谷ベーカリー", hourly_wage=1500)
    await w.add(bakery)
    rescore, notifier = rescorer(w)
    done = await rescore(JobsChangedCommand([bakery.id], "ev1"))
    assert done.mails.planned == {c.hanako.id: [bakery.id]}  # taro did not ask for instant alerts
    assert done.mails.send.sent == 1
    assert {user for user, _ in notifier.events} == {c.hanako.id, c.taro.id}  # both hear it over the socket
    (mail,) = alert_mails(w)
    assert (mail.user_id, mail.status, [m.job_id for m in mail.matches]) == (c.hanako.id, DeliveryStatus.SENT,
                                                                            [bakery.id])  # fmt: skip
    run = w.store.runs[mail.run_id]
    assert (run.run_date, run.status) == (RUN_DATE, RunStatus.FINISHED)  # nothing of the day's run is pending
    assert w.store.job_alerts[(c.hanako.id, bakery.id)].event_id == "ev1"

    message = read(w, mail)
    assert message["Subject"].startswith("【新着求人のお知らせ】渋谷ベーカリー（時給1,500円）")
    assert "/u/" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = body(message, "plain"), body(message, "html")
    assert "渋谷ベーカリー" in text
    assert "/t/c/" in text
    assert "/t/o/" in html  # the open pixel
    (event,) = [event for user, event in notifier.events if user == c.hanako.id]
    reasons = event["jobs"][0]["reasons"]  # type: ignore[index]
    assert reasons  # the mail's reasons are the alert's: 自宅から約N分, 時給…
    assert all(reason in text for reason in reasons)  # type: ignore[attr-defined]

    again = await rescorer(w)[0](JobsChangedCommand([bakery.id], "ev1"))  # the event delivered twice
    assert again.alerted == done.alerted  # the socket hears it again, with the same event id
    assert again.mails.planned == {}
    edited = await rescorer(w, now=TOMORROW)[0](JobsChangedCommand([bakery.id], "ev2"))  # edited the next day
    assert edited.mails.planned == {}  # never the same job twice
    assert len(alert_mails(w)) == 1
    assert len(w.files()) == 1


async def test_at_most_one_alert_mail_a_day_and_the_rest_come_in_the_daily_mail(world: tuple[World, Cast]) -> None:
    w, c = world
    bakery, bistro = make_job("渋谷ベーカリー", hourly_wage=1500), make_job("渋谷ビストロ", hourly_wage=1500)
    await w.add(bakery, bistro)
    assert (await rescorer(w)[0](JobsChangedCommand([bakery.id], "ev1"))).mails.planned == {c.hanako.id: [bakery.id]}
    later = await rescorer(w)[0](JobsChangedCommand([bistro.id], "ev2"))
    assert c.hanako.id in later.alerted  # told over the socket
    assert later.mails.planned == {}  # but today's alert mail is spent
    await w.run(RUN_DATE + timedelta(days=1))  # the next daily mail
    assert w.mailed(c.hanako, RUN_DATE + timedelta(days=1)) == {bistro.id}  # the alerted bakery is not repeated


async def test_capped_suppressed_and_opted_out_users_get_no_alert_mail(world: tuple[World, Cast]) -> None:
    w, c = world
    await set_alerts(w, c.taro)
    await w.add(c.cafe)
    await w.run(RUN_DATE - timedelta(days=1))  # yesterday's daily mail: hanako and taro got one each
    async with InMemoryUnitOfWork(w.store) as uow:
        await uow.suppressions.suppress(Suppression(c.taro.email, BounceKind.HARD, "550 unknown user", NOW))
        await uow.commit()
    files = w.files()
    bakery = make_job("渋谷ベーカリー", hourly_wage=1500)
    await w.add(bakery)
    rescore, notifier = rescorer(w, cap=FrequencyCap(mails=1, days=7))
    done = await rescore(JobsChangedCommand([bakery.id], "ev1"))
    assert set(done.alerted) == {c.hanako.id, c.taro.id}  # the opted-out user is not even alerted
    assert c.opted_out.id not in {user for user, _ in notifier.events}
    assert done.mails.planned == {}
    assert done.mails.plan.skipped == {"frequency_cap": 1, "suppressed": 1}
    assert {(d.user_id, d.status, d.reason) for d in alert_mails(w)} == {
        (c.hanako.id, DeliveryStatus.SKIPPED, "frequency_cap"), (c.taro.id, DeliveryStatus.SKIPPED, "suppressed"),
    }  # fmt: skip
    assert w.files() == files
    assert w.store.job_alerts == {}  # nothing was mailed, so a later day may still mail the job


async def test_a_weekly_user_mailed_this_week_and_a_job_already_mailed_get_no_alert_mail(
    world: tuple[World, Cast],
) -> None:
    w, c = world
    weekly = make_user("1500041", "weekly", mail_frequency="weekly", preferences=Preferences(instant_alerts=True))
    await w.add(weekly, c.cafe)
    await w.run(RUN_DATE)  # this morning's daily mail: hanako and the weekly user got the cafe
    assert w.mailed(c.hanako) == {c.cafe.id}
    bakery = make_job("渋谷ベーカリー", hourly_wage=1500)
    await w.add(bakery)
    done = await rescorer(w)[0](JobsChangedCommand([c.cafe.id, bakery.id], "ev1"))
    assert {c.hanako.id, weekly.id} <= set(done.alerted)
    assert done.mails.planned == {c.hanako.id: [bakery.id]}  # the cafe was in her daily mail already
    assert done.mails.plan.skipped == {"weekly": 1}


async def test_a_mail_left_pending_by_a_relay_outage_goes_with_the_next_alert(world: tuple[World, Cast]) -> None:
    w, c = world
    await set_alerts(w, c.taro)
    bakery, bistro = make_job("渋谷ベーカリー", hourly_wage=1500), make_job("渋谷ビストロ", hourly_wage=1500)
    await w.add(bakery, bistro)
    down = await rescorer(w, mailer=RelayDown())[0](JobsChangedCommand([bakery.id], "ev1"))
    assert set(down.mails.planned) == {c.hanako.id, c.taro.id}
    assert down.mails.relay_down is not None
    assert {d.status for d in alert_mails(w)} == {DeliveryStatus.PENDING}
    assert w.store.runs[alert_mails(w)[0].run_id].status is RunStatus.SENDING
    up = await rescorer(w)[0](JobsChangedCommand([bistro.id], "ev2"))
    assert up.mails.planned == {}  # both had today's alert mail
    assert up.mails.send.sent == 2
    assert {d.status for d in alert_mails(w)} == {DeliveryStatus.SENT}
    assert all(d.matches[0].job_id == bakery.id for d in alert_mails(w))


async def test_the_instant_alert_campaign_is_never_run_over_the_audience(world: tuple[World, Cast]) -> None:
    w, _ = world
    bakery = make_job("渋谷ベーカリー", hourly_wage=1500)
    await w.add(bakery)
    await rescorer(w)[0](JobsChangedCommand([bakery.id], "ev1"))
    run = RunDailyMail(InMemoryUnitOfWork(w.store), REFERENCE, JinjaMailComposer("noreply@mailscore.example.jp", "M"),
                       OutboxMailer(w.outbox), FixedClock(TOMORROW), OPTIONS, NullProgress())  # fmt: skip
    with pytest.raises(InvalidInput, match="instant-alert"):
        await run(RunDailyMailCommand(INSTANT_ALERTS_CAMPAIGN, RUN_DATE + timedelta(days=1)))
    assert len(alert_mails(w)) == 1  # nobody else was planned


class RelayDown:
    concurrency = 1

    async def send(self, mail: OutgoingMail, *, fresh_connection: bool = False) -> MailDeliveryError | None:
        return MailDeliveryError("connection refused", permanent=False, relay_down=True)

    async def close(self) -> None:
        pass


async def test_a_campaign_of_the_system_name_but_not_an_alert_one_is_not_used(world: tuple[World, Cast]) -> None:
    # Made before the name was reserved (or behind CreateCampaign's back): found by its name, but a daily one.
    w, _ = world
    daily = Campaign(uuid.uuid4(), INSTANT_ALERTS_CAMPAIGN, created_at=NOW)
    w.store.campaigns[daily.id] = daily
    bakery = make_job("渋谷ベーカリー", hourly_wage=1500)
    await w.add(bakery)
    with pytest.raises(NotTheAlertCampaign, match="not the instant-alert system campaign") as refused:
        await rescorer(w)[0](JobsChangedCommand([bakery.id], "ev1"))
    assert (refused.value.campaign_id, refused.value.template_type) == (daily.id, TemplateType.DAILY_RECOMMENDATION)
    assert not [r for r in w.store.runs.values() if r.campaign_id == daily.id]  # no run made, none moved to sending
    assert (w.store.deliveries, w.store.job_alerts) == ({}, {})
    assert not list(w.outbox.glob("*.eml"))


async def test_a_job_closed_before_the_state_is_loaded_is_left_out_of_the_mail(
    world: tuple[World, Cast], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The event's jobs are looked up (open), then one is closed before the matching state is loaded without it.
    w, c = world
    bakery, cafe = make_job("渋谷ベーカリー", hourly_wage=1500), make_job("渋谷カフェ", hourly_wage=1500)
    await w.add(bakery, cafe)
    real = rescore_changed_jobs.load_matching_state

    async def closing_first(*args: Any) -> MatchingState:
        state = await real(*args)  # as loaded once another process's close of the cafe has committed
        return dataclasses.replace(state, jobs={k: v for k, v in state.jobs.items() if k != cafe.id})

    monkeypatch.setattr(rescore_changed_jobs, "load_matching_state", closing_first)
    done = await rescorer(w, threshold=0.0)[0](JobsChangedCommand([bakery.id, cafe.id], "ev1"))
    assert cafe.id in done.alerted[c.hanako.id]  # it was found open, so the socket heard of it
    assert done.mails.planned == {c.hanako.id: [bakery.id]}
    (mail,) = alert_mails(w)
    assert [m.job_id for m in mail.matches] == [bakery.id]
    assert (c.hanako.id, cafe.id) not in w.store.job_alerts
