"""Campaign A/B variants over HTTP: set with the campaign, validated field by field, and counted per variant."""

import uuid
from pathlib import Path

from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore
from domain.roles import Role
from tests.e2e.test_http_campaigns import CAMPAIGNS, job_seeker, wait_finished
from tests.e2e.test_http_support import account_with_role, client, seed, shinjuku_job, store

__all__ = ["client", "store"]  # fixtures
ANALYTICS = "/api/v1/admin/analytics"
FIT = {"basic": 1.0, "seo": 0.0, "personalized": 0.0}
LISTING = {"basic": 0.05, "seo": 1.0, "personalized": 0.0}
TWO = [{"name": "A 適合重視", "share": 50, "weights": FIT},
       {"name": "B 件名", "share": 50, "weights": LISTING, "subject": "【B】{{ job_count }}件の求人"}]  # fmt: skip


def _field(response: object) -> tuple[int, str]:
    body = response.json()  # type: ignore[attr-defined]
    return response.status_code, body["errors"][0]["field"]  # type: ignore[attr-defined]


def test_variants_are_created_shown_edited_and_audited(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    admin = account_with_role(client, store, Role.ADMIN)
    created = client.post(CAMPAIGNS, json={"name": "ab", "variants": TWO}, headers=admin)
    assert created.status_code == 201, created.text
    variants = created.json()["variants"]
    assert [(v["name"], v["share"], v["weights"], v["subject"]) for v in variants] == [
        ("A 適合重視", 50, FIT, None), ("B 件名", 50, LISTING, "【B】{{ job_count }}件の求人")]  # fmt: skip
    url = f"{CAMPAIGNS}/{created.json()['id']}"
    assert client.get(url, headers=admin).json()["campaign"]["variants"] == variants

    edited = client.patch(url, json={"variants": [{"name": "b 件名", "share": 70}, {"name": "C", "share": 30}]},
                          headers=admin)  # fmt: skip
    assert edited.status_code == 200, edited.text
    assert edited.json()["changed"] == ["variants"]
    now = edited.json()["campaign"]["variants"]
    assert [(v["name"], v["share"], v["weights"], v["subject"]) for v in now] == [
        ("b 件名", 70, None, None), ("C", 30, None, None)]  # fmt: skip
    assert now[0]["id"] == variants[1]["id"]  # the same variant, renamed in case only: its figures stay
    assert client.patch(url, json={"variants": now and [{"name": "b 件名", "share": 70}, {"name": "C", "share": 30}]},
                        headers=admin).json()["changed"] == []  # fmt: skip
    assert client.patch(url, json={"variants": []}, headers=admin).json()["campaign"]["variants"] == []

    edits = [e for e in store.audit.values() if e.action == "campaign.edit"]
    assert len(edits) == 2  # the edit that changed nothing is not recorded
    assert any(e.details["changes"]["variants"][1][0]["name"] == "b 件名" for e in edits)  # type: ignore[index]


def test_bad_variants_get_422_naming_the_field(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    admin = account_with_role(client, store, Role.ADMIN)

    def create(variants: list[dict[str, object]]) -> tuple[int, str]:
        return _field(client.post(CAMPAIGNS, json={"name": f"c{uuid.uuid4().hex[:6]}", "variants": variants},
                                  headers=admin))  # fmt: skip

    assert create([{"name": "A", "share": 50}, {"name": "B", "share": 40}]) == (422, "variants")
    assert create([{"name": "A", "share": 50}, {"name": "ａ", "share": 50}]) == (422, "variants[1].name")
    assert create([{"name": "A", "share": 100, "weights": {"basic": 0, "seo": 0, "personalized": 1}}]) == (
        422, "variants[0].weights")  # fmt: skip
    assert create([{"name": "A", "share": 100, "subject": "{{ job_count "}]) == (422, "variants[0].subject")
    assert create([{"name": "A", "share": 100, "subject": "{{ ''.__class__.__mro__ }}"}]) == (
        422, "variants[0].subject")  # the sandbox refuses it when checking  # fmt: skip
    status, _ = create([{"name": "A", "share": 0}, {"name": "B", "share": 100}])
    assert status in (400, 422)
    assert not [c for c in store.campaigns.values() if c.name.startswith("c")]
    campaign = client.post(CAMPAIGNS, json={"name": "ok"}, headers=admin).json()
    bad = client.patch(f"{CAMPAIGNS}/{campaign['id']}", json={"variants": [{"name": "A", "share": 99}]}, headers=admin)
    assert _field(bad) == (422, "variants")


def test_analytics_count_each_variant_per_run_and_in_total(
    client: TestClient, store: InMemoryStore, tmp_path: Path  # type: ignore[type-arg]
) -> None:
    seed(store, shinjuku_job("新宿カフェ"), shinjuku_job("新宿ベーカリー"))
    for n in range(12):
        job_seeker(client, f"user{n}@example.jp")
    admin = account_with_role(client, store, Role.ADMIN)
    campaign = client.post(CAMPAIGNS, json={"name": "ab", "variants": TWO}, headers=admin).json()
    started = client.post(f"{CAMPAIGNS}/{campaign['id']}/run", headers=admin).json()
    wait_finished(client, started["statusUrl"], admin)

    deliveries = [d for d in store.deliveries.values() if d.campaign_id == uuid.UUID(campaign["id"])]
    by_variant = {v["id"]: [d for d in deliveries if str(d.variant_id) == v["id"]] for v in campaign["variants"]}
    assert sum(len(ds) for ds in by_variant.values()) == len(deliveries) == 13  # the admin too, skipped
    b = campaign["variants"][1]
    assert all(d.subject.startswith("【B】") for d in by_variant[b["id"]] if d.subject)  # type: ignore[union-attr]
    assert any(d.subject for d in by_variant[b["id"]])

    body = client.get(f"{ANALYTICS}/campaigns/{campaign['id']}", headers=admin).json()
    (run,) = body["runs"]
    assert [v["variantId"] for v in body["variants"]] == [v["id"] for v in campaign["variants"]]
    assert [v["variantId"] for v in run["variants"]] == [v["id"] for v in campaign["variants"] if by_variant[v["id"]]]
    for figures in (body["variants"], run["variants"]):
        for v in figures:
            mine = by_variant[v["variantId"]]
            sent = sum(d.status.value == "sent" for d in mine)
            assert (v["name"], v["retired"], v["counts"]["sent"], v["counts"]["deliveries"]) == (
                next(c["name"] for c in campaign["variants"] if c["id"] == v["variantId"]), False, sent, len(mine))
            assert v["counts"]["openRate"] == 0.0
    assert sum(v["counts"]["sent"] for v in body["variants"]) == body["total"]["sent"] == 12

    # Taken out of the campaign, a variant's mails are still counted under its name, marked retired.
    client.patch(f"{CAMPAIGNS}/{campaign['id']}", json={"variants": [{"name": "C", "share": 100}]}, headers=admin)
    after = client.get(f"{ANALYTICS}/campaigns/{campaign['id']}", headers=admin).json()
    assert [(v["name"], v["retired"]) for v in after["variants"]] == [("C", False)] + [
        (v["name"], True) for v in run["variants"]]  # fmt: skip
    assert after["variants"][0]["counts"]["deliveries"] == 0
    assert [v["name"] for v in after["runs"][0]["variants"]] == [v["name"] for v in run["variants"]]
