"""A recipient the relay refuses for good at RCPT TO is a bounce of the address: suppressed in the same
commit as the delivery's outcome, and skipped by every later run. A refusal of the message (MAIL FROM,
DATA) leaves the address alone, and so does a refusal at RCPT that is about us (a blocklisted IP, relay
access denied, DMARC): only an address-level failure (5.1.1, 5.2.1, a bare 550 "no such user") suppresses."""

import dataclasses
import uuid
from datetime import date, timedelta

import pytest

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.mail.composer import JinjaMailComposer
from application.bounce_handling import BouncePolicy
from application.mail_sending import RunSender, SendOptions, SendStats
from application.ports import MailDeliveryError, NullProgress, OutgoingMail
from application.use_cases.run_daily_mail import RunDailyMail, RunDailyMailCommand
from domain.campaign import Campaign
from domain.delivery import Delivery, DeliveryStatus, FailureKind
from domain.jst import at_jst
from domain.suppression import BounceKind, classify_refusal
from domain.user import User
from tests.unit.test_run_daily_mail import OPTIONS, REFERENCE, make_job, make_user
from tests.unit.test_run_sender import NOW, plan

DAY = date(2025, 12, 3)
COMPOSER = JinjaMailComposer("noreply@mailscore.example.jp", "Mail Score")


def rcpt(code: int, text: str) -> MailDeliveryError:
    return MailDeliveryError(f"SMTP {code} at RCPT TO: {text}", permanent=code >= 500, code=code,
                             recipient_refused=True, reply=text)  # fmt: skip


def data(code: int, text: str) -> MailDeliveryError:
    return MailDeliveryError(f"SMTP {code}: {text}", permanent=code >= 500, code=code, reply=text)


class RefusingMailer:
    """Refuses the recipients given, the same way every time; accepts the others."""

    concurrency = 2

    def __init__(self, refusals: dict[str, MailDeliveryError]) -> None:
        self.refusals = refusals
        self.accepted: list[str] = []
        self.tried: list[str] = []

    async def send(self, mail: OutgoingMail, *, fresh_connection: bool = False) -> MailDeliveryError | None:
        self.tried.append(mail.recipient)
        error = self.refusals.get(mail.recipient)
        if error is None:
            self.accepted.append(mail.recipient)
        return error

    async def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("code", "reply", "kind"),
    [
        (550, "5.1.1 no such user here", BounceKind.HARD),
        (550, "5.1.1 <gone@example.jp>: Recipient address rejected: User unknown", BounceKind.HARD),
        (550, "5.1.2 bad destination system address", BounceKind.HARD),
        (553, "5.1.3 bad address syntax", BounceKind.HARD),
        (551, "5.1.6 user has moved", BounceKind.HARD),
        (556, "5.1.10 recipient domain has a null MX", BounceKind.HARD),
        (550, "5.2.1 mailbox disabled, not accepting messages", BounceKind.HARD),
        (550, "mailbox unavailable", BounceKind.HARD),  # no enhanced code: a bare 550 is "user unknown"
        (550, "No such user", BounceKind.HARD),
        (551, "User not local", BounceKind.HARD),
        (553, "mailbox name not allowed", BounceKind.HARD),
        (552, "5.2.2 mailbox full", BounceKind.SOFT),  # a full phone, as Japanese carriers say it
        (552, "5.2.3 message exceeds the mailbox's limit", BounceKind.SOFT),
        (550, "4.2.2 mailbox full", BounceKind.SOFT),
        (552, "over quota", BounceKind.SOFT),  # RFC 5321 4.5.3.1.10: a bare 552 at RCPT is not for good
        (450, "4.2.1 try later", None),
        # about us, the relay or the message, not the address: the delivery fails, the address stays
        (550, "5.7.1 client host blocked using zen.spamhaus.org", None),
        (554, "5.7.1 Relay access denied", None),
        (550, "5.7.606 Access denied, banned sending IP [203.0.113.7]", None),
        (550, "5.7.26 This mail has been blocked because the sender is unauthenticated (DMARC)", None),
        (550, "5.7.1 Service unavailable", None),
        (550, "5.1.7 bad sender mailbox address syntax", None),  # our sender address
        (550, "5.1.8 sender address rejected: domain not found", None),
        (550, "5.1.0 address rejected", None),  # "other address status" says too little
        (550, "5.3.0 other mail system problem", None),
        (550, "5.4.1 recipient address rejected: access denied", None),
        (550, "5.4.4 unable to route", None),
        (550, "5.5.1 bad command", None),
        (550, "5.0.0 error", None),
        (550, "5.2.4 mailing list expansion problem", None),
        (550, "Service unavailable; client host blocked", None),
        (550, "Service unavailable; Client host [203.0.113.7] blocked using bl.spamcop.net", None),
        (554, "Relay access denied", None),
        (550, "Message rejected due to local policy", None),
        (550, "SPF check failed", None),
        (550, "Your IP is on our blacklist", None),
        (553, "sending host is listed in a blocklist", None),
        (550, "Rejected: poor sender reputation", None),
        (550, "DMARC policy of the sender domain is reject", None),
        (554, "transaction failed", None),  # bare codes other than 550/551/553 (and 552): not the address
        (501, "syntax error in parameters", None),
        (554, "[5.1.1.9] Client host rejected: access denied", None),  # an IP address is not a status code
        (550, "Client host 5.1.1.9 rejected: Access denied by policy", None),
    ],
)
def test_a_refusal_at_rcpt_suppresses_only_for_what_is_about_the_address(
    code: int, reply: str, kind: BounceKind | None
) -> None:
    assert classify_refusal(code, reply) is kind


