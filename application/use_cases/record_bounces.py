"""Record bounces and complaints (from the bounce mailbox or the bounce webhook) and suppress addresses.

Rules:
- A report is matched to the delivery it is about through the signed VERP address it came back to, else
  through the Message-ID of the returned mail (ours are derived from (run, user)). A report that matches
  no delivery of ours changes nothing and is reported as unmatched: an address is never suppressed on the
  word of a report we cannot tie to a mail we sent.
- The suppressed address is the one the delivery was sent to.
- What the bounce does to the address is `application.bounce_handling`: a hard bounce or a complaint
  suppresses it at once, soft bounces when they reach `soft_bounce_limit`.
- A bounce moves a mailed delivery to bounced with the reason (a complaint leaves the status: the mail
  was delivered).
- The same report read twice counts once (keyed by the report's own Message-ID, else its digest).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from application.bounce_handling import BounceOutcome, BouncePolicy, record_bounce
from application.links import read_verp_address
from application.mail_sending import SendOptions
from application.ports import Clock, UnitOfWork
from domain.delivery import Delivery, DeliveryStatus, read_message_id
from domain.suppression import BounceEvent, BounceKind, BounceReport

__all__ = ["BounceOutcome", "BouncePolicy", "BounceSummary", "RecordBounces"]

_BOUNCEABLE = frozenset({DeliveryStatus.PENDING, DeliveryStatus.SENT, DeliveryStatus.OPENED})


@dataclass
class BounceSummary:
    outcomes: dict[str, int] = field(default_factory=dict)
    suppressed: list[str] = field(default_factory=list)

    def count(self, outcome: BounceOutcome) -> None:
        self.outcomes[outcome.value] = self.outcomes.get(outcome.value, 0) + 1


class RecordBounces:
    def __init__(self, uow: UnitOfWork, clock: Clock, options: SendOptions, policy: BouncePolicy) -> None:
        self._uow, self._clock, self._options, self._policy = uow, clock, options, policy

    async def __call__(self, reports: Sequence[BounceReport]) -> BounceSummary:
        summary = BounceSummary()
        for report in reports:
            async with self._uow as uow:
                outcome = await self._record(uow, report, summary)
                await uow.commit()
            summary.count(outcome)
        return summary

    async def _match(self, uow: UnitOfWork, report: BounceReport) -> Delivery | None:
        for address in report.envelope_addresses:
            delivery_id = read_verp_address(self._options.signer, address)
            if delivery_id is not None and (delivery := await uow.deliveries.get(delivery_id)) is not None:
                return delivery
        if report.message_id:
            key = read_message_id(report.message_id, self._options.message_id_domain)
            if key is not None:
                return await uow.deliveries.for_user(*key)
        return None

    async def _record(self, uow: UnitOfWork, report: BounceReport, summary: BounceSummary) -> BounceOutcome:
        delivery = await self._match(uow, report)
        if delivery is None:
            return BounceOutcome.UNMATCHED
        now = self._clock.now()
        event = BounceEvent(report.report_key, delivery.email_address, report.kind, report.status,
                            report.diagnostic[:2000], now, delivery.id)  # fmt: skip
        outcome = await record_bounce(uow.suppressions, event, self._policy)
        if outcome is BounceOutcome.DUPLICATE:
            return outcome
        if report.kind is not BounceKind.COMPLAINT and delivery.status in _BOUNCEABLE:
            delivery.mark_bounced(f"{report.kind.value} {report.status or ''}".strip())  # saved on commit
        if outcome is BounceOutcome.SUPPRESSED:
            summary.suppressed.append(event.email)
        return outcome
