import base64
import hashlib
import hmac
import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.links import (
    CLICK,
    OPEN,
    UNSUBSCRIBE,
    ClickLink,
    LinkSigner,
    RecipientLink,
    click_url,
    job_page_url,
    open_pixel_url,
    preferences_url,
    read_click_token,
    read_open_token,
    read_preferences_token,
    read_unsubscribe_token,
    read_verp_address,
    unsubscribe_url,
)
from application.paging import CursorCodec
from domain.errors import InvalidInput

SIGNER = LinkSigner(b"k" * 32)
USER = uuid.UUID("7b1e2f3a-0000-4000-8000-000000000001")
DELIVERY = uuid.UUID("7b1e2f3a-0000-4000-8000-000000000002")
JOB = uuid.UUID("7b1e2f3a-0000-4000-8000-000000000003")
URL_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


@given(st.dictionaries(st.text(), st.text(), max_size=5), st.text(min_size=1).filter(lambda p: "\0" not in p))
def test_sign_verify_round_trip_and_token_is_url_safe(payload: dict[str, str], purpose: str) -> None:
    token = SIGNER.sign(purpose, payload)
    assert set(token) <= URL_SAFE
    assert SIGNER.verify(purpose, token) == payload


def test_foreign_purpose_is_rejected() -> None:
    token = SIGNER.sign(CLICK, {"d": str(DELIVERY)})
    assert SIGNER.verify(UNSUBSCRIBE, token) is None
    # a click link's token pasted into the unsubscribe endpoint does nothing
    assert (
        read_unsubscribe_token(
            SIGNER, click_url("https://x.jp", SIGNER, DELIVERY, JOB, "https://j.jp").rsplit("/", 1)[1]
        )
        is None
    )


def test_other_secret_is_rejected() -> None:
    token = SIGNER.sign(UNSUBSCRIBE, {"u": "1"})
    assert LinkSigner(b"z" * 32).verify(UNSUBSCRIBE, token) is None


def test_tampered_payload_is_rejected() -> None:
    token = SIGNER.sign(UNSUBSCRIBE, {"u": str(USER)})
    _body, mac = token.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"u": str(uuid.uuid4())}).encode()).rstrip(b"=").decode()
    assert SIGNER.verify(UNSUBSCRIBE, f"{forged}.{mac}") is None


@pytest.mark.parametrize("position", [0, 5, -1, -5])
def test_every_flipped_character_is_rejected(position: int) -> None:
    token = SIGNER.sign(UNSUBSCRIBE, {"u": str(USER), "d": str(DELIVERY)})
    i = position % len(token)
    if token[i] == ".":
        i += 1
    flipped = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
    assert SIGNER.verify(UNSUBSCRIBE, flipped) is None


@pytest.mark.parametrize(
    "token",
    ["", ".", "abc", "abc.", ".abc", "a.b.c", "!!!.???", "eyJ1IjoiMSJ9.%%%", "é.é", "x" * 10000, "\x00.\x00"],
)
def test_malformed_tokens_give_none(token: str) -> None:
    assert SIGNER.verify(UNSUBSCRIBE, token) is None


def test_correctly_signed_non_dict_payload_gives_none() -> None:
    # a payload that is valid JSON but not an object of strings (signed with our own key)
    for body in (b"[1,2]", b'{"u":1}', b"null", b'"x"'):
        mac = SIGNER._mac(UNSUBSCRIBE, body)
        token = ".".join(base64.urlsafe_b64encode(part).decode().rstrip("=") for part in (body, mac))
        assert SIGNER.verify(UNSUBSCRIBE, token) is None


@given(st.text(max_size=200))
def test_verify_never_raises(token: str) -> None:
    assert SIGNER.verify(UNSUBSCRIBE, token) is None


def test_verify_with_wrong_types_gives_none() -> None:
    assert SIGNER.verify(UNSUBSCRIBE, None) is None  # type: ignore[arg-type]
    assert SIGNER.verify(UNSUBSCRIBE, b"x.y") is None  # type: ignore[arg-type]


def test_short_secret_and_bad_purpose_are_refused() -> None:
    with pytest.raises(ValueError):
        LinkSigner(b"short")
    with pytest.raises(ValueError):
        SIGNER.sign("a\x00b", {})
    assert "k" * 8 not in repr(SIGNER)


