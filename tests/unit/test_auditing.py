"""The audit entry belongs to the action's own transaction: a crash records both or neither."""

import uuid
from datetime import UTC, date, datetime

import pytest

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from application.auditing import Actor
from application.ports import LaunchState
from application.use_cases.create_campaign import CreateCampaign, CreateCampaignCommand
from application.use_cases.grant_role import GrantRole, GrantRoleCommand
from application.use_cases.revoke_api_key import RevokeApiKey, RevokeApiKeyCommand
from application.use_cases.start_campaign_run import StartCampaignRun, StartCampaignRunCommand
from domain.security import ApiKey, AuditEntry
from domain.user import User

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
    campaign = await CreateCampaign(InMemoryUnitOfWork(store), CLOCK)(CreateCampaignCommand("daily"))
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
