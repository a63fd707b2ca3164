"""Which address a request came from, for per-IP budgets behind a load balancer."""

import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN_CLIENT = "unknown"


def trusted_networks(entries: Iterable[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    """Addresses and CIDRs ("10.0.0.0/8", "::1") as networks; parse once at start-up and pass the result
    to `client_ip`. A malformed entry raises ValueError: a typo here must not pass silently."""
    return tuple(
        entry if isinstance(entry, ipaddress.IPv4Network | ipaddress.IPv6Network) else _network(entry)
        for entry in entries
    )


def client_ip(peer: str | None, forwarded_for: str | None, trusted_proxies: Iterable[str | IPNetwork]) -> str:
    """The client's address, normalised ("::ffff:1.2.3.4" -> "1.2.3.4", IPv6 lower-case and compressed).

    X-Forwarded-For counts only when the peer is a trusted proxy, since anyone can send the header.
    Each proxy appends the address it saw, so the list is walked from the right: trusted proxies are
    skipped, and the first address that is not one is the client. An entry that is not an address
    ("unknown", garbage) is never returned and ends the walk: everything left of it was not vouched for
    by a trusted hop, so the answer is the nearest hop to its right. Ports and brackets
    ("1.2.3.4:80", "[::1]:443") are stripped. Several headers joined with commas read as one list.
    A peer that is not an IP address (a unix socket, a test client) is returned as it is; no peer at all
    gives "unknown".
    """
    if peer is None:
        return UNKNOWN_CLIENT
    hop = _address(peer)
    if hop is None:
        return peer
    networks = trusted_networks(trusted_proxies)
    if not forwarded_for or not _is_trusted(hop, networks):
        return str(hop)
    for entry in reversed(forwarded_for.split(",")):
        if not entry.strip():
            continue  # "a,,b" or a trailing comma: an empty item, not a hop
        address = _address(entry)
        if address is None:
            break
        hop = address
        if not _is_trusted(hop, networks):
            break
    return str(hop)


def _network(entry: str) -> IPNetwork:
    network = ipaddress.ip_network(entry.strip(), strict=False)
    if isinstance(network, ipaddress.IPv6Network) and network.network_address.ipv4_mapped is not None:
        # Addresses are unmapped before matching, so a mapped range must be too.
        mapped = network.network_address.ipv4_mapped
        return ipaddress.IPv4Network(f"{mapped}/{max(network.prefixlen - 96, 0)}", strict=False)
    return network


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def _address(text: str) -> IPAddress | None:
    """An address from a peer or header item, or None when it is not one."""
    text = text.strip()
    if text.startswith("["):  # "[v6]" or "[v6]:port"
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # "v4:port"; a bare v6 address has at least two colons
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.scope_id:  # "fe80::1%eth0": the zone names our interface, not the client
            return ipaddress.IPv6Address(int(address))
    return address
