"""Signed links in mails: unsubscribe, preferences, click tracking and the open pixel.

A token is `base64url(body) "." base64url(HMAC-SHA256(secret, purpose NUL body))`. The purpose is inside
the MAC but not in the token, so a token minted for one purpose (a click) never verifies for another (an
unsubscribe). Tokens do not expire: an unsubscribe link must keep working for as long as the mail exists
(特定電子メール法 requires a working opt-out).

Two bodies, both verified by every reader:
- JSON (`sign`/`verify`): an object of strings, keys sorted. The only form until mails carried compact
  tokens, so it is read for as long as such mails exist; still written for click targets other than the
  job's own page (and for page cursors).
- compact (`sign_compact`/`verify_compact`): the ids' 16 raw bytes each, MAC'd under the purpose plus
  `COMPACT_SUFFIX`, so a compact token never verifies as a JSON one or the other way round. A click on a
  job's own page names no target: the reader builds it from the site's base URL. A mail carries 13 such
  links (ten jobs, twice in the HTML and once in the text; unsubscribe three times): a compact click link is
  120 characters where the JSON one was 297, and signing it costs no JSON and no uuid formatting.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass

UNSUBSCRIBE = "unsubscribe"
PREFERENCES = "preferences"
CLICK = "click"
OPEN = "open"
VERP = "verp"

_MAX_TOKEN = 8192  # larger input is refused before any decoding work
COMPACT_SUFFIX = "/c"  # appended to the purpose in a compact token's MAC
_UUID_PAIR, _UUID = 32, 16  # compact bodies: two ids, or one
_MAC_SIZE = 32  # HMAC-SHA256, never truncated
_B64URL = re.compile(r"[A-Za-z0-9_-]+\Z")


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    # urlsafe_b64decode silently skips characters outside the alphabet and ignores the unused low bits of
    # the last character; only the one canonical spelling of a token is accepted, so tokens are not
    # malleable (one signed link, one token string).
    if not _B64URL.match(text):
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def _b64len(size: int) -> int:
    return (size * 4 + 2) // 3  # unpadded base64 of `size` bytes


class LinkSigner:
    """Signs and verifies small payloads for one purpose at a time."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("link secret must be at least 16 bytes")
        self._secret = secret
        # HMAC (RFC 2104) as its two keyed SHA-256 states, hashed once: each MAC copies them instead of
        # keying anew (0.8 instead of 2.6 us a token). The digests are hmac.new's, byte for byte.
        block = hashlib.sha256().block_size
        key = hashlib.sha256(secret).digest() if len(secret) > block else secret
        key = key.ljust(block, b"\x00")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def __repr__(self) -> str:
        return "LinkSigner(secret=***)"

    def _mac(self, purpose: str, body: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(purpose.encode("utf-8") + b"\x00" + body)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def short_mac(self, purpose: str, text: str, hex_digits: int = 16) -> str:
        """A truncated MAC in lower-case hex, for identifiers that must stay short and case-blind (an
        address's local part is at most 64 characters, and some servers lower-case it)."""
        return self._mac(purpose, text.encode("utf-8")).hex()[:hex_digits]

    def sign(self, purpose: str, payload: dict[str, str]) -> str:
        # NUL separates purpose from payload in the MAC input; JSON never contains a raw NUL.
        if not purpose or "\x00" in purpose:
            raise ValueError("purpose must be a non-empty string without NUL")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in payload.items()):
            raise TypeError("payload keys and values must be strings")
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64encode(body)}.{_b64encode(self._mac(purpose, body))}"

    def verify(self, purpose: str, token: str) -> dict[str, str] | None:
        """The payload, or None for a tampered, foreign-purpose or malformed token. Never raises."""
        if not isinstance(token, str) or not isinstance(purpose, str) or len(token) > _MAX_TOKEN:
            return None
        if not purpose or "\x00" in purpose:
            return None
        body_part, dot, mac_part = token.partition(".")
        if not dot:
            return None
        try:
            body, mac = _b64decode(body_part), _b64decode(mac_part)
            if not hmac.compare_digest(mac, self._mac(purpose, body)):
                return None
            payload = json.loads(body.decode("utf-8"))
        except (ValueError, binascii.Error, RecursionError):  # JSONDecodeError, UnicodeError are ValueErrors
            return None
        if not isinstance(payload, dict):
            return None
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in payload.items()):
            return None
        return payload

    def sign_compact(self, purpose: str, body: bytes) -> str:
        """A token for raw bytes (ids), MAC'd apart from the JSON tokens of the same purpose."""
        if not purpose or "\x00" in purpose:
            raise ValueError("purpose must be a non-empty string without NUL")
        return f"{_b64encode(body)}.{_b64encode(self._mac(purpose + COMPACT_SUFFIX, body))}"

    def verify_compact(self, purpose: str, token: str, size: int) -> bytes | None:
        """The body of a compact token of exactly `size` bytes, or None. Never raises."""
        if not isinstance(token, str) or not isinstance(purpose, str) or not purpose or "\x00" in purpose:
            return None
        body_part, dot, mac_part = token.partition(".")
        if not dot or len(body_part) != _b64len(size) or len(mac_part) != _b64len(_MAC_SIZE):
            return None
        try:
            body, mac = _b64decode(body_part), _b64decode(mac_part)
        except (ValueError, binascii.Error):
            return None
        if len(body) != size or not hmac.compare_digest(mac, self._mac(purpose + COMPACT_SUFFIX, body)):
            return None
        return body


