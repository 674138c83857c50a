"""Reads of data-subject requests and the access log."""

import uuid
from collections.abc import Mapping
from typing import Any

from django.core import signing
from django.db.models import QuerySet

from consent.dsr import clocks
from consent.dsr.fulfilment import DOWNLOAD_SALT
from consent.dsr.models import AccessLogEntry, DataSubjectRequest, Status
from consent.models import BannerVersion, Site
from consent.regions.selectors import regulations_content


def requests_of_site(*, site: Site, status: str | None = None) -> QuerySet[DataSubjectRequest]:
    """Return a site's requests, newest first (then by id, so a cursor is exact)."""
    rows = DataSubjectRequest.objects.filter(site=site).select_related("site")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-received_at", "-id")


def request_of_site(*, site: Site, request_id: str) -> DataSubjectRequest | None:
    """Return one request of a site, or None (also for an id that is not a UUID)."""
    try:
        key = uuid.UUID(str(request_id))
    except ValueError:
        return None
    return DataSubjectRequest.objects.filter(site=site, pk=key).select_related("site").first()


def request_for_download(*, token: str) -> DataSubjectRequest | None:
    """Return the fulfilled request a download token names while the link is valid, else None."""
    try:
        payload = signing.loads(token, salt=DOWNLOAD_SALT, max_age=clocks.DOWNLOAD_LINK_LIFETIME)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    request_id, export = payload.get("request"), payload.get("export")
    if not isinstance(request_id, str) or not isinstance(export, str) or not export:
        return None
    return DataSubjectRequest.objects.filter(pk=request_id, status=Status.FULFILLED, export_dir=export).first()


def access_log_of_site(*, site: Site) -> QuerySet[AccessLogEntry]:
    """Return a site's access-log entries, newest first (by id, for a cursor)."""
    return AccessLogEntry.objects.filter(site=site).order_by("-id")


def regulations_of_site(*, site: Site) -> list[Mapping[str, Any]]:
    """Return the site's regulations as its latest banner version published them, else as they stand."""
    latest = BannerVersion.objects.filter(site=site).order_by("-number").values_list("content", flat=True).first()
    if latest and latest.get("regulations"):
        return list(latest["regulations"])
    rows: list[Mapping[str, Any]] = list(regulations_content(site=site))
    return rows


def regulation_by_slug(*, site: Site, slug: str) -> Mapping[str, Any] | None:
    """Return the site's regulation of that slug, or None."""
    if not slug:
        return None
    return next((r for r in regulations_of_site(site=site) if r.get("slug") == slug), None)
