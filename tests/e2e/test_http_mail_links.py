"""The links in every daily mail, end to end on the in-memory storage: open pixel, click redirect and the
RFC 8058 one-click unsubscribe. Tokens are signed with the key the app's link signer uses."""

import asyncio
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from application.links import (
    LinkSigner,
    click_url,
    open_pixel_url,
    preferences_url,
    unsubscribe_url,
)
from domain.action import ActionKind
from domain.campaign import Campaign
from domain.delivery import Delivery, DeliveryStatus, MatchedJob
from domain.user import User
from entrypoints.config import purpose_key
from entrypoints.http.controllers.mail_links import PIXEL
from tests.e2e.test_http_support import client, settings_for, shinjuku_job, store

__all__ = ["client", "store"]  # fixtures
PROBLEM = "application/problem+json"
BASE = "https://mailscore.example.jp"  # the default base URL of the test settings
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def path_of(url: str) -> str:
    assert url.startswith(BASE + "/")
    return url[len(BASE) :]


@pytest.fixture
def signer(tmp_path: Path) -> LinkSigner:
    settings = settings_for(tmp_path)
    assert settings.base_url == BASE
    return LinkSigner(purpose_key(settings, "mail-links"))  # as entrypoints/ioc.py builds it


class Mailed:
    def __init__(self, store: InMemoryStore, status: DeliveryStatus = DeliveryStatus.SENT) -> None:
        self.user = User(id=uuid.uuid4(), email=f"u-{uuid.uuid4().hex[:8]}@example.jp", full_name="山田 花子")
        self.jobs = [shinjuku_job("新宿カフェ"), shinjuku_job("新宿書店")]
        campaign = Campaign(id=uuid.uuid4(), name=f"daily-{uuid.uuid4().hex[:6]}")
        self.delivery_id = uuid.uuid4()

        async def add() -> None:
            uow = InMemoryUnitOfWork(store)
            async with uow:
                await uow.users.add(self.user)
                for job in self.jobs:
                    await uow.jobs.add(job)
                await uow.campaigns.add(campaign)
                run = await uow.deliveries.get_or_create_run(campaign.id, date(2026, 12, 3), datetime.now(UTC))
                matches = [MatchedJob(job.id, rank, 0.9, 0.5, 0.2, 0.3, ["近い"], 1.5, 12)
                           for rank, job in enumerate(self.jobs, 1)]  # fmt: skip
                delivery = Delivery(run.id, campaign.id, self.user.id, self.user.email, status=status,
                                    id=self.delivery_id, matches=matches)  # fmt: skip
                await uow.deliveries.add_planned([delivery])
                await uow.commit()

        asyncio.run(add())
        self.store = store

    @property
    def delivery(self) -> Delivery:
        return self.store.deliveries[self.delivery_id]

    def actions(self, kind: ActionKind) -> list[tuple[uuid.UUID, uuid.UUID]]:
        return [(a.user_id, a.job_id) for a in self.store.actions.values() if a.kind is kind]


def assert_pixel(response: object) -> None:
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "image/gif"  # type: ignore[attr-defined]
    assert response.headers["cache-control"] == "no-store"  # type: ignore[attr-defined]
    assert response.content == PIXEL  # type: ignore[attr-defined]
    assert PIXEL.startswith(b"GIF89a\x01\x00\x01\x00")


def assert_not_found(response: object) -> None:
    assert response.status_code == 404, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith(PROBLEM)  # type: ignore[attr-defined]
    assert response.json()["type"].endswith("/not-found")  # type: ignore[attr-defined]
    assert "location" not in response.headers  # type: ignore[attr-defined]


def flip(token: str, at: int = 3) -> str:
    return token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]


def test_the_pixel_is_a_gif_and_marks_the_delivery_opened_only_once(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
    signer: LinkSigner,
) -> None:
    mailed = Mailed(store)
    pixel = path_of(open_pixel_url(BASE, signer, mailed.delivery_id))

    assert_pixel(client.get(pixel))
    opened = mailed.delivery
    assert opened.status is DeliveryStatus.OPENED
    assert opened.opened_at is not None
    assert mailed.actions(ActionKind.EMAIL_OPEN) == [(mailed.user.id, mailed.jobs[0].id)]

    assert_pixel(client.get(pixel))
    assert mailed.delivery.opened_at == opened.opened_at
    assert len(mailed.actions(ActionKind.EMAIL_OPEN)) == 1


def test_a_bad_pixel_token_still_gets_the_gif_and_records_nothing(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
    signer: LinkSigner,
) -> None:
    mailed = Mailed(store)
    token = path_of(open_pixel_url(BASE, signer, mailed.delivery_id)).rsplit("/", 1)[1]
    foreign = path_of(unsubscribe_url(BASE, signer, mailed.user.id, mailed.delivery_id)).rsplit("/", 1)[1]
    unknown = path_of(open_pixel_url(BASE, signer, uuid.uuid4())).rsplit("/", 1)[1]
    for bad in (flip(token), foreign, unknown, "garbage", "a.b", "x" * 9000):
        assert_pixel(client.get(f"/t/o/{bad}"))
    assert mailed.delivery.status is DeliveryStatus.SENT
    assert not mailed.actions(ActionKind.EMAIL_OPEN)


