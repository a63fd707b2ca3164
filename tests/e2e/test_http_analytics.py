"""Admin analytics and the audit trail over HTTP on the in-memory storage."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from application import links
from domain.jst import jst_date
from domain.roles import Role
from domain.security import AuditEntry
from entrypoints.config import purpose_key
from tests.e2e.test_http_campaigns import CAMPAIGNS, job_seeker, wait_finished
from tests.e2e.test_http_support import account_with_role, client, seed, settings_for, shinjuku_job, store

__all__ = ["client", "store"]  # fixtures
ANALYTICS = "/api/v1/admin/analytics"
AUDIT = "/api/v1/admin/audit"


def test_campaign_analytics_count_sends_opens_clicks_and_unsubscribes_per_run(
    client: TestClient, store: InMemoryStore, tmp_path: Path  # type: ignore[type-arg]
) -> None:
    seed(store, shinjuku_job("新宿カフェ"))
    for n in range(4):
        job_seeker(client, f"user{n}@example.jp")
    admin = account_with_role(client, store, Role.ADMIN)
    campaign = client.post(CAMPAIGNS, json={"name": "daily"}, headers=admin).json()
    started = client.post(f"{CAMPAIGNS}/{campaign['id']}/run", headers=admin).json()
    wait_finished(client, started["statusUrl"], admin)

    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 4
    # The recipients' links, signed as the mails' were.
    signer = links.LinkSigner(purpose_key(settings_for(tmp_path), "mail-links"))
    sent = [d for d in store.deliveries.values() if d.status.value == "sent"]
    for delivery in sent:  # read a minute later: fetches in the first seconds are link scanners', not opens
        assert delivery.sent_at is not None
        delivery.sent_at -= timedelta(minutes=1)
    first, second = sent[0], sent[1]
    base = "https://mailscore.example.jp"
    for delivery in (first, first, second):  # two opens of one mail count once
        client.get(links.open_pixel_url(base, signer, delivery.id).removeprefix(base))
    job_id = first.matches[0].job_id
    click = links.click_url(base, signer, first.id, job_id, f"{base}/jobs/{job_id}").removeprefix(base)
    assert client.get(click, follow_redirects=False).status_code == 302
    unsubscribe = links.unsubscribe_url(base, signer, second.user_id, second.id).removeprefix(base)
    assert client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # counts once

    response = client.get(f"{ANALYTICS}/campaigns/{campaign['id']}", headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    expected = {"deliveries": 5, "pending": 0, "sent": 4, "skipped": 1, "failed": 0, "bounced": 0, "opened": 2,
                "clicked": 1, "unsubscribed": 1, "bounceRate": 0.0, "openRate": 0.5, "clickRate": 0.25,
                "unsubscribeRate": 0.25}  # fmt: skip
    assert body["total"] == expected
    assert [(r["runId"], r["status"]) for r in body["runs"]] == [(started["run"]["id"], "finished")]
    assert body["runs"][0]["counts"] == expected
    assert client.get(f"{ANALYTICS}/campaigns/{uuid.uuid4()}", headers=admin).status_code == 404


def test_daily_activity_lists_every_jst_day_of_the_range(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    admin = account_with_role(client, store, Role.ADMIN)
    today = jst_date(datetime.now(UTC))
    start = (today - timedelta(days=2)).isoformat()
    response = client.get(f"{ANALYTICS}/daily", params={"from": start, "to": today.isoformat()}, headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == (start, today.isoformat())
    assert [d["day"] for d in body["days"]] == [(today - timedelta(days=n)).isoformat() for n in (2, 1, 0)]
    assert body["days"][-1]["newUsers"] == 1  # the admin registered just now
    assert body["days"][0] == {"day": start, "newUsers": 0, "activeUsers": 0, "actions": 0, "applications": 0}
    assert len(client.get(f"{ANALYTICS}/daily", headers=admin).json()["days"]) == 30

    backwards = client.get(f"{ANALYTICS}/daily", params={"from": today.isoformat(), "to": start}, headers=admin)
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "from"
    too_long = client.get(f"{ANALYTICS}/daily", params={"from": "2024-01-01", "to": "2025-12-31"}, headers=admin)
    assert too_long.status_code == 422
    bad = client.get(f"{ANALYTICS}/daily", params={"from": "4月1日"}, headers=admin)
    assert bad.status_code == 400


def add_entry(store: InMemoryStore, entry: AuditEntry) -> None:
    async def add() -> None:
        async with InMemoryUnitOfWork(store) as uow:
            await uow.audit.add(entry)
            await uow.commit()

    asyncio.run(add())


def test_the_audit_trail_shows_who_did_what_in_jst_a_page_at_a_time(
    client: TestClient, store: InMemoryStore  # type: ignore[type-arg]
) -> None:
    admin = account_with_role(client, store, Role.ADMIN)
    boss = account_with_role(client, store, Role.SUPER_ADMIN)
    campaign = client.post(CAMPAIGNS, json={"name": "daily"}, headers=admin).json()
    for hour in (6, 7, 9):
        edited = client.patch(f"{CAMPAIGNS}/{campaign['id']}", json={"sendHourJst": hour}, headers=admin)
        assert edited.status_code == 200
    add_entry(store, AuditEntry(None, "cli", "user.grant_role", "user", "x", datetime(2025, 3, 31, 15, 30, tzinfo=UTC),
                                {}))  # fmt: skip

    assert client.get(AUDIT, headers=admin).status_code == 403  # security:audit is the super admin's
    everything = client.get(AUDIT, headers=boss).json()
    assert [e["action"] for e in everything["items"]] == ["campaign.edit"] * 3 + ["campaign.create",
                                                                                  "user.grant_role"]  # fmt: skip
    assert everything["nextCursor"] is None
    newest = everything["items"][0]
    admin_id = next(str(u.id) for u in store.users.values() if u.role == "admin")
    assert (newest["actor"], newest["actorId"], newest["targetType"], newest["targetId"]) == (
        f"user:{admin_id}", admin_id, "campaign", campaign["id"])  # fmt: skip
    assert newest["details"] == {"changes": {"send_hour_jst": [7, 9]}}
    assert newest["at"].endswith("+09:00")
    assert everything["items"][-1]["at"] == "2025-04-01T00:30:00+09:00"

    page = client.get(AUDIT, params={"actor": admin_id, "limit": 2}, headers=boss).json()
    rest = client.get(AUDIT, params={"actor": admin_id, "limit": 2, "cursor": page["nextCursor"]}, headers=boss)
    assert [e["id"] for e in page["items"] + rest.json()["items"]] == [e["id"] for e in everything["items"][:4]]
    assert rest.json()["nextCursor"] is None

    edits = client.get(AUDIT, params={"action": "campaign.edit"}, headers=boss).json()["items"]
    assert len(edits) == 3
    dated = client.get(AUDIT, params={"from": "2025-04-01", "to": "2025-04-01"}, headers=boss).json()["items"]
    assert [e["action"] for e in dated] == ["user.grant_role"]
    assert client.get(AUDIT, params={"actor": "cli"}, headers=boss).json()["items"][0]["action"] == "user.grant_role"
    forged = client.get(AUDIT, params={"cursor": "eyJhdCI6IngifQ.AAAA"}, headers=boss)
    assert forged.status_code == 422
    assert forged.json()["errors"][0]["field"] == "cursor"
