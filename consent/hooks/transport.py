"""HTTP out: one POST per attempt, through the SSRF guard, within a deadline and a size cap, no redirects."""

import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from consent.hooks import guard
from consent.hooks.errors import DestinationInputError

# Per call; the attempt as a whole is bounded by ASSENT_HOOKS_ATTEMPT_SECONDS (see DeadlineStream).
TIMEOUT = httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)
RESPONSE_KEPT = 1000
# An acknowledgement is short: a receiver that answers more than this is not one, and reading it on
# would hold the worker.
RESPONSE_CAP = 64 * 1024
# A worker process sends one batch at a time (outbox.BATCH_MAX deliveries, side by side); as many
# kept-alive connections serve them, and the busiest receivers between batches.
POOL_CONNECTIONS = 10
KEEPALIVE_SECONDS = 30.0
# Name resolutions waiting at once in a process; one that hangs past its attempt's deadline keeps its
# thread until the system resolver gives up, so a few are kept free for the other destinations.
RESOLVERS = 4

# When the attempt running in this context must be over (time.monotonic()); None outside an attempt.
_deadline: ContextVar[float | None] = ContextVar("hooks_attempt_deadline", default=None)


def _within(timeout: float | None, error: type[Exception]) -> float | None:
    """Return the timeout cut to what is left of the attempt's deadline; raise `error` when none is left."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise error("the attempt ran past its deadline")
    return remaining if timeout is None else min(timeout, remaining)


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes all end by the attempt's deadline: a receiver trickling one
    byte a second resets a per-read timeout forever, but not this."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _within(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _within(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        timeout = _within(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


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
        addresses = _resolve(host, port, _within(timeout, httpcore.ConnectTimeout))
        failure: Exception | None = None
        for address in addresses:
            try:
                # TLS still verifies and sends SNI for the host name: httpcore takes it from the URL.
                left = _within(timeout, httpcore.ConnectTimeout)
                stream = super().connect_tcp(address, port, left, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
            else:
                return DeadlineStream(stream)
        raise failure or httpcore.ConnectError(f"{host} has no address")


def _resolve(host: str, port: int, timeout: float | None) -> list[str]:
    """Return the guard's checked addresses of a host, waiting no longer than the attempt may.

    getaddrinfo takes no timeout, and the system resolver may retry for far longer than an attempt's
    deadline: it runs in a resolver thread, and the attempt stops waiting for it in time.
    """
    answer = _per_process("resolvers", lambda: ThreadPoolExecutor(RESOLVERS, "hooks-resolve")).submit(
        guard.host_check, host, port
    )
    try:
        return answer.result(timeout=timeout)
    except FutureTimeout:
        answer.cancel()
        raise httpcore.ConnectTimeout(f"resolving {host} ran past the attempt's deadline") from None


# httpcore's errors as httpx's, most specific first (httpx maps them the same way in its own transport).
_ERRORS: list[tuple[type[Exception], type[httpx.HTTPError]]] = [
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
]


@contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for source, target in _ERRORS:
            if isinstance(exc, source):
                raise target(str(exc)) from exc
        raise


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_errors():
            yield from self._stream

    def close(self) -> None:
        self._stream.close()


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport over an httpcore pool that connects only through the GuardedBackend."""

    def __init__(self) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=POOL_CONNECTIONS,
            max_keepalive_connections=POOL_CONNECTIONS,
            keepalive_expiry=KEEPALIVE_SECONDS,
            network_backend=GuardedBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        url = request.url
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors():
            answer = self._pool.handle_request(core)
        return httpx.Response(
            status_code=answer.status, headers=answer.headers, stream=_Body(answer.stream), extensions=answer.extensions
        )

    def close(self) -> None:
        self._pool.close()


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: a status code or an error, the latency, and whether to try again."""

    status_code: int | None
    response_body: str
    error: str
    latency_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error

    @property
    def gone(self) -> bool:
        """Return whether the receiver asked never to be sent anything again (410 Gone)."""
        return self.status_code == 410

    @property
    def refused(self) -> bool:
        """Return whether the guard refused the address: trying again would not help."""
        return self.error.startswith("refused:")


class _TooLarge(Exception):
    pass


# What each process makes once and reuses: its client, its sending and its resolving threads. Keyed by
# the process id, so a forked child makes its own (neither connections nor threads survive a fork).
_made: dict[str, tuple[int, Any]] = {}
# The posting threads of a first batch ask for the client at once: one of them makes it.
_making = threading.Lock()


def _per_process(name: str, make: Any) -> Any:
    made = _made.get(name)
    if made is None or made[0] != os.getpid():
        with _making:
            made = _made.get(name)
            if made is None or made[0] != os.getpid():
                made = _made[name] = (os.getpid(), make())
    return made[1]


def _client_make() -> httpx.Client:
    return httpx.Client(
        transport=GuardedTransport(),
        timeout=TIMEOUT,
        follow_redirects=False,
        trust_env=False,
        # Counted bytes are wire bytes: no compressed answer that inflates past the cap.
        headers={"accept-encoding": "identity"},
    )


def client() -> httpx.Client:
    """Return this process's client, reused across deliveries (a forked child makes its own connections)."""
    client: httpx.Client = _per_process("client", _client_make)
    return client


