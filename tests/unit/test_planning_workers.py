"""Planning in a forked process gives exactly what planning in a thread gives, and errors come back."""

import functools
import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

import application.use_cases.run_daily_mail as run_daily_mail
from adapters.clock import FixedClock
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.mail.composer import JinjaMailComposer
from adapters.mail.outbox import OutboxMailer
from adapters.planning.processes import ForkedPlanning, can_fork
from adapters.reference_data.loader import BundledReferenceData
from adapters.sqlalchemy.score_repository import encode_score_factors
from application.demo_data import build_demo_data, store_demo_data
from application.links import LinkSigner
from application.mail_planning import IN_THREAD, PlanOptions, ThreadPlanning
from application.mail_sending import SendOptions
from application.ports import NullProgress
from application.use_cases.run_daily_mail import RunDailyMail, RunDailyMailCommand
from domain.jst import at_jst

RUN_DATE = date(2025, 12, 3)
REFERENCE = BundledReferenceData()
OPTIONS = SendOptions("https://mailscore.example.jp", "mailscore.example.jp", LinkSigner(b"k" * 32))
needs_fork = pytest.mark.skipif(not can_fork(), reason="planning processes are forked on Linux only")


class PidPlanner:
    def __call__(self, users: list[int]) -> list[object]:
        return [(os.getpid(), list(users))]


class FailingPlanner:
    def __call__(self, users: list[int]) -> list[object]:
        raise ValueError(f"cannot plan {len(users)} users")


@needs_fork
async def test_a_planning_process_is_another_process_and_plans_the_slice_it_is_given() -> None:
    with ForkedPlanning(PidPlanner(), list(range(10)), processes=1) as workers:  # type: ignore[arg-type]
        [(pid, got)] = await workers.submit(2, 5)
    assert pid != os.getpid()
    assert got == [2, 3, 4]


async def test_without_processes_planning_runs_in_this_process() -> None:
    with ThreadPlanning(PidPlanner(), list(range(10))) as workers:  # type: ignore[arg-type]
        [(pid, got)] = await workers.submit(0, 3)
    assert pid == os.getpid()
    assert got == [0, 1, 2]


@needs_fork
async def test_an_error_in_a_planning_process_reaches_the_run() -> None:
    failing = ForkedPlanning(FailingPlanner(), list(range(10)), processes=1)  # type: ignore[arg-type]
    with failing as workers, pytest.raises(ValueError, match="cannot plan 4 users"):
        await workers.submit(0, 4)


async def _planned_world(
    tmp_path: Path, planning: PlanOptions, prepare: Callable[[InMemoryStore], None] | None = None
) -> InMemoryStore:
    store = InMemoryStore()
    data = build_demo_data(REFERENCE, 400, 600, 11, at_jst(RUN_DATE, 7))
    await store_demo_data(InMemoryUnitOfWork(store), data)
    if prepare is not None:
        prepare(store)
    use_case = RunDailyMail(
        InMemoryUnitOfWork(store), REFERENCE, JinjaMailComposer("noreply@mailscore.example.jp", "Mail Score"),
        OutboxMailer(tmp_path), FixedClock(at_jst(RUN_DATE, 8)), OPTIONS, NullProgress(), planning,
    )  # fmt: skip
    await use_case(RunDailyMailCommand("daily", RUN_DATE))
    return store


def _factors(factors: str | dict[str, object]) -> object:
    return json.loads(factors) if isinstance(factors, str) else factors


def _outcome(store: InMemoryStore) -> tuple[dict[object, object], dict[object, object]]:
    deliveries = {
        d.user_id: (d.status, d.reason, [(m.job_id, m.match_rank, m.total_score, tuple(m.reasons)) for m in d.matches])
        for d in store.deliveries.values()
    }
    scores = {
        (user, job): (r.total_score, _factors(r.score_factors)) for user, rows in store.scores.items()
        for job, r in rows.items()
    }
    return deliveries, scores


@needs_fork
async def test_a_run_planned_in_processes_equals_one_planned_in_a_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_daily_mail, "PLAN_CHUNK_USERS", 64)  # several slices in flight at once
    in_thread = _outcome(await _planned_world(tmp_path / "a", IN_THREAD))
    forked = PlanOptions(functools.partial(ForkedPlanning, processes=2), encode_score_factors)
    in_processes = _outcome(await _planned_world(tmp_path / "b", forked))
    assert len(in_thread[0]) > 300
    assert sum(1 for d in in_thread[0].values() if d[2]) > 100  # enough mails with matches to compare
    assert in_processes == in_thread


