"""Signed links in mails: unsubscribe, preferences, click tracking and the open pixel.

A token is `base64url(JSON payload) "." base64url(HMAC-SHA256(secret, purpose NUL payload))`. The purpose
is inside the MAC but not in the token, so a token minted for one purpose (a click) never verifies for
another (an unsubscribe). Tokens do not expire: an unsubscribe link must keep working for as long as the
mail exists (特定電子メール法 requires a working opt-out).
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


class LinkSigner:
    """Signs and verifies small string payloads for one purpose at a time."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("link secret must be at least 16 bytes")
        self._secret = secret

    def __repr__(self) -> str:
        return "LinkSigner(secret=***)"

    def _mac(self, purpose: str, body: bytes) -> bytes:
        return hmac.new(self._secret, purpose.encode("utf-8") + b"\x00" + body, hashlib.sha256).digest()

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


def unsubscribe_url(base_url: str, signer: LinkSigner, user_id: uuid.UUID, delivery_id: uuid.UUID) -> str:
    token = signer.sign(UNSUBSCRIBE, {"u": str(user_id), "d": str(delivery_id)})
    return f"{_base(base_url)}/u/{token}"


def preferences_url(base_url: str, signer: LinkSigner, user_id: uuid.UUID, delivery_id: uuid.UUID) -> str:
    token = signer.sign(PREFERENCES, {"u": str(user_id), "d": str(delivery_id)})
    return f"{_base(base_url)}/p/{token}"


def click_url(
    base_url: str, signer: LinkSigner, delivery_id: uuid.UUID, job_id: uuid.UUID, target_url: str
) -> str:
    if not _is_web_url(target_url):
        raise ValueError(f"click target must be an http(s) URL: {target_url!r}")
    token = signer.sign(CLICK, {"d": str(delivery_id), "j": str(job_id), "to": target_url})
    return f"{_base(base_url)}/t/c/{token}"


def open_pixel_url(base_url: str, signer: LinkSigner, delivery_id: uuid.UUID) -> str:
    return f"{_base(base_url)}/t/o/{signer.sign(OPEN, {'d': str(delivery_id)})}"


def _uuid(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _recipient(signer: LinkSigner, purpose: str, token: str) -> RecipientLink | None:
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


def read_click_token(signer: LinkSigner, token: str) -> ClickLink | None:
    """For the `/t/c/{token}` redirect: record the click, then redirect to `target_url`."""
    payload = signer.verify(CLICK, token) or {}
    delivery_id, job_id, target = _uuid(payload.get("d")), _uuid(payload.get("j")), payload.get("to")
    if delivery_id is None or job_id is None or target is None or not _is_web_url(target):
        return None
    return ClickLink(delivery_id, job_id, target)


def read_open_token(signer: LinkSigner, token: str) -> uuid.UUID | None:
    """For the `/t/o/{token}` pixel: the delivery that was opened."""
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
