"""The DKIM signer against dkimpy, the reference: its relaxed body canonicalization equals dkimpy's on any
bytes, its signature header is byte for byte what `dkim.sign` writes (RSA PKCS#1 v1.5 is deterministic),
and every mail it signs verifies with `dkim.verify` until a signed byte changes."""

import functools
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from dkim.canonicalization import Relaxed
from hypothesis import example, given, settings
from hypothesis import strategies as st

from adapters.mail.composer import JinjaMailComposer
from adapters.mail.dkim_signer import SIGNED_HEADERS, DkimKeyError, DkimSigner, relaxed_body
from application.ports import MailContext, MailJob
from entrypoints.config import ConfigError, load_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dkim"
KEY = FIXTURES / "test-only-rsa2048.pem"  # made for these tests with `openssl genrsa -traditional 2048`
PUBLIC = (FIXTURES / "test-only-rsa2048.pub.b64").read_text().strip()
SELECTOR, DOMAIN = "ms2026", "mailscore.example.jp"
T = 1_764_716_400  # 2025-12-03 00:00 JST


def dns(name: bytes, timeout: int = 5) -> bytes:
    assert name == b"ms2026._domainkey.mailscore.example.jp.", name
    return f"v=DKIM1; k=rsa; p={PUBLIC}".encode()


@functools.cache
def signer() -> DkimSigner:
    return DkimSigner(KEY.read_bytes(), SELECTOR, DOMAIN, clock=lambda: T)


class _FrozenTime:
    @staticmethod
    def time() -> float:
        return T


