"""Sending a planned run: claim pending deliveries, compose, hand each to the mailer, record its outcome.

Rules:
- A batch is claimed (committed) before anything is sent; the claim is a lease of `claim_timeout` that the
  sender renews while it works, so two senders never work on one delivery. A dead sender's claims run out
  and are taken again.
- Each delivery is marked in flight (committed) just before its message leaves, and its outcome is
  committed as soon as the relay answers; an outcome is written only while the claim is still ours.
- So a sender killed at any moment leaves at most its in-flight messages (one per connection) in doubt:
  the relay may have taken them. They are sent again, with the same Message-ID (derived from (run, user)),
  and counted as `in_doubt`; or, with `in_doubt="hold"`, failed as retryable for an operator to send with
  `mail retry-failed`. Nothing else is ever sent twice, and nothing is skipped.
- Message starts are paced per relay and per recipient domain (slow for mobile carriers).
- A 5xx reply fails the delivery for good (FailureKind.PERMANENT). A 5xx for the recipient itself (at
  RCPT TO) is also a bounce of the address, by the rules of `application.bounce_handling` (hard, so
  suppressed at once; a full mailbox soft, counted): recorded in the same commit as the delivery's
  outcome, so a sender killed at any moment leaves both or neither. A 5xx at MAIL FROM or after DATA
  (message too large, content refused) is about the message, and leaves the address alone.
  A 4xx reply or a connection lost before the relay took the message defers the delivery with exponential
  backoff and jitter; after `retry.max_attempts` it fails as RETRYABLE (`mail retry-failed` resends those).
  A retry after a 4xx goes out on a fresh connection.
- A relay that cannot be reached stops the run with the rest pending; the same command resumes it.
"""

import asyncio
import contextlib
import random
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from application.mail_context import MailContexts

# SendOptions moved to mail_context with the context it shapes; importing it from here keeps working.
from application.mail_context import SendOptions as SendOptions
from application.ports import (
    Clock,
    MailComposer,
    MailDeliveryError,
    Mailer,
    OutgoingMail,
    ReplacingMailer,
    UnitOfWork,
)  # fmt: skip
from application.send_journal import SendJournal
from application.send_pacing import SendPacer
from domain.campaign import Campaign, CampaignRun
from domain.delivery import Delivery, DeliveryStatus, FailureKind, SkipReason
from domain.job import Job
from domain.suppression import BounceEvent, classify_refusal, normalize_address, rcpt_status_code
from domain.user import User


@dataclass
class SendStats:
    sent: int = 0
    failed: int = 0
    deferred: int = 0  # temporary refusals, tried again after a backoff
    in_doubt: int = 0  # found in flight after a sender died: sent again (same Message-ID), or held
    lost_claims: int = 0  # taken over by another sender (our lease ran out) before we sent them
    suppressed: int = 0  # addresses suppressed because the relay refused them for good at RCPT TO
    seconds: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)


