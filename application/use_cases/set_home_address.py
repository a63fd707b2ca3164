"""Set a user's home from a postal code.

Rules: the postal code has 7 digits (a hyphen and full-width digits are accepted) and must be in the
bundled reference data; prefecture, municipality and the point used for commute estimates come from it,
never from the caller. An existing address is changed in place (it keeps its id).
"""

import uuid
from dataclasses import dataclass

from application.parsing import normalize_postal_code
from application.ports import Clock, MatchInvalidation, ReferenceData, TaskQueue, UnitOfWork
from domain.errors import InvalidInput, NotFound
from domain.user import Address, User

MAX_ADDRESS_LINE = 200


@dataclass(frozen=True)
class SetHomeAddressCommand:
    user_id: uuid.UUID
    postal_code: str
    address_line: str | None = None


class SetHomeAddress:
    def __init__(
        self, uow: UnitOfWork, reference: ReferenceData, clock: Clock, matches: MatchInvalidation, events: TaskQueue
    ) -> None:
        self._events = events
        self._uow = uow
        self._reference = reference
        self._clock = clock
        self._matches = matches

    async def __call__(self, command: SetHomeAddressCommand) -> User:
        code = normalize_postal_code(command.postal_code)
        if code is None:
            raise InvalidInput("postal_code", "not a 7-digit postal code")
        point = self._reference.postal_point(code)
        if point is None:
            raise InvalidInput("postal_code", "not a known postal code")
        line = (command.address_line or "").strip() or point.neighborhood or None
        if line is not None and len(line) > MAX_ADDRESS_LINE:
            raise InvalidInput("address_line", f"must have at most {MAX_ADDRESS_LINE} characters")
        fields = {
            "prefecture_code": point.municipality_code[:2], "prefecture": point.prefecture, "city": point.city,
            "municipality_code": point.municipality_code, "postal_code": point.postal_code, "address_line": line,
            "latitude": point.point.latitude, "longitude": point.point.longitude,
        }  # fmt: skip
        async with self._uow as uow:
            user = await uow.users.get(command.user_id)
            if user is None:
                raise NotFound("user", command.user_id)
            if user.address is None:
                user.address = Address(**fields)  # type: ignore[arg-type]
            else:
                for name, value in fields.items():
                    setattr(user.address, name, value)
            user.updated_at = self._clock.now()
            await uow.commit()
        await self._matches.user_changed(user.id)
        await self._events.user_changed(user.id)  # their matches are recomputed off the request
        return user
