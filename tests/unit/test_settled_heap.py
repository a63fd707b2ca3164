"""Planning freezes the loaded state out of the collector's sight; overlapping runs in one process (the API
server's) keep it frozen until the last of them is done."""

import gc

from application.mail_planning import settled_heap


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
