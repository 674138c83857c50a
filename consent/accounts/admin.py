"""Erasures (read-only: the record that a request was carried out) and account bindings in the admin."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from consent.accounts.models import AccountBinding, Erasure
from consent.console.scoping import ConsoleAdmin


@admin.register(Erasure)
class ErasureAdmin(ConsoleAdmin):
    tenant_path = "site__organization"
    list_display = ["site", "erased_at", "source", "subjects", "evidence_rows", "retain_until", "receipt_id"]
    list_filter = ["site", "source"]
    date_hierarchy = "erased_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccountBinding)
class AccountBindingAdmin(admin.ModelAdmin):
    """Which login of this server opens the account pages as which customer user, site by site."""

    list_display = ["user", "site", "external_id", "created_at"]
    list_filter = ["site"]
    search_fields = ["external_id", "user__username"]
    autocomplete_fields = ["user"]

    # A binding opens a customer's consent records to a login: only a superuser may make one, so a
    # member of one organization can never bind themselves to another organization's customer.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)
