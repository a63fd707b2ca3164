"""Trade a refresh token for a new access token and the next refresh token of the same family.

Rules: an unknown, expired or revoked token is refused (NotAuthorized); a token already used means it
leaked, so the whole family is revoked (committed) and the call is refused; the user must still be active.
"""

from dataclasses import dataclass

from application.errors import NotAuthorized
from application.ports import AccessTokens, Clock, UnitOfWork
from application.sessions import Session, open_session, refresh_token_hash
from domain.jst import as_utc

INVALID_REFRESH = "invalid or expired refresh token"


@dataclass(frozen=True)
class RefreshCommand:
    refresh_token: str


class RefreshSession:
    def __init__(self, uow: UnitOfWork, tokens: AccessTokens, clock: Clock) -> None:
        self._uow = uow
        self._tokens = tokens
        self._clock = clock

    async def __call__(self, command: RefreshCommand) -> Session:
        now = self._clock.now()
        async with self._uow as uow:
            token = await uow.refresh_tokens.by_hash(refresh_token_hash(command.refresh_token))
            if token is None or token.revoked_at is not None or as_utc(token.expires_at) <= now:
                raise NotAuthorized(INVALID_REFRESH)
            if token.used_at is not None:
                await uow.refresh_tokens.revoke_family(token.family_id, now)
                await uow.commit()
                raise NotAuthorized(INVALID_REFRESH)
            user = await uow.users.get(token.user_id)
            if user is None or not user.is_active:
                raise NotAuthorized(INVALID_REFRESH)
            token.used_at = now
            await uow.refresh_tokens.save(token)
            session = await open_session(uow, self._tokens, user, token.family_id, now)
            await uow.commit()
        return session
