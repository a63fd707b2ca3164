"""Planning freezes the loaded state out of the collector's sight; overlapping runs in one process (the API
server's) keep it frozen until the last of them is done."""

import gc
from datetime import UTC, datetime

from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.reference_data.loader import BundledReferenceData
from application.heap import collector_paused, settled_heap
from application.matching import load_matching_state
from domain.campaign import ScoreWeights
from domain.user import User


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


async def test_a_run_loads_its_matching_state_with_the_collector_paused() -> None:
    seen: list[bool] = []
    async with InMemoryUnitOfWork(InMemoryStore()) as uow:
        read_audience = uow.users.list_audience

        async def recording() -> list[User]:
            seen.append(gc.isenabled())
            return await read_audience()

        uow.users.list_audience = recording  # type: ignore[method-assign]
        await load_matching_state(uow, BundledReferenceData(), datetime.now(UTC), ScoreWeights())
    assert seen == [False]
    assert gc.isenabled()