def _day_run(store: InMemoryStore, mailer: RefusingMailer, day: date, options: SendOptions = OPTIONS) -> RunDailyMail:
    return RunDailyMail(InMemoryUnitOfWork(store), REFERENCE, COMPOSER, mailer, FixedClock(at_jst(day, 8)),
                        options, NullProgress())  # fmt: skip


def _delivery(store: InMemoryStore, user: User, day: date) -> Delivery:
    runs = {r.id for r in store.runs.values() if r.run_date == day}
    [found] = [d for d in store.deliveries.values() if d.user_id == user.id and d.run_id in runs]
    return found


async def test_a_550_at_rcpt_suppresses_the_address_and_the_next_run_skips_it() -> None:
    store = InMemoryStore()
    campaign = Campaign(uuid.uuid4(), "daily", resend_window_days=0)
    store.campaigns[campaign.id] = campaign
    gone, fine = make_user("1500041", "gone"), make_user("1500041", "fine")
    async with InMemoryUnitOfWork(store) as uow:
        for row in (gone, fine):
            await uow.users.add(row)
        await uow.jobs.add(make_job("渋谷カフェ"))
        await uow.commit()
    mailer = RefusingMailer({"gone@example.jp": rcpt(550, "5.1.1 <gone@example.jp>: Recipient address rejected")})

    summary = await _day_run(store, mailer, DAY)(RunDailyMailCommand("daily", DAY))

    refused = _delivery(store, gone, DAY)
    assert (refused.status, refused.failure, refused.smtp_code) == (DeliveryStatus.FAILED, FailureKind.PERMANENT, 550)
    [suppression] = store.suppressions.values()
    assert (suppression.email, suppression.kind, suppression.delivery_id) == ("gone@example.jp", BounceKind.HARD,
                                                                             refused.id)  # fmt: skip
    assert "550" in suppression.reason
    assert "Recipient address rejected" in suppression.reason  # the relay's words, for the operator
    assert suppression.reason.startswith("hard: 5.1.1 refused at RCPT TO")
    [event] = store.bounce_events.values()
    assert (event.kind, event.status, event.delivery_id) == (BounceKind.HARD, "5.1.1", refused.id)
    assert summary.send.suppressed == 1

    next_day = DAY + timedelta(days=1)
    mailer.tried.clear()
    await _day_run(store, mailer, next_day)(RunDailyMailCommand("daily", next_day))
    skipped = _delivery(store, gone, next_day)
    assert (skipped.status, skipped.reason) == (DeliveryStatus.SKIPPED, "suppressed")
    assert mailer.tried == ["fine@example.jp"]  # the refused address is never offered to the relay again


