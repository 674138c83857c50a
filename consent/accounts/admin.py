"""Erasures in the admin: read-only, because they are the record that a request was carried out."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from consent.accounts.models import Erasure
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
