"""Change a user's name or mail opt-in.

Rules: a field left as None stays as it is; the name is trimmed and at most 200 characters.
"""

import uuid
from dataclasses import dataclass

from application.ports import Clock, UnitOfWork
from domain.errors import InvalidInput, NotFound
from domain.user import User

MAX_NAME = 200


@dataclass(frozen=True)
class UpdateProfileCommand:
    user_id: uuid.UUID
    full_name: str | None = None
    email_opt_in: bool | None = None


class UpdateProfile:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: UpdateProfileCommand) -> User:
        if command.full_name is not None and len(command.full_name.strip()) > MAX_NAME:
            raise InvalidInput("full_name", f"must have at most {MAX_NAME} characters")
        async with self._uow as uow:
            user = await uow.users.get(command.user_id)
            if user is None:
                raise NotFound("user", command.user_id)
            if command.full_name is not None:
                user.full_name = command.full_name.strip()
            if command.email_opt_in is not None:
                user.email_opt_in = command.email_opt_in
            user.updated_at = self._clock.now()
            await uow.commit()
        return user
