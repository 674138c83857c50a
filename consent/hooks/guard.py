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


def private_allowed() -> bool:
    """Return whether private targets (and plain http) are allowed: development and tests only."""
    return bool(settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS)


def address_refusal(address: str) -> str | None:
    """Return why an IP address may not be connected to, or None when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
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
