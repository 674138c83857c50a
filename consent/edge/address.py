"""Who is calling: the client address, believed from `X-Forwarded-For` only as far as trusted proxies vouch."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Address, hop: int) -> bool:
    """Tell whether the hop-th address from the right (0 = the peer) is a proxy we trust."""
    if hop < settings.ASSENT_TRUSTED_PROXY_COUNT:
        return True
    return any(address in network for network in settings.ASSENT_TRUSTED_PROXIES)


def client_address(request: HttpRequest) -> str:
    """Return the client's address: the rightmost hop no trusted proxy stands for.

    Each proxy appends the address it saw to X-Forwarded-For, so only the entries our own proxies
    wrote can be believed; everything to their left is whatever the client chose to send. With no
    trusted proxies configured (the default) this is REMOTE_ADDR.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    hops = [peer]
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops += reversed([entry for entry in forwarded.split(",") if entry.strip()])
    believed = peer
    for hop, text in enumerate(hops):
        address = _parse(text)
        if address is None:
            return believed  # a trusted proxy passed on garbage: stop at the proxy that did
        believed = str(address)
        if not _trusted(address, hop):
            return believed
    return believed


def client_key(request: HttpRequest) -> str:
    """Return who is calling, for rate limits: the address, or its /64 for IPv6 (one host holds a /64)."""
    address = _parse(client_address(request))
    if address is None:
        return request.META.get("REMOTE_ADDR", "") or "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)
