"""Admin use-cases on the in-memory storage: the audit decorator, editing, starting a run, the launcher."""

import asyncio
import uuid
from datetime import UTC, date, datetime

import pytest
from dishka import Provider, Scope, make_async_container

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.mail.composer import JinjaMailComposer
from application.auditing import Actor, audit_action_of
from application.ports import LaunchState
from application.use_cases.create_campaign import CreateCampaign, CreateCampaignCommand
from application.use_cases.edit_campaign import EditCampaign, EditCampaignCommand
from application.use_cases.grant_role import GrantRole, GrantRoleCommand
from application.use_cases.run_daily_mail import RunDailyMail, RunDailyMailCommand
from application.use_cases.start_campaign_run import StartCampaignRun, StartCampaignRunCommand
from domain.campaign import RunStatus
from domain.errors import InvalidInput, NotFound
from domain.user import User
from entrypoints.background import BackgroundRunLauncher

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # 03:00 on 4 December in JST
CLOCK = FixedClock(NOW)
COMPOSER = JinjaMailComposer("noreply@mailscore.example.jp", "Mail Score")
ADMIN = Actor.user(uuid.uuid4())


class FakeLauncher:
    def __init__(self) -> None:
        self.launched: list[tuple[str, date, uuid.UUID]] = []
        self.busy: set[uuid.UUID] = set()

    def launch(self, campaign_name: str, run_date: date, run_id: uuid.UUID) -> bool:
        if run_id in self.busy:
            return False
        self.busy.add(run_id)
        self.launched.append((campaign_name, run_date, run_id))
        return True

    def state(self, run_id: uuid.UUID) -> LaunchState | None:
        return LaunchState(True, None) if run_id in self.busy else None


async def test_an_audited_use_case_records_actor_action_target_and_time_only_when_it_succeeds() -> None:
    store = InMemoryStore()
    create = CreateCampaign(InMemoryUnitOfWork(store), CLOCK, COMPOSER)
    campaign = await create(CreateCampaignCommand("daily", jobs_per_mail=5, actor=ADMIN))
    with pytest.raises(InvalidInput):
        await create(CreateCampaignCommand("daily", actor=ADMIN))  # refused: no entry
    [entry] = store.audit.values()
    assert (entry.actor, entry.actor_id, entry.action) == (ADMIN.label, ADMIN.user_id, "campaign.create")
    assert (entry.target_type, entry.target_id, entry.at) == ("campaign", str(campaign.id), NOW)
    assert entry.details["jobs_per_mail"] == 5
    assert audit_action_of(CreateCampaign) == "campaign.create"
    assert audit_action_of(RunDailyMail) is None


async def test_granting_a_role_is_audited_through_the_same_mechanism() -> None:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    async with uow:
        await uow.users.add(User(id=uuid.uuid4(), email="boss@example.jp"))
        await uow.commit()
    granted = await GrantRole(uow, CLOCK)(GrantRoleCommand("boss@example.jp", "admin"))
    [entry] = store.audit.values()
    assert (entry.action, entry.actor, entry.target_id) == ("user.grant_role", "cli", str(granted.user.id))
    assert entry.details == {"from": "user", "to": "admin"}


async def test_editing_changes_only_what_is_given_and_checks_the_ranges() -> None:
    store = InMemoryStore()
    campaign = await CreateCampaign(InMemoryUnitOfWork(store), CLOCK, COMPOSER)(CreateCampaignCommand("daily"))
    edit = EditCampaign(InMemoryUnitOfWork(store), CLOCK, COMPOSER)
    result = await edit(EditCampaignCommand(campaign.id, ADMIN, send_hour_jst=6, per_company_cap=2))
    assert result.changes == {"send_hour_jst": [8, 6]}
    assert store.campaigns[campaign.id].send_hour_jst == 6
    assert store.campaigns[campaign.id].jobs_per_mail == 10
    unchanged = await edit(EditCampaignCommand(campaign.id, ADMIN, send_hour_jst=6, weights=(0.5, 0.2, 0.3)))
    assert unchanged.changes == {}  # not audited either (counted below)
    with pytest.raises(InvalidInput) as bad:
        await edit(EditCampaignCommand(campaign.id, ADMIN, resend_window_days=400))
    assert bad.value.field == "resend_window_days"
    with pytest.raises(NotFound):
        await edit(EditCampaignCommand(uuid.uuid4(), ADMIN, jobs_per_mail=3))
    assert [e.action for e in store.audit.values()].count("campaign.edit") == 1


async def test_starting_a_run_twice_gives_the_same_run_and_launches_once() -> None:
    store = InMemoryStore()
    campaign = await CreateCampaign(InMemoryUnitOfWork(store), CLOCK, COMPOSER)(CreateCampaignCommand("daily"))
    launcher = FakeLauncher()
    start = StartCampaignRun(InMemoryUnitOfWork(store), CLOCK, launcher)
    first = await start(StartCampaignRunCommand(campaign.id, ADMIN))
    second = await start(StartCampaignRunCommand(campaign.id, ADMIN))
    assert first.run.id == second.run.id
    assert first.run.run_date == date(2026, 12, 4)  # today in JST
    assert (first.started_now, second.started_now) == (True, False)
    assert launcher.launched == [("daily", date(2026, 12, 4), first.run.id)]

    store.runs[first.run.id].status = RunStatus.FINISHED
    launcher.busy.clear()
    finished = await start(StartCampaignRunCommand(campaign.id, ADMIN))
    assert (finished.run.id, finished.started_now, len(launcher.launched)) == (first.run.id, False, 1)
    with pytest.raises(NotFound):
        await start(StartCampaignRunCommand(uuid.uuid4(), ADMIN))
    assert [e.action for e in store.audit.values()].count("campaign.run") == 3


class SlowRun:
    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.calls = 0
        self.fail = False

    async def __call__(self, command: RunDailyMailCommand) -> object:
        self.calls += 1
        await self.release.wait()
        if self.fail:
            raise RuntimeError("relay down")
        return type("Summary", (), {"status_counts": {}})()


async def test_the_launcher_works_on_a_run_once_at_a_time_and_keeps_the_error() -> None:
    slow = SlowRun()
    provider = Provider(scope=Scope.REQUEST)
    provider.provide(lambda: slow, provides=RunDailyMail)
    container = make_async_container(provider)
    launcher = BackgroundRunLauncher(container)
    run_id = uuid.uuid4()
    assert launcher.state(run_id) is None
    assert launcher.launch("daily", date(2026, 12, 4), run_id) is True
    assert launcher.launch("daily", date(2026, 12, 4), run_id) is False  # still running: not twice
    await asyncio.sleep(0.01)
    assert launcher.state(run_id) == LaunchState(running=True, error=None)
    slow.fail = True
    slow.release.set()
    await asyncio.sleep(0.01)
    assert launcher.state(run_id) == LaunchState(running=False, error="relay down")
    assert slow.calls == 1
    slow.fail = False
    assert launcher.launch("daily", date(2026, 12, 4), run_id) is True  # resumes after a failure
    await asyncio.sleep(0.01)
    assert launcher.state(run_id) == LaunchState(running=False, error=None)
    slow.release.clear()
    other = uuid.uuid4()
    launcher.launch("daily", date(2026, 12, 5), other)
    await launcher.close()  # cancels work in flight
    assert launcher.state(other) == LaunchState(running=False, error=None)
    await container.close()
