"""The bytes we send, parsed back with the stdlib parser a receiver would use."""

import binascii
import email
import email.policy
import re
from datetime import UTC, datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.mail.mime import HeaderInjectionError, MimeMessageBuilder, base64_body, canonical_text

SENT_AT = datetime(2025, 1, 20, 22, 0, 5, tzinfo=UTC)
ENCODED_WORD = re.compile(rb"=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=")

JAPANESE_SUBJECTS = [
    "【新着求人】山田太郎さんにおすすめの求人10件（時給1,200円〜）",
    "【新着求人】" + "とても長い件名" * 30,
    "カフェスタッフ😀🍰 週2日〜OK！",
    "ｶﾌｪｽﾀｯﾌ ﾎｰﾙ･ｷｯﾁﾝ 時給１，２００円",  # half-width kana, full-width digits
    "Weekly digest: 3 new jobs near Shibuya station for you",
    "ASCII " * 40 + "end",
    "mixed 日本語 and English   with  runs of spaces ",
    "  leading and trailing  ",
    "looks like =?UTF-8?B?YWJj?= an encoded word",
    "\u3000全角スペース\u3000入り\u3000",
    "が" + "\u3099" * 5 + "e\u0301",  # combining marks must not be normalised away
    "x",
]


def build(subject: str = "件名", text: str = "本文", html: str = "<p>本文</p>", **kw: object) -> bytes:
    builder = MimeMessageBuilder("noreply@mail.example.jp", str(kw.pop("from_name", "メールスコア事務局")))
    args: dict[str, object] = {
        "to": "hanako@example.com",
        "subject": subject,
        "text": text,
        "html": html,
        "sent_at": SENT_AT,
        "message_id": "<0193f1c2-7a1d@mail.example.jp>",
        "boundary": "ms-alt-0193f1c27a1d",
        "list_unsubscribe_url": "https://example.jp/u/abc.def",
    }
    args.update(kw)
    return builder.build(**args)  # type: ignore[arg-type]


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def assert_wire_format(data: bytes) -> None:
    assert b"\n" not in data.replace(b"\r\n", b""), "bare LF"
    assert b"\r" not in data.replace(b"\r\n", b""), "bare CR"
    data.decode("ascii")  # 7-bit clean: no SMTPUTF8 / 8BITMIME needed
    head = data.split(b"\r\n\r\n", 1)[0]
    for line in data.split(b"\r\n"):
        assert len(line) <= 998
    for line in head.split(b"\r\n"):
        # every header line fits 78 except the one-line List-Unsubscribe URL
        assert len(line) <= 78 or line.startswith(b"List-Unsubscribe:"), line
    for word in ENCODED_WORD.findall(head):
        assert len(word) <= 75, word


def body_text(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


@pytest.mark.parametrize("subject", JAPANESE_SUBJECTS)
def test_subject_decodes_exactly(subject: str) -> None:
    data = build(subject)
    assert_wire_format(data)
    assert parse(data)["Subject"] == subject


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_characters="\r\n", exclude_categories=["Cs"]), max_size=300))
def test_any_subject_round_trips(subject: str) -> None:
    data = build(subject)
    assert_wire_format(data)
    assert parse(data)["Subject"] == subject


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=3000), html=st.text(max_size=3000))
def test_any_bodies_round_trip(text: str, html: str) -> None:
    data = build(text=text, html=html)
    assert_wire_format(data)
    message = parse(data)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    # text/* is sent in canonical CRLF form (RFC 2046), so that is what comes back
    assert body_text(message, "plain") == canonical_text(text).decode()
    assert body_text(message, "html") == canonical_text(html).decode()


def test_japanese_bodies_are_base64_utf8_with_76_char_lines() -> None:
    text = "こんにちは、花子さん。\n" * 200
    data = build(text=text, html="<p>" + "求人" * 2000 + "</p>")
    message = parse(data)
    for part in message.iter_parts():
        assert part["Content-Transfer-Encoding"] == "base64"
        assert part.get_content_charset() == "utf-8"
    lines = data.split(b"\r\n\r\n", 1)[1].split(b"\r\n")
    assert max(len(line) for line in lines) == 76
    assert body_text(message, "plain") == text.replace("\n", "\r\n")


