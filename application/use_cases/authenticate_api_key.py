"""Who presents an `X-API-Key`: the key, when it is known, active and unexpired; None otherwise.

The answer does not say which of those failed (a caller probing keys learns nothing). Read-only.
"""

from application.api_keys import SECRET_PREFIX, api_key_hash
from application.ports import Clock, UnitOfWork
from domain.security import ApiKey

MAX_SECRET_LENGTH = 200


class AuthenticateApiKey:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, secret: str) -> ApiKey | None:
        if not secret.startswith(SECRET_PREFIX) or len(secret) > MAX_SECRET_LENGTH:
            return None  # not one of ours: no database round trip
        async with self._uow as uow:
            key = await uow.api_keys.by_hash(api_key_hash(secret))
        return key if key is not None and key.usable_at(self._clock.now()) else None
