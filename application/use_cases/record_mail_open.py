"""Record that a daily mail was opened (the `/t/o/{token}` pixel).

Rules: a tampered, foreign-purpose or malformed token, an unknown delivery, or a delivery that was never
mailed records nothing and is not an error (the pixel answers the same either way and reveals nothing).
Every fetch of a mailed delivery's pixel is kept as a link hit. A fetch by a link scanner (see
`domain.link_scanners`: too soon after the send, a scanner's or no user agent) is flagged and is not an
open: it changes neither the delivery nor the user's actions, so it stays out of open rates and scoring.
Only the first open by a person counts: the delivery moves sent -> opened and one `email_open` action is
recorded for the user and the delivery's first job; a later open (or an open after a click) changes nothing.
"""

from application.links import read_open_token
from application.mail_sending import SendOptions
from application.ports import Clock, MatchInvalidation, UnitOfWork
from domain.action import Action, ActionKind
from domain.delivery import MAILED_STATUSES, DeliveryStatus
from domain.link_scanners import HitKind, LinkHit, ScannerPolicy

MAX_AGENT = 512


class RecordMailOpen:
    def __init__(
        self, uow: UnitOfWork, clock: Clock, options: SendOptions, matches: MatchInvalidation, scanners: ScannerPolicy
    ) -> None:
        self._matches = matches
        self._uow = uow
        self._clock = clock
        self._signer = options.signer
        self._scanners = scanners

    async def __call__(self, token: str, user_agent: str | None = None) -> bool:
        """True when this call recorded the open."""
        delivery_id = read_open_token(self._signer, token)
        if delivery_id is None:
            return False
        async with self._uow as uow:
            delivery = await uow.deliveries.get(delivery_id)
            if delivery is None or delivery.status not in MAILED_STATUSES:
                return False
            now = self._clock.now()
            scanner = self._scanners.reason(user_agent, delivery.sent_at, now)
            await uow.link_hits.add(LinkHit(delivery.id, HitKind.OPEN, now, (user_agent or "")[:MAX_AGENT], scanner))
            opened = scanner is None and delivery.status is DeliveryStatus.SENT
            if opened:
                delivery.mark_opened(now)
                if delivery.matches:
                    first = min(delivery.matches, key=lambda m: m.match_rank)
                    await uow.actions.add(Action(delivery.user_id, first.job_id, ActionKind.EMAIL_OPEN, now,
                                                 metadata={"delivery_id": str(delivery.id)}))  # fmt: skip
            await uow.commit()
        if opened:
            await self._matches.user_changed(delivery.user_id)
        return opened
