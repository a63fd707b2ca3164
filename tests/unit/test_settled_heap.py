"""Planning freezes the loaded state out of the collector's sight; overlapping runs in one process (the API
server's) keep it frozen until the last of them is done."""

import asyncio
import gc
from pathlib import Path

import pytest

from adapters.in_memory.repositories import InMemoryUserRepository
from application import heap
from application.heap import collector_paused, settle_again, settle_start_up, settled_heap
from domain.user import User
from tests.unit.test_run_daily_mail import World, make_job, make_user


def test_the_heap_stays_frozen_until_the_last_overlapping_run_is_done() -> None:
    assert gc.get_freeze_count() == 0
    state = [object() for _ in range(1000)]
    with settled_heap():
        frozen = gc.get_freeze_count()
        assert frozen >= len(state)
        with settled_heap():  # a second run starts and ends while the first still plans
            pass
        assert gc.get_freeze_count() == frozen
    assert gc.get_freeze_count() == 0


def test_an_error_while_planning_unfreezes_the_heap() -> None:
    try:
        with settled_heap():
            raise RuntimeError("planning failed")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0


def test_loading_pauses_the_collector_and_gives_back_its_own_setting() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # a second run loads while the first still does
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()  # switched off by someone else: it stays off
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_comes_back_after_an_error_or_a_cancelled_load() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the database went away mid-load")
    assert gc.isenabled()

    async def load() -> None:
        with collector_paused():
            await asyncio.sleep(10)

    async def cancel_it() -> None:
        task = asyncio.create_task(load())
        await asyncio.sleep(0)
        assert not gc.isenabled()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_it())
    assert gc.isenabled()


async def test_a_daily_run_loads_its_matching_state_with_the_collector_paused(tmp_path: Path) -> None:
    world = World(tmp_path / "outbox")
    await world.add(make_user("1600022", "hanako"), make_job("カフェ"))
    seen: list[bool] = []
    real = InMemoryUserRepository.list_audience

    async def recording(self: InMemoryUserRepository) -> list[User]:
        seen.append(gc.isenabled())
        return await real(self)

    InMemoryUserRepository.list_audience = recording  # type: ignore[method-assign]
    try:
        summary = await world.run()
    finally:
        InMemoryUserRepository.list_audience = real  # type: ignore[method-assign]
    assert seen == [False]
    assert gc.isenabled()
    assert summary.send.sent == 1


def test_a_server_settles_its_heap_again_after_a_run_unfroze_it() -> None:
    try:
        settle_start_up()
        assert gc.get_freeze_count() > 0
        with settled_heap():  # a run the server started itself plans...
            pass
        assert gc.get_freeze_count() == 0  # ...and its end unfreezes everything
        with settled_heap():
            settle_again()  # not while a run still plans: its state must be collectable when it ends
            frozen_during = gc.get_freeze_count()
        assert gc.get_freeze_count() == 0
        settle_again()
        assert gc.get_freeze_count() > 0
        assert frozen_during > 0  # the outer run's freeze, not a second one
    finally:
        heap._start_up_settled = False
        gc.unfreeze()


def test_settling_again_does_nothing_in_a_process_that_never_settled() -> None:
    settle_again()
    assert gc.get_freeze_count() == 0
