"""GET/POST /p/{token}: the signed preference page of a mail (daily, weekly or no mail; job types)."""

from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore
from application.links import LinkSigner, preferences_url, unsubscribe_url
from tests.e2e.test_http_mail_links import BASE, Mailed, assert_not_found, flip, path_of, signer
from tests.e2e.test_http_support import client, store

__all__ = ["client", "signer", "store"]  # fixtures

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def page_of(mailed: Mailed, signer: LinkSigner) -> str:
    return path_of(preferences_url(BASE, signer, mailed.user.id, mailed.delivery_id))


def test_the_page_shows_the_current_choice_escaped(
    client: TestClient, store: InMemoryStore, signer: LinkSigner  # type: ignore[type-arg]
) -> None:
    mailed = Mailed(store)
    store.users[mailed.user.id].preferences = None
    response = client.get(page_of(mailed, signer))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert 'value="daily" checked' in response.text
    assert f'action="{page_of(mailed, signer)}"' in response.text
    body = "frequency=weekly&job_types=%3Cscript%3E%E3%80%81%EF%BD%B6%EF%BE%8C%EF%BD%AA"  # <script>、ｶﾌｪ
    saved = client.post(page_of(mailed, signer), content=body, headers=FORM)
    assert saved.status_code == 200, saved.text
    assert "保存しました" in saved.text
    assert 'value="weekly" checked' in saved.text
    assert "<script>" not in saved.text
    assert 'value="&lt;script&gt;、カフェ"' in saved.text  # escaped, and NFKC: ｶﾌｪ became カフェ


def test_weekly_none_and_daily_change_the_user(
    client: TestClient, store: InMemoryStore, signer: LinkSigner  # type: ignore[type-arg]
) -> None:
    mailed = Mailed(store)
    page = page_of(mailed, signer)
    assert client.post(page, data={"frequency": "weekly", "job_types": "カフェ, 書店、カフェ"}).status_code == 200
    user = store.users[mailed.user.id]
    assert (user.email_opt_in, user.mail_frequency, user.wishes.job_types) == (True, "weekly", ["カフェ", "書店"])
    assert client.post(page, data={"frequency": "none", "job_types": "カフェ"}).status_code == 200
    user = store.users[mailed.user.id]
    assert (user.email_opt_in, user.mail_frequency) == (False, "weekly")
    assert 'value="none" checked' in client.get(page).text
    assert client.post(page, data={"frequency": "daily", "job_types": ""}).status_code == 200
    user = store.users[mailed.user.id]
    assert (user.email_opt_in, user.mail_frequency, user.wishes.job_types) == (True, "daily", [])


def test_bad_tokens_and_bad_choices_change_nothing(
    client: TestClient, store: InMemoryStore, signer: LinkSigner  # type: ignore[type-arg]
) -> None:
    mailed = Mailed(store)
    page = page_of(mailed, signer)
    foreign = path_of(unsubscribe_url(BASE, signer, mailed.user.id, mailed.delivery_id)).replace("/u/", "/p/")
    for bad in (page.replace("/p/", "/p/x"), "/p/" + flip(page.rsplit("/", 1)[1]), foreign):
        assert_not_found(client.get(bad))
        assert_not_found(client.post(bad, data={"frequency": "none", "job_types": ""}))
        assert_not_found(client.post(bad))  # the link is checked before the body
    wrong = client.post(page, data={"frequency": "hourly", "job_types": ""})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "frequency"
    too_many = client.post(page, data={"frequency": "daily", "job_types": ",".join(f"職種{i}" for i in range(31))})
    assert too_many.status_code == 422
    assert client.post(page, json={"frequency": "none"}).status_code == 400  # the form, not JSON
    user = store.users[mailed.user.id]
    assert (user.email_opt_in, user.mail_frequency) == (True, "daily")
