"""The audience and open jobs a run reads from SQL storage are read-only copies no session tracks: changing
one, or handing one to a session, fails loudly instead of being lost or saving a stale copy."""

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm.exc import UnmappedInstanceError

from adapters.sqlalchemy.engine import create_session_factory
from adapters.sqlalchemy.snapshots import Snapshot
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork
from domain.job import Job
from domain.user import Address, User


async def test_a_copy_read_for_a_run_cannot_be_changed_or_added(sqlite_engine: AsyncEngine) -> None:
    sessions = create_session_factory(sqlite_engine)
    user = User(uuid.uuid4(), "a@example.jp", "山田", address=Address("13", "東京都", "新宿区"))
    async with SqlAlchemyUnitOfWork(sessions) as uow:
        await uow.users.add(user)
        await uow.commit()
    async with SqlAlchemyUnitOfWork(sessions) as uow:
        (copy,) = await uow.users.list_audience()
        assert copy.full_name == "山田"
        with pytest.raises(AttributeError):
            copy.full_name = "changed"
        with pytest.raises(UnmappedInstanceError):
            await uow.users.add(copy)
    async with SqlAlchemyUnitOfWork(sessions) as uow:
        stored = await uow.users.get(user.id)
    assert stored is not None
    assert stored.full_name == "山田"


def test_a_snapshot_refuses_a_class_whose_relationships_it_would_leave_unset() -> None:
    with pytest.raises(ValueError, match="address"):
        Snapshot(User)  # address and preferences are relationships: read, they would raise far from here
    job = Snapshot(Job).build([None] * Snapshot(Job).width)
    assert job.id is None  # every mapped attribute is set: reading one never reaches the ORM
