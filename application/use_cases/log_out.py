"""Log out: revoke the refresh-token family of the given token.

Rules: idempotent; an unknown or already revoked token is not an error (the answer must not tell which
tokens exist). Access tokens already issued stay valid until they expire (15 minutes).
"""

from dataclasses import dataclass

from application.ports import Clock, UnitOfWork
from application.sessions import refresh_token_hash


@dataclass(frozen=True)
class LogOutCommand:
    refresh_token: str


class LogOut:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: LogOutCommand) -> None:
        async with self._uow as uow:
            token = await uow.refresh_tokens.by_hash(refresh_token_hash(command.refresh_token))
            if token is not None:
                await uow.refresh_tokens.revoke_family(token.family_id, self._clock.now())
                await uow.commit()
