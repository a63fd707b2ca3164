"""Admin campaigns over HTTP on the in-memory storage: create, list, show, edit, preview, run now, audit."""

import re
import time
import uuid
from pathlib import Path

from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore
from domain.roles import Role
from tests.e2e.test_http_support import account_with_role, client, login, register, seed, shinjuku_job, store

__all__ = ["client", "store"]  # fixtures
CAMPAIGNS = "/api/v1/admin/campaigns"
WEIGHTS = {"basic": 0.6, "seo": 0.2, "personalized": 0.2}


def job_seeker(client: TestClient, email: str = "hanako@example.jp") -> str:  # type: ignore[type-arg]
    """A user living in Shinjuku who wants cafe jobs; returns the user id."""
    user_id = str(register(client, email)["id"])
    auth = {"Authorization": f"Bearer {login(client, email)['accessToken']}"}
    assert client.put("/api/v1/me/address", json={"postalCode": "160-0022"}, headers=auth).status_code == 200
    wishes = {"jobTypes": ["カフェ"], "maxCommuteMinutes": 30, "minHourlyWage": 1100}
    assert client.put("/api/v1/me/preferences", json=wishes, headers=auth).status_code == 200
    return user_id


def admin_id(store: InMemoryStore) -> str:
    return next(str(u.id) for u in store.users.values() if u.role == Role.ADMIN.value)


def wait_finished(client: TestClient, url: str, admin: dict[str, str]) -> dict[str, object]:  # type: ignore[type-arg]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body: dict[str, object] = client.get(url, headers=admin).json()
        if body["run"]["status"] == "finished" and not body["runningHere"]:  # type: ignore[index]
            return body
        time.sleep(0.05)
    raise AssertionError(f"the run did not finish: {body}")


def test_create_list_show_and_edit_a_campaign(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    admin = account_with_role(client, store, Role.ADMIN)
    response = client.post(CAMPAIGNS, json={"name": "朝の案内", "jobsPerMail": 3, "weights": WEIGHTS}, headers=admin)
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["name"], created["jobsPerMail"], created["perCompanyCap"], created["sendHourJst"]) == (
        "朝の案内", 3, 2, 8)  # fmt: skip
    assert created["weights"] == WEIGHTS
    assert created["createdAt"].endswith("+09:00")  # JST for people, UTC in storage

    again = client.post(CAMPAIGNS, json={"name": "朝の案内"}, headers=admin)
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "name"

    assert [c["name"] for c in client.get(CAMPAIGNS, headers=admin).json()["items"]] == ["朝の案内"]
    url = f"{CAMPAIGNS}/{created['id']}"
    shown = client.get(url, headers=admin).json()
    assert shown["campaign"]["id"] == created["id"]
    assert shown["runs"] == []

    bad = client.patch(url, json={"sendHourJst": 24}, headers=admin)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "sendHourJst"
    bad = client.patch(url, json={"weights": {"basic": 0, "seo": 0, "personalized": 1}}, headers=admin)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "weights"

    change = {"jobsPerMail": 5, "resendWindowDays": 7, "perCompanyCap": 2,
              "weights": {"basic": 0.5, "seo": 0.5, "personalized": 0}}  # fmt: skip
    edited = client.patch(url, json=change, headers=admin)
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["changed"] == ["jobs_per_mail", "resend_window_days", "weight_basic", "weight_personalized",
                               "weight_seo"]  # perCompanyCap was 2 already  # fmt: skip
    assert client.get(url, headers=admin).json()["campaign"]["jobsPerMail"] == 5
    assert client.patch(f"{CAMPAIGNS}/{uuid.uuid4()}", json={}, headers=admin).status_code == 404

    actions = sorted((e.action, e.actor, e.target_id) for e in store.audit.values())
    who = f"user:{admin_id(store)}"
    assert actions == [("campaign.create", who, created["id"]), ("campaign.edit", who, created["id"])]
    edit = next(e for e in store.audit.values() if e.action == "campaign.edit")
    assert edit.details["changes"]["jobs_per_mail"] == [3, 5]  # type: ignore[index]


