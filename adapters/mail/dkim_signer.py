"""DKIM signatures (RFC 6376) on outgoing mail, with dkimpy.

Signed headers: From, To, Subject, Date, Message-ID, MIME-Version, Content-Type and the RFC 8058 pair
List-Unsubscribe / List-Unsubscribe-Post (mailbox providers honour one-click unsubscribe only when the
signature covers both). From is listed twice, so a From added in transit breaks the signature instead of
riding on it. Canonicalization relaxed/relaxed survives relays that re-fold headers.
"""

import re
from pathlib import Path

import dkim
from dkim.crypto import UnparsableKeyError, parse_pem_private_key

SIGNED_HEADERS = (
    b"from", b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type",
    b"list-unsubscribe", b"list-unsubscribe-post",
)  # fmt: skip


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_SELECTOR = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


class DkimKeyError(ValueError):
    """The key cannot be used; the message says why (never the key itself)."""


class DkimSigner:
    def __init__(self, private_key_pem: bytes, selector: str, domain: str) -> None:
        try:
            parse_pem_private_key(private_key_pem)
        except (UnparsableKeyError, ValueError, IndexError) as exc:
            raise DkimKeyError(
                "not an RSA private key in PEM (PKCS#1, '-----BEGIN RSA PRIVATE KEY-----'; "
                f"`openssl rsa -traditional` converts others): {type(exc).__name__}"
            ) from None
        if not _SELECTOR.fullmatch(selector):
            raise DkimKeyError(f"not a DKIM selector: {selector!r}")
        if not _SELECTOR.fullmatch(domain):
            raise DkimKeyError(f"not a domain: {domain!r}")
        self._key = private_key_pem
        self.selector, self.domain = selector, domain.lower()

    @classmethod
    def from_file(cls, path: Path, selector: str, domain: str) -> "DkimSigner":
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DkimKeyError(f"cannot read {path}: {exc.strerror or exc}") from None
        return cls(data, selector, domain)

    def __repr__(self) -> str:
        return f"DkimSigner(selector={self.selector!r}, domain={self.domain!r}, key=***)"

    def sign(self, message: bytes) -> bytes:
        """The message with its DKIM-Signature header in front."""
        signature = dkim.sign(
            message, self.selector.encode("ascii"), self.domain.encode("ascii"), self._key,
            canonicalize=(b"relaxed", b"relaxed"), include_headers=list(SIGNED_HEADERS),
        )  # fmt: skip
        return bytes(signature) + message
