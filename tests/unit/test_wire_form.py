"""`in_wire_form` is exactly "aiosmtplib's rewriting before DATA would change nothing"."""

from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.mail.wire_smtp import in_wire_form


def rewritten(data: bytes) -> bytes:
    return PERIOD_REGEX.sub(b"..", normalize_message_line_endings(data))  # as aiosmtplib 5.1.3 sends DATA


@settings(max_examples=2000)
@given(st.lists(st.sampled_from([b"\r\n", b"\r", b"\n", b".", b"a", b"\r\n.", b"\n.", b" "]), max_size=12))
def test_wire_form_is_what_aiosmtplib_leaves_unchanged(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    assert in_wire_form(data) == (rewritten(data) == data)


def test_examples() -> None:
    assert in_wire_form(b"Subject: x\r\n\r\nbody\r\n")
    assert in_wire_form(b"a.b\r\n")
    assert not in_wire_form(b"")  # aiosmtplib adds the line break
    assert not in_wire_form(b"x\r\n.\r\n")
    assert not in_wire_form(b"x\n")
    assert not in_wire_form(b"x\r\r\n")
