"""DKIM: a composed mail signed with the configured key verifies with dkimpy against the public key, covers
the headers mailbox providers look at, and breaks when any of them is changed."""

import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import dkim
import pytest

from adapters.mail.composer import JinjaMailComposer
from adapters.mail.dkim_signer import DkimKeyError, DkimSigner
from application.ports import MailContext, MailJob
from entrypoints.config import ConfigError, load_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dkim"
KEY = FIXTURES / "test-only-rsa2048.pem"  # made for these tests with `openssl genrsa -traditional 2048`
PUBLIC = (FIXTURES / "test-only-rsa2048.pub.b64").read_text().strip()


def dns(name: bytes, timeout: int = 5) -> bytes:
    """The TXT record the domain would publish at <selector>._domainkey.<domain>."""
    assert name == b"ms2026._domainkey.mailscore.example.jp.", name
    return f"v=DKIM1; k=rsa; p={PUBLIC}".encode()


def signed_mail() -> bytes:
    signer = DkimSigner.from_file(KEY, "ms2026", "mailscore.example.jp")
    composer = JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score", sign=signer.sign)
    job = MailJob("ホールスタッフ", "喫茶ミライ", 1300, "渋谷駅 徒歩5分", 12, ("自宅から約12分",),
                  "https://mailscore.example.jp/jobs/1", False)  # fmt: skip
    context = MailContext(
        delivery_id=uuid.uuid4(), message_id="<a.b@mailscore.example.jp>", recipient_email="hanako@example.jp",
        recipient_name="山田 花子", campaign_name="daily", run_date=date(2026, 12, 3),
        sent_at=datetime(2026, 12, 2, 23, tzinfo=UTC), jobs=(job,),
        unsubscribe_url="https://mailscore.example.jp/u/tok", preferences_url="https://mailscore.example.jp/p/tok",
    )  # fmt: skip
    return composer.compose(context).data


def test_the_signature_verifies_against_the_public_key_and_covers_the_required_headers() -> None:
    data = signed_mail()
    assert data.startswith(b"DKIM-Signature: ")
    assert dkim.verify(data, dnsfunc=dns)
    header = re.sub(r"\s", "", data.split(b"\r\n\r\n", 1)[0].decode())
    signed = re.search(r"DKIM-Signature:.*?\bh=([^;]+);", header)
    assert signed is not None
    names = signed.group(1).lower().split(":")
    for required in ("from", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post"):
        assert required in names, required
    assert "d=mailscore.example.jp;" in header
    assert "s=ms2026;" in header


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"Message-ID: <a.b@", b"Message-ID: <x.b@"),
        (b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: List-Unsubscribe=Two"),
        (b"https://mailscore.example.jp/u/tok", b"https://evil.example.com/u/tok"),
    ],
)
def test_a_changed_signed_header_fails_verification(old: bytes, new: bytes) -> None:
    data = signed_mail()
    assert old in data
    assert not dkim.verify(data.replace(old, new), dnsfunc=dns)


def test_a_bad_key_or_selector_is_refused_naming_why(tmp_path: Path) -> None:
    (tmp_path / "bad.pem").write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    with pytest.raises(DkimKeyError, match="not an RSA private key"):
        DkimSigner.from_file(tmp_path / "bad.pem", "ms2026", "mailscore.example.jp")
    with pytest.raises(DkimKeyError, match="cannot read"):
        DkimSigner.from_file(tmp_path / "missing.pem", "ms2026", "mailscore.example.jp")
    with pytest.raises(DkimKeyError, match="selector"):
        DkimSigner.from_file(KEY, "bad selector", "mailscore.example.jp")
    assert "BEGIN" not in repr(DkimSigner.from_file(KEY, "ms2026", "mailscore.example.jp"))


def test_settings_want_key_and_selector_together_and_a_usable_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="set both"):
        load_settings({"MAILSCORE_DKIM_KEY_FILE": str(KEY)})
    with pytest.raises(ConfigError, match="MAILSCORE_DKIM_KEY_FILE: cannot read"):
        load_settings({"MAILSCORE_DKIM_KEY_FILE": str(tmp_path / "nope.pem"), "MAILSCORE_DKIM_SELECTOR": "s1"})
    settings = load_settings({"MAILSCORE_DKIM_KEY_FILE": str(KEY), "MAILSCORE_DKIM_SELECTOR": "ms2026"})
    assert (settings.dkim_key_file, settings.dkim_selector, settings.dkim_domain) == (KEY, "ms2026", None)


async def test_the_container_signs_when_the_settings_name_a_key(tmp_path: Path) -> None:
    from application.ports import MailComposer
    from entrypoints.config import Settings
    from entrypoints.ioc import make_container

    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", secret_key="s" * 40,
                        dkim_key_file=KEY, dkim_selector="ms2026")  # fmt: skip
    container = make_container(settings)
    try:
        composer = await container.get(MailComposer)
    finally:
        await container.close()
    context = MailContext(
        delivery_id=uuid.uuid4(), message_id="<c.d@mailscore.example.jp>", recipient_email="taro@example.jp",
        recipient_name="", campaign_name="daily", run_date=date(2026, 12, 3), sent_at=datetime(2026, 12, 2, tzinfo=UTC),
        jobs=(), unsubscribe_url="https://mailscore.example.jp/u/t", preferences_url="https://mailscore.example.jp/p/t",
    )  # fmt: skip
    assert dkim.verify(composer.compose(context).data, dnsfunc=dns)