@dataclass(frozen=True, slots=True)
class RecipientLink:
    """What an unsubscribe or preferences token says: who, and from which mail."""

    user_id: uuid.UUID
    delivery_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class ClickLink:
    delivery_id: uuid.UUID
    job_id: uuid.UUID
    target_url: str


def _base(base_url: str) -> str:
    return base_url.rstrip("/")


def _is_web_url(url: str) -> bool:
    # Only http(s) targets are signed, so the redirect endpoint can never be made to serve javascript:
    # or data: URLs, even by someone holding a valid token.
    return url.lower().startswith(("https://", "http://")) and not any(c in url for c in "\r\n\t ")


def job_page_url(base_url: str, job_id: uuid.UUID) -> str:
    """A job's own page on the site: the target of the mail's click links."""
    return f"{_base(base_url)}/jobs/{job_id}"


def unsubscribe_url(base_url: str, signer: LinkSigner, user_id: uuid.UUID, delivery_id: uuid.UUID) -> str:
    token = signer.sign_compact(UNSUBSCRIBE, user_id.bytes + delivery_id.bytes)
    return f"{_base(base_url)}/u/{token}"


def preferences_url(base_url: str, signer: LinkSigner, user_id: uuid.UUID, delivery_id: uuid.UUID) -> str:
    token = signer.sign_compact(PREFERENCES, user_id.bytes + delivery_id.bytes)
    return f"{_base(base_url)}/p/{token}"


def click_url(
    base_url: str, signer: LinkSigner, delivery_id: uuid.UUID, job_id: uuid.UUID, target_url: str
) -> str:
    """A job's own page (`job_page_url`) goes in a compact token without the URL; any other http(s)
    target is carried in a JSON token."""
    if target_url == job_page_url(base_url, job_id):
        return job_click_url(base_url, signer, delivery_id, job_id)
    if not _is_web_url(target_url):
        raise ValueError(f"click target must be an http(s) URL: {target_url!r}")
    token = signer.sign(CLICK, {"d": str(delivery_id), "j": str(job_id), "to": target_url})
    return f"{_base(base_url)}/t/c/{token}"


def job_click_url(base_url: str, signer: LinkSigner, delivery_id: uuid.UUID, job_id: uuid.UUID) -> str:
    """A click link to the job's own page: `click_url` with `job_page_url` as the target."""
    return f"{_base(base_url)}/t/c/{signer.sign_compact(CLICK, delivery_id.bytes + job_id.bytes)}"


