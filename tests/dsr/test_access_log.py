"""The access log keeps 30 days: the purge removes older entries and nothing newer."""

from datetime import timedelta

from django.utils import timezone

from consent.dsr import services, tasks
from consent.dsr.models import AccessLogEntry


def _entry(site, age: timedelta) -> AccessLogEntry:
    services.access_log_record(actor="operator:owner", action="dsr.viewed", subject_ref="r", site=site)
    entry = AccessLogEntry.objects.latest("id")
    AccessLogEntry.objects.filter(pk=entry.pk).update(recorded_at=timezone.now() - age)
    return entry


def test_the_purge_removes_entries_older_than_30_days_and_nothing_newer(site):
    old = _entry(site, timedelta(days=30, minutes=1))
    kept = [_entry(site, timedelta(days=29, hours=23)), _entry(site, timedelta(0))]
    assert tasks.access_log_purge() == 1
    assert not AccessLogEntry.objects.filter(pk=old.pk).exists()
    assert set(AccessLogEntry.objects.values_list("pk", flat=True)) == {e.pk for e in kept}


def test_the_retention_follows_the_setting(site, settings):
    settings.ASSENT_ACCESS_LOG_DAYS = 7
    _entry(site, timedelta(days=8))
    fresh = _entry(site, timedelta(days=6))
    assert services.access_log_purge() == 1
    assert list(AccessLogEntry.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_an_address_that_is_not_one_is_not_stored(site):
    services.access_log_record(actor="a", action="b", site=site, ip="not an ip")
    assert AccessLogEntry.objects.get().ip is None


def test_an_entry_reads_back_as_it_was_recorded(site):
    before = timezone.now()
    services.access_log_record(actor="api-key:ak_1", action="api_check", subject_ref="s", site=site, ip="192.0.2.1")
    services.access_log_record(actor="operator:owner", action="dsr.viewed")
    first, second = AccessLogEntry.objects.order_by("id")
    assert (first.site, first.actor, first.action, first.subject_ref, first.ip) == (
        site,
        "api-key:ak_1",
        "api_check",
        "s",
        "192.0.2.1",
    )
    assert before <= first.recorded_at <= timezone.now()
    assert (second.site, second.subject_ref, second.ip) == (None, "", None)
