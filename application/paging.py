"""Opaque page cursors: signed, so a client can hand one back but cannot forge or edit one.

A cursor is a LinkSigner token whose purpose names the listing, so a cursor of one listing (or a mail
link) is refused by another. Anything that does not verify is an InvalidInput on `cursor`: a 422 naming
the parameter, never a server error.
"""

import uuid
from datetime import datetime

from application.links import LinkSigner
from domain.errors import InvalidInput


class CursorCodec:
    def __init__(self, signer: LinkSigner, remembered: int = 4096) -> None:
        self._signer = signer
        # Signing is deterministic, and a warm listing hands out the same next-page cursor to every
        # request for the same page: the last `remembered` tokens are kept by what they sign.
        self._remembered = remembered
        self._signed: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}

    def encode(self, listing: str, payload: dict[str, str]) -> str:
        key = (listing, tuple(payload.items()))
        token = self._signed.get(key)
        if token is None:
            token = self._signer.sign(f"cursor:{listing}", payload)
            if len(self._signed) >= self._remembered:  # the oldest first (dicts keep insertion order)
                del self._signed[next(iter(self._signed))]
            self._signed[key] = token
        return token

    def decode(self, listing: str, cursor: str) -> dict[str, str]:
        payload = self._signer.verify(f"cursor:{listing}", cursor)
        if payload is None:
            raise InvalidInput("cursor", "not a cursor this listing gave out; start again without one")
        return payload


def cursor_uuid(payload: dict[str, str], key: str) -> uuid.UUID:
    try:
        return uuid.UUID(payload[key])
    except (KeyError, ValueError):
        raise InvalidInput("cursor", "malformed cursor; start again without one") from None


def cursor_moment(payload: dict[str, str], key: str) -> datetime:
    try:
        moment = datetime.fromisoformat(payload[key])
    except (KeyError, ValueError):
        raise InvalidInput("cursor", "malformed cursor; start again without one") from None
    if moment.tzinfo is None:
        raise InvalidInput("cursor", "malformed cursor; start again without one")
    return moment


def cursor_int(payload: dict[str, str], key: str) -> int:
    try:
        return int(payload[key])
    except (KeyError, ValueError):
        raise InvalidInput("cursor", "malformed cursor; start again without one") from None
