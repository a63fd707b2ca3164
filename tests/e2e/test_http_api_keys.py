"""Partners' API keys end to end: an admin creates, lists and revokes them; a key authenticates as a
partner whose permissions the guards check."""

import uuid
from datetime import UTC, datetime, timedelta

from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore
from application.api_keys import api_key_hash
from domain.jst import JST
from domain.roles import Role
from tests.e2e.test_http_support import account_with_role, client, seed, shinjuku_job, store

__all__ = ["client", "store"]  # fixtures
KEYS = "/api/v1/admin/api-keys"


def create_key(client: TestClient, admin: dict[str, str], **body: object) -> dict[str, object]:  # type: ignore[type-arg]
    body = {"name": "求人連携パートナー", "permissions": ["read:jobs"], **body}
    response = client.post(KEYS, headers=admin, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_an_admin_creates_a_key_that_reads_jobs_and_is_shown_once_and_stored_hashed(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
) -> None:
    job = shinjuku_job("新宿カフェ")
    seed(store, job)
    admin = account_with_role(client, store, Role.ADMIN)
    created = create_key(client, admin, permissions=["read:jobs", "read:analytics", "read:jobs"], rateLimitPerHour=50)
    secret = str(created["secret"])
    key = created["key"]
    assert isinstance(key, dict)
    assert secret.startswith("msk_")
    assert len(secret) > 40
    assert key["permissions"] == ["read:analytics", "read:jobs"]
    assert (key["rateLimitPerHour"], key["isActive"], key["name"]) == (50, True, "求人連携パートナー")

    stored = store.api_keys[uuid.UUID(str(key["id"]))]
    assert stored.key_hash == api_key_hash(secret)
    assert secret not in repr(vars(stored))
    listed = client.get(KEYS, headers=admin)
    assert listed.status_code == 200
    assert [k["id"] for k in listed.json()] == [key["id"]]
    assert secret not in listed.text
    assert "secret" not in listed.text

    partner = {"X-API-Key": secret}
    shown = client.get(f"/api/v1/jobs/{job.id}", headers=partner)
    assert shown.status_code == 200, shown.text
    assert shown.json()["title"] == "新宿カフェ"
    assert client.get("/api/v1/admin/ping", headers=partner).json() == {"pong": True, "role": "partner"}
    actions = [entry.action for entry in store.audit.values()]
    assert actions == ["api_key.create"]
    assert secret not in repr([vars(entry) for entry in store.audit.values()])


def test_a_key_without_the_permission_gets_403_and_a_route_for_accounts_refuses_keys(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
) -> None:
    admin = account_with_role(client, store, Role.ADMIN)
    partner = {"X-API-Key": str(create_key(client, admin)["secret"])}
    denied = client.get("/api/v1/admin/ping", headers=partner)
    assert denied.status_code == 403
    assert "read:analytics" in denied.json()["detail"]
    action = client.post(f"/api/v1/jobs/{uuid.uuid4()}/actions", headers=partner, json={"kind": "view"})
    assert action.status_code == 403
    assert "user account" in action.json()["detail"]
    assert client.get(KEYS, headers=partner).status_code == 403


def test_revoking_a_key_makes_it_401_at_once_and_is_idempotent_and_audited(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
) -> None:
    admin = account_with_role(client, store, Role.ADMIN)
    created = create_key(client, admin, permissions=["read:analytics"])
    partner = {"X-API-Key": str(created["secret"])}
    key_id = created["key"]["id"]  # type: ignore[index]
    assert client.get("/api/v1/admin/ping", headers=partner).status_code == 200
    assert client.delete(f"{KEYS}/{key_id}", headers=admin).status_code == 204
    refused = client.get("/api/v1/admin/ping", headers=partner)
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/not-authenticated")
    assert client.delete(f"{KEYS}/{key_id}", headers=admin).status_code == 204
    assert client.get(KEYS, headers=admin).json()[0]["isActive"] is False
    assert sorted(entry.action for entry in store.audit.values()) == ["api_key.create", "api_key.revoke"]
    assert client.delete(f"{KEYS}/{uuid.uuid4()}", headers=admin).status_code == 404


def test_an_expired_key_is_401(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    admin = account_with_role(client, store, Role.ADMIN)
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    created = create_key(client, admin, permissions=["read:analytics"], expiresAt=soon)
    stored = store.api_keys[uuid.UUID(str(created["key"]["id"]))]  # type: ignore[index]
    stored.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert client.get("/api/v1/admin/ping", headers={"X-API-Key": str(created["secret"])}).status_code == 401


def test_what_a_key_may_hold_is_checked_and_each_refusal_names_the_field(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
) -> None:
    admin = account_with_role(client, store, Role.ADMIN)
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    cases = [
        ({"permissions": ["read:everything"]}, 422, "permissions", "unknown permission"),
        ({"permissions": ["read:matches"]}, 422, "permissions", "own account"),
        ({"permissions": ["manage:admins"]}, 422, "permissions", "not one of your own"),
        ({"permissions": []}, 400, "permissions", ""),
        ({"name": "   "}, 422, "name", "not blank"),
        ({"rateLimitPerHour": 0}, 400, "rateLimitPerHour", ""),
        ({"expiresAt": past}, 422, "expires_at", "future"),
        ({"secret": "mine"}, 400, "secret", ""),
    ]
    for change, status, field, words in cases:
        body = {"name": "partner", "permissions": ["read:jobs"], **change}
        response = client.post(KEYS, headers=admin, json=body)
        assert response.status_code == status, (change, response.text)
        error = response.json()["errors"][0]
        assert error["field"] == field, (change, error)
        assert words in error["message"], (change, error)
    assert store.api_keys == {}
    # A super admin holds manage:admins, so may give it to a key.
    super_admin = account_with_role(client, store, Role.SUPER_ADMIN)
    assert create_key(client, super_admin, permissions=["manage:admins"])["key"]["permissions"] == ["manage:admins"]  # type: ignore[index]


def test_an_expiry_needs_an_offset_and_times_come_back_in_jst(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    admin = account_with_role(client, store, Role.ADMIN)
    naive = (datetime.now(JST) + timedelta(days=30)).replace(tzinfo=None, microsecond=0)
    body = {"name": "partner", "permissions": ["read:jobs"], "expiresAt": naive.isoformat()}
    response = client.post(KEYS, headers=admin, json=body)
    assert response.status_code == 400, response.text  # not read as UTC, 9 hours off for someone in Japan
    assert response.json()["errors"][0]["field"] == "expiresAt"
    assert store.api_keys == {}

    created = create_key(client, admin, permissions=["read:jobs"], expiresAt=naive.replace(tzinfo=JST).isoformat())
    key = created["key"]
    stored = store.api_keys[uuid.UUID(str(key["id"]))]  # type: ignore[index]
    assert stored.expires_at == naive.replace(tzinfo=JST)  # the instant the admin meant
    assert str(key["expiresAt"]) == naive.isoformat() + "+09:00"  # type: ignore[index]
    assert str(key["createdAt"]).endswith("+09:00")  # type: ignore[index]
    [listed] = client.get(KEYS, headers=admin).json()
    assert listed["expiresAt"] == naive.isoformat() + "+09:00"