def test_url_helpers_and_readers() -> None:
    base = "https://mail.example.jp/"
    unsub = unsubscribe_url(base, SIGNER, USER, DELIVERY)
    prefs = preferences_url(base, SIGNER, USER, DELIVERY)
    click = click_url(base, SIGNER, DELIVERY, JOB, "https://jobs.example.jp/j/1?utm=mail&x=日本")
    pixel = open_pixel_url(base, SIGNER, DELIVERY)
    assert unsub.startswith("https://mail.example.jp/u/")
    assert prefs.startswith("https://mail.example.jp/p/")
    assert click.startswith("https://mail.example.jp/t/c/")
    assert pixel.startswith("https://mail.example.jp/t/o/")
    token = {
        name: url.rsplit("/", 1)[1] for name, url in [("u", unsub), ("p", prefs), ("c", click), ("o", pixel)]
    }
    assert read_unsubscribe_token(SIGNER, token["u"]) == RecipientLink(USER, DELIVERY)
    assert read_preferences_token(SIGNER, token["p"]) == RecipientLink(USER, DELIVERY)
    assert read_click_token(SIGNER, token["c"]) == ClickLink(
        DELIVERY, JOB, "https://jobs.example.jp/j/1?utm=mail&x=日本"
    )
    assert read_open_token(SIGNER, token["o"]) == DELIVERY
    # each reader refuses the others' tokens
    assert read_preferences_token(SIGNER, token["u"]) is None
    assert read_unsubscribe_token(SIGNER, token["p"]) is None
    assert read_open_token(SIGNER, token["c"]) is None
    assert read_click_token(SIGNER, token["o"]) is None


@pytest.mark.parametrize(
    "target", ["javascript:alert(1)", "data:text/html,x", "//evil.example", "https://x.jp/\r\nX"]
)
def test_click_targets_must_be_http(target: str) -> None:
    with pytest.raises(ValueError):
        click_url("https://x.jp", SIGNER, DELIVERY, JOB, target)


def test_reader_refuses_signed_payload_with_bad_ids() -> None:
    token = SIGNER.sign(UNSUBSCRIBE, {"u": "not-a-uuid", "d": str(DELIVERY)})
    assert read_unsubscribe_token(SIGNER, token) is None
    assert (
        read_click_token(
            SIGNER, SIGNER.sign(CLICK, {"d": str(DELIVERY), "j": str(JOB), "to": "javascript:x"})
        )
        is None
    )


# Minted by the JSON-only signer (commit 191fd19) with b"k" * 32: links in mails already sent must keep working.
LEGACY = {
    "u": "eyJkIjoiN2IxZTJmM2EtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAyIiwidSI6IjdiMWUyZjNhLTAwMDAtNDAwMC04MDAw"
    "LTAwMDAwMDAwMDAwMSJ9.GpLEX5YMDJbDJXzLvTCQX_2LrqBM3WXAwS2wMExZ7FA",
    "p": "eyJkIjoiN2IxZTJmM2EtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAyIiwidSI6IjdiMWUyZjNhLTAwMDAtNDAwMC04MDAw"
    "LTAwMDAwMDAwMDAwMSJ9.QxL2f_WZGQsviJC4EmBGMK7Jz8QGOswtjWn1ZKfQ0Pc",
    "c": "eyJkIjoiN2IxZTJmM2EtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAyIiwiaiI6IjdiMWUyZjNhLTAwMDAtNDAwMC04MDAw"
    "LTAwMDAwMDAwMDAwMyIsInRvIjoiaHR0cHM6Ly9tYWlsc2NvcmUuZXhhbXBsZS5qcC9qb2JzLzdiMWUyZjNhLTAwMDAtNDAwMC04"
    "MDAwLTAwMDAwMDAwMDAwMyJ9.gZ2T_o7lXUBarRNHxlM-YPMPZ29zM2SoMdcVESasgcY",
    "o": "eyJkIjoiN2IxZTJmM2EtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAyIn0.QXn-sODc0mWKYtqdQsF0c-WR-AujuIAoRGGM5Pp52XA",
}
SITE = "https://mailscore.example.jp"


def test_tokens_in_mails_sent_before_compact_tokens_still_verify() -> None:
    assert read_unsubscribe_token(SIGNER, LEGACY["u"]) == RecipientLink(USER, DELIVERY)
    assert read_preferences_token(SIGNER, LEGACY["p"]) == RecipientLink(USER, DELIVERY)
    assert read_click_token(SIGNER, LEGACY["c"], SITE) == ClickLink(DELIVERY, JOB, f"{SITE}/jobs/{JOB}")
    assert read_click_token(SIGNER, LEGACY["c"]) == ClickLink(DELIVERY, JOB, f"{SITE}/jobs/{JOB}")
    assert read_open_token(SIGNER, LEGACY["o"]) == DELIVERY
    assert read_unsubscribe_token(SIGNER, LEGACY["p"]) is None  # purposes stay apart
    verp = "bounce+7b1e2f3a000040008000000000000002-d05cce6c208e20bb@mailscore.example.jp"
    assert read_verp_address(SIGNER, verp) == DELIVERY


@given(st.binary(min_size=16, max_size=200), st.text(max_size=20), st.binary(max_size=300))
def test_mac_is_hmac_sha256(secret: bytes, purpose: str, body: bytes) -> None:
    expected = hmac.new(secret, purpose.encode() + b"\x00" + body, hashlib.sha256).digest()
    assert LinkSigner(secret)._mac(purpose, body) == expected


