"""Read-only admin for the daily banner counters: what was shown, and what visitors chose."""

from django.contrib import admin
from django.http import HttpRequest

from consent.banner.models import DailyCount
from consent.console.roles import Role
from consent.console.scoping import ConsoleAdmin


@admin.register(DailyCount)
class DailyCountAdmin(ConsoleAdmin):
    tenant_path = "site__organization"
    console_view_role = Role.ANALYST
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