def _read_capped(response: httpx.Response) -> str:
    """Read an answer up to RESPONSE_CAP bytes; return its start as text."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > RESPONSE_CAP:
        raise _TooLarge
    kept = bytearray()
    total = 0
    for chunk in response.iter_raw():
        total += len(chunk)
        if total > RESPONSE_CAP:
            raise _TooLarge
        if len(kept) < RESPONSE_KEPT:
            kept += chunk[: RESPONSE_KEPT - len(kept)]
    return kept.decode(errors="replace")[:RESPONSE_KEPT]


def post(*, url: str, headers: dict[str, str], body: str) -> Outcome:
    """POST a signed body within the attempt's deadline; never raises for what the network or the receiver does."""
    started = time.monotonic()
    token = _deadline.set(started + settings.ASSENT_HOOKS_ATTEMPT_SECONDS)
    try:
        with client().stream("POST", url, content=body.encode(), headers=headers) as response:
            try:
                text = _read_capped(response)
            except _TooLarge:
                error = f"answer too large: more than {RESPONSE_CAP} bytes"
                return Outcome(response.status_code, "", error, _ms(started))
    except DestinationInputError as exc:
        return Outcome(None, "", f"refused: {exc.message}"[:500], _ms(started))
    except httpx.TimeoutException as exc:
        return Outcome(None, "", f"timeout: {type(exc).__name__}: {exc}"[:500], _ms(started))
    except httpx.HTTPError as exc:
        return Outcome(None, "", f"{type(exc).__name__}: {exc}"[:500], _ms(started))
    finally:
        _deadline.reset(token)
    return Outcome(response.status_code, text, "", _ms(started))


@dataclass(frozen=True)
class Request:
    """One signed POST of a batch."""

    url: str
    headers: dict[str, str]
    body: str


TIME_LIMIT_ERROR = "timeout: the attempt ran into the task's time limit"


def post_all(requests: list[Request]) -> list[Outcome]:
    """POST a batch side by side, each within its own deadline; return the outcomes in the batch's order.

    A batch takes as long as its slowest attempt, not the sum of them, so the claim's lease and the
    task's time limit hold whatever its size. Should the task's soft limit strike first, the attempts
    not yet over are recorded as timeouts (their threads end at their deadline on their own).
    """
    if not requests:
        return []
    started = time.monotonic()
    *others, last = requests
    running: list[Future[Outcome]] = []
    if others:
        senders: ThreadPoolExecutor = _per_process(
            "senders", lambda: ThreadPoolExecutor(POOL_CONNECTIONS, "hooks-post")
        )
        running = [senders.submit(post, url=each.url, headers=each.headers, body=each.body) for each in others]
    # The task's own thread sends the last one instead of waiting idle: one hand-over to a thread fewer.
    final: Outcome | None = None
    try:
        final = post(url=last.url, headers=last.headers, body=last.body)
        return [*(future.result() for future in running), final]
    except SoftTimeLimitExceeded:
        timed_out = Outcome(None, "", TIME_LIMIT_ERROR, _ms(started))
        return [*(future.result() if future.done() else timed_out for future in running), final or timed_out]


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