async def send_refused(local: str, error: MailDeliveryError) -> tuple[InMemoryUnitOfWork, User, Delivery, SendStats]:
    """One user planned and sent to a relay that refuses them with `error`: the store, the user, their
    delivery afterwards and the send's figures."""
    uow = InMemoryUnitOfWork()
    user = make_user("1500041", local)
    campaign, run = await plan(uow, [user], [make_job("ホール")])
    stats = SendStats()
    await RunSender(uow, COMPOSER, RefusingMailer({user.email: error}), FixedClock(NOW), OPTIONS).send_all(
        campaign, run, stats
    )
    async with uow:
        delivery = await uow.deliveries.for_user(run.id, user.id)
    assert delivery is not None
    return uow, user, delivery, stats


@pytest.mark.parametrize(
    "error",
    [
        data(552, "5.3.4 message size exceeds fixed limit"),  # after DATA, about the message
        data(554, "5.6.0 content rejected"),
        data(553, "5.1.8 sender address rejected"),  # at MAIL FROM, about us
        MailDeliveryError("the relay does not offer SMTPUTF8", permanent=True),
    ],
)
async def test_a_refusal_of_the_message_fails_the_delivery_but_leaves_the_address_alone(
    error: MailDeliveryError,
) -> None:
    uow, user, delivery, stats = await send_refused("big", error)
    async with uow:
        assert await uow.suppressions.get(user.email) is None
    assert (delivery.status, delivery.failure) == (DeliveryStatus.FAILED, FailureKind.PERMANENT)
    assert uow.store.bounce_events == {}
    assert stats.suppressed == 0


@pytest.mark.parametrize(
    "error",
    [
        rcpt(550, "5.7.1 client host blocked using zen.spamhaus.org"),  # our IP on a blocklist
        rcpt(554, "5.7.1 Relay access denied"),  # a misconfigured smarthost
        rcpt(550, "5.7.606 Access denied, banned sending IP [203.0.113.7]"),
        rcpt(550, "5.7.26 Unauthenticated email from mailscore.example.jp is not accepted due to DMARC"),
        rcpt(550, "Service unavailable; client host blocked"),  # no enhanced code, but a block
    ],
)
async def test_a_refusal_at_rcpt_about_us_fails_the_delivery_but_does_not_suppress_the_address(
    error: MailDeliveryError,
) -> None:
    uow, user, delivery, stats = await send_refused("fine", error)
    async with uow:
        assert await uow.suppressions.get(user.email) is None
        assert await uow.suppressions.soft_count(user.email) == 0
    assert (delivery.status, delivery.failure, delivery.smtp_code) == (DeliveryStatus.FAILED,
                                                                       FailureKind.PERMANENT, error.code)  # fmt: skip
    assert uow.store.bounce_events == {}
    assert uow.store.suppressions == {}
    assert stats.suppressed == 0


@pytest.mark.parametrize(
    ("error", "status"),
    [(rcpt(550, "5.1.1 <gone@example.jp>: user unknown"), "5.1.1"), (rcpt(550, "No such user"), None)],
)
async def test_a_refusal_at_rcpt_about_the_address_suppresses_it_at_once(
    error: MailDeliveryError, status: str | None
) -> None:
    uow, user, delivery, stats = await send_refused("gone", error)
    async with uow:
        suppression = await uow.suppressions.get(user.email)
    assert (delivery.status, delivery.failure) == (DeliveryStatus.FAILED, FailureKind.PERMANENT)
    assert suppression is not None
    assert (suppression.kind, suppression.delivery_id) == (BounceKind.HARD, delivery.id)
    [event] = uow.store.bounce_events.values()
    assert (event.kind, event.status) == (BounceKind.HARD, status)
    assert stats.suppressed == 1


