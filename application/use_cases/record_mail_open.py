"""Record that a daily mail was opened (the `/t/o/{token}` pixel).

Rules: a tampered, foreign-purpose or malformed token, an unknown delivery, or a delivery that was never
mailed records nothing and is not an error (the pixel answers the same either way and reveals nothing).
Only the first open counts: the delivery moves sent -> opened and one `email_open` action is recorded for
the user and the delivery's first job; a later open (or an open after a click) changes nothing.
"""

from application.links import read_open_token
from application.mail_sending import SendOptions
from application.ports import Clock, MatchInvalidation, UnitOfWork
from domain.action import Action, ActionKind
from domain.delivery import DeliveryStatus


class RecordMailOpen:
    def __init__(self, uow: UnitOfWork, clock: Clock, options: SendOptions, matches: MatchInvalidation) -> None:
        self._uow = uow
        self._clock = clock
        self._matches = matches
        self._signer = options.signer

    async def __call__(self, token: str) -> bool:
        """True when this call recorded the open."""
        delivery_id = read_open_token(self._signer, token)
        if delivery_id is None:
            return False
        async with self._uow as uow:
            delivery = await uow.deliveries.get(delivery_id)
            if delivery is None or delivery.status is not DeliveryStatus.SENT:
                return False
            now = self._clock.now()
            delivery.mark_opened(now)
            if delivery.matches:
                first = min(delivery.matches, key=lambda m: m.match_rank)
                await uow.actions.add(Action(delivery.user_id, first.job_id, ActionKind.EMAIL_OPEN, now,
                                             metadata={"delivery_id": str(delivery.id)}))  # fmt: skip
            await uow.commit()
        await self._matches.user_changed(delivery.user_id)
        return True
