"""Mail addresses as Japanese mobile users have them.

Old docomo and au addresses break RFC 5322's dot-atom (`yuki..chan.@docomo.ne.jp`: two dots in a row, a
dot before the @). The carriers still deliver to them, but strict servers refuse them unquoted; quoted
(`"yuki..chan."@docomo.ne.jp`) they are valid everywhere, so that is how they go on the envelope and in To.
A local part in Japanese (RFC 6531) can only be sent through a relay that offers SMTPUTF8.
"""

import re

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_ATOM = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*\Z")
_QUOTED = re.compile(r'"(?:[^"\\\r\n]|\\[^\r\n])*"\Z')


def split_address(address: str) -> tuple[str, str]:
    local, _, domain = address.rpartition("@")
    return local, domain


def needs_smtputf8(address: str) -> bool:
    """A local part outside ASCII: only a relay that offers SMTPUTF8 (RFC 6531) can take it."""
    return not split_address(address)[0].isascii()


def is_carrier_form(address: str) -> bool:
    """An ASCII local part that breaks the dot-atom rule only through its dots (leading, trailing, doubled)."""
    local, _ = split_address(address)
    if not local or _DOT_ATOM.match(local) or not re.fullmatch(rf"(?:{_ATEXT}|\.)+", local):
        return False
    return any(c != "." for c in local)


def envelope_address(address: str) -> str:
    """The address as it goes on the SMTP envelope and in To: a carrier form is quoted; anything else is
    left as it is (the MIME writer refuses what is not an address)."""
    if not is_carrier_form(address):
        return address
    local, domain = split_address(address)
    return f'"{local}"@{domain}'