def test_the_instant_alert_campaigns_name_is_refused(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    admin = account_with_role(client, store, Role.ADMIN)
    for name in ("instant_alerts", "Instant_Alerts"):
        response = client.post(CAMPAIGNS, json={"name": name}, headers=admin)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "name"
    assert client.get(CAMPAIGNS, headers=admin).json()["items"] == []
    assert store.campaigns == {}


def test_preview_renders_the_users_mail_and_stores_and_sends_nothing(
    client: TestClient, store: InMemoryStore, tmp_path: Path  # type: ignore[type-arg]
) -> None:
    seed(store, shinjuku_job("新宿<カフェ>"), shinjuku_job("新宿書店", job_type="書店"))
    user_id = job_seeker(client)
    admin = account_with_role(client, store, Role.ADMIN)
    campaign = client.post(CAMPAIGNS, json={"name": "daily"}, headers=admin).json()
    url = f"{CAMPAIGNS}/{campaign['id']}/preview"

    response = client.get(url, params={"user_id": user_id}, headers=admin)
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["skipReason"] is None
    assert preview["fromRun"] is False
    assert "新宿<カフェ>" in preview["text"]
    assert "新宿&lt;カフェ&gt;" in preview["html"]  # escaped in HTML
    assert preview["subject"]
    assert preview["jobs"][0]["reasons"]
    assert (store.runs, store.deliveries, store.scores) == ({}, {}, {})
    assert not list((tmp_path / "outbox").glob("*.eml"))

    # The preview's links are signed with a throwaway key: its unsubscribe link unsubscribes no one.
    token = re.search(r"/u/([A-Za-z0-9_.-]+)", preview["text"]).group(1)  # type: ignore[union-attr]
    assert client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert store.users[uuid.UUID(user_id)].email_opt_in is True

    assert client.get(url, params={"user_id": str(uuid.uuid4())}, headers=admin).status_code == 404
    missing = client.get(url, headers=admin)
    assert missing.status_code == 400
    assert "user_id" in missing.json()["detail"]


def test_run_now_sends_in_the_background_and_a_second_call_returns_the_same_run(
    client: TestClient, store: InMemoryStore, tmp_path: Path  # type: ignore[type-arg]
) -> None:
    seed(store, shinjuku_job("新宿カフェ"))
    user_id = job_seeker(client)
    job_seeker(client, "taro@example.jp")
    admin = account_with_role(client, store, Role.ADMIN)
    campaign = client.post(CAMPAIGNS, json={"name": "daily"}, headers=admin).json()

    response = client.post(f"{CAMPAIGNS}/{campaign['id']}/run", headers=admin)
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["startedNow"] is True
    assert response.headers["location"] == started["statusUrl"]
    status = wait_finished(client, started["statusUrl"], admin)
    assert status["deliveries"] == {"sent": 2, "skipped": 1}  # the admin has no home address
    assert status["reasons"] == {"no_home_location": 1}
    assert status["error"] is None
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2

    again = client.post(f"{CAMPAIGNS}/{campaign['id']}/run", headers=admin).json()
    assert (again["run"]["id"], again["run"]["status"], again["startedNow"]) == (started["run"]["id"], "finished",
                                                                                   False)  # fmt: skip
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2
    shown = client.get(f"{CAMPAIGNS}/{campaign['id']}", headers=admin).json()
    assert [r["id"] for r in shown["runs"]] == [started["run"]["id"]]

    # After the run, the preview shows what the run planned for the user.
    preview = client.get(f"{CAMPAIGNS}/{campaign['id']}/preview", params={"user_id": user_id}, headers=admin)
    assert preview.json()["fromRun"] is True
    assert "新宿カフェ" in preview.json()["text"]

    runs = [e for e in store.audit.values() if e.action == "campaign.run"]
    assert len(runs) == 2
    assert {e.details["run_id"] for e in runs} == {started["run"]["id"]}
    other = client.get(f"{CAMPAIGNS}/{uuid.uuid4()}/runs/{started['run']['id']}", headers=admin)
    assert other.status_code == 404
