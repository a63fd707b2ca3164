"""Opens and clicks from link scanners are kept as flagged hits and are not opens or clicks; click links keep
the target's query string and a Japanese path."""

from datetime import UTC, datetime, timedelta

from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore
from application.links import LinkSigner, click_url, open_pixel_url
from domain.action import ActionKind
from domain.delivery import DeliveryStatus
from domain.link_scanners import HitKind, ScannerReason
from tests.e2e.test_http_mail_links import BASE, Mailed, assert_pixel, path_of, signer
from tests.e2e.test_http_support import client, store

__all__ = ["client", "signer", "store"]  # fixtures

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile"
SAFE_LINKS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) SafeLinks/1.0"


def sent(store: InMemoryStore, ago: timedelta) -> Mailed:
    mailed = Mailed(store)
    mailed.delivery.status, mailed.delivery.sent_at = DeliveryStatus.SENT, datetime.now(UTC) - ago
    return mailed


def hits(store: InMemoryStore, mailed: Mailed) -> list[tuple[str, str | None]]:
    rows = sorted((h for h in store.link_hits.values() if h.delivery_id == mailed.delivery_id),
                  key=lambda h: h.occurred_at)  # fmt: skip
    return [(h.kind.value, h.scanner_reason.value if h.scanner_reason else None) for h in rows]


def test_scanner_opens_are_flagged_and_a_later_person_opens(
    client: TestClient, store: InMemoryStore, signer: LinkSigner  # type: ignore[type-arg]
) -> None:
    mailed = sent(store, timedelta(hours=1))
    pixel = path_of(open_pixel_url(BASE, signer, mailed.delivery_id))
    assert_pixel(client.get(pixel, headers={"User-Agent": SAFE_LINKS}))
    assert_pixel(client.get(pixel, headers={"User-Agent": ""}))
    assert mailed.delivery.status is DeliveryStatus.SENT
    assert mailed.delivery.opened_at is None
    assert not mailed.actions(ActionKind.EMAIL_OPEN)
    assert_pixel(client.get(pixel, headers={"User-Agent": BROWSER}))
    assert mailed.delivery.status is DeliveryStatus.OPENED
    assert hits(store, mailed) == [("open", "scanner_agent"), ("open", "no_agent"), ("open", None)]


def test_a_click_seconds_after_the_send_is_a_scanner_and_still_redirects(
    client: TestClient, store: InMemoryStore, signer: LinkSigner  # type: ignore[type-arg]
) -> None:
    mailed = sent(store, timedelta(seconds=3))
    job = mailed.jobs[0]
    target = f"{BASE}/jobs/{job.id}"
    response = client.get(path_of(click_url(BASE, signer, mailed.delivery_id, job.id, target)),
                          headers={"User-Agent": BROWSER}, follow_redirects=False)  # fmt: skip
    assert response.status_code == 302
    assert response.headers["location"] == target
    assert mailed.delivery.status is DeliveryStatus.SENT
    assert mailed.delivery.clicked_at is None
    assert not mailed.actions(ActionKind.EMAIL_CLICK)
    [hit] = [h for h in store.link_hits.values() if h.delivery_id == mailed.delivery_id]
    assert (hit.kind, hit.scanner_reason, hit.job_id) == (HitKind.CLICK, ScannerReason.TOO_SOON, job.id)


def test_a_click_keeps_the_query_string_and_a_japanese_path(
    client: TestClient, store: InMemoryStore, signer: LinkSigner  # type: ignore[type-arg]
) -> None:
    mailed = sent(store, timedelta(hours=2))
    job = mailed.jobs[0]
    target = f"{BASE}/jobs/渋谷カフェ/{job.id}?utm_source=mail&utm_campaign=daily&q=時給1200&x=a%2Fb#応募"
    response = client.get(path_of(click_url(BASE, signer, mailed.delivery_id, job.id, target)),
                          headers={"User-Agent": BROWSER}, follow_redirects=False)  # fmt: skip
    assert response.status_code == 302
    assert response.headers["location"] == (
        f"{BASE}/jobs/%E6%B8%8B%E8%B0%B7%E3%82%AB%E3%83%95%E3%82%A7/{job.id}"
        "?utm_source=mail&utm_campaign=daily&q=%E6%99%82%E7%B5%A61200&x=a%2Fb#%E5%BF%9C%E5%8B%9F"
    )  # the same URL, non-ASCII percent-encoded as UTF-8; what was encoded already stays as it was
    assert mailed.delivery.status is DeliveryStatus.CLICKED
    assert hits(store, mailed) == [("click", None)]
