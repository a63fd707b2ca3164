"""A user's alert settings over HTTP: `alertThreshold` and `instantAlerts` set with PUT /api/v1/me/preferences
(kept when left out, null: the site's threshold), shown by GET /api/v1/me, refused out of range."""

import email
import email.policy
import time
import uuid
from pathlib import Path

from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore
from entrypoints.http.app import create_app
from tests.e2e.test_http_job_posting import CAFE, employer_of
from tests.e2e.test_http_support import InMemoryStorage, client, login, register, settings_for, store

__all__ = ["client", "store"]  # fixtures
PROBLEM = "application/problem+json"


def signed_in(client: TestClient, email: str) -> tuple[uuid.UUID, dict[str, str]]:  # type: ignore[type-arg]
    user_id = uuid.UUID(str(register(client, email)["id"]))
    return user_id, {"Authorization": f"Bearer {login(client, email)['accessToken']}"}


def test_alert_settings_are_set_kept_reset_and_shown(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    user_id, auth = signed_in(client, "hanako@example.jp")
    wishes = {"jobTypes": ["カフェ"], "alertThreshold": 65, "instantAlerts": True}
    response = client.put("/api/v1/me/preferences", json=wishes, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["preferences"].items() >= {"alertThreshold": 65.0, "instantAlerts": True}.items()
    shown = client.get("/api/v1/me", headers=auth).json()["preferences"]
    assert (shown["jobTypes"], shown["alertThreshold"], shown["instantAlerts"]) == (["カフェ"], 65.0, True)
    stored = store.users[user_id].preferences
    assert stored is not None
    assert (stored.alert_threshold, stored.instant_alerts) == (65.0, True)

    # The wishes are replaced; alert settings left out stay as they were.
    kept = client.put("/api/v1/me/preferences", json={"jobTypes": ["書店"]}, headers=auth).json()["preferences"]
    assert (kept["jobTypes"], kept["alertThreshold"], kept["instantAlerts"]) == (["書店"], 65.0, True)
    # null: back to the site's threshold; a fractional one is a total like any other
    reset = client.put("/api/v1/me/preferences", json={"alertThreshold": None}, headers=auth).json()["preferences"]
    assert (reset["alertThreshold"], reset["instantAlerts"]) == (None, True)
    edge = {"alertThreshold": 0, "instantAlerts": False}
    assert client.put("/api/v1/me/preferences", json=edge, headers=auth).json()["preferences"]["alertThreshold"] == 0
    top = client.put("/api/v1/me/preferences", json={"alertThreshold": 100.0}, headers=auth).json()["preferences"]
    assert (top["alertThreshold"], top["instantAlerts"]) == (100.0, False)
    assert client.get("/api/v1/me", headers=auth).json()["preferences"]["instantAlerts"] is False


def test_a_new_user_has_no_own_threshold_and_no_instant_alerts(client: TestClient) -> None:  # type: ignore[type-arg]
    _, auth = signed_in(client, "taro@example.jp")
    assert client.get("/api/v1/me", headers=auth).json()["preferences"] is None
    response = client.put("/api/v1/me/preferences", json={"maxCommuteMinutes": 30}, headers=auth)
    assert response.status_code == 200, response.text
    preferences = response.json()["preferences"]
    assert (preferences["alertThreshold"], preferences["instantAlerts"]) == (None, False)


def test_a_threshold_outside_0_to_100_is_a_422_naming_it_and_changes_nothing(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
) -> None:
    user_id, auth = signed_in(client, "yuki@example.jp")
    assert client.put("/api/v1/me/preferences", json={"alertThreshold": 70}, headers=auth).status_code == 200
    for bad in (100.5, -1, 1e300):
        response = client.put("/api/v1/me/preferences", json={"alertThreshold": bad, "jobTypes": ["x"]}, headers=auth)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        body = response.json()
        assert body["type"].endswith("/invalid-input")
        assert body["errors"][0]["field"] == "alert_threshold"
    stored = store.users[user_id].preferences
    assert stored is not None
    assert (stored.alert_threshold, stored.job_types) == (70.0, [])  # the refused request changed nothing
    for field, value in (("alertThreshold", "high"), ("instantAlerts", "yes"), ("instantAlerts", None)):
        response = client.put("/api/v1/me/preferences", json={field: value}, headers=auth)
        assert response.status_code == 400, response.text
        assert field in [e["field"] for e in response.json()["errors"]]


def test_the_api_document_describes_the_alert_settings(client: TestClient) -> None:  # type: ignore[type-arg]
    schema = client.get("/schema/openapi.json").json()["components"]["schemas"]["PreferencesBody"]
    assert {"alertThreshold", "instantAlerts"} <= set(schema["properties"])
    assert "alertThreshold" not in schema.get("required", [])
    assert "instantAlerts" not in schema.get("required", [])


def test_a_job_posted_through_the_api_is_mailed_to_a_seeker_who_asked_for_instant_alerts(
    tmp_path: Path, store: InMemoryStore
) -> None:
    """The embedded mode end to end: the app's own queue runs the job's event, which mails the alert."""
    outbox = tmp_path / "outbox"
    with TestClient(create_app(settings_for(tmp_path), InMemoryStorage(store, run_events=True))) as client:
        seeker_id, seeker = signed_in(client, "hanako@example.jp")
        _, other = signed_in(client, "taro@example.jp")  # alerted over the socket only: no instant alerts
        for auth, instant in ((seeker, True), (other, False)):
            assert client.put("/api/v1/me/address", json={"postalCode": "160-0022"}, headers=auth).status_code == 200
            wishes = {"jobTypes": ["カフェ"], "alertThreshold": 1, "instantAlerts": instant}
            assert client.put("/api/v1/me/preferences", json=wishes, headers=auth).status_code == 200
        employer = employer_of(client, store, "新宿カフェ株式会社")
        posted = client.post("/api/v1/jobs", json=CAFE, headers=employer)
        assert posted.status_code == 201, posted.text
        deadline = time.monotonic() + 30
        while not list(outbox.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # anything else the event would mail
    (mail,) = outbox.glob("*.eml")
    delivery = store.deliveries[uuid.UUID(mail.stem)]
    assert (delivery.user_id, delivery.status.value) == (seeker_id, "sent")
    assert [m.job_id for m in delivery.matches] == [uuid.UUID(posted.json()["id"])]
    assert store.campaigns[delivery.campaign_id].name == "instant_alerts"
    assert "新着求人のお知らせ" in email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)["Subject"]
