"""The audit entry belongs to the action's own transaction: a crash records both or neither."""

import uuid
from datetime import UTC, date, datetime

import pytest

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.mail.composer import JinjaMailComposer
from adapters.reference_data.loader import BundledReferenceData
from application.auditing import Actor
from application.job_drafts import JobDraft
from application.ports import LaunchState
from application.use_cases.create_campaign import CreateCampaign, CreateCampaignCommand
from application.use_cases.edit_job import EditJob, EditJobCommand
from application.use_cases.grant_role import GrantRole, GrantRoleCommand
from application.use_cases.revoke_api_key import RevokeApiKey, RevokeApiKeyCommand
from application.use_cases.start_campaign_run import StartCampaignRun, StartCampaignRunCommand
from domain.roles import Role
from domain.security import ApiKey, AuditEntry
from domain.user import User
from tests.unit.test_run_daily_mail import make_job

CLOCK = FixedClock(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
ADMIN = uuid.uuid4()


class Crash(Exception):
    pass


class CrashingAudit:
    async def add(self, entry: AuditEntry) -> None:
        raise Crash("the process died between the action and its entry")


class UnitOfWorkThatDiesOnTheEntry(InMemoryUnitOfWork):
    def _begin(self) -> None:
        super()._begin()
        self.audit = CrashingAudit()  # type: ignore[assignment]


async def _seed(store: InMemoryStore) -> tuple[User, ApiKey]:
    user = User(id=uuid.uuid4(), email="boss@example.jp")
    key = ApiKey(name="partner", key_hash="h" * 64, permissions=["read:jobs"], rate_limit_per_hour=100)
    async with InMemoryUnitOfWork(store) as uow:
        await uow.users.add(user)
        await uow.api_keys.add(key)
        await uow.commit()
    return user, key


async def test_a_crash_before_the_entry_is_written_loses_the_action_too() -> None:
    store = InMemoryStore()
    user, key = await _seed(store)
    with pytest.raises(Crash):
        await RevokeApiKey(UnitOfWorkThatDiesOnTheEntry(store), CLOCK)(RevokeApiKeyCommand(ADMIN, key.id))
    with pytest.raises(Crash):
        await GrantRole(UnitOfWorkThatDiesOnTheEntry(store), CLOCK)(GrantRoleCommand(user.email, "admin"))
    assert store.api_keys[key.id].is_active  # not revoked without a record of it
    assert store.users[user.id].role == "user"
    assert store.audit == {}


async def test_the_action_and_its_entry_are_one_commit() -> None:
    store = InMemoryStore()
    user, key = await _seed(store)
    uow = InMemoryUnitOfWork(store)
    await RevokeApiKey(uow, CLOCK)(RevokeApiKeyCommand(ADMIN, key.id))
    await RevokeApiKey(uow, CLOCK)(RevokeApiKeyCommand(ADMIN, key.id))  # changes nothing: no entry, no commit
    await GrantRole(uow, CLOCK)(GrantRoleCommand(user.email, "admin", actor=Actor.user(ADMIN)))
    assert uow.commits == 2
    assert sorted(e.action for e in store.audit.values()) == ["api_key.revoke", "user.grant_role"]
    assert not store.api_keys[key.id].is_active


async def test_a_run_is_launched_only_once_it_and_its_entry_are_stored() -> None:
    store = InMemoryStore()
    templates = JinjaMailComposer("noreply@mailscore.example.jp", "Mail Score")
    campaign = await CreateCampaign(InMemoryUnitOfWork(store), CLOCK, templates)(CreateCampaignCommand("daily"))
    seen: list[tuple[bool, int]] = []

    class Launcher:
        def launch(self, campaign_name: str, run_date: date, run_id: uuid.UUID) -> bool:
            seen.append((run_id in store.runs, sum(e.action == "campaign.run" for e in store.audit.values())))
            return True

        def state(self, run_id: uuid.UUID) -> LaunchState | None:
            return None

    started = await StartCampaignRun(InMemoryUnitOfWork(store), CLOCK, Launcher())(
        StartCampaignRunCommand(campaign.id, Actor.user(ADMIN))
    )
    assert started.started_now
    assert seen == [(True, 1)]


class SeenAtInvalidation:
    """A MatchInvalidation that notes the wage stored (committed) when it is told jobs changed."""

    def __init__(self, store: InMemoryStore, job_id: uuid.UUID) -> None:
        self.store, self.job_id = store, job_id
        self.seen: list[int] = []

    async def user_changed(self, user_id: uuid.UUID) -> None:
        raise AssertionError("not a user change")

    async def jobs_changed(self) -> None:
        self.seen.append(self.store.jobs[self.job_id].hourly_wage)


async def test_an_admins_job_edit_tells_the_match_cache_after_its_commit_and_a_no_op_tells_nothing() -> None:
    store = InMemoryStore()
    admin = User(id=uuid.uuid4(), email="admin@example.jp", role="admin")
    job = make_job("ホール", hourly_wage=1300, prefecture_code="13")
    async with InMemoryUnitOfWork(store) as uow:
        await uow.users.add(admin)
        await uow.jobs.add(job)
        await uow.commit()
    matches = SeenAtInvalidation(store, job.id)
    edit = EditJob(InMemoryUnitOfWork(store), BundledReferenceData(), CLOCK, matches)
    await edit(EditJobCommand(admin.id, Role.ADMIN, job.id, JobDraft(hourly_wage=1500)))
    await edit(EditJobCommand(admin.id, Role.ADMIN, job.id, JobDraft(hourly_wage=1500)))
    assert matches.seen == [1500]  # told once, and only once the new wage was stored
    [entry] = store.audit.values()
    assert (entry.action, entry.target_id, entry.details["changed"]) == ("job.edit", str(job.id), ["hourly_wage"])