def open_pixel_url(base_url: str, signer: LinkSigner, delivery_id: uuid.UUID) -> str:
    return f"{_base(base_url)}/t/o/{signer.sign_compact(OPEN, delivery_id.bytes)}"


def _uuid(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _recipient(signer: LinkSigner, purpose: str, token: str) -> RecipientLink | None:
    body = signer.verify_compact(purpose, token, _UUID_PAIR)
    if body is not None:
        return RecipientLink(uuid.UUID(bytes=body[:16]), uuid.UUID(bytes=body[16:]))
    payload = signer.verify(purpose, token) or {}
    user_id, delivery_id = _uuid(payload.get("u")), _uuid(payload.get("d"))
    if user_id is None or delivery_id is None:
        return None
    return RecipientLink(user_id, delivery_id)


def read_unsubscribe_token(signer: LinkSigner, token: str) -> RecipientLink | None:
    """For the `/u/{token}` endpoint (GET page and RFC 8058 one-click POST)."""
    return _recipient(signer, UNSUBSCRIBE, token)


def read_preferences_token(signer: LinkSigner, token: str) -> RecipientLink | None:
    """For the `/p/{token}` endpoint."""
    return _recipient(signer, PREFERENCES, token)


def read_click_token(signer: LinkSigner, token: str, base_url: str | None = None) -> ClickLink | None:
    """For the `/t/c/{token}` redirect: record the click, then redirect to `target_url`. A compact token
    targets the job's own page on `base_url` (the site that signed it); without a base URL, its target is
    the site-relative path `/jobs/<id>`."""
    body = signer.verify_compact(CLICK, token, _UUID_PAIR)
    if body is not None:
        delivery, job = uuid.UUID(bytes=body[:16]), uuid.UUID(bytes=body[16:])
        return ClickLink(delivery, job, job_page_url(base_url or "", job))
    payload = signer.verify(CLICK, token) or {}
    delivery_id, job_id, target = _uuid(payload.get("d")), _uuid(payload.get("j")), payload.get("to")
    if delivery_id is None or job_id is None or target is None or not _is_web_url(target):
        return None
    return ClickLink(delivery_id, job_id, target)


def read_open_token(signer: LinkSigner, token: str) -> uuid.UUID | None:
    """For the `/t/o/{token}` pixel: the delivery that was opened."""
    body = signer.verify_compact(OPEN, token, _UUID)
    if body is not None:
        return uuid.UUID(bytes=body)
    payload = signer.verify(OPEN, token) or {}
    return _uuid(payload.get("d"))


_VERP = re.compile(r"(?P<local>[^@+]+)\+(?P<delivery>[0-9a-f]{32})-(?P<mac>[0-9a-f]{16})@(?P<domain>[^@>\s]+)\Z")


def verp_address(signer: LinkSigner, sender_address: str, delivery_id: uuid.UUID) -> str:
    """The envelope sender (Return-Path) of one delivery: `local+<delivery hex>-<mac>@domain`. A bounce
    comes back to it, which names the delivery even when the returned mail keeps none of our headers;
    the MAC (64 bits) stops anyone from suppressing addresses with made-up bounces."""
    local, _, domain = sender_address.rpartition("@")
    return f"{local}+{delivery_id.hex}-{signer.short_mac(VERP, delivery_id.hex)}@{domain}"


def read_verp_address(signer: LinkSigner, address: str) -> uuid.UUID | None:
    """The delivery a VERP address names, or None when it is not one of ours or its MAC is wrong."""
    match = _VERP.match(address.strip().strip("<>").strip().lower())
    if match is None:
        return None
    if not hmac.compare_digest(match["mac"], signer.short_mac(VERP, match["delivery"])):
        return None
    return uuid.UUID(match["delivery"])