def dkimpy_signature(message: bytes, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """What `dkim.sign` writes for the message at time T, with the signer's headers and policy."""
    with monkeypatch.context() as patch:
        patch.setattr(dkim, "time", _FrozenTime)  # dkim.sign reads t= from its module's `time.time()`
        return bytes(
            dkim.sign(message, SELECTOR.encode(), DOMAIN.encode(), KEY.read_bytes(),
                      canonicalize=(b"relaxed", b"relaxed"), include_headers=list(SIGNED_HEADERS))
        )  # fmt: skip


# --- relaxed body canonicalization -------------------------------------------------------------------

_PIECES = [b" ", b"  ", b"\t", b"\r\n", b"\r", b"\n", b"a", b"QUJD", b"=", b"-", b"\r\n\r\n", b" \r\n", b"\x00"]
bodies = st.one_of(st.binary(max_size=200), st.lists(st.sampled_from(_PIECES), max_size=60).map(b"".join))


@given(bodies)
@settings(max_examples=3000)
@example(b"")
@example(b"\r\n")
@example(b"\r\n\r\n")
@example(b" ")
@example(b"abc \t")
@example(b"a \r\r\n")
@example(b"QUJD\r\nREVG\r\n")
def test_relaxed_body_equals_dkimpys_on_any_bytes(body: bytes) -> None:
    assert relaxed_body(body) == Relaxed.canonicalize_body(body)


base64_bodies = st.lists(
    st.lists(st.sampled_from(b"ABCxyz019+/="), min_size=1, max_size=76).map(bytes), min_size=1, max_size=30
).map(lambda lines: b"\r\n".join(lines) + b"\r\n")


@given(base64_bodies, st.sampled_from([b"", b"Content-Type: text/plain; charset=utf-8\r\n\r\n"]))
def test_a_body_of_base64_lines_and_single_spaced_headers_takes_the_fast_path(body: bytes, head: bytes) -> None:
    data = head + body
    assert relaxed_body(data) is data  # returned as it is: no regex ran
    assert Relaxed.canonicalize_body(data) == data


def test_the_composers_bodies_need_no_change() -> None:
    data = compose(subject="{{ recipient_name }}さん、今日の求人", recipient="hanako@example.jp")
    body = data.split(b"\r\n\r\n", 1)[1]
    assert relaxed_body(body) is body  # the fast path: the object itself, no regex ran


# --- the signature -----------------------------------------------------------------------------------


def compose(subject: str | None, recipient: str, name: str = "山田 花子", jobs: int = 3) -> bytes:
    composer = JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score")
    reasons = ("自宅から約12分", "時給1,300円（希望より+200円）")
    job = MailJob("ホールスタッフ（週2日〜・未経験歓迎）", "喫茶ミライ 渋谷店", 1300, "渋谷駅 徒歩5分", 12,
                  reasons, "https://mailscore.example.jp/jobs/1", False)  # fmt: skip
    context = MailContext(
        delivery_id=uuid.UUID(int=7), message_id="<run7.user9@mailscore.example.jp>", recipient_email=recipient,
        recipient_name=name, campaign_name="daily", run_date=date(2026, 12, 3),
        sent_at=datetime(2026, 12, 2, 23, tzinfo=UTC), jobs=(job,) * jobs,
        unsubscribe_url="https://mailscore.example.jp/u/tok", preferences_url="https://mailscore.example.jp/p/tok",
        subject_template=subject,
    )  # fmt: skip
    return composer.compose(context).data


LONG_SUBJECT = "【急募】{{ recipient_name }}さんへ、" + "本日のおすすめアルバイト・パート求人" * 6
MAILS = {
    "bundled subject": (None, "hanako@example.jp"),
    "long Japanese subject": (LONG_SUBJECT, "hanako@example.jp"),
    "half and full width": ("ｶﾌｪ　スタッフ  募集 {{ job_count }}件　ＡＢＣ", "taro@example.jp"),
    "carrier address, dots": (None, "yuki..chan.@docomo.ne.jp"),
    "carrier address, ezweb": ("{{ recipient_name }}様", "a.-b..@ezweb.ne.jp"),
}


@pytest.mark.parametrize(("subject", "recipient"), MAILS.values(), ids=MAILS.keys())
def test_a_signed_mail_verifies_and_is_what_dkim_sign_writes(
    subject: str | None, recipient: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = compose(subject, recipient)
    signed = signer().sign(message)
    assert signed == dkimpy_signature(message, monkeypatch) + message
    assert dkim.verify(signed, dnsfunc=dns)


def test_a_tampered_body_or_header_fails_verification() -> None:
    message = compose("{{ recipient_name }}さん、今日の求人", "yuki..chan.@docomo.ne.jp")
    signed = signer().sign(message)
    assert dkim.verify(signed, dnsfunc=dns)
    head, body = signed.split(b"\r\n\r\n", 1)
    line = body.split(b"\r\n")[5]
    flipped = line[:10] + (b"B" if line[10:11] != b"B" else b"C") + line[11:]
    subject_start = head.index(b"\r\nSubject: ") + 11
    tampered = {
        "body byte": head + b"\r\n\r\n" + body.replace(line, flipped, 1),
        "body line added": signed[: -len(b"--\r\n")] + b"--\r\nextra\r\n",
        "subject": head[:subject_start] + b"X" + head[subject_start:] + b"\r\n\r\n" + body,
        "recipient": signed.replace(b'"yuki..chan."@docomo.ne.jp', b'"yuki..chan"@docomo.ne.jp'),
        "a second From": signed.replace(b"\r\nTo: ", b"\r\nFrom: evil@example.com\r\nTo: ", 1),
        "date": signed.replace(b"Date: Thu, 03 Dec 2026 08:00:00 +0900", b"Date: Fri, 04 Dec 2026 08:00:00 +0900"),
    }
    for what, data in tampered.items():
        assert data != signed, what
        assert not dkim.verify(data, dnsfunc=dns), what


def test_relaxed_canonicalization_survives_a_relay_that_refolds_headers_and_pads_lines() -> None:
    signed = signer().sign(compose(None, "hanako@example.jp"))
    head, body = signed.split(b"\r\n\r\n", 1)
    refolded = head.replace(b"List-Unsubscribe-Post: ", b"List-Unsubscribe-Post:\r\n\t ")
    padded = body.replace(b"\r\n", b" \t\r\n", 3)
    assert dkim.verify(refolded + b"\r\n\r\n" + padded, dnsfunc=dns)


header_values = st.text(st.sampled_from("abc XYZ\t;:<>@.=-_01"), max_size=40)
folded_values = st.lists(header_values, min_size=1, max_size=3).map("\r\n ".join)
header_names = st.sampled_from(["From", "To", "Subject", "Date", "Message-ID", "Content-Type", "X-Other",
                                "list-unsubscribe", "FROM", "MIME-Version"])  # fmt: skip
messages = st.builds(
    lambda headers, body, lf: (lambda m: m.replace(b"\r\n", b"\n") if lf else m)(
        "".join(f"{n}:{v}\r\n" for n, v in headers).encode() + b"\r\n" + body
    ),
    st.lists(st.tuples(header_names, folded_values), min_size=1, max_size=12),
    bodies,
    st.booleans(),  # LF line breaks: dkimpy's own parser then splits the whole message, as dkim.sign does
)


@given(messages)
@settings(max_examples=150, deadline=None)  # dkim.sign takes about 8 ms an example
def test_the_signature_is_dkim_signs_on_arbitrary_messages(message: bytes) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert signer().signature(message) == dkimpy_signature(message, monkeypatch)


# --- the key -----------------------------------------------------------------------------------------


def test_a_key_that_is_not_a_usable_rsa_key_is_refused_naming_why(tmp_path: Path) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(DkimKeyError, match="not an RSA private key in PEM: an EC key"):
        DkimSigner(ec_key, SELECTOR, DOMAIN)
    rsa_key = serialization.load_pem_private_key(KEY.read_bytes(), password=None)
    encrypted = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.BestAvailableEncryption(b"pw"))  # fmt: skip
    with pytest.raises(DkimKeyError, match="unencrypted"):
        DkimSigner(encrypted, SELECTOR, DOMAIN)
    with pytest.raises(DkimKeyError, match="512 bits; DKIM needs at least 1024"):
        DkimSigner.from_file(FIXTURES / "test-only-rsa512.pem", SELECTOR, DOMAIN)
    (tmp_path / "ec.pem").write_bytes(ec_key)
    with pytest.raises(ConfigError, match="MAILSCORE_DKIM_KEY_FILE: not an RSA private key"):
        load_settings({"MAILSCORE_DKIM_KEY_FILE": str(tmp_path / "ec.pem"), "MAILSCORE_DKIM_SELECTOR": "s1"})


def test_a_pkcs8_rsa_key_signs_as_its_pkcs1_form_does() -> None:
    rsa_key = serialization.load_pem_private_key(KEY.read_bytes(), password=None)
    pkcs8 = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())  # fmt: skip
    message = compose(None, "hanako@example.jp")
    assert DkimSigner(pkcs8, SELECTOR, DOMAIN, clock=lambda: T).sign(message) == signer().sign(message)
