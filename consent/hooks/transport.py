"""HTTP out: one POST per attempt, through the SSRF guard, with timeouts and no redirects followed."""

import time
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from consent.hooks import guard
from consent.hooks.errors import DestinationInputError

TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=15.0, pool=5.0)
RESPONSE_KEPT = 1000


class GuardedBackend(httpcore.SyncBackend):
    """Resolve, check every address against the guard and connect to a checked one (no DNS rebinding)."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        addresses = guard.host_check(host, port)
        failure: Exception | None = None
        for address in addresses:
            try:
                # TLS still verifies and sends SNI for the host name: httpcore takes it from the URL.
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"{host} has no address")


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: a status code or an error, the latency, and whether to try again."""

    status_code: int | None
    response_body: str
    error: str
    latency_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        """Return whether the receiver asked never to be sent anything again (410 Gone)."""
        return self.status_code == 410

    @property
    def refused(self) -> bool:
        """Return whether the guard refused the address: trying again would not help."""
        return self.error.startswith("refused:")


_client: httpx.Client | None = None


def client() -> httpx.Client:
    """Return this process's client (made lazily, so each forked worker gets its own connections)."""
    global _client
    if _client is None:
        transport = httpx.HTTPTransport(trust_env=False, limits=httpx.Limits(max_connections=50))
        transport._pool._network_backend = GuardedBackend()
        _client = httpx.Client(transport=transport, timeout=TIMEOUT, follow_redirects=False, trust_env=False)
    return _client


def post(*, url: str, headers: dict[str, str], body: str) -> Outcome:
    """POST a signed body; never raises for what the network or the receiver does."""
    started = time.monotonic()
    try:
        response = client().post(url, content=body.encode(), headers=headers)
    except DestinationInputError as exc:
        return Outcome(None, "", f"refused: {exc.message}"[:500], _ms(started))
    except httpx.TimeoutException as exc:
        return Outcome(None, "", f"timeout: {type(exc).__name__}"[:500], _ms(started))
    except httpx.HTTPError as exc:
        return Outcome(None, "", f"{type(exc).__name__}: {exc}"[:500], _ms(started))
    text = response.text[:RESPONSE_KEPT] if response.content else ""
    return Outcome(response.status_code, text, "", _ms(started))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
