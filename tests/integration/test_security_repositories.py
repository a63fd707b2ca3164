"""The security repositories' contract (refresh tokens, API keys, audit trail, password hashes), for
in-memory, SQLite and PostgreSQL alike."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from adapters.sqlalchemy.errors import StorageConflict
from domain.security import ApiKey, AuditEntry, RefreshToken
from domain.user import User
from tests.conftest import UowFactory

NOW = datetime(2025, 4, 1, 0, 0, tzinfo=UTC)


def make_user() -> User:
    return User(id=uuid.uuid4(), email=f"{uuid.uuid4().hex[:8]}@example.jp")


def make_token(user: User, family_id: uuid.UUID | None = None, **fields: object) -> RefreshToken:
    token = RefreshToken(
        user_id=user.id,
        family_id=family_id or uuid.uuid4(),
        token_hash=uuid.uuid4().hex,
        issued_at=NOW,
        expires_at=NOW + timedelta(days=30),
    )
    for name, value in fields.items():
        setattr(token, name, value)
    return token


def make_key(**fields: object) -> ApiKey:
    key = ApiKey(name="partner", key_hash=uuid.uuid4().hex, permissions=["read:jobs"])
    for name, value in fields.items():
        setattr(key, name, value)
    return key


def make_entry(at: datetime, action: str = "campaign.create") -> AuditEntry:
    actor_id = uuid.uuid4()
    return AuditEntry(actor_id, f"user:{actor_id}", action, "campaign", str(uuid.uuid4()), at, {"n": 1})


async def add_tokens(make_uow: UowFactory, user: User | None, *tokens: RefreshToken) -> None:
    async with make_uow() as uow:
        if user is not None:
            await uow.users.add(user)
        for token in tokens:
            await uow.refresh_tokens.add(token)
        await uow.commit()


async def test_password_hash_round_trips_on_users(uow_factory: UowFactory) -> None:
    user, without = make_user(), make_user()
    user.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
    async with uow_factory() as uow:
        await uow.users.add(user)
        await uow.users.add(without)
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.users.get(user.id)
        assert loaded is not None
        assert loaded.password_hash == user.password_hash
        assert (await uow.users.get(without.id)).password_hash is None  # type: ignore[union-attr]
        loaded.password_hash = "$argon2id$changed"
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.users.get(user.id)).password_hash == "$argon2id$changed"  # type: ignore[union-attr]


async def test_a_token_is_found_by_its_hash(uow_factory: UowFactory) -> None:
    user = make_user()
    token = make_token(user)
    await add_tokens(uow_factory, user, token)  # user and token in one unit of work: the user goes first
    async with uow_factory() as uow:
        found = await uow.refresh_tokens.by_hash(token.token_hash)
        assert await uow.refresh_tokens.by_hash("unknown") is None
    assert found is not None
    assert (found.id, found.user_id, found.family_id) == (token.id, user.id, token.family_id)
    assert (found.issued_at, found.expires_at) == (NOW, NOW + timedelta(days=30))
    assert found.issued_at.tzinfo is not None
    assert (found.used_at, found.revoked_at) == (None, None)


async def test_token_hashes_are_unique_and_tokens_need_their_user(uow_factory: UowFactory) -> None:
    user = make_user()
    token = make_token(user)
    await add_tokens(uow_factory, user, token)
    with pytest.raises(StorageConflict):
        await add_tokens(uow_factory, None, make_token(user, token_hash=token.token_hash))
    with pytest.raises(StorageConflict):
        await add_tokens(uow_factory, None, make_token(make_user()))


async def test_save_persists_used_at_and_revoked_at(uow_factory: UowFactory) -> None:
    user = make_user()
    token, other = make_token(user), make_token(user)
    await add_tokens(uow_factory, user, token, other)
    async with uow_factory() as uow:
        loaded = await uow.refresh_tokens.by_hash(token.token_hash)
        assert loaded is not None
        loaded.used_at = NOW + timedelta(minutes=5)
        await uow.refresh_tokens.save(loaded)
        await uow.commit()
    # An object from an earlier unit of work is saved too.
    other.revoked_at = NOW + timedelta(minutes=6)
    async with uow_factory() as uow:
        await uow.refresh_tokens.save(other)
        await uow.commit()
    async with uow_factory() as uow:
        used = await uow.refresh_tokens.by_hash(token.token_hash)
        revoked = await uow.refresh_tokens.by_hash(other.token_hash)
    assert used is not None
    assert revoked is not None
    assert (used.used_at, used.revoked_at) == (NOW + timedelta(minutes=5), None)
    assert (revoked.used_at, revoked.revoked_at) == (None, NOW + timedelta(minutes=6))


# Not on SQLite: it has no row locks, and serialises writers with its database lock instead.
@pytest.mark.parametrize(
    "uow_factory", ["in_memory", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_two_refreshes_racing_with_one_token_are_serialised(uow_factory: UowFactory) -> None:
    user = make_user()
    token = make_token(user)
    await add_tokens(uow_factory, user, token)
    first_has_read = asyncio.Event()
    seen_by_second: list[datetime | None] = []

    async def first() -> None:
        async with uow_factory() as uow:
            loaded = await uow.refresh_tokens.by_hash(token.token_hash)
            assert loaded is not None
            first_has_read.set()
            await asyncio.sleep(0.1)
            loaded.used_at = NOW
            await uow.refresh_tokens.save(loaded)
            await uow.commit()

    async def second() -> None:
        await first_has_read.wait()
        async with uow_factory() as uow:
            loaded = await uow.refresh_tokens.by_hash(token.token_hash)
            assert loaded is not None
            seen_by_second.append(loaded.used_at)

    await asyncio.wait_for(asyncio.gather(first(), second()), timeout=10)
    assert seen_by_second == [NOW]  # the second waited for the first, and so sees the reuse


async def test_revoke_family_revokes_only_that_familys_live_tokens(uow_factory: UowFactory) -> None:
    user = make_user()
    family, other_family = uuid.uuid4(), uuid.uuid4()
    earlier = NOW - timedelta(hours=1)
    live = [make_token(user, family), make_token(user, family, used_at=earlier)]
    already = make_token(user, family, revoked_at=earlier)
    elsewhere = make_token(user, other_family)
    await add_tokens(uow_factory, user, *live, already, elsewhere)
    late = make_token(user, family)  # added in the same unit of work as the revocation
    async with uow_factory() as uow:
        held = await uow.refresh_tokens.by_hash(live[0].token_hash)
        await uow.refresh_tokens.add(late)
        assert await uow.refresh_tokens.revoke_family(family, NOW) == 3
        assert held is not None
        assert held.revoked_at == NOW  # a token already loaded sees the revocation
        assert await uow.refresh_tokens.revoke_family(family, NOW + timedelta(hours=1)) == 0
        await uow.commit()
    async with uow_factory() as uow:
        for token in [*live, late]:
            assert (await uow.refresh_tokens.by_hash(token.token_hash)).revoked_at == NOW  # type: ignore[union-attr]
        assert (await uow.refresh_tokens.by_hash(already.token_hash)).revoked_at == earlier  # type: ignore[union-attr]
        assert (await uow.refresh_tokens.by_hash(elsewhere.token_hash)).revoked_at is None  # type: ignore[union-attr]


async def test_revoke_user_revokes_every_family_of_that_user_only(uow_factory: UowFactory) -> None:
    user, other_user = make_user(), make_user()
    mine = [make_token(user), make_token(user), make_token(user, revoked_at=NOW - timedelta(days=1))]
    theirs = make_token(other_user)
    await add_tokens(uow_factory, user, *mine)
    await add_tokens(uow_factory, other_user, theirs)
    async with uow_factory() as uow:
        assert await uow.refresh_tokens.revoke_user(user.id, NOW) == 2
        # Not committed: rolled back on leaving.
    async with uow_factory() as uow:
        assert await uow.refresh_tokens.revoke_user(user.id, NOW) == 2
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.refresh_tokens.by_hash(mine[0].token_hash)).revoked_at == NOW  # type: ignore[union-attr]
        assert (await uow.refresh_tokens.by_hash(theirs.token_hash)).revoked_at is None  # type: ignore[union-attr]
        assert await uow.refresh_tokens.revoke_user(uuid.uuid4(), NOW) == 0


async def test_api_keys_by_id_hash_and_list(uow_factory: UowFactory) -> None:
    older = make_key(name="older", created_at=NOW - timedelta(days=2), expires_at=NOW + timedelta(days=90))
    newer = make_key(
        name="newer", created_at=NOW, permissions=["read:jobs", "read:matches"], rate_limit_per_hour=50,
        created_by=uuid.uuid4(),
    )  # fmt: skip
    undated = make_key(name="undated")
    async with uow_factory() as uow:
        for key in (undated, newer, older):
            await uow.api_keys.add(key)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.api_keys.by_hash(newer.key_hash)
        by_id = await uow.api_keys.get(older.id)
        assert await uow.api_keys.by_hash("unknown") is None
        assert await uow.api_keys.get(uuid.uuid4()) is None
        listed = await uow.api_keys.list_all()
    assert found is not None
    assert (found.id, found.name, found.permissions) == (newer.id, "newer", ["read:jobs", "read:matches"])
    assert (found.rate_limit_per_hour, found.is_active, found.created_by) == (50, True, newer.created_by)
    assert by_id is not None
    assert (by_id.created_at, by_id.expires_at) == (NOW - timedelta(days=2), NOW + timedelta(days=90))
    assert (by_id.rate_limit_per_hour, by_id.created_by) == (1000, None)
    assert [key.id for key in listed] == [older.id, newer.id, undated.id]  # oldest first, undated last


async def test_api_key_save_revokes_and_changes_permissions(uow_factory: UowFactory) -> None:
    key, other = make_key(), make_key()
    async with uow_factory() as uow:
        await uow.api_keys.add(key)
        await uow.api_keys.add(other)
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.api_keys.get(key.id)
        assert loaded is not None
        loaded.is_active = False
        loaded.permissions.append("read:analytics")  # changed in place
        await uow.api_keys.save(loaded)
        await uow.commit()
    other.expires_at = NOW  # from an earlier unit of work
    async with uow_factory() as uow:
        await uow.api_keys.save(other)
        await uow.commit()
    async with uow_factory() as uow:
        revoked = await uow.api_keys.by_hash(key.key_hash)
        expired = await uow.api_keys.get(other.id)
    assert revoked is not None
    assert (revoked.is_active, revoked.permissions) == (False, ["read:jobs", "read:analytics"])
    assert expired is not None
    assert (expired.is_active, expired.expires_at) == (True, NOW)


async def test_api_key_hashes_are_unique(uow_factory: UowFactory) -> None:
    key = make_key()
    async with uow_factory() as uow:
        await uow.api_keys.add(key)
        await uow.commit()

    async def add_same_hash() -> None:
        async with uow_factory() as uow:
            await uow.api_keys.add(make_key(key_hash=key.key_hash))
            await uow.commit()

    with pytest.raises(StorageConflict):
        await add_same_hash()


async def test_audit_recent_is_newest_first_and_pages_back(uow_factory: UowFactory) -> None:
    entries = [make_entry(NOW + timedelta(minutes=minute), f"action.{minute}") for minute in range(5)]
    entries[2].actor_id, entries[2].actor, entries[2].target_id = None, "system", None
    entries[3].details = {"campaign": "daily", "changes": {"jobs_per_mail": [5, 8]}, "日本語": "可"}
    async with uow_factory() as uow:
        for entry in (entries[3], entries[0], entries[4], entries[1], entries[2]):
            await uow.audit.add(entry)
        await uow.commit()
    async with uow_factory() as uow:
        first = await uow.audit.recent(2)
        second = await uow.audit.recent(2, before=first[-1].at)
        third = await uow.audit.recent(2, before=second[-1].at)
        assert await uow.audit.recent(10, before=NOW) == []
        everything = await uow.audit.recent(10)
    assert [e.action for e in first] == ["action.4", "action.3"]
    assert [e.action for e in second] == ["action.2", "action.1"]
    assert [e.action for e in third] == ["action.0"]
    assert [e.id for e in everything] == [e.id for e in reversed(entries)]
    system, detailed = everything[2], everything[1]
    assert (system.actor_id, system.actor, system.target_id) == (None, "system", None)
    assert detailed.details == entries[3].details
    assert (detailed.target_type, detailed.at, detailed.actor_id) == ("campaign", entries[3].at, entries[3].actor_id)
    assert detailed.at.tzinfo is not None