class SleepingPlanner:
    def __call__(self, users: list[int]) -> list[object]:
        import time

        time.sleep(60)
        return []


@needs_fork
def test_a_planning_process_dies_with_its_parent(tmp_path: Path) -> None:
    """kill -9 of a run leaves no planning process behind to print errors at the user later."""
    import signal
    import subprocess
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import asyncio, os, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parents[2])!r})\n"
        "from adapters.planning.processes import ForkedPlanning\n"
        "from tests.unit.test_planning_workers import SleepingPlanner\n"
        "async def main():\n"
        "    with ForkedPlanning(SleepingPlanner(), [1, 2], processes=1) as workers:\n"
        "        future = workers.submit(0, 2)\n"
        "        await asyncio.sleep(1)\n"
        "        print(*[p.pid for p in workers._pool._processes.values()], flush=True)\n"
        "        await future\n"
        "asyncio.run(main())\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{child}/stat") as stat:  # a zombie awaiting its reaper counts as gone
            if stat.read().split(") ")[1].startswith("Z"):
                break
        time.sleep(0.05)
    else:
        pytest.fail("the planning process outlived its killed parent")


@pytest.mark.parametrize(("cold", "km", "minutes"), [(False, 3.25, 21.5), (True, None, None)])
def test_factors_encoded_for_storage_are_the_breakdowns_json_document(
    cold: bool, km: float | None, minutes: float | None
) -> None:
    import uuid

    from domain.scoring.model import FACTOR_NAMES, ScoreBreakdown

    values = [i / 20 for i in range(len(FACTOR_NAMES))]
    points = [v * 7.5 for v in values]
    score = ScoreBreakdown(uuid.uuid4(), 61.5, 40.0, 50.0, 55.25, cold, km, minutes, values, points)
    assert json.loads(encode_score_factors(score)) == score.as_json_dict()


def test_plans_survive_the_trip_back_from_a_planning_process_intact() -> None:
    """Planned deliveries and ids pickle by their fields (the default pickling of these is slow); a plan
    that comes back must equal the plan that left."""
    import pickle
    import uuid
    from multiprocessing.reduction import ForkingPickler

    from adapters.planning.processes import _reduce_uuid
    from application.mail_planning import ChunkPlan
    from application.ports import ScoreRecord
    from domain.delivery import DeliveryStatus, PlannedDelivery, PlannedMatch

    match = PlannedMatch(uuid.uuid4(), 1, 70.5, 60.0, 50.0, 40.0, ["自宅から約9分"], 2.5, 9)
    delivery = PlannedDelivery(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "a@example.jp", DeliveryStatus.PENDING,
                               None, (match,))  # fmt: skip
    record = ScoreRecord(delivery.user_id, match.job_id, 60.0, 50.0, 40.0, 70.5, "{}", at_jst(RUN_DATE, 8))
    plan = ChunkPlan([delivery.user_id], [delivery], [record], 10, 4, 0.5)
    ForkingPickler.register(uuid.UUID, _reduce_uuid)
    back = pickle.loads(bytes(ForkingPickler.dumps(plan)))
    assert back == plan
    assert back.deliveries[0].matches[0].id == match.id
    assert pickle.loads(pickle.dumps(delivery)) == delivery


@pytest.mark.parametrize(("processes", "forked"), [(0, False), (1, True), (2, True)])
async def test_the_container_plans_as_the_settings_say(tmp_path: Path, processes: int, forked: bool) -> None:
    from entrypoints.config import Settings
    from entrypoints.ioc import make_container

    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", secret_key="s" * 40,
                        outbox_dir=tmp_path / "outbox", planning_processes=processes)  # fmt: skip
    container = make_container(settings)
    try:
        options = await container.get(PlanOptions)
    finally:
        await container.close()
    assert options.encode_factors is encode_score_factors
    if forked and can_fork():
        assert isinstance(options.executor, functools.partial)
        assert options.executor.func is ForkedPlanning
        assert options.executor.keywords == {"processes": processes}
    else:
        assert options.executor is ThreadPlanning


async def test_the_api_servers_container_plans_in_a_thread_and_never_forks_the_server(tmp_path: Path) -> None:
    from entrypoints.config import Settings
    from entrypoints.http.app import create_app

    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", secret_key="s" * 40,
                        outbox_dir=tmp_path / "outbox", planning_processes=2)  # fmt: skip
    container = create_app(settings).state.dishka_container
    try:
        options = await container.get(PlanOptions)
    finally:
        await container.close()
    assert options.executor is ThreadPlanning
