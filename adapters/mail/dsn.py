"""Reading returned mail: RFC 3464 delivery status notifications, RFC 5965 feedback reports (ARF), and the
plain-text bounces some servers still send (older Japanese carrier gateways among them).

What identifies our mail is taken from wherever it survives: the address the report was delivered to (our
VERP envelope sender), and the Message-ID of the returned mail, from a `message/rfc822` part or from a
`text/rfc822-headers` part that holds only its headers.
"""

import email
import email.policy
import hashlib
import re
from email.message import Message
from typing import Any

from domain.suppression import BounceKind, BounceReport, classify, status_code

# Where a delivered report says whom it was for; our VERP sender is one of these.
_ENVELOPE_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"']+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_MESSAGE_ID = re.compile(r"^Message-ID:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)
_SMTP_LINE = re.compile(r"(?<![\d.])([45]\d\d)[ -](?:([45]\.\d{1,3}\.\d{1,3})[ -]?)?[^\n]*", re.MULTILINE)
_COMPLAINT_TYPES = frozenset({"abuse", "fraud", "virus", "other"})
_MAX_BYTES = 10 * 1024 * 1024


class UnreadableReport(Exception):
    """The file is not a bounce or complaint we can read; the message says why."""


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _typed_address(value: object) -> str | None:
    """`rfc822; user@example.jp` -> `user@example.jp`."""
    text = _text(value)
    if not text:
        return None
    _, _, address = text.rpartition(";")
    return address.strip().strip("<>").strip() or None


def _blocks(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status or message/feedback-report part."""
    payload: Any = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    raw = payload if isinstance(payload, str) else ""
    return [email.message_from_string(block.strip() + "\n") for block in re.split(r"\n\s*\n", raw) if block.strip()]


def _returned_headers(message: Message) -> Message | None:
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            payload: Any = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
        if ctype == "text/rfc822-headers":
            return email.message_from_string(_decoded(part), policy=email.policy.compat32)
    return None


def _decoded(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return str(part.get_payload())
    charset = part.get_content_charset() or "us-ascii"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _report_key(message: Message, data: bytes) -> str:
    own_id = _text(message.get("Message-ID"))
    return own_id or "sha256:" + hashlib.sha256(data).hexdigest()


def _envelope(message: Message) -> tuple[str, ...]:
    found: list[str] = []
    for name in _ENVELOPE_HEADERS:
        for value in message.get_all(name) or []:
            found.extend(_ADDRESS.findall(str(value)))
    return tuple(dict.fromkeys(found))


def _returned_message_id(message: Message) -> str | None:
    returned = _returned_headers(message)
    if returned is not None and returned.get("Message-ID"):
        return _text(returned.get("Message-ID"))
    for part in message.walk():  # plain-text bounces quote the original headers in the body
        if part.get_content_maintype() == "text":
            match = _MESSAGE_ID.search(_decoded(part))
            if match:
                return match.group(1)
    return None


def parse_report(data: bytes) -> list[BounceReport]:
    """The failed recipients (or the complaint) a returned mail reports. Raises UnreadableReport when the
    file is not a report we can read; a report that fails nothing (a delay warning, a success notice)
    gives an empty list."""
    if len(data) > _MAX_BYTES:
        raise UnreadableReport(f"larger than {_MAX_BYTES // (1024 * 1024)} MB")
    if not data.strip():
        raise UnreadableReport("empty file")
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    if not message.keys():
        raise UnreadableReport("no mail headers")
    key, envelope, message_id = _report_key(message, data), _envelope(message), _returned_message_id(message)
    parts = {p.get_content_type(): p for p in message.walk()}
    if "message/feedback-report" in parts:
        return _feedback(parts["message/feedback-report"], message, key, envelope, message_id)
    if "message/delivery-status" in parts:
        return _delivery_status(parts["message/delivery-status"], key, envelope, message_id)
    return _plain_text(message, key, envelope, message_id)


def _delivery_status(part: Message, key: str, envelope: tuple[str, ...], message_id: str | None) -> list[BounceReport]:
    blocks = _blocks(part)
    if len(blocks) < 2:
        raise UnreadableReport("message/delivery-status part has no per-recipient fields")
    reports = []
    for block in blocks[1:]:
        recipient = _typed_address(block.get("Final-Recipient")) or _typed_address(block.get("Original-Recipient"))
        status, diagnostic = _text(block.get("Status")), _text(block.get("Diagnostic-Code"))
        kind = classify(_text(block.get("Action")), status, diagnostic)
        if kind is None:
            continue
        reports.append(BounceReport(key, kind, recipient, status_code(status) or status_code(diagnostic),
                                    diagnostic or status, message_id, envelope))  # fmt: skip
    return reports


def _feedback(part: Message, message: Message, key: str, envelope: tuple[str, ...],
              message_id: str | None) -> list[BounceReport]:  # fmt: skip
    fields = _blocks(part)
    if not fields:
        raise UnreadableReport("message/feedback-report part is empty")
    feedback_type = _text(fields[0].get("Feedback-Type")).lower()
    if feedback_type not in _COMPLAINT_TYPES:
        return []  # e.g. not-spam: nothing to hold against the address
    recipient = _typed_address(fields[0].get("Original-Rcpt-To"))
    returned = _returned_headers(message)
    if recipient is None and returned is not None:
        found = _ADDRESS.findall(str(returned.get("To", "")))
        recipient = found[0] if found else None
    return [BounceReport(key, BounceKind.COMPLAINT, recipient, None, f"feedback report: {feedback_type}",
                         message_id, envelope)]  # fmt: skip


def _plain_text(message: Message, key: str, envelope: tuple[str, ...], message_id: str | None) -> list[BounceReport]:
    """A bounce without a DSN part: the first SMTP reply in the text says what happened, the address in
    or near it to whom. Without an SMTP reply the file is not a bounce we can read."""
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.get_content_type() == "text/rfc822-headers":
            continue
        text = _decoded(part)
        for match in _SMTP_LINE.finditer(text):
            line = match.group(0).strip()
            kind = classify("failed", match.group(2), line)
            if kind is None:
                continue
            nearby = _ADDRESS.findall(line) or _ADDRESS.findall(text[max(0, match.start() - 300) : match.start()])
            recipient = nearby[-1] if nearby else None
            return [BounceReport(key, kind, recipient, match.group(2), line, message_id, envelope)]
    raise UnreadableReport("not a delivery status notification, feedback report or recognisable bounce")
