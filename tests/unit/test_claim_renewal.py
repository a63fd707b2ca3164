"""A sender renews its claims while it works: a long batch is never taken over by a second sender."""

import asyncio
import dataclasses
import time
from datetime import datetime, timedelta

from adapters.in_memory import InMemoryUnitOfWork
from adapters.mail.composer import JinjaMailComposer
from application.mail_sending import RunSender, SendStats
from application.ports import MailDeliveryError, OutgoingMail
from tests.unit.test_run_daily_mail import make_job, make_user
from tests.unit.test_run_sender import NOW, OPTIONS, plan


class MovingClock:
    """NOW, moving on in real time."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def now(self) -> datetime:
        return NOW + timedelta(seconds=time.monotonic() - self.started)


class SlowMailer:
    concurrency = 1

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, mail: OutgoingMail, *, fresh_connection: bool = False) -> MailDeliveryError | None:
        await asyncio.sleep(0.05)
        self.sent.append(mail.recipient)
        return None

    async def close(self) -> None:
        pass


async def test_a_batch_longer_than_the_lease_stays_with_its_sender() -> None:
    uow = InMemoryUnitOfWork()
    users = [make_user("1500041", f"u{n}") for n in range(12)]
    campaign, run = await plan(uow, users, [make_job("ホール")])
    # one batch of 12 mails at 0.05 s each outlasts a 0.3 s lease unless the sender renews it
    options = dataclasses.replace(OPTIONS, claim_timeout=timedelta(seconds=0.3), batch_size=12, poll_interval=0.05)
    clock, mailer = MovingClock(), SlowMailer()
    composer = JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score")
    first, second = SendStats(), SendStats()
    one = asyncio.create_task(RunSender(uow, composer, mailer, clock, options).send_all(campaign, run, first))
    await asyncio.sleep(0.45)  # the first lease would have run out by now
    await RunSender(uow, composer, mailer, clock, options).send_all(campaign, run, second)
    await one
    assert sorted(mailer.sent) == sorted(u.email for u in users)  # each once
    assert (first.sent, second.sent, first.lost_claims) == (12, 0, 0)