def test_standard_headers() -> None:
    sent_at = datetime(2025, 1, 21, 7, 0, tzinfo=timezone(timedelta(hours=9)))
    message = parse(build(sent_at=sent_at, extra_headers={"X-Mailscore-Delivery": "0193f1c2"}))
    assert message["Message-ID"] == "<0193f1c2-7a1d@mail.example.jp>"
    assert parsedate_to_datetime(message["Date"]) == sent_at
    assert message["Date"].endswith("+0900")
    assert message["MIME-Version"] == "1.0"
    assert message["To"] == "hanako@example.com"
    sender = message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("メールスコア事務局", "noreply@mail.example.jp")
    assert message["List-Unsubscribe"] == "<https://example.jp/u/abc.def>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["X-Mailscore-Delivery"] == "0193f1c2"
    assert message.get_param("boundary") == "ms-alt-0193f1c27a1d"


def test_naive_sent_at_is_taken_as_utc_and_brackets_are_added() -> None:
    message = parse(build(sent_at=SENT_AT.replace(tzinfo=None), message_id="plain-id@mail.example.jp"))
    assert parsedate_to_datetime(message["Date"]) == SENT_AT
    assert message["Message-ID"] == "<plain-id@mail.example.jp>"


@pytest.mark.parametrize("name", ["Mail Score", 'He said "hi" \\o/', "メールスコア事務局", "求人メール" * 3])
def test_from_display_names(name: str) -> None:
    data = build(from_name=name)
    assert_wire_format(data)
    sender = parse(data)["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (name, "noreply@mail.example.jp")


def test_long_japanese_display_name_folds_into_several_words() -> None:
    name = "メールスコア" * 12
    data = build(from_name=name)
    assert_wire_format(data)
    # CPython's modern address parser keeps the blank between adjacent encoded-words in a phrase, which
    # RFC 2047 section 6.2 says to drop; the legacy decoder follows the RFC, so check with that one.
    raw = email.message_from_bytes(data, policy=email.policy.compat32)["From"]
    decoded = str(make_header(decode_header(raw)))
    assert decoded == f"{name} <noreply@mail.example.jp>"


@pytest.mark.parametrize(
    "kw",
    [
        {"subject": "hi\r\nBcc: victim@example.com"},
        {"subject": "line\nbreak"},
        {"to": "a@example.com\r\nBcc: b@example.com"},
        {"to": "a@example.com, b@example.com"},
        {"to": "not-an-address"},
        {"message_id": "<x@y>\r\nX-Evil: 1"},
        {"list_unsubscribe_url": "https://example.jp/u/x>\r\nX-Evil: 1"},
        {"list_unsubscribe_url": "javascript:alert(1)"},
        {"extra_headers": {"X-Mailscore-Delivery": "1\r\nBcc: victim@example.com"}},
        {"extra_headers": {"X-Bad Name": "1"}},
        {"extra_headers": {"Bcc": "victim@example.com"}},
        {"extra_headers": {"subject": "second subject"}},
        {"from_name": "Evil\r\nBcc: victim@example.com"},
    ],
)
def test_header_injection_is_rejected(kw: dict[str, Any]) -> None:
    with pytest.raises(HeaderInjectionError):
        build(**kw)


def test_boundary_must_not_be_able_to_occur_in_base64() -> None:
    with pytest.raises(ValueError, match="boundary"):
        build(boundary="abcDEF123")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4000))
def test_base64_bodies_are_76_character_lines(data: bytes) -> None:
    encoded = binascii.b2a_base64(data, newline=False)
    expected = b"\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    assert base64_body(data) == expected
    assert binascii.a2b_base64(base64_body(data)) == data


@pytest.mark.parametrize("size", [0, 1, 57, 57 * 7, 57 * 8, 57 * 8 + 1, 57 * 100, 57 * 100 - 1, 20000])
def test_base64_bodies_at_line_boundaries(size: int) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    encoded = binascii.b2a_base64(data[:size], newline=False)
    assert base64_body(data[:size]) == b"\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
