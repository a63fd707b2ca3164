"""Job and user events (RescoreChangedJobs, RecomputeUserMatches) on in-memory storage: who is alerted,
what is stored, whose cached matches are invalidated."""

import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryUnitOfWork
from adapters.mail.composer import JinjaMailComposer
from adapters.mail.outbox import OutboxMailer
from application.instant_alerts import InstantAlertMail
from application.ports import Mailer, MatchInvalidation
from application.use_cases.recompute_user_matches import RecomputeUserMatches, UserChangedCommand
from application.use_cases.rescore_changed_jobs import AlertOptions, JobsChangedCommand, RescoreChangedJobs
from domain.errors import NotFound
from domain.frequency import FrequencyCap
from domain.jst import at_jst, end_of_day_jst
from tests.fakes import RecordingNotifier
from tests.unit.test_run_daily_mail import OPTIONS, REFERENCE, RUN_DATE, Cast, World, make_job

NOW = at_jst(RUN_DATE, 10)
NO_CAP = FrequencyCap()


@pytest.fixture
async def world(tmp_path: Path) -> tuple[World, Cast]:
    w, c = World(tmp_path / "outbox"), Cast()
    await w.add(*c.audience, c.opted_out, c.cafe)
    return w, c


class RecordingInvalidation:
    def __init__(self) -> None:
        self.users: list[uuid.UUID] = []

    async def user_changed(self, user_id: uuid.UUID) -> None:
        self.users.append(user_id)

    async def jobs_changed(self) -> None:
        raise AssertionError("an event re-invalidates nobody's matches wholesale")


class NoInvalidation:
    async def user_changed(self, user_id: uuid.UUID) -> None:
        pass

    async def jobs_changed(self) -> None:
        pass


def rescorer(
    w: World, threshold: float = 50.0, now: datetime = NOW, cap: FrequencyCap = NO_CAP,
    mailer: Mailer | None = None, matches: MatchInvalidation | None = None,
) -> tuple[RescoreChangedJobs, RecordingNotifier]:  # fmt: skip
    """The event's use-case as the worker builds it: one unit of work shared with its instant-alert mail."""
    notifier, uow, clock = RecordingNotifier(), InMemoryUnitOfWork(w.store), FixedClock(now)
    composer = JinjaMailComposer("noreply@mailscore.example.jp", "Mail Score")
    mail = InstantAlertMail(uow, composer, mailer or OutboxMailer(w.outbox), clock, OPTIONS, cap)
    matches = matches or NoInvalidation()
    rescore = RescoreChangedJobs(uow, REFERENCE, clock, notifier, AlertOptions(threshold), mail, matches)
    return rescore, notifier


def recomputer(w: World) -> tuple[RecomputeUserMatches, RecordingNotifier, RecordingInvalidation]:
    notifier, matches = RecordingNotifier(), RecordingInvalidation()
    made = RecomputeUserMatches(InMemoryUnitOfWork(w.store), REFERENCE, FixedClock(NOW), matches, notifier,
                                AlertOptions())  # fmt: skip
    return made, notifier, matches


async def test_a_new_job_alerts_the_users_who_can_reach_it_and_it_fits(world: tuple[World, Cast]) -> None:
    w, c = world
    bakery = make_job("渋谷ベーカリー", hourly_wage=1500)
    closed = make_job("募集終了", expires_at=end_of_day_jst(RUN_DATE - timedelta(days=1)))
    await w.add(bakery, closed)
    rescore, notifier = rescorer(w)
    done = await rescore(JobsChangedCommand([bakery.id, closed.id], "ev1"))
    # 新宿 and 神南 are near 渋谷; 八王子 (20 minutes at most) is out of reach, the homeless user has no
    # home, the opted-out user is not in the audience.
    assert done.open_jobs == 1
    assert set(done.alerted) == {c.hanako.id, c.taro.id}
    assert all(jobs == [bakery.id] for jobs in done.alerted.values())
    assert {user for user, _ in notifier.events} == {c.hanako.id, c.taro.id}
    user, event = notifier.events[0]
    assert event["type"] == "job_alert"
    assert event["id"] == f"ev1:{user}"
    (alert,) = event["jobs"]  # type: ignore[misc]
    assert alert["jobId"] == str(bakery.id)
    assert alert["title"] == "渋谷ベーカリー"
    assert alert["reasons"]


async def test_nobody_is_alerted_below_the_threshold_or_of_a_closed_job(world: tuple[World, Cast]) -> None:
    w, c = world
    rescore, notifier = rescorer(w, threshold=100.0)
    done = await rescore(JobsChangedCommand([c.cafe.id], "ev2"))
    assert done.open_jobs == 1
    assert done.eligible_users == 0
    assert done.alerted == {}
    assert notifier.events == []
    closed = make_job("昨日まで", expires_at=end_of_day_jst(RUN_DATE - timedelta(days=1)))
    await w.add(closed)
    done = await rescore(JobsChangedCommand([closed.id, uuid.uuid4()], "ev3"))
    assert (done.open_jobs, done.alerted) == (0, {})


async def test_a_users_matches_are_recomputed_stored_uncached_and_announced(world: tuple[World, Cast]) -> None:
    w, c = world
    recompute, notifier, matches = recomputer(w)
    assert await recompute(UserChangedCommand(c.hanako.id, "ev4")) == 1
    assert list(w.store.scores[c.hanako.id]) == [c.cafe.id]
    assert matches.users == [c.hanako.id]
    ((user, event),) = notifier.events
    assert user == c.hanako.id
    assert event["type"] == "matches_updated"
    assert event["count"] == 1
    assert await recompute(UserChangedCommand(c.hanako.id, "ev4")) == 1
    assert list(w.store.scores[c.hanako.id]) == [c.cafe.id]  # the same rows again, not twice
    with pytest.raises(NotFound):
        await recompute(UserChangedCommand(uuid.uuid4(), "ev5"))