class RunSender:
    def __init__(
        self, uow: UnitOfWork, composer: MailComposer, mailer: Mailer, clock: Clock, options: SendOptions,
        rng: random.Random | None = None,
    ) -> None:  # fmt: skip
        self._uow, self._composer, self._mailer, self._clock = uow, composer, mailer, clock
        self._options = options
        self._pacer = SendPacer(options.rates)
        self._rng = rng or random.Random()
        self.claimant = uuid.uuid4().hex

    @property
    def claim_timeout(self) -> timedelta:
        return self._options.claim_timeout

    async def send_all(self, campaign: Campaign, run: CampaignRun, stats: SendStats,
                       on_batch: Callable[[int], None] | None = None,
                       user_ids: Collection[uuid.UUID] | None = None,
                       on_wait: Callable[[int], None] | None = None) -> None:  # fmt: skip
        """Until no pending delivery is left: claim a batch, send it, record it; wait out others' claims
        and deferred retries. With `user_ids`, only those users' deliveries (a shard of the run).
        `on_wait(pending)` is told once each time the sender starts waiting with nothing it can claim."""
        waiting = False
        while True:
            claimed = await self._claim(run, user_ids)
            if claimed:
                waiting = False
                settled = await self._send_batch(campaign, run, claimed, stats)
                if on_batch is not None:
                    on_batch(settled)
                continue
            async with self._uow as uow:
                pending = (await uow.deliveries.status_counts(run.id, user_ids)).get("pending", 0)
            if not pending:
                return
            if not waiting and on_wait is not None:
                on_wait(pending)
            waiting = True
            await asyncio.sleep(self._options.poll_interval)  # another sender holds them, or they wait to retry

    async def send_ready(self, campaign: Campaign, run: CampaignRun, stats: SendStats) -> None:
        """Send what can be claimed now, and return without waiting: deliveries another sender holds stay
        theirs, and deferred retries wait for a later pass (an event's instant alerts must not hold up
        its worker for a backoff)."""
        while claimed := await self._claim(run, None):
            await self._send_batch(campaign, run, claimed, stats)

    async def _claim(self, run: CampaignRun, user_ids: Collection[uuid.UUID] | None) -> list[Delivery]:
        now = self._clock.now()
        async with self._uow as uow:
            claimed = await uow.deliveries.claim_pending(
                run.id, self._options.batch_size, self.claimant, now, now - self._options.claim_timeout, user_ids
            )
            await uow.commit()
        return claimed

    async def _send_batch(self, campaign: Campaign, run: CampaignRun, batch: Sequence[Delivery],
                          stats: SendStats) -> int:  # fmt: skip
        """Send a claimed batch; returns how many deliveries reached a final state."""
        journal = SendJournal(self._uow, self._clock, run.id, self.claimant, self._options.bounces)
        ready, settled = await self._prepare(campaign, run, batch, stats)
        await journal.settle(settled)
        stats.in_doubt += sum(1 for d, _ in ready if d.sending_at is not None)
        batch_state = _BatchState(ready)
        renewing = asyncio.create_task(self._renew(journal))
        try:
            if self._at_once(ready):
                await self._send_at_once(journal, batch_state, stats)
            else:
                workers = max(1, min(self._mailer.concurrency, len(ready)))
                await asyncio.gather(*(self._worker(journal, batch_state, stats) for _ in range(workers)))
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            await journal.drain()  # the unit of work is free again before the next claim
            stats.suppressed += journal.take_suppressed()
        if batch_state.relay_down is not None:
            left = [d for d, _ in batch_state.queue]
            await journal.settle(left)  # unchanged: only their claims are released
            async with self._uow as uow:
                pending = (await uow.deliveries.status_counts(run.id)).get("pending", 0)
            raise RelayUnavailable(pending, str(batch_state.relay_down))
        return len(settled) + batch_state.final

    async def _prepare(self, campaign: Campaign, run: CampaignRun, batch: Sequence[Delivery],
                       stats: SendStats) -> tuple[list[tuple[Delivery, OutgoingMail]], list[Delivery]]:  # fmt: skip
        """Checked again at send time, since planning may be hours old: a user who opted out or was
        deactivated is skipped; jobs that closed are left out, and a mail left with no job is skipped.
        A mail that cannot be composed fails alone; it never stops the run."""
        async with self._uow as uow:
            users = await uow.users.get_many({d.user_id for d in batch})
            jobs = await uow.jobs.get_many({m.job_id for d in batch for m in d.matches})
            suppressed = await uow.suppressions.suppressed_among(
                {d.email_address for d in batch} | {u.email for u in users.values()})  # fmt: skip
        now = self._clock.now()
        open_jobs = {job_id: job for job_id, job in jobs.items() if job.is_open_at(now)}
        to_send: list[tuple[Delivery, User]] = []
        settled: list[Delivery] = []
        for d in batch:
            user = users.get(d.user_id)
            if d.sending_at is not None and self._options.in_doubt == "hold":
                d.mark_failed("in doubt", FailureKind.RETRYABLE,
                              detail="in flight when its sender died: the relay may have taken it")  # fmt: skip
                _count_failure(stats, d)
                stats.in_doubt += 1
            elif user is None or not user.is_active:
                d.mark_skipped(SkipReason.INACTIVE.value)
            elif not user.email_opt_in:
                d.mark_skipped(SkipReason.OPTED_OUT.value)
            elif normalize_address(user.email) in suppressed or normalize_address(d.email_address) in suppressed:
                d.mark_skipped(SkipReason.SUPPRESSED.value)
            else:
                d.matches = [m for m in d.matches if m.job_id in open_jobs]
                if d.matches:
                    to_send.append((d, user))
                    continue
                d.mark_skipped(SkipReason.NO_NEW_MATCHES.value)
            settled.append(d)
        # Rendering, MIME and DKIM are CPU work (about a second and a half for a batch): off the event loop,
        # which may be the API server's, and still done before anything of the batch is sent.
        ready, failed = await asyncio.to_thread(self._compose_all, to_send, open_jobs, campaign, run.run_date, now)
        for d in failed:
            _count_failure(stats, d)
        return ready, settled + failed

    def _compose_all(
        self, to_send: list[tuple[Delivery, User]], jobs: dict[uuid.UUID, Job], campaign: Campaign, run_date: date,
        now: datetime,
    ) -> tuple[list[tuple[Delivery, OutgoingMail]], list[Delivery]]:  # fmt: skip
        ready: list[tuple[Delivery, OutgoingMail]] = []
        failed: list[Delivery] = []
        contexts = MailContexts(jobs, campaign, run_date, now, self._options)
        for d, user in to_send:
            try:
                context = contexts(d, user)
                ready.append((d, self._composer.compose(context)))
            except Exception as exc:  # a bad address or template fails this mail, not the run
                d.mark_failed("cannot compose", FailureKind.PERMANENT, detail=_clip(str(exc)))
                failed.append(d)
        return ready, failed

    def _at_once(self, ready: Sequence[tuple[Delivery, OutgoingMail]]) -> bool:
        """A mailer that replaces what it sent before when the same delivery is sent again (the outbox:
        one file per delivery) cannot duplicate a mail, so its batch needs no in-flight mark per mail:
        the batch is marked, handed over and settled in one commit each. Not when a send rate applies
        to any of its mails (the pacer spreads those out, one at a time)."""
        if not isinstance(self._mailer, ReplacingMailer) or not self._mailer.replaces_on_resend:
            return False
        return not any(self._pacer.paces(mail.recipient) for _, mail in ready)

    async def _send_at_once(self, journal: SendJournal, state: "_BatchState", stats: SendStats) -> None:
        ready, state.queue = state.queue, []
        started = await journal.begin_many([d.id for d, _ in ready])
        ours = [(d, mail) for d, mail in ready if d.id in started]
        stats.lost_claims += len(ready) - len(ours)  # another sender took them over; theirs to send
        assert isinstance(self._mailer, ReplacingMailer)
        results = await self._mailer.send_many([mail for _, mail in ours])
        settled: list[Delivery] = []
        bounces: list[BounceEvent] = []
        for delivery, mail in ours:
            error = results.get(delivery.id)
            if error is not None and error.relay_down:
                delivery.sending_at = None  # never handed over
                state.relay_down = error
            else:
                delivery.attempts += 1
                bounce = self._apply(delivery, mail, error, stats)
                if bounce is not None:
                    bounces.append(bounce)
                if delivery.status is not DeliveryStatus.PENDING:
                    state.final += 1
            settled.append(delivery)
        await journal.settle(settled, bounces)

    async def _worker(self, journal: SendJournal, state: "_BatchState", stats: SendStats) -> None:
        while state.queue and state.relay_down is None:
            delivery, mail = state.take_next(self._pacer)
            wait = self._pacer.reserve(mail.recipient)
            if wait > 0:
                await asyncio.sleep(wait)
            if not await journal.begin(delivery.id):
                stats.lost_claims += 1  # another sender took it over; it is theirs to send
                continue
            fresh = delivery.smtp_code is not None and 400 <= delivery.smtp_code < 500
            error = await self._mailer.send(mail, fresh_connection=fresh)
            if error is not None and error.relay_down:
                delivery.sending_at = None  # never reached the relay
                state.relay_down = error
                await journal.settle([delivery])
                continue
            delivery.attempts += 1
            bounce = self._apply(delivery, mail, error, stats)
            if delivery.status is not DeliveryStatus.PENDING:
                state.final += 1
            await journal.settle([delivery], [bounce] if bounce is not None else ())

    def _apply(
        self, d: Delivery, mail: OutgoingMail, error: MailDeliveryError | None, stats: SendStats
    ) -> BounceEvent | None:
        """Record the relay's answer on the delivery; a bounce of the address to record with it, if any."""
        now = self._clock.now()
        if error is None:
            d.mark_sent(now, mail.subject, mail.message_id)
            stats.sent += 1
            return None
        reason = f"smtp {error.code}" if error.code is not None else "connection lost"
        if error.permanent:
            if error.code is None:
                reason = "refused before sending"
            d.mark_failed(reason, FailureKind.PERMANENT, error.code, _clip(str(error)))
            _count_failure(stats, d)
            return _refusal_bounce(d, error, now)
        if d.attempts >= self._options.retry.max_attempts:
            d.mark_failed(reason, FailureKind.RETRYABLE, error.code, _clip(str(error)))
            _count_failure(stats, d)
        else:
            d.defer(now + self._options.retry.backoff(d.attempts, self._rng), reason, error.code, _clip(str(error)))
            stats.deferred += 1
        return None

    async def _renew(self, journal: SendJournal) -> None:
        interval = self._options.claim_timeout.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            await journal.renew()


