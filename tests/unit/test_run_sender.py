"""Sending checks again at send time (planning may be hours old), and one bad mail never stops a run."""

import asyncio
import dataclasses
import email
import email.policy
import io
import threading
import uuid
from datetime import date, datetime, timedelta

import pytest
from rich.console import Console

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryUnitOfWork
from adapters.mail.composer import JinjaMailComposer
from application.links import LinkSigner
from application.mail_sending import RelayUnavailable, RunSender, SendOptions, SendStats
from application.ports import MailContext, MailDeliveryError, OutgoingMail
from application.send_pacing import RetryPolicy, SendRates
from application.use_cases.run_daily_mail import RunSummary, send_and_settle
from domain.campaign import Campaign, CampaignRun
from domain.delivery import DeliveryStatus, FailureKind, PlannedDelivery, PlannedMatch
from domain.jst import at_jst, end_of_day_jst
from entrypoints.console import RichProgress
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


async def plan(uow: InMemoryUnitOfWork, users: list, jobs: list, ordered: bool = False) -> tuple[Campaign, CampaignRun]:  # type: ignore[type-arg]
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
                for rank, j in enumerate(jobs, 1)), **({"id": uuid.UUID(int=n + 1)} if ordered else {}))
            for n, u in enumerate(users)
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


class ScriptedMailer:
    """Answers each recipient from a script of reply codes (None = accepted), one per attempt."""

    concurrency = 3

    def __init__(self, script: dict[str, list[int | None]]) -> None:
        self.script = script
        self.calls: list[tuple[str, bool]] = []

    async def send(self, mail: OutgoingMail, *, fresh_connection: bool = False) -> MailDeliveryError | None:
        self.calls.append((mail.recipient, fresh_connection))
        code = self.script[mail.recipient].pop(0)
        if code is None:
            return None
        return MailDeliveryError(f"SMTP {code}: go away", permanent=code >= 500, code=code)

    async def close(self) -> None:
        pass


async def test_4xx_is_retried_on_a_fresh_connection_5xx_fails_for_good_and_attempts_run_out() -> None:
    uow = InMemoryUnitOfWork()
    later, never, stubborn, fine = (make_user("1500041", n) for n in ("later", "never", "stubborn", "fine"))
    campaign, run = await plan(uow, [later, never, stubborn, fine], [make_job("ホール")])
    mailer = ScriptedMailer({
        "later@example.jp": [451, 450, None], "never@example.jp": [550],
        "stubborn@example.jp": [421, 451, 451], "fine@example.jp": [None],
    })  # fmt: skip
    options = dataclasses.replace(OPTIONS, retry=RetryPolicy(max_attempts=3, base=timedelta(0)), poll_interval=0)
    stats = SendStats()
    sender = RunSender(uow, JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score"), mailer,
                       FixedClock(NOW), options)  # fmt: skip
    await sender.send_all(campaign, run, stats)
    async with uow:
        found = {u.full_name: await uow.deliveries.for_user(run.id, u.id) for u in (later, never, stubborn, fine)}
    d = {name: delivery for name, delivery in found.items() if delivery is not None}
    assert (d["later"].status, d["later"].attempts) == (DeliveryStatus.SENT, 3)
    assert (d["never"].status, d["never"].failure, d["never"].smtp_code, d["never"].attempts) == (
        DeliveryStatus.FAILED, FailureKind.PERMANENT, 550, 1)  # fmt: skip
    assert d["never"].reason == "smtp 550"
    assert d["never"].detail == "SMTP 550: go away"
    assert (d["stubborn"].status, d["stubborn"].failure, d["stubborn"].attempts) == (
        DeliveryStatus.FAILED, FailureKind.RETRYABLE, 3)  # fmt: skip
    assert d["fine"].status is DeliveryStatus.SENT
    assert (stats.sent, stats.failed, stats.deferred) == (2, 2, 4)
    fresh = {(to, f) for to, f in mailer.calls if to == "later@example.jp"}
    assert fresh == {("later@example.jp", False), ("later@example.jp", True)}  # first try reused, retries fresh
    assert [f for to, f in mailer.calls if to == "later@example.jp"] == [False, True, True]
    assert all(not m for m in mailer.script.values())  # every scripted attempt was used, none more


async def test_a_throttled_domain_does_not_hold_up_the_others() -> None:
    uow = InMemoryUnitOfWork()
    carrier = [make_user("1500041", f"k{n}") for n in range(3)]
    for user in carrier:
        user.email = f"{user.full_name}@docomo.ne.jp"
    others = [make_user("1500041", f"o{n}") for n in range(3)]
    campaign, run = await plan(uow, carrier + others, [make_job("ホール")], ordered=True)  # carriers first
    mailer = RecordingMailer()
    mailer.concurrency = 1
    options = dataclasses.replace(OPTIONS, rates=SendRates(domains={"docomo.ne.jp": 0.5}))
    sender = RunSender(uow, JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score"), mailer,
                       FixedClock(NOW), options)  # fmt: skip
    task = asyncio.create_task(sender.send_all(campaign, run, SendStats()))
    await asyncio.sleep(0.5)  # one carrier mail may start now, the next only two seconds later
    sent_so_far = [m.recipient for m in mailer.sent]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sum(r.endswith("@docomo.ne.jp") for r in sent_so_far) == 1
    assert {u.email for u in others} <= set(sent_so_far)


