"""The operator's admin: organizations, sites, purposes with translations, banner texts and versions."""

import secrets
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from consent import services
from consent.accounts import services as accounts_services
from consent.console.accesslog import AccessLogged
from consent.console.roles import Role
from consent.console.scoping import ConsoleAdmin, ConsoleStackedInline, ConsoleTabularInline
from consent.models import (
    BannerText,
    BannerVersion,
    Membership,
    Organization,
    Purpose,
    PurposeTranslation,
    Site,
    Subject,
)
from consent.regions.models import Regulation


class MembershipInline(ConsoleTabularInline):
    model = Membership
    tenant_path = "organization"
    console_view_role = console_write_role = Role.OWNER
    console_user_fields = ("user",)
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(ConsoleAdmin):
    tenant_path = ""
    console_view_role = Role.ANALYST
    console_write_role = Role.OWNER
    console_can_add = False
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


class PurposeTranslationInline(ConsoleStackedInline):
    model = PurposeTranslation
    tenant_path = "purpose__site__organization"
    console_view_role = Role.ANALYST
    extra = 0


@admin.register(Purpose)
class PurposeAdmin(ConsoleAdmin):
    tenant_path = "site__organization"
    console_view_role = Role.ANALYST
    list_display = ["slug", "site", "legal_basis", "required", "sale_share", "order"]
    list_filter = ["site", "legal_basis", "required", "sale_share"]
    search_fields = ["slug", "site__key"]
    inlines = [PurposeTranslationInline]


class PurposeInline(ConsoleTabularInline):
    model = Purpose
    tenant_path = "site__organization"
    console_view_role = Role.ANALYST
    extra = 0
    show_change_link = True
    fields = [
        "slug",
        "legal_basis",
        "required",
        "sale_share",
        "order",
        "consent_mode_signals",
        "cookies",
        "vendors",
        "per_vendor",
    ]


class BannerTextInline(ConsoleStackedInline):
    model = BannerText
    tenant_path = "site__organization"
    console_view_role = Role.ANALYST
    extra = 0


class RegulationInline(ConsoleTabularInline):
    model = Regulation
    tenant_path = "site__organization"
    console_view_role = Role.ANALYST
    extra = 0
    show_change_link = True
    fields = ["slug", "name", "model", "regions", "is_default", "gpc_binds", "order"]


@admin.register(Site)
class SiteAdmin(ConsoleAdmin):
    tenant_path = "organization"
    console_view_role = Role.ANALYST
    list_display = ["name", "key", "organization", "default_locale", "consent_lifetime_days", "honour_gpc"]
    list_filter = ["organization", "honour_gpc"]
    search_fields = ["name", "key"]
    inlines = [PurposeInline, BannerTextInline, RegulationInline]
    readonly_fields = ["created_at"]
    change_form_template = "admin/consent/site/change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Site | None = None) -> list[str]:
        # The key is in every embed tag and names the site's ledger: it never changes.
        return [*self.readonly_fields, "key"] if obj else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Site, form: Any, change: bool) -> None:
        if not change:
            obj.identity_secret = secrets.token_urlsafe(32)
        super().save_model(request, obj, form, change)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:site_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="consent_site_publish",
            ),
            *super().get_urls(),
        ]

    def publish_view(self, request: HttpRequest, site_id: int) -> HttpResponse:
        """Show what publishing would change; publish on confirmation."""
        site = get_object_or_404(self.get_queryset(request), pk=site_id)
        if not self.has_change_permission(request, site):
            return HttpResponse(status=403)
        change_url = reverse("admin:consent_site_change", args=[site.pk])
        latest = site.banner_versions.order_by("-number").first()
        try:
            content = services.banner_content(site=site)
        except services.BannerIncomplete as exc:
            messages.error(request, f"Cannot publish: {exc}")
            return HttpResponseRedirect(change_url)
        changes = services.banner_diff(latest.content if latest else None, content)
        if request.method == "POST":
            user = request.user if isinstance(request.user, AbstractBaseUser) else None
            version, created = services.banner_publish(
                site=site, material=request.POST.get("material") == "on", user=user
            )
            if created:
                messages.success(request, f"Published version {version.number} ({version.content_hash[:12]}).")
            else:
                messages.info(request, f"Nothing changed since version {version.number}; nothing published.")
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Publish the banner of {site.name}",
            "site": site,
            "latest": latest,
            "changes": changes,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/consent/site/publish.html", context)


@admin.register(BannerVersion)
class BannerVersionAdmin(ConsoleAdmin):
    """Versions are evidence of what visitors saw: they can be read, never changed."""

    tenant_path = "site__organization"
    console_view_role = Role.ANALYST

    list_display = ["site", "number", "material", "short_hash", "published_at", "published_by"]
    list_filter = ["site", "material"]
    readonly_fields = ["site", "number", "content", "content_hash", "material", "published_at", "published_by"]

    @admin.display(description="content hash")
    def short_hash(self, obj: BannerVersion) -> str:
        return obj.content_hash[:12]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Subject)
class SubjectAdmin(AccessLogged, ConsoleAdmin):
    """Subjects are read here and erased through the erasure service, never deleted as rows.

    A plain delete would skip the ledger's `erased` event, the subject.erased webhook and the
    evidence purge, and leave the person's link sessions open.
    """

    tenant_path = "site__organization"
    access_log_name = "subject"
    # Erasure is the owner's: the only change this page makes.
    console_write_role = Role.OWNER
    list_display = ["external_id", "site", "kind", "linked_to", "created_at"]
    list_filter = ["site", "kind"]
    search_fields = ["external_id"]
    readonly_fields = ["site", "external_id", "kind", "pseudonym", "ledger_key", "linked_to", "created_at"]
    actions = ["erase"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def access_log_subject(self, obj: Subject) -> str:
        return f"subject:{obj.ledger_key}"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subject]:
        return super().get_queryset(request).select_related("site")

    @admin.action(description="Erase the selected subjects (with their linked devices)", permissions=["change"])
    def erase(self, request: HttpRequest, queryset: QuerySet[Subject]) -> None:
        """Carry out an erasure request for each selected subject through the erasure service."""
        erased = 0
        for subject in queryset.select_related("site"):
            done = accounts_services.subject_erase(
                site=subject.site, external_id=subject.external_id, kind=subject.kind, source="operator"
            )
            erased += done.subjects if done is not None else 0
        self.message_user(request, f"Erased {erased} subject(s); the ledger keeps each erasure's proof.")