class _BatchState:
    """The composed mails of a batch waiting for a worker, and how the batch went."""

    LOOKAHEAD = 64  # how far a worker looks for a mail whose domain may be sent to now

    def __init__(self, ready: list[tuple[Delivery, OutgoingMail]]) -> None:
        self.queue = ready
        self.final = 0
        self.relay_down: MailDeliveryError | None = None

    def take_next(self, pacer: SendPacer) -> tuple[Delivery, OutgoingMail]:
        """The first mail whose domain and relay allow a start now; else the one that waits least. So one
        slow carrier domain does not hold up the others."""
        best, best_delay = 0, float("inf")
        for index, (_, mail) in enumerate(self.queue[: self.LOOKAHEAD]):
            delay = pacer.delay(mail.recipient)
            if delay <= 0:
                best = index
                break
            if delay < best_delay:
                best, best_delay = index, delay
        return self.queue.pop(best)


def _refusal_bounce(d: Delivery, error: MailDeliveryError, now: datetime) -> BounceEvent | None:
    """The bounce a 5xx at RCPT TO makes of the address the delivery was sent to (the suppression key,
    as for returned mails), keyed by the delivery: a resend after a crash refused again counts once. Only a
    refusal about the address itself is one (`classify_refusal`): a block of our IP, a relay refusing to
    relay or a DMARC failure fails the delivery but records nothing against the address."""
    if not error.recipient_refused or error.code is None:
        return None
    reply = " ".join((error.reply or "").split())
    kind = classify_refusal(error.code, reply)
    if kind is None:
        return None
    diagnostic = _clip(f"refused at RCPT TO when sent: {error.code} {reply}".rstrip(), 2000)
    return BounceEvent(f"rcpt:{d.id}", d.email_address, kind, rcpt_status_code(reply), diagnostic, now, d.id)


def _clip(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _count_failure(stats: SendStats, delivery: Delivery) -> None:
    stats.failed += 1
    key = delivery.reason or "unknown"
    stats.failures[key] = stats.failures.get(key, 0) + 1


class RelayUnavailable(Exception):
    """The relay could not be reached: the run stops with the rest left pending, instead of spending every
    delivery's attempts in a few seconds; run it again later."""

    def __init__(self, pending: int, cause: str = "") -> None:
        detail = f" ({cause})" if cause else ""
        super().__init__(f"the mail relay cannot be reached{detail}; {pending} mails left pending; "
                         "run the same command again later to resume")  # fmt: skip
