"""client_ip: X-Forwarded-For is believed only as far as trusted proxies vouch for it."""

import pytest

from adapters.cache import client_ip, trusted_networks

PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        # No proxy in front: the header is the client's own claim and is ignored.
        ("203.0.113.7", "1.1.1.1", "203.0.113.7"),
        ("203.0.113.7", None, "203.0.113.7"),
        # Through the load balancer: the address it appended.
        ("10.0.0.5", "203.0.113.7", "203.0.113.7"),
        # The client prepends a fake; the balancer appends the real one, which is what we take.
        ("10.0.0.5", "1.1.1.1, 203.0.113.7", "203.0.113.7"),
        ("10.0.0.5", "1.1.1.1", "1.1.1.1"),
        # A fake that names a trusted proxy is skipped only if a trusted hop put it there.
        ("10.0.0.5", "10.9.9.9, 203.0.113.7", "203.0.113.7"),
        # Two proxies in a row: skip both.
        ("10.0.0.5", "1.1.1.1, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        # Every hop trusted: the leftmost is the best we know.
        ("10.0.0.5", "10.0.0.8, 10.0.0.9", "10.0.0.8"),
        # Garbage at the right ends the walk: nothing to its left is vouched for.
        ("10.0.0.5", "1.1.1.1, unknown", "10.0.0.5"),
        ("10.0.0.5", "1.1.1.1, 10.0.0.9, not-an-ip", "10.0.0.5"),
        ("10.0.0.5", "1.1.1.1, not-an-ip, 10.0.0.9", "10.0.0.9"),
        # Garbage to the left of the real client does not matter.
        ("10.0.0.5", "<script>, 203.0.113.7", "203.0.113.7"),
        # Empty items, ports, brackets, case, mapped addresses.
        ("10.0.0.5", " , 203.0.113.7 ,", "203.0.113.7"),
        ("10.0.0.5", "203.0.113.7:51000", "203.0.113.7"),
        ("10.0.0.5", "[2001:DB8::7]:443", "2001:db8::7"),
        ("::ffff:10.0.0.5", "203.0.113.7", "203.0.113.7"),
        ("2001:db8:ffff::1", "2001:db8:1::7", "2001:db8:1::7"),
        ("10.0.0.5", "", "10.0.0.5"),
        # Not an address at all.
        ("testclient", "1.1.1.1", "testclient"),
        (None, "1.1.1.1", "unknown"),
    ],
)
def test_client_ip(peer: str | None, forwarded_for: str | None, expected: str) -> None:
    assert client_ip(peer, forwarded_for, PROXIES) == expected
    assert client_ip(peer, forwarded_for, trusted_networks(PROXIES)) == expected


def test_single_addresses_and_frozensets_are_accepted() -> None:
    assert client_ip("10.0.0.5", "1.1.1.1, 203.0.113.7", frozenset({"10.0.0.5"})) == "203.0.113.7"
    assert client_ip("10.0.0.6", "1.1.1.1, 203.0.113.7", frozenset({"10.0.0.5"})) == "10.0.0.6"


def test_no_trusted_proxies_means_the_header_is_never_read() -> None:
    assert client_ip("10.0.0.5", "1.1.1.1", []) == "10.0.0.5"


def test_a_mapped_cidr_matches_plain_ipv4_peers() -> None:
    assert client_ip("10.1.2.3", "203.0.113.7", ["::ffff:10.0.0.0/104"]) == "203.0.113.7"


def test_a_malformed_trusted_entry_is_an_error() -> None:
    with pytest.raises(ValueError):
        trusted_networks(["10.0.0.0/33"])
