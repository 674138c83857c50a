"""Read-only admin for the daily banner counters: what was shown, and what visitors chose."""

from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from consent.banner.models import DailyCount

# ModelAdmin is generic only in the type stubs.
if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[DailyCount]
else:
    _Admin = admin.ModelAdmin


@admin.register(DailyCount)
class DailyCountAdmin(_Admin):
    list_display = ["day", "site", "locale", "version_short", "shown", "accept_all", "reject_all", "custom", "other"]
    list_filter = ["site", "locale", "day"]
    date_hierarchy = "day"
    readonly_fields = [f.name for f in DailyCount._meta.fields]

    @admin.display(description="version")
    def version_short(self, obj: DailyCount) -> str:
        return obj.banner_version[:12]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DailyCount | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DailyCount | None = None) -> bool:
        return False