@pytest.mark.parametrize("limit", [2, 3])
async def test_a_full_mailbox_at_rcpt_counts_as_a_soft_bounce_until_the_limit(limit: int) -> None:
    uow = InMemoryUnitOfWork()
    users = [make_user("1500041", f"phone{n}") for n in range(2)]
    for user in users:  # two people on one carrier address (a family phone), both refused
        user.email = "full.phone@docomo.ne.jp"
    campaign, run = await plan(uow, users, [make_job("ホール")])
    mailer = RefusingMailer({"full.phone@docomo.ne.jp": rcpt(552, "5.2.2 mailbox full")})
    options = dataclasses.replace(OPTIONS, bounces=BouncePolicy(soft_bounce_limit=limit))
    await RunSender(uow, COMPOSER, mailer, FixedClock(NOW), options).send_all(campaign, run, SendStats())
    async with uow:
        suppression = await uow.suppressions.get("full.phone@docomo.ne.jp")
        assert await uow.suppressions.soft_count("full.phone@docomo.ne.jp") == 2
    if limit == 3:
        assert suppression is None  # a full mailbox usually empties
    else:
        assert suppression is not None
        assert suppression.kind is BounceKind.SOFT
        assert suppression.reason == "2 soft bounces; last: 5.2.2 refused at RCPT TO when sent: 552 5.2.2 mailbox full"


class CrashingCommitUnitOfWork(InMemoryUnitOfWork):
    """Dies in the commit that would first store a suppression (the process killed at that moment)."""

    armed = True

    async def commit(self) -> None:
        if self.armed and self.store.suppressions.keys() != self._open().suppressions.committed_copy().keys():
            raise ConnectionResetError("killed mid-commit")
        await super().commit()


async def test_a_crash_at_the_commit_keeps_neither_the_outcome_nor_the_suppression_and_a_rerun_both() -> None:
    store = InMemoryStore()
    uow = CrashingCommitUnitOfWork(store)
    gone, fine = make_user("1500041", "gone"), make_user("1500041", "fine")
    campaign, run = await plan(uow, [gone, fine], [make_job("ホール")])
    mailer = RefusingMailer({"gone@example.jp": rcpt(550, "5.1.1 no such user")})
    mailer.concurrency = 1  # one worker: the crash ends the sender, as it would end its process
    options = dataclasses.replace(OPTIONS, claim_timeout=timedelta(minutes=5))
    with pytest.raises(ConnectionResetError):
        await RunSender(uow, COMPOSER, mailer, FixedClock(NOW), options).send_all(campaign, run, SendStats())
    stored = next(d for d in store.deliveries.values() if d.user_id == gone.id)
    assert stored.status is DeliveryStatus.PENDING
    assert stored.sending_at is not None  # marked in flight, its outcome lost with the commit
    assert store.suppressions == {}
    assert store.bounce_events == {}

    uow.armed = False
    later = FixedClock(NOW + timedelta(minutes=6))  # the dead sender's claims have run out
    stats = SendStats()
    await RunSender(uow, COMPOSER, mailer, later, options).send_all(campaign, run, stats)
    stored = next(d for d in store.deliveries.values() if d.user_id == gone.id)
    assert (stored.status, stored.failure) == (DeliveryStatus.FAILED, FailureKind.PERMANENT)
    assert [s.email for s in store.suppressions.values()] == ["gone@example.jp"]
    assert len(store.bounce_events) == 1
    assert stats.suppressed == 1
