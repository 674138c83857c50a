"""Eight processes append to one site while the integrator runs: every event gets exactly one place in the log."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from ledger import services
from ledger.models import Event, Leaf, PendingLeaf
from ledger.verification import Problem, ledger_verify
from tests.ledger.conftest import PURPOSES, Append

REPO = Path(__file__).resolve().parents[2]
WRITERS = 8
CHOICES = 30
SITE = "busy"

# Each writer appends CHOICES choices; subjects overlap between writers so their row locks contend.
WRITER = """
import sys
import django
django.setup()
from ledger import services
writer = int(sys.argv[1])
purposes = {purposes!r}
for number in range({choices}):
    services.event_append(
        site={site!r},
        subject=f"subject-{{(writer * 7 + number % 25) % 20}}",
        decisions={{purpose: (writer + number % 25 + position) % 3 != 0 for position, purpose in enumerate(purposes)}},
        source="banner",
        banner_version="",
        method="custom",
        locale="en",
        known_purposes=purposes,
        idempotency_key=f"w{{writer}}-{{number % 25}}",
        channel="api",
    )
"""


def _database_url() -> str:
    """Return a URL for the test database the current test runs against."""
    database = connection.settings_dict
    user = database.get("USER") or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_writers_and_the_integrator_give_every_event_one_contiguous_leaf(committed: Append) -> None:
    committed(site=SITE, subject="first")  # creates the site's log before the writers race for it
    environment = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "consent.settings"}
    script = WRITER.format(purposes=PURPOSES, choices=CHOICES, site=SITE)
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(number)], cwd=REPO, env=environment)
        for number in range(WRITERS)
    ]
    integrated = 0
    while any(writer.poll() is None for writer in writers):
        integrated += services.log_integrate(site=SITE)
        time.sleep(0.02)
    assert [writer.wait(timeout=120) for writer in writers] == [0] * WRITERS
    integrated += services.log_integrate(site=SITE, checkpoint_force=True)

    events = Event.objects.filter(log__site=SITE).count()
    # 25 idempotency keys per writer: the last five choices of each replay earlier ones.
    assert events == 2 + WRITERS * 25 * len(PURPOSES)
    assert integrated == events
    indices = sorted(Leaf.objects.filter(log__site=SITE).values_list("index", flat=True))
    assert indices == list(range(events))
    assert Leaf.objects.filter(log__site=SITE).values("event_id").distinct().count() == events
    assert not PendingLeaf.objects.exists()
    assert not any(isinstance(result, Problem) for result in ledger_verify(site=SITE))
    assert services.rebuild_state(site=SITE, repair=False) == []
