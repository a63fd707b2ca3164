"""An admin revokes an API key.

Rules: an unknown key is NotFound; revoking is at once (the next request with the key gets 401) and
idempotent (a revoked key stays revoked, and only the first revocation is audited).
"""

import uuid
from dataclasses import dataclass

from application.ports import Clock, UnitOfWork
from domain.errors import NotFound
from domain.security import ApiKey, AuditEntry


@dataclass(frozen=True)
class RevokeApiKeyCommand:
    actor_id: uuid.UUID
    key_id: uuid.UUID


class RevokeApiKey:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: RevokeApiKeyCommand) -> ApiKey:
        async with self._uow as uow:
            key = await uow.api_keys.get(command.key_id)
            if key is None:
                raise NotFound("api key", command.key_id)
            if not key.is_active:
                return key
            key.is_active = False
            await uow.api_keys.save(key)
            await uow.audit.add(AuditEntry(
                actor_id=command.actor_id, actor=f"user:{command.actor_id}", action="api_key.revoke",
                target_type="api_key", target_id=str(key.id), at=self._clock.now(), details={"name": key.name},
            ))  # fmt: skip
            await uow.commit()
        return key