def test_a_pixel_for_a_delivery_never_mailed_records_nothing(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
    signer: LinkSigner,
) -> None:
    mailed = Mailed(store, DeliveryStatus.PENDING)
    assert_pixel(client.get(path_of(open_pixel_url(BASE, signer, mailed.delivery_id))))
    assert mailed.delivery.status is DeliveryStatus.PENDING
    assert not mailed.actions(ActionKind.EMAIL_OPEN)


def test_a_click_redirects_to_the_job_page_and_records_the_click(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
    signer: LinkSigner,
) -> None:
    mailed = Mailed(store)
    job = mailed.jobs[1]
    target = f"{BASE}/jobs/{job.id}"
    response = client.get(path_of(click_url(BASE, signer, mailed.delivery_id, job.id, target)),
                          follow_redirects=False)  # fmt: skip
    assert response.status_code == 302, response.text
    assert response.headers["location"] == target
    assert mailed.delivery.status is DeliveryStatus.CLICKED
    assert mailed.delivery.clicked_at is not None
    assert mailed.actions(ActionKind.EMAIL_CLICK) == [(mailed.user.id, job.id)]
    # An open after the click changes nothing.
    assert_pixel(client.get(path_of(open_pixel_url(BASE, signer, mailed.delivery_id))))
    assert mailed.delivery.status is DeliveryStatus.CLICKED
    assert not mailed.actions(ActionKind.EMAIL_OPEN)


def test_tampered_foreign_and_malformed_click_tokens_are_404_problems_and_record_nothing(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
    signer: LinkSigner,
) -> None:
    mailed = Mailed(store)
    job = mailed.jobs[0]
    token = path_of(click_url(BASE, signer, mailed.delivery_id, job.id, f"{BASE}/jobs/{job.id}")).rsplit("/", 1)[1]
    foreign = path_of(preferences_url(BASE, signer, mailed.user.id, mailed.delivery_id)).rsplit("/", 1)[1]
    for bad in (flip(token), flip(token, len(token) - 2), token + "A", foreign, "garbage", "a.b"):
        assert_not_found(client.get(f"/t/c/{bad}", follow_redirects=False))
    assert mailed.delivery.status is DeliveryStatus.SENT
    assert not mailed.actions(ActionKind.EMAIL_CLICK)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/jobs/1",
        "https://mailscore.example.jp.evil.example.com/jobs/1",
        "https://mailscore.example.jp@evil.example.com/jobs/1",
        "https://evil.example.com\\@mailscore.example.jp/jobs/1",
        "https://mailscore.example.jp:8443/jobs/1",
    ],
)
def test_a_validly_signed_click_to_another_host_is_404_not_a_redirect(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
    signer: LinkSigner,
    target: str,
) -> None:
    mailed = Mailed(store)
    link = click_url(BASE, signer, mailed.delivery_id, mailed.jobs[0].id, target)
    assert_not_found(client.get(path_of(link), follow_redirects=False))
    assert mailed.delivery.status is DeliveryStatus.SENT
    assert not mailed.actions(ActionKind.EMAIL_CLICK)


def test_one_click_unsubscribe_stops_the_mail_and_is_idempotent(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
    signer: LinkSigner,
) -> None:
    mailed = Mailed(store)
    link = path_of(unsubscribe_url(BASE, signer, mailed.user.id, mailed.delivery_id))
    assert store.users[mailed.user.id].email_opt_in is True

    response = client.post(link, data=ONE_CLICK)  # form-encoded, no auth, no cookie
    assert response.status_code == 200, response.text
    assert store.users[mailed.user.id].email_opt_in is False
    assert "set-cookie" not in response.headers

    again = client.post(link, data=ONE_CLICK)
    assert again.status_code == 200, again.text
    assert store.users[mailed.user.id].email_opt_in is False


def test_unsubscribe_needs_the_one_click_body_and_a_good_token(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
    signer: LinkSigner,
) -> None:
    mailed = Mailed(store)
    link = path_of(unsubscribe_url(BASE, signer, mailed.user.id, mailed.delivery_id))
    for body in ({}, {"List-Unsubscribe": "yes"}):
        response = client.post(link, data=body)
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["field"] == "List-Unsubscribe"
    token = link.rsplit("/", 1)[1]
    foreign = path_of(preferences_url(BASE, signer, mailed.user.id, mailed.delivery_id)).rsplit("/", 1)[1]
    for bad in (flip(token), foreign, "garbage"):
        assert_not_found(client.post(f"/u/{bad}", data=ONE_CLICK))
        assert_not_found(client.get(f"/u/{bad}"))
    assert store.users[mailed.user.id].email_opt_in is True


def test_the_unsubscribe_page_asks_first_and_changes_nothing(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
    signer: LinkSigner,
) -> None:
    mailed = Mailed(store)
    link = path_of(unsubscribe_url(BASE, signer, mailed.user.id, mailed.delivery_id))
    response = client.get(link)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert "配信停止の確認" in page
    assert "配信を停止する" in page
    assert f'<form method="post" action="{link}">' in page
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in page
    assert mailed.user.email not in page
    assert store.users[mailed.user.id].email_opt_in is True
