"""Events from the API: a changed address or wishes is queued at once (the request does not wait for the
recompute), and in the embedded mode the app's own in-memory queue runs it and the user's WebSocket hears."""

import json
import uuid
from pathlib import Path

from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore
from entrypoints.http.app import create_app
from tests.e2e.test_http_support import (
    InMemoryStorage,
    client,
    login,
    register,
    seed,
    settings_for,
    shinjuku_job,
    store,
)

__all__ = ["client", "store"]  # fixtures


def test_changing_address_or_wishes_queues_a_recompute_of_that_user(tmp_path: Path, store: InMemoryStore) -> None:
    storage = InMemoryStorage(store)
    with TestClient(create_app(settings_for(tmp_path), storage)) as client:
        user_id = uuid.UUID(str(register(client, "hanako@example.jp")["id"]))
        auth = {"Authorization": f"Bearer {login(client, 'hanako@example.jp')['accessToken']}"}
        assert client.put("/api/v1/me/address", json={"postalCode": "160-0022"}, headers=auth).status_code == 200
        assert client.put("/api/v1/me/preferences", json={"jobTypes": ["カフェ"]}, headers=auth).status_code == 200
        assert client.put("/api/v1/me/address", json={"postalCode": "999-9999"}, headers=auth).status_code == 422
    assert storage.queue.changed_users == [user_id, user_id]  # the refused change queued nothing
    assert store.scores == {}  # recorded, not run: the request did not do the work


def test_in_the_embedded_mode_the_users_socket_hears_their_matches_were_recomputed(
    tmp_path: Path, store: InMemoryStore
) -> None:
    seed(store, shinjuku_job("新宿カフェ"))
    with TestClient(create_app(settings_for(tmp_path), InMemoryStorage(store, run_events=True))) as client:
        register(client, "hanako@example.jp")
        token = login(client, "hanako@example.jp")["accessToken"]
        auth = {"Authorization": f"Bearer {token}"}
        with client.websocket_connect(f"/ws?token={token}") as socket:
            assert client.put("/api/v1/me/address", json={"postalCode": "160-0022"}, headers=auth).status_code == 200
            event = json.loads(socket.receive_text(timeout=30))
    assert event["type"] == "matches_updated"
    assert event["count"] == 1
    assert event["top"][0]["title"] == "新宿カフェ"
    (user_id,) = store.scores
    assert len(store.scores[user_id]) == 1  # stored for the user


def test_a_websocket_token_in_a_logged_url_is_redacted() -> None:
    import logging

    from entrypoints.http.notifications import RedactTokenParameter

    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, '%s - "WebSocket %s" [accepted]',
                               ("127.0.0.1:5000", "/ws?token=eyJ.secret.sig&after=abc"), None)  # fmt: skip
    assert RedactTokenParameter().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "WebSocket /ws?token=[redacted]&after=abc" [accepted]'
    in_message = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, "GET /x?a=1&token=secret", (), None)
    assert RedactTokenParameter().filter(in_message)
    assert in_message.getMessage() == "GET /x?a=1&token=[redacted]"
    args = ("127.0.0.1:5000", "GET", "/api/v1/me/matches?limit=20", "1.1", 200)
    access = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None)
    assert RedactTokenParameter().filter(access)
    assert access.args is args  # nothing to redact: the record untouched