@pytest.mark.parametrize("policy", ["resend", "hold"])
async def test_a_delivery_left_in_flight_by_a_dead_sender_is_resent_or_held(policy: str) -> None:
    uow = InMemoryUnitOfWork()
    users = [make_user("1500041", n) for n in ("flying", "waiting")]
    campaign, run = await plan(uow, users, [make_job("ホール")])
    async with uow:  # a sender claimed both and had begun the first when it died
        claimed = await uow.deliveries.claim_pending(run.id, 10, "dead", NOW, NOW)
        flying = next(d for d in claimed if d.email_address == "flying@example.jp")
        await uow.deliveries.begin_sending([flying.id], "dead", NOW)
        await uow.commit()
    mailer = RecordingMailer()
    options = dataclasses.replace(OPTIONS, in_doubt=policy, claim_timeout=timedelta(minutes=5))
    stats = SendStats()
    later = FixedClock(NOW + timedelta(minutes=6))
    await RunSender(uow, JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score"), mailer, later,
                    options).send_all(campaign, run, stats)  # fmt: skip
    result = await statuses(uow, run, users)
    assert stats.in_doubt == 1
    assert result["waiting"] == ("sent", None)
    if policy == "resend":
        assert result["flying"] == ("sent", None)
        assert sorted(m.recipient for m in mailer.sent) == ["flying@example.jp", "waiting@example.jp"]
    else:
        assert result["flying"] == ("failed", "in doubt")
        assert [m.recipient for m in mailer.sent] == ["waiting@example.jp"]
        async with uow:
            held = await uow.deliveries.for_user(run.id, users[0].id)
        assert held is not None
        assert held.failure is FailureKind.RETRYABLE  # `mail retry-failed` sends it when someone decides to


class ReplacingMailer(RecordingMailer):
    """An outbox-like mailer: sending a delivery again replaces it, so a batch goes in one hand-over."""

    replaces_on_resend = True

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []
        self.one_by_one = 0

    @staticmethod
    def answer(mail: OutgoingMail) -> MailDeliveryError | None:
        refused = mail.recipient.startswith("gone")
        return MailDeliveryError("550 5.1.1 no such user", permanent=True, code=550) if refused else None

    async def send(self, mail: OutgoingMail, *, fresh_connection: bool = False) -> MailDeliveryError | None:
        self.one_by_one += 1
        self.sent.append(mail)
        return self.answer(mail)

    async def send_many(self, mails: list[OutgoingMail]) -> dict[uuid.UUID, MailDeliveryError | None]:
        self.batches.append(len(mails))
        self.sent.extend(mails)
        return {m.delivery_id: self.answer(m) for m in mails}


@pytest.mark.parametrize("paced", [False, True])
async def test_a_mailer_that_replaces_on_resend_gets_each_batch_at_once_unless_a_rate_applies(paced: bool) -> None:
    uow = InMemoryUnitOfWork()
    users = [make_user("1500041", f"u{n}") for n in range(7)] + [make_user("1500041", "gone")]
    users[-1].email = "gone@example.jp"
    campaign, run = await plan(uow, users, [make_job("ホール")])
    mailer = ReplacingMailer()
    options = dataclasses.replace(OPTIONS, batch_size=5, rates=SendRates(relay=10_000.0 if paced else None))
    stats = SendStats()
    sender = RunSender(uow, JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score"), mailer,
                       FixedClock(NOW), options)  # fmt: skip
    await sender.send_all(campaign, run, stats)
    result = await statuses(uow, run, users)
    assert sorted(m.recipient for m in mailer.sent) == sorted(u.email for u in users)  # each once
    assert stats.sent == 7
    assert result["gone"][0] == "failed"
    assert all(result[f"u{n}"] == ("sent", None) for n in range(7))
    if paced:  # the pacer spreads paced mails one at a time
        assert (mailer.batches, mailer.one_by_one) == ([], 8)
    else:
        assert (sorted(mailer.batches), mailer.one_by_one) == ([3, 5], 0)


class TickingClock(FixedClock):
    """A minute passes at every look: a wait on a five-minute lease takes a few polls."""

    def now(self) -> datetime:
        self.moment += timedelta(minutes=1)
        return self.moment


async def test_a_run_waiting_on_a_dead_senders_claims_says_so_once_and_then_takes_them() -> None:
    uow = InMemoryUnitOfWork()
    users = [make_user("1500041", n) for n in ("held", "other")]
    campaign, run = await plan(uow, users, [make_job("ホール")])
    async with uow:  # a sender claimed both at NOW, then died: its lease runs 5 minutes
        await uow.deliveries.claim_pending(run.id, 10, "dead", NOW, NOW)
        await uow.commit()
    mailer, out = RecordingMailer(), io.StringIO()
    progress = RichProgress(Console(file=out, force_terminal=False, width=400))  # what `mail run` prints
    options = dataclasses.replace(OPTIONS, claim_timeout=timedelta(minutes=5), poll_interval=0.0)
    clock = TickingClock(NOW)
    sender = RunSender(uow, JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score"), mailer, clock, options)
    summary = RunSummary(campaign.name, DAY)
    await send_and_settle(uow, sender, clock, progress, campaign, run, summary)
    assert sorted(m.recipient for m in mailer.sent) == ["held@example.jp", "other@example.jp"]
    assert summary.status_counts == {"sent": 2}
    # Once for the whole wait, however many polls it took, naming the lease and the setting.
    assert out.getvalue().count("waiting:") == 1, out.getvalue()
    assert "2 deliveries are held by another sender" in out.getvalue()
    assert "at most 5 min" in out.getvalue()
    assert "MAILSCORE_CLAIM_TIMEOUT_SECONDS" in out.getvalue()
