"""A daily run split into shards (StartShardedRun, RunMailShard, ShowRunProgress) on in-memory storage:
the same outcome as `mail run`, whatever order the shards run in and however often they are delivered."""

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryUnitOfWork
from adapters.mail.composer import JinjaMailComposer
from adapters.mail.outbox import OutboxMailer
from application.matching_states import MatchingStates
from application.ports import MailDeliveryError, OutgoingMail
from application.use_cases.run_mail_shard import RunMailShard, RunMailShardCommand
from application.use_cases.show_run_progress import ShowRunProgress
from application.use_cases.start_sharded_run import ShardOptions, StartShardedRun, StartShardedRunCommand
from domain.action import Action, ActionKind
from domain.campaign import RunStatus
from domain.delivery import DeliveryStatus
from domain.errors import NotFound
from domain.jst import at_jst
from tests.fakes import RecordingQueue
from tests.unit.test_run_daily_mail import OPTIONS, REFERENCE, RUN_DATE, Cast, World

COMPOSER = JinjaMailComposer("noreply@mailscore.example.jp", "Mail Score")


class CrashingMailer:
    """Takes its claims, then dies before any mail leaves (a worker killed mid-shard)."""

    concurrency = 1

    async def send(self, mail: OutgoingMail, *, fresh_connection: bool = False) -> MailDeliveryError | None:
        raise RuntimeError("killed")

    async def close(self) -> None: ...


@pytest.fixture
async def world(tmp_path: Path) -> tuple[World, Cast]:
    w, c = World(tmp_path / "outbox"), Cast()
    before = at_jst(RUN_DATE, 8) - timedelta(days=1)
    await w.add(*c.audience, c.opted_out, *c.jobs, Action(c.taro.id, c.applied.id, ActionKind.APPLY, before))
    return w, c


def start(w: World, queue: RecordingQueue, size: int = 1) -> StartShardedRun:
    return StartShardedRun(InMemoryUnitOfWork(w.store), queue, FixedClock(at_jst(RUN_DATE, 8)), ShardOptions(size))


def shard_runner(w: World, minutes_later: float = 0, mailer: object = None) -> RunMailShard:
    return RunMailShard(
        InMemoryUnitOfWork(w.store), REFERENCE, COMPOSER, mailer or OutboxMailer(w.outbox),  # type: ignore[arg-type]
        FixedClock(at_jst(RUN_DATE, 8) + timedelta(minutes=minutes_later)), OPTIONS, MatchingStates(),
    )  # fmt: skip


async def test_shards_delivered_twice_in_any_order_give_each_user_one_delivery(world: tuple[World, Cast]) -> None:
    w, c = world
    queue = RecordingQueue()
    started = await start(w, queue, size=1)(StartShardedRunCommand("daily", RUN_DATE))
    assert (started.shards, started.queued) == (4, 4)  # the opted-out user is not in the audience
    assert [n for _, n in queue.shards] == [0, 1, 2, 3]
    runner = shard_runner(w)
    outcomes = [await runner(RunMailShardCommand(started.run_id, n)) for _, n in reversed(queue.shards)]
    assert not any(o.already_done for o in outcomes)
    assert [o.run_finished for o in outcomes] == [False, False, False, True]  # the last one finishes the run
    again = [await runner(RunMailShardCommand(started.run_id, n)) for _, n in queue.shards]
    assert all(o.already_done and o.planned == 0 for o in again)
    deliveries = w.deliveries()
    assert set(deliveries) == {u.id for u in c.audience}
    sent = {d.id.hex for d in deliveries.values() if d.status is DeliveryStatus.SENT}
    assert {uuid.UUID(s).hex for s in w.files()} == sent
    assert len(sent) == 2
    progress = await ShowRunProgress(InMemoryUnitOfWork(w.store))(started.run_id)
    assert (progress.shards_total, progress.shards_done, progress.sent, progress.skipped) == (4, 4, 2, 2)
    assert progress.finished
    assert progress.pending == 0
    # Starting the finished run again queues nothing.
    assert (await start(w, queue)(StartShardedRunCommand("daily", RUN_DATE))).queued == 0


async def test_a_shard_whose_worker_died_is_finished_by_the_next_delivery_without_duplicates(
    world: tuple[World, Cast],
) -> None:
    w, _c = world
    queue = RecordingQueue()
    started = await start(w, queue, size=10)(StartShardedRunCommand("daily", RUN_DATE))
    assert started.shards == 1
    with pytest.raises(RuntimeError, match="killed"):
        await shard_runner(w, mailer=CrashingMailer())(RunMailShardCommand(started.run_id, 0))
    assert w.files() == set()
    # Redelivered after the dead worker's claims went stale (claim timeout: 5 minutes).
    outcome = await shard_runner(w, minutes_later=6)(RunMailShardCommand(started.run_id, 0))
    assert outcome.planned == 0
    assert outcome.sent == 2
    assert outcome.run_finished
    assert len(w.files()) == 2
    assert sum(d.status is DeliveryStatus.SENT for d in w.deliveries().values()) == 2


async def test_the_shards_split_the_audience_once_even_when_started_twice(world: tuple[World, Cast]) -> None:
    w, c = world
    queue = RecordingQueue()
    first = await start(w, queue, size=3)(StartShardedRunCommand("daily", RUN_DATE))
    second = await start(w, queue, size=1)(StartShardedRunCommand("daily", RUN_DATE))
    assert first.run_id == second.run_id
    assert first.shards == second.shards == 2
    shards = sorted(w.store.shards.values(), key=lambda s: s.shard_no)
    users = [u for s in shards for u in s.user_ids]
    assert sorted(users) == sorted(u.id for u in c.audience)


async def test_a_run_with_nobody_to_mail_is_finished_at_once(tmp_path: Path) -> None:
    w = World(tmp_path / "outbox")
    queue = RecordingQueue()
    started = await start(w, queue)(StartShardedRunCommand("daily", RUN_DATE))
    assert (started.shards, started.queued, queue.shards) == (0, 0, [])
    assert next(iter(w.store.runs.values())).status is RunStatus.FINISHED


async def test_unknown_campaign_run_and_shard_are_not_found(world: tuple[World, Cast]) -> None:
    w, _ = world
    with pytest.raises(NotFound, match="campaign"):
        await start(w, RecordingQueue())(StartShardedRunCommand("weekly", RUN_DATE))
    with pytest.raises(NotFound, match="shard"):
        await shard_runner(w)(RunMailShardCommand(uuid.uuid4(), 0))
    with pytest.raises(NotFound, match="run"):
        await ShowRunProgress(InMemoryUnitOfWork(w.store))(uuid.uuid4())
