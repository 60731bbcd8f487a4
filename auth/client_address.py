"""The client's address, seen through the reverse proxies we were told to trust.

Rate limits, login throttling and audit entries key on it. A forwarding header is believed
only when it arrives from a configured trusted proxy, and then only as far as the chain of
trusted hops goes: the answer is the right-most address that is not a trusted proxy, so a
client cannot pick its address by sending its own header through the proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

__all__ = ["TrustedProxies", "client_address", "parse_proxies"]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
TrustedProxies = tuple[IPNetwork, ...]


def parse_proxies(entries: Iterable[str]) -> TrustedProxies:
    """`["10.0.0.1", "10.1.0.0/16", "::1"]` → networks; a bad entry raises ValueError."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def client_address(
    peer: str | None,
    header_values: Sequence[str],
    trusted: TrustedProxies,
    *,
    header: str = "x-forwarded-for",
) -> str | None:
    """The address to account the request to.

    `peer` is the TCP peer; `header_values` the lines of the forwarding header (`header`:
    "x-forwarded-for" or "forwarded"), in order. With no trusted proxies, or a peer that is
    not one, the header is ignored.
    """
    if peer is None or not trusted:
        return peer
    peer_ip = _parse(peer)
    if peer_ip is None or not _is_trusted(peer_ip, trusted):
        return peer
    hops = _forwarded_for(header_values) if header == "forwarded" else _x_forwarded(header_values)
    nearest = peer_ip
    for hop in reversed(hops):
        ip = _parse(hop)
        if ip is None:
            # A trusted proxy passed on something that is not an address ("unknown", an
            # obfuscated name): the best we know is that proxy.
            return str(nearest)
        if not _is_trusted(ip, trusted):
            return str(ip)
        nearest = ip
    return str(nearest)  # every hop is a trusted proxy: the left-most one is the client


def _is_trusted(ip: IPAddress, trusted: TrustedProxies) -> bool:
    return any(ip.version == net.version and ip in net for net in trusted)


def _x_forwarded(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _forwarded_for(values: Sequence[str]) -> list[str]:
    """The `for=` of each element of RFC 7239 `Forwarded` headers (elements without one are
    kept as "unknown", so the chain keeps its length)."""
    hops: list[str] = []
    for value in values:
        for element in value.split(","):
            found = "unknown"
            for pair in element.split(";"):
                name, _, raw = pair.partition("=")
                if name.strip().lower() == "for":
                    found = raw.strip().strip('"')
            if element.strip():
                hops.append(found)
    return hops


def _parse(value: str) -> IPAddress | None:
    """An address, allowing "[v6]:port", "v4:port" and an IPv4-mapped IPv6 form."""
    text = value.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text[1:]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip
