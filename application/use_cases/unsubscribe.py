"""Stop the daily mail for the recipient of a mail (the `/u/{token}` link, RFC 8058 one-click).

Rules: no login; the signed unsubscribe token is the authority. A tampered, foreign-purpose or malformed
token, or one whose user no longer exists, is NotFound. Unsubscribing sets `email_opt_in` to False and is
idempotent. The mail whose link turned the opt-in off is marked (`unsubscribed_at`, for the campaign's
analytics); a later use of any link changes nothing more. `check` only verifies the token (for the
confirmation page, which changes nothing).
"""

from application.links import RecipientLink, read_unsubscribe_token
from application.mail_sending import SendOptions
from application.ports import Clock, UnitOfWork
from domain.errors import NotFound


class Unsubscribe:
    def __init__(self, uow: UnitOfWork, clock: Clock, options: SendOptions) -> None:
        self._uow = uow
        self._clock = clock
        self._signer = options.signer

    def check(self, token: str) -> RecipientLink:
        link = read_unsubscribe_token(self._signer, token)
        if link is None:
            raise NotFound("link", "unsubscribe")
        return link

    async def __call__(self, token: str) -> None:
        link = self.check(token)
        async with self._uow as uow:
            user = await uow.users.get(link.user_id)
            if user is None:
                raise NotFound("link", "unsubscribe")
            if user.email_opt_in:
                now = self._clock.now()
                user.email_opt_in = False
                user.updated_at = now
                delivery = await uow.deliveries.get(link.delivery_id)
                if delivery is not None and delivery.user_id == user.id:
                    delivery.mark_unsubscribed(now)
                await uow.commit()
