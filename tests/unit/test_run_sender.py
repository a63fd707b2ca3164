"""Sending checks again at send time (planning may be hours old), and one bad mail never stops a run."""

import email
import email.policy
import threading
import uuid
from datetime import date, timedelta

import pytest

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryUnitOfWork
from adapters.mail.composer import JinjaMailComposer
from application.links import LinkSigner
from application.mail_sending import RelayUnavailable, RunSender, SendOptions, SendStats
from application.ports import MailContext, MailDeliveryError, OutgoingMail
from domain.campaign import Campaign, CampaignRun
from domain.delivery import DeliveryStatus, PlannedDelivery, PlannedMatch
from domain.jst import at_jst, end_of_day_jst
from tests.unit.test_run_daily_mail import make_job, make_user

DAY = date(2025, 12, 3)
NOW = at_jst(DAY, 8)
OPTIONS = SendOptions("https://mailscore.example.jp", "mailscore.example.jp", LinkSigner(b"k" * 32))


class RecordingMailer:
    concurrency = 2

    def __init__(self, unreachable: bool = False) -> None:
        self.sent: list[OutgoingMail] = []
        self.unreachable = unreachable

    async def send(self, mail: OutgoingMail, *, fresh_connection: bool = False) -> MailDeliveryError | None:
        if self.unreachable:
            return MailDeliveryError("connection refused", permanent=False, relay_down=True)
        self.sent.append(mail)
        return None

    async def close(self) -> None:
        pass


async def plan(uow: InMemoryUnitOfWork, users: list, jobs: list) -> tuple[Campaign, CampaignRun]:  # type: ignore[type-arg]
    campaign = Campaign(id=uuid.uuid4(), name="daily")
    async with uow:
        await uow.campaigns.add(campaign)
        for job in jobs:
            await uow.jobs.add(job)
        for user in users:
            await uow.users.add(user)
        run = await uow.deliveries.get_or_create_run(campaign.id, DAY, NOW)
        await uow.deliveries.add_planned([
            PlannedDelivery(run.id, campaign.id, u.id, u.email, DeliveryStatus.PENDING, None, tuple(
                PlannedMatch(j.id, rank, 50.0, 50.0, 50.0, 50.0, ["自宅から約10分"], 1.0, 10)
                for rank, j in enumerate(jobs, 1)))
            for u in users
        ])  # fmt: skip
        await uow.commit()
    return campaign, run


async def statuses(uow: InMemoryUnitOfWork, run: CampaignRun, users: list) -> dict[str, tuple[str, str | None]]:  # type: ignore[type-arg]
    async with uow:
        found = {u.full_name: await uow.deliveries.for_user(run.id, u.id) for u in users}
    return {name: (d.status.value, d.reason) for name, d in found.items() if d is not None}


async def test_opt_out_after_planning_is_honoured_and_a_bad_address_fails_alone() -> None:
    uow = InMemoryUnitOfWork()
    fine, gone, bad = (make_user("1500041", n) for n in ("fine", "gone", "bad"))
    bad.email = 'a"b@example.jp'  # accepted somewhere upstream, refused by the MIME writer
    campaign, run = await plan(uow, [fine, gone, bad], [make_job("ホール")])
    async with uow:
        user = await uow.users.get(gone.id)
        assert user is not None
        user.email_opt_in = False
        await uow.commit()
    mailer = RecordingMailer()
    sender = RunSender(uow, JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score"), mailer,
                       FixedClock(NOW), OPTIONS)  # fmt: skip
    await sender.send_all(campaign, run, SendStats())
    result = await statuses(uow, run, [fine, gone, bad])
    assert result["fine"] == ("sent", None)
    assert result["gone"] == ("skipped", "opted_out")
    assert result["bad"][0] == "failed"
    assert result["bad"][1] is not None
    assert result["bad"][1] == "cannot compose"
    assert [m.recipient for m in mailer.sent] == ["fine@example.jp"]


async def test_jobs_closed_since_planning_are_left_out() -> None:
    uow = InMemoryUnitOfWork()
    still_open = make_job("ホール")
    closed = make_job("キッチン", expires_at=end_of_day_jst(DAY - timedelta(days=1)))
    only_closed_user, both_user = make_user("1500041", "one"), make_user("1500041", "two")
    campaign, run = await plan(uow, [both_user], [still_open, closed])
    mailer = RecordingMailer()
    sender = RunSender(uow, JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score"), mailer,
                       FixedClock(NOW), OPTIONS)  # fmt: skip
    await sender.send_all(campaign, run, SendStats())
    assert len(mailer.sent) == 1
    message = email.message_from_bytes(mailer.sent[0].data, policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    assert "ホール" in text.get_content()
    assert "キッチン" not in text.get_content()
    async with uow:
        delivery = await uow.deliveries.for_user(run.id, both_user.id)
    assert delivery is not None
    assert delivery.status is DeliveryStatus.SENT
    # a user whose every job closed gets nothing, and the delivery says why
    uow2 = InMemoryUnitOfWork()
    campaign2, run2 = await plan(uow2, [only_closed_user], [closed])
    mailer2 = RecordingMailer()
    await RunSender(uow2, JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score"), mailer2,
                    FixedClock(NOW), OPTIONS).send_all(campaign2, run2, SendStats())  # fmt: skip
    assert mailer2.sent == []
    assert (await statuses(uow2, run2, [only_closed_user]))["one"] == ("skipped", "no_new_matches")


async def test_a_relay_that_refuses_everything_stops_the_run_with_deliveries_left_pending() -> None:
    uow = InMemoryUnitOfWork()
    users = [make_user("1500041", f"u{i}") for i in range(3)]
    campaign, run = await plan(uow, users, [make_job("ホール")])
    sender = RunSender(uow, JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score"),
                       RecordingMailer(unreachable=True), FixedClock(NOW), OPTIONS)  # fmt: skip
    with pytest.raises(RelayUnavailable, match="3 mails left pending"):
        await sender.send_all(campaign, run, SendStats())
    assert set((await statuses(uow, run, users)).values()) == {("pending", None)}


class ThreadNotingComposer(JinjaMailComposer):
    """Notes the thread each mail is composed on."""

    def __init__(self) -> None:
        super().__init__("no-reply@mailscore.example.jp", "Mail Score")
        self.threads: set[int] = set()

    def compose(self, context: MailContext) -> OutgoingMail:
        self.threads.add(threading.get_ident())
        return super().compose(context)


async def test_mails_are_composed_off_the_event_loop_before_the_batch_is_sent() -> None:
    uow = InMemoryUnitOfWork()
    users = [make_user("1500041", f"user{i}") for i in range(3)]
    campaign, run = await plan(uow, users, [make_job("ホール")])
    composer, mailer = ThreadNotingComposer(), RecordingMailer()
    sender = RunSender(uow, composer, mailer, FixedClock(NOW), OPTIONS)
    await sender.send_all(campaign, run, SendStats())
    assert composer.threads
    assert threading.get_ident() not in composer.threads  # the loop stayed free
    assert len(mailer.sent) == 3
    assert set((await statuses(uow, run, users)).values()) == {("sent", None)}
