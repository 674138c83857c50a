"""Beat tasks of requests: expire unverified ones, remind owners of due ones, purge the access log."""

from celery import shared_task

from consent.dsr import services


@shared_task(name="consent.dsr.tasks.requests_expire_unverified")
def requests_expire_unverified() -> int:
    """Close requests whose identity link lapsed, wiping their personal fields."""
    return services.requests_expire_unverified()


@shared_task(name="consent.dsr.tasks.requests_due_soon_notify")
def requests_due_soon_notify() -> int:
    """E-mail owners the requests due within 7 days (daily)."""
    return services.requests_due_soon_notify()


@shared_task(name="consent.dsr.tasks.access_log_purge")
def access_log_purge() -> int:
    """Delete access-log entries older than ASSENT_ACCESS_LOG_DAYS."""
    return services.access_log_purge()
