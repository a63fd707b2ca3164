"""A user's own profile: account, home address and wishes. Rules: the user must exist."""

import uuid

from application.ports import UnitOfWork
from domain.errors import NotFound
from domain.user import User


class ShowProfile:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, user_id: uuid.UUID) -> User:
        async with self._uow as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise NotFound("user", user_id)
        return user
