"""Every campaign with its settings, by name (the admin's list)."""

from application.ports import UnitOfWork
from domain.campaign import Campaign


class ListCampaigns:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self) -> list[Campaign]:
        async with self._uow as uow:
            return await uow.campaigns.list_all()
