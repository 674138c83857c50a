"""The SSRF guard: destinations must be https and must not reach into our own network.

Checked when a destination is saved and again, address by address, when a connection is opened
(transport.GuardedBackend), so a name that later resolves to 127.0.0.1 (DNS rebinding) is refused.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from consent.hooks.errors import DestinationInputError

# Cloud metadata services outside the ranges Python already calls non-global.
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
# IPv6 forms that carry an IPv4 address a gateway forwards to (RFC 6052, RFC 4291 §2.5.5.1).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def private_allowed() -> bool:
    """Return whether private targets (and plain http) are allowed: development and tests only."""
    return bool(settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS)


def _embedded(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address] | None:
    """Return the IPv4 addresses an IPv6 transition address leads to, or None when it is plain IPv6."""
    if ip.is_loopback or ip.is_unspecified:
        return None
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return None


def _class_refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if ip in _METADATA:
        return f"{ip} is a cloud metadata address"
    if ip.is_loopback:
        return f"{ip} is a loopback address"
    if ip.is_link_local:
        return f"{ip} is a link-local address"
    if ip.is_private:
        return f"{ip} is a private address"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return f"{ip} is not a public address"
    return None


def address_refusal(address: str) -> str | None:
    """Return why an IP address may not be connected to, or None when it may.

    An IPv6 address that embeds an IPv4 one (mapped, IPv4-compatible, 6to4, Teredo, NAT64) reaches
    that IPv4 address through a gateway, so it is judged by what it embeds: 2002:7f00:1:: is 127.0.0.1.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return f"{ip} is a local-use NAT64 address, whose IPv4 target cannot be told"
        embedded = _embedded(ip)
        if embedded is not None:
            for inner in embedded:
                refusal = _class_refusal(inner)
                if refusal is not None:
                    return f"{ip} embeds {inner}; {refusal}"
            return None
    return _class_refusal(ip)


def resolve(host: str, port: int) -> list[str]:
    """Return every address a host name resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DestinationInputError("url", f"{host} does not resolve: {exc}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def host_check(host: str, port: int) -> list[str]:
    """Return the addresses of a host, refusing it when any of them is forbidden."""
    addresses = resolve(host, port)
    if private_allowed():
        return addresses
    for address in addresses:
        refusal = address_refusal(address)
        if refusal is not None:
            raise DestinationInputError("url", f"{host} resolves to a forbidden address: {refusal}")
    return addresses


def url_check(url: str) -> str:
    """Return a destination URL once it is https, without credentials, and resolves to public addresses."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DestinationInputError("url", f"is not a valid URL: {exc}") from None
    schemes = {"https", "http"} if private_allowed() else {"https"}
    if parts.scheme not in schemes:
        raise DestinationInputError("url", "must be an https URL")
    if not parts.hostname:
        raise DestinationInputError("url", "must name a host")
    if parts.username or parts.password:
        raise DestinationInputError("url", "must not carry a user name or password")
    if len(url) > 500:
        raise DestinationInputError("url", "must be at most 500 characters")
    host_check(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    return url
