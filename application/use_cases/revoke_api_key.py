"""An admin revokes an API key.

Rules: an unknown key is NotFound; revoking is at once (the next request with the key gets 401) and
idempotent (a revoked key stays revoked, and only the first revocation is audited, as `api_key.revoke`).
"""

import uuid
from dataclasses import dataclass

from application.auditing import Actor, AuditTarget, audited
from application.ports import Clock, UnitOfWork
from domain.errors import NotFound
from domain.security import ApiKey


@dataclass(frozen=True)
class RevokeApiKeyCommand:
    actor_id: uuid.UUID
    key_id: uuid.UUID

    @property
    def actor(self) -> Actor:
        return Actor.user(self.actor_id)


@dataclass(frozen=True)
class KeyRevoked:
    key: ApiKey
    revoked_now: bool  # False: it was revoked already


def _describe(command: RevokeApiKeyCommand, result: KeyRevoked) -> AuditTarget | None:
    return AuditTarget("api_key", str(result.key.id), {"name": result.key.name}) if result.revoked_now else None


@audited("api_key.revoke", _describe)
class RevokeApiKey:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: RevokeApiKeyCommand) -> KeyRevoked:
        async with self._uow as uow:
            key = await uow.api_keys.get(command.key_id)
            if key is None:
                raise NotFound("api key", command.key_id)
            if not key.is_active:
                return KeyRevoked(key, revoked_now=False)
            key.is_active = False
            await uow.api_keys.save(key)
            await uow.commit()
        return KeyRevoked(key, revoked_now=True)
