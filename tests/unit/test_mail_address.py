"""Envelope forms of the addresses Japanese users have."""

import pytest

from domain.mail_address import envelope_address, needs_smtputf8


@pytest.mark.parametrize(
    ("address", "envelope"),
    [
        ("hanako@example.jp", "hanako@example.jp"),
        ("yuki..chan.@docomo.ne.jp", '"yuki..chan."@docomo.ne.jp'),  # doubled dot and a dot before the @
        (".taro@ezweb.ne.jp", '".taro"@ezweb.ne.jp'),
        ('"already..quoted"@docomo.ne.jp', '"already..quoted"@docomo.ne.jp'),
        ('a"b..c@docomo.ne.jp', 'a"b..c@docomo.ne.jp'),  # not only dots wrong: left for the MIME writer to refuse
        ("...@docomo.ne.jp", "...@docomo.ne.jp"),
        ("はなこ@example.jp", "はなこ@example.jp"),  # non-ASCII: sent as it is, with SMTPUTF8
    ],
)
def test_envelope_address(address: str, envelope: str) -> None:
    assert envelope_address(address) == envelope


def test_needs_smtputf8_only_for_a_non_ascii_local_part() -> None:
    assert needs_smtputf8("はなこ@example.jp")
    assert not needs_smtputf8("hanako@xn--eckwd4c7c.jp")
    assert not needs_smtputf8("yuki..chan.@docomo.ne.jp")