def test_mail_links_are_compact_and_read_back() -> None:
    unsub = unsubscribe_url(SITE, SIGNER, USER, DELIVERY)
    prefs = preferences_url(SITE, SIGNER, USER, DELIVERY)
    click = click_url(SITE, SIGNER, DELIVERY, JOB, job_page_url(SITE, JOB))
    pixel = open_pixel_url(SITE, SIGNER, DELIVERY)
    assert len(click) == len(f"{SITE}/t/c/") + 43 + 1 + 43  # two raw ids and a full HMAC-SHA256
    assert len(unsub) == len(f"{SITE}/u/") + 87
    assert len(pixel) == len(f"{SITE}/t/o/") + 22 + 1 + 43
    token = {name: url.rsplit("/", 1)[1] for name, url in [("u", unsub), ("p", prefs), ("c", click), ("o", pixel)]}
    assert read_unsubscribe_token(SIGNER, token["u"]) == RecipientLink(USER, DELIVERY)
    assert read_preferences_token(SIGNER, token["p"]) == RecipientLink(USER, DELIVERY)
    assert read_click_token(SIGNER, token["c"], SITE + "/") == ClickLink(DELIVERY, JOB, f"{SITE}/jobs/{JOB}")
    assert read_click_token(SIGNER, token["c"]) == ClickLink(DELIVERY, JOB, f"/jobs/{JOB}")
    assert read_open_token(SIGNER, token["o"]) == DELIVERY
    # purposes stay apart in the compact form too, and a compact token is no JSON token
    assert read_unsubscribe_token(SIGNER, token["p"]) is None
    assert read_preferences_token(SIGNER, token["u"]) is None
    assert read_unsubscribe_token(SIGNER, token["c"]) is None
    assert read_open_token(SIGNER, token["c"]) is None
    assert SIGNER.verify(CLICK, token["c"]) is None
    assert LinkSigner(b"z" * 32).verify_compact(CLICK, token["c"], 32) is None


def test_other_click_targets_keep_their_url_in_the_token() -> None:
    target = f"{SITE}/jobs/{JOB}?utm_source=mail"
    token = click_url(SITE, SIGNER, DELIVERY, JOB, target).rsplit("/", 1)[1]
    assert SIGNER.verify(CLICK, token) == {"d": str(DELIVERY), "j": str(JOB), "to": target}
    assert read_click_token(SIGNER, token, "https://elsewhere.example.jp") == ClickLink(DELIVERY, JOB, target)


def test_a_compact_body_signed_as_json_does_not_verify_compact() -> None:
    body = USER.bytes + DELIVERY.bytes
    mac = SIGNER._mac(UNSUBSCRIBE, body)  # the JSON tokens' MAC input, not the compact one
    token = ".".join(base64.urlsafe_b64encode(part).decode().rstrip("=") for part in (body, mac))
    assert read_unsubscribe_token(SIGNER, token) is None


@pytest.mark.parametrize("position", [0, 5, 21, 22, 23, -1, -5])
def test_every_flipped_character_of_a_compact_token_is_rejected(position: int) -> None:
    token = unsubscribe_url(SITE, SIGNER, USER, DELIVERY).rsplit("/", 1)[1]
    assert read_unsubscribe_token(SIGNER, token) is not None
    i = position % len(token)
    if token[i] == ".":
        i += 1
    flipped = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
    assert read_unsubscribe_token(SIGNER, flipped) is None


def test_compact_tokens_of_another_size_or_spelling_are_rejected() -> None:
    token = open_pixel_url(SITE, SIGNER, DELIVERY).rsplit("/", 1)[1]
    body, mac = token.split(".")
    assert SIGNER.verify_compact(OPEN, token, 32) is None
    assert SIGNER.verify_compact(OPEN, f"{body}=.{mac}", 16) is None
    # the unused low bits of the last base64 character must be zero: one token string per link
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    other = last[last.index(body[-1]) ^ 1]
    assert SIGNER.verify_compact(OPEN, f"{body[:-1]}{other}.{mac}", 16) is None
    assert SIGNER.verify_compact("", token, 16) is None
    assert SIGNER.verify_compact(OPEN, None, 16) is None  # type: ignore[arg-type]


@given(st.text(max_size=200))
def test_compact_readers_never_raise(token: str) -> None:
    assert read_click_token(SIGNER, token, SITE) is None
    assert read_open_token(SIGNER, token) is None


def test_a_remembered_cursor_is_the_token_signing_gives_and_still_verifies() -> None:
    signer = LinkSigner(b"c" * 32)
    codec = CursorCodec(signer, remembered=2)
    payloads = [{"s": f"snap{i}", "u": "user", "o": str(i)} for i in range(4)]
    for payload in payloads + payloads:  # the second round partly from memory, partly signed again
        token = codec.encode("matches", payload)
        assert token == signer.sign("cursor:matches", payload)
        assert codec.decode("matches", token) == payload
    assert codec.encode("jobs", payloads[0]) != codec.encode("matches", payloads[0])
    with pytest.raises(InvalidInput):
        codec.decode("jobs", codec.encode("matches", payloads[0]))
