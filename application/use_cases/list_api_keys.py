"""Every API key, oldest first, revoked ones included (their secrets are never kept, so never shown)."""

from application.ports import UnitOfWork
from domain.security import ApiKey


class ListApiKeys:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self) -> list[ApiKey]:
        async with self._uow as uow:
            return await uow.api_keys.list_all()
