"""Time-ordered ids (UUIDv7): what lets a run's new rows append to their indexes instead of scattering."""

import time
import uuid

import pytest

from domain import ids
from domain.delivery import Delivery, DeliveryStatus, MatchedJob, PlannedDelivery, PlannedMatch
from domain.ids import time_ordered_id


def test_ids_are_version_7_with_the_rfc_variant_and_the_time_they_were_made() -> None:
    before = time.time_ns() // 1_000_000
    made = time_ordered_id()
    after = time.time_ns() // 1_000_000
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert before <= made.int >> 80 <= after + 1  # the 48-bit Unix milliseconds lead


def test_each_id_sorts_after_every_one_made_before_it_and_none_repeats() -> None:
    made = [time_ordered_id() for _ in range(20_000)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert [m.hex for m in made] == sorted(m.hex for m in made)  # as stored (SQLite: hex text) too


def test_order_holds_within_one_millisecond_and_when_the_clock_steps_back(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([5_000_000_000_000] * 5000 + [4_000_000_000_000] * 10)  # ns: a frozen, then earlier clock
    monkeypatch.setattr(ids.time, "time_ns", lambda: next(clock))
    monkeypatch.setattr(ids, "_last_ms", 0)
    made = [time_ordered_id() for _ in range(5010)]
    assert made == sorted(made)
    assert len(set(made)) == 5010
    assert all(m.version == 7 for m in made)


def test_a_plan_s_deliveries_and_matches_get_time_ordered_ids() -> None:
    run, campaign = uuid.uuid4(), uuid.uuid4()
    planned = [
        PlannedDelivery(run, campaign, uuid.uuid4(), f"u{i}@example.jp", DeliveryStatus.PENDING, None,
                        tuple(PlannedMatch(uuid.uuid4(), r, 50.0, 40.0, 30.0, 20.0, (), None, None) for r in (1, 2)))
        for i in range(50)
    ]  # fmt: skip
    deliveries = [d.id for d in planned]
    matches = [m.id for d in planned for m in d.matches]
    assert deliveries == sorted(deliveries)
    assert matches == sorted(matches)
    assert all(id_.version == 7 for id_ in deliveries + matches)
    made = [Delivery(run, campaign, uuid.uuid4(), "a@example.jp").id,
            MatchedJob(uuid.uuid4(), 1, 1, 1, 1, 1, [], None, None).id]  # fmt: skip
    assert made == sorted(made)
    assert all(m.version == 7 for m in made)


def test_forked_processes_make_ids_of_their_own() -> None:
    """Planning processes are forked after the parent made ids (skipped deliveries): the random bits they
    inherit must not make siblings' ids collide."""
    import multiprocessing

    time_ordered_id()  # the parent has drawn its random bits
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        batches = pool.map(_ids_in_child, [2000, 2000])
    made = [i for batch in batches for i in batch] + [time_ordered_id().int for _ in range(2000)]
    assert len(set(made)) == len(made)
    assert len({i & 0x3FFF_FFFF_FFFF_FFFF for i in made}) == len(made)  # not even the random tails repeat


def _ids_in_child(count: int) -> list[int]:
    return [time_ordered_id().int for _ in range(count)]
