"""Regulations of a site with their texts, in the console: analysts may read them, admins write them."""

from django.contrib import admin

from consent.console.roles import Role
from consent.console.scoping import ConsoleAdmin, ConsoleStackedInline
from consent.regions.models import Regulation, RegulationText


class RegulationTextInline(ConsoleStackedInline):
    model = RegulationText
    tenant_path = "regulation__site__organization"
    console_view_role = Role.ANALYST
    extra = 0


@admin.register(Regulation)
class RegulationAdmin(ConsoleAdmin):
    tenant_path = "site__organization"
    # Which rule applies where is configuration, like purposes: no personal data in it.
    console_view_role = Role.ANALYST
    list_display = ("name", "site", "slug", "model", "is_default", "gpc_binds", "order")
    list_filter = ("site", "model", "is_default")
    list_select_related = ("site",)
    search_fields = ("name", "slug", "site__key")
    autocomplete_fields = ("site",)
    inlines = [RegulationTextInline]
