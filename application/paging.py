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
    def __init__(self, signer: LinkSigner) -> None:
        self._signer = signer

    def encode(self, listing: str, payload: dict[str, str]) -> str:
        return self._signer.sign(f"cursor:{listing}", payload)

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
