"""The operator's queue of requests, sorted by due date, and the access log, scoped by the console.

Owners and admins see and work the requests of their own organizations; analysts see neither.

Operator text (reasons, details) is only ever rendered escaped: format_html and the template escape it.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from consent.banner.services import ip_truncate
from consent.console.roles import Role
from consent.console.scoping import ConsoleAdmin
from consent.dsr import clocks, files, services
from consent.dsr.errors import DsrInputError
from consent.dsr.models import OPEN_STATUSES, AccessLogEntry, DataSubjectRequest
from consent.dsr.views import download_url


def _actor(request: HttpRequest) -> str:
    return f"operator:{request.user.get_username()}"


# Each step an operator may take on a request, from a list action or a change page button.
_STEPS: dict[str, Callable[[HttpRequest, DataSubjectRequest], Any]] = {
    "accept_proof": lambda r, o: services.request_proof_decide(request=o, accepted=True, actor=_actor(r)),
    "reject_proof": lambda r, o: services.request_proof_decide(request=o, accepted=False, actor=_actor(r)),
    "start": lambda r, o: services.request_start(request=o, actor=_actor(r)),
    "fulfil": lambda r, o: services.request_fulfil(request=o, actor=_actor(r), download_url=download_url(r)),
    "extend": lambda r, o: services.request_extend(request=o, reason=r.POST.get("reason", ""), actor=_actor(r)),
    "refuse": lambda r, o: services.request_refuse(request=o, reason=r.POST.get("reason", ""), actor=_actor(r)),
}

_FIELDS = (
    "site",
    "right",
    "jurisdiction",
    "status",
    "locale",
    "email",
    "customer_id",
    "details",
    "agent_name",
    "agent_email",
    "proof_status",
    "received_at",
    "verified_at",
    "due_at",
    "extended_at",
    "extension_reason",
    "closed_at",
    "refusal_reason",
)


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ConsoleAdmin):
    tenant_path = "site__organization"
    # A request holds personal data (e-mail, details, the agent's proof): analysts, who read counts
    # and charts only, never see one; owners and admins work the queue.
    console_view_role = Role.ADMIN
    console_write_role = Role.ADMIN
    list_display = ["__str__", "site", "right", "jurisdiction", "status", "due", "proof_status", "received_at"]
    list_filter = ["status", "right", "jurisdiction", "proof_status", "site"]
    list_select_related = ["site"]
    ordering = ["due_at"]
    actions = ["accept_proof", "reject_proof", "start", "fulfil"]
    change_form_template = "admin/dsr/request_change_form.html"
    fields = _FIELDS
    # Only the customer id may be filled in by hand (to find the person's data); the rest moves by steps.
    readonly_fields = tuple(name for name in _FIELDS if name != "customer_id")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # requests come from the people they concern, through the form or the API

    @admin.display(description="due", ordering="due_at")
    def due(self, obj: DataSubjectRequest) -> str:
        text = f"{obj.due_at:%Y-%m-%d}"
        if obj.status not in OPEN_STATUSES:
            return text
        now = timezone.now()
        if obj.due_at <= now:
            return format_html('<strong style="color:#a50e0e">{} overdue</strong>', text)
        if obj.due_at <= now + clocks.DUE_SOON:
            return format_html('<strong style="color:#b06000">{} due soon</strong>', text)
        return text

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if obj is not None:
            services.access_log_record(
                actor=_actor(request),
                action="dsr.viewed",
                subject_ref=f"request:{obj.id}",
                site=obj.site,
                ip=ip_truncate(request.META.get("REMOTE_ADDR", "")),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_model(self, request: HttpRequest, obj: DataSubjectRequest) -> None:
        services.request_delete(request=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[DataSubjectRequest]) -> None:
        for obj in queryset:
            services.request_delete(request=obj)

    def _each(self, request: HttpRequest, queryset: QuerySet[DataSubjectRequest], step: str, done: str) -> None:
        # The console hands an action only the rows the member may write.
        changed = 0
        for obj in queryset:
            try:
                _STEPS[step](request, obj)
            except DsrInputError as exc:
                self.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
            else:
                changed += 1
        if changed:
            self.message_user(request, f"{changed} request(s) {done}.", messages.SUCCESS)

    @admin.action(description="Accept the agent's proof of authority")
    def accept_proof(self, request: HttpRequest, queryset: QuerySet[DataSubjectRequest]) -> None:
        self._each(request, queryset, "accept_proof", "accepted")

    @admin.action(description="Reject the agent's proof of authority")
    def reject_proof(self, request: HttpRequest, queryset: QuerySet[DataSubjectRequest]) -> None:
        self._each(request, queryset, "reject_proof", "rejected")

    @admin.action(description="Start work on the request")
    def start(self, request: HttpRequest, queryset: QuerySet[DataSubjectRequest]) -> None:
        self._each(request, queryset, "start", "started")

    @admin.action(description="Fulfil (export, erase, record the withdrawal, or mark the task done)")
    def fulfil(self, request: HttpRequest, queryset: QuerySet[DataSubjectRequest]) -> None:
        self._each(request, queryset, "fulfil", "fulfilled")

    def get_urls(self) -> list[Any]:
        return [
            path("<uuid:pk>/step/<str:step>/", self.admin_site.admin_view(self.step_view), name="dsr_request_step"),
            path("<uuid:pk>/proof/", self.admin_site.admin_view(self.proof_view), name="dsr_request_proof"),
            *super().get_urls(),
        ]

    def _scoped(self, request: HttpRequest, pk: Any) -> DataSubjectRequest:
        """Return the request if the member may see it; outside their scope it is absent (404)."""
        obj: DataSubjectRequest = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, obj):
            raise Http404
        return obj

    def step_view(self, request: HttpRequest, pk: Any, step: str) -> HttpResponse:
        """Take one step from the change page's buttons (POST only)."""
        obj = self._scoped(request, pk)
        if request.method != "POST" or not self.has_change_permission(request, obj):
            raise PermissionDenied
        change_url = reverse("admin:dsr_datasubjectrequest_change", args=[obj.pk])
        if step not in _STEPS:
            raise Http404
        try:
            _STEPS[step](request, obj)
        except DsrInputError as exc:
            self.message_user(request, f"{exc.field}: {exc.message}", messages.ERROR)
        else:
            self.message_user(request, f"Done: {step.replace('_', ' ')}.", messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def proof_view(self, request: HttpRequest, pk: Any) -> HttpResponseBase:
        """Hand the agent's proof to an operator of the site's organization, as a download."""
        obj = self._scoped(request, pk)
        if not obj.proof_file:
            raise Http404
        services.access_log_record(
            actor=_actor(request), action="dsr.proof_read", subject_ref=f"request:{obj.id}", site=obj.site
        )
        extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
            obj.proof_content_type, "bin"
        )
        response = FileResponse(
            files.proof_path(obj.proof_file).open("rb"),
            as_attachment=True,
            filename=f"proof-{obj.id}.{extension}",
            content_type=obj.proof_content_type or "application/octet-stream",
        )
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ConsoleAdmin):
    tenant_path = "site__organization"
    # Whose data was read is itself personal: owners and admins read the log, analysts never, nobody edits it.
    console_view_role = Role.ADMIN
    console_write_role = None
    list_display = ["recorded_at", "site", "actor", "action", "subject_ref", "ip"]
    list_filter = ["action", "site"]
    list_select_related = ["site"]
    ordering = ["-recorded_at"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # only the purge removes entries, after ASSENT_ACCESS_LOG_DAYS
