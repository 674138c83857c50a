"""What every bench shares: a PostgreSQL database of its own, the machine's load while it runs, and the
line that sets a figure beside its bare baseline as `ratio = assent / baseline`.

A figure taken alone says as much about the machine as about Assent (other work shares these two
cores), so every bench measures its baseline in the same run, on the same servers, and prints both.
When BENCH_RESULTS names a file, each bench also appends its section there (`make bench` does).
"""

import os
import statistics
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://root@127.0.0.1:5432")
# The Redis databases the benches use unless told otherwise (a broker is flushed: keep them the bench's own).
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/10")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/11")


def database_url(name: str) -> str:
    """Return the URL of a database called `name` on the bench's PostgreSQL server."""
    return f"{POSTGRES.rstrip('/')}/{name}"


def database_ensure(url: str, *, fresh: bool = False) -> bool:
    """Create the PostgreSQL database a URL names unless it exists (dropping it first when fresh); return created."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        if fresh:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


class LoadWatch:
    """Sample the 1-minute load average every second while a bench runs."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(1.0):
                return

    def __enter__(self) -> "LoadWatch":
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def line(self) -> str:
        """Return the load the run saw, against the number of cores it had."""
        samples = self.samples or [os.getloadavg()[0]]
        return (
            f"machine load (1-min average) during the run: mean {statistics.fmean(samples):.2f}, "
            f"max {max(samples):.2f}, on {os.cpu_count()} cores"
        )


def percentile(values: Sequence[float], pct: float) -> float:
    """Return the pct-th percentile of values (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def ratio(assent: float, baseline: float) -> str:
    """Return `ratio = assent / baseline = x`; above 1 means Assent's figure is the larger."""
    value = assent / baseline if baseline else float("nan")
    return f"ratio = assent / baseline = {value:.2f}"


def report(title: str, lines: Sequence[str], load: LoadWatch) -> None:
    """Print a bench's figures and append them, as a markdown section, to BENCH_RESULTS when it is set."""
    body = [*lines, load.line()]
    print(f"== {title}")
    for line in body:
        print(line)
    target = os.environ.get("BENCH_RESULTS")
    if target:
        with open(target, "a", encoding="utf-8") as results:
            results.write(f"\n## {title}\n\n```\n" + "\n".join(body) + "\n```\n")


def wrk_warm(url: str, script: str, connections: int, env: dict[str, str] | None = None) -> None:
    """Drive a freshly started server for a few untimed seconds."""
    # A worker's first requests (lazy imports, URL resolution, its first connection) take seconds:
    # timed, they would be the p99 and most of a short run.
    import subprocess

    subprocess.run(
        ["wrk", "-t1", f"-c{connections}", "-d3s", "--timeout", "15s", "-s", script, url],
        capture_output=True,
        check=True,
        env=env,
    )


def signing_key_file(directory: Path) -> Path:
    """Write a fresh Ed25519 ledger signing key into directory, for a server run with DEBUG off."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = directory / "ledger-ed25519.pem"
    key.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return key


def group_cpu_seconds(group: int) -> float:
    """Return the CPU time (user + system) the live processes of a process group have used so far.

    A server's CPU time per request does not depend on how busy the machine's neighbours were, as its
    rate does: the steadier measure of how much work a request is.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        # After the name: state, ppid, pgrp, ... utime is the 14th field of the line, stime the 15th.
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


# A measurement of one side for a number of seconds: its rate, percentiles and counts, with "requests".
Measure = Callable[[int], dict[str, float]]


def alternating(
    sides: dict[str, tuple[Measure, int]], *, seconds: int, rounds: int, rate: str, medians: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Measure each side `rounds` times in turn (who goes first alternating), each for seconds/rounds; pool them.

    Interleaved, a change in the machine's load falls on both sides alike; one long run of each in
    sequence measured whichever side the neighbours happened to be busy during. `sides` maps a name to
    its measurement and its server's process group, whose CPU time is read around each round: the
    pooled figures add "cpu ms" per request beside the mean rate, the median of each named
    percentile, and the sums of every other figure.
    """
    each = max(1, seconds // rounds)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
    order = list(sides.items())
    for number in range(rounds):
        for name, (measure, group) in order if number % 2 == 0 else reversed(order):
            cpu = group_cpu_seconds(group)
            figures = measure(each)
            figures["cpu s"] = group_cpu_seconds(group) - cpu
            runs[name].append(figures)
    pooled = {}
    for name, figures in runs.items():
        summed = {key: sum(run[key] for run in figures) for key in figures[0] if key != rate and key not in medians}
        pooled[name] = {
            **summed,
            # Equal durations: the mean rate is the pooled rate.
            rate: statistics.mean(run[rate] for run in figures),
            **{key: statistics.median(run[key] for run in figures) for key in medians},
            "cpu ms": summed["cpu s"] * 1000 / max(summed["requests"], 1),
        }
    return pooled


def cpu_line(what: str, assent: dict[str, float], baseline: dict[str, float]) -> str:
    """Return the line comparing the two servers' CPU time per request, as `alternating` pooled it."""
    return (
        f"server CPU per {what} (gunicorn master and workers): assent {assent['cpu ms']:.2f} ms,"
        f" baseline {baseline['cpu ms']:.2f} ms; {ratio(assent['cpu ms'], baseline['cpu ms'])}"
    )
