"""Record what a user did with a job.

Rules: the user and the job must exist; a view or an application also counts on the job's popularity;
actions feed the personalized score from the next scoring on.
"""

import uuid
from dataclasses import dataclass

from application.ports import Clock, MatchInvalidation, UnitOfWork
from domain.action import Action, ActionKind
from domain.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class RecordActionCommand:
    user_id: uuid.UUID
    job_id: uuid.UUID
    kind: str


class RecordAction:
    def __init__(self, uow: UnitOfWork, clock: Clock, matches: MatchInvalidation) -> None:
        self._uow = uow
        self._clock = clock
        self._matches = matches

    async def __call__(self, command: RecordActionCommand) -> Action:
        try:
            kind = ActionKind(command.kind)
        except ValueError:
            allowed = ", ".join(k.value for k in ActionKind)
            raise InvalidInput("kind", f"unknown action {command.kind!r}; one of {allowed}") from None
        async with self._uow as uow:
            if await uow.users.get(command.user_id) is None:
                raise NotFound("user", command.user_id)
            job = await uow.jobs.get(command.job_id)
            if job is None:
                raise NotFound("job", command.job_id)
            if kind is ActionKind.VIEW:
                job.view_count += 1
            elif kind is ActionKind.APPLY:
                job.application_count += 1
            action = Action(command.user_id, command.job_id, kind, self._clock.now())
            await uow.actions.add(action)
            await uow.commit()
        await self._matches.user_changed(command.user_id)
        return action
