"""The operator queue: sorted by due date, highlighted, scoped to the member's organizations, steps by POST."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone

from consent.dsr.models import AccessLogEntry, DataSubjectRequest, Status
from consent.models import Membership
from tests.dsr.conftest import path_of, verify_link

QUEUE = "/admin/dsr/datasubjectrequest/"


def _staff(user, *codenames: str):
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="dsr", codename__in=codenames))
    return user


@pytest.fixture
def operator(client, owner, organization):
    _staff(owner, "view_datasubjectrequest", "change_datasubjectrequest", "delete_datasubjectrequest")
    client.force_login(owner)
    return client


def test_the_queue_is_sorted_by_due_date_and_highlights_overdue_and_due_soon(operator, site, file_request):
    late = file_request(right="access", details="<script>alert(1)</script>")
    soon = file_request(right="erasure")
    later = file_request(right="rectification")
    now = timezone.now()
    DataSubjectRequest.objects.filter(pk=late.pk).update(due_at=now - timedelta(days=1))
    DataSubjectRequest.objects.filter(pk=soon.pk).update(due_at=now + timedelta(days=3))
    DataSubjectRequest.objects.filter(pk=later.pk).update(due_at=now + timedelta(days=20))
    page = operator.get(QUEUE).content.decode()
    assert page.index("Access request") < page.index("Erasure request") < page.index("Rectification request")
    assert "overdue" in page
    assert "due soon" in page
    change = operator.get(f"{QUEUE}{late.pk}/change/").content.decode()
    assert "<script>alert(1)</script>" not in change
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in change


def test_a_member_of_another_organization_sees_nothing(client, outsider, outsider_site, site, file_request):
    dsr = file_request()
    _staff(outsider, "view_datasubjectrequest", "change_datasubjectrequest")
    Membership.objects.filter(user=outsider).update(role=Membership.Role.OWNER)
    client.force_login(outsider)
    assert str(dsr.pk) not in client.get(QUEUE).content.decode()
    assert client.get(f"{QUEUE}{dsr.pk}/change/").status_code in {302, 404}
    assert client.post(f"{QUEUE}{dsr.pk}/step/refuse/", {"reason": "no"}).status_code == 404
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.RECEIVED


def test_an_analyst_sees_no_request_nor_the_access_log_because_they_hold_personal_data(
    client, member, site, file_request
):
    dsr = file_request(details="Please send everything about ann@example.net")
    client.post(path_of(verify_link()))
    _staff(member, "view_datasubjectrequest", "change_datasubjectrequest", "view_accesslogentry")
    client.force_login(member)
    assert client.get(QUEUE).status_code == 403
    for url in (f"{QUEUE}{dsr.pk}/change/", f"{QUEUE}{dsr.pk}/history/", f"{QUEUE}{dsr.pk}/delete/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{QUEUE}{dsr.pk}/step/fulfil/").status_code == 404
    assert client.get(f"{QUEUE}{dsr.pk}/proof/").status_code == 404
    assert client.get("/admin/dsr/accesslogentry/").status_code == 403
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.VERIFIED
    assert not AccessLogEntry.objects.filter(action="dsr.viewed").exists()


def test_an_admin_of_the_organization_works_the_queue(client, organization, site, file_request):
    from tests import factories

    dsr = file_request()
    client.post(path_of(verify_link()))
    admin_user = factories.UserFactory(username="acme-admin@example.com")
    Membership.objects.create(organization=organization, user=admin_user, role=Membership.Role.ADMIN)
    client.force_login(admin_user)
    assert str(dsr.pk) in client.get(QUEUE).content.decode()
    assert client.post(f"{QUEUE}{dsr.pk}/step/start/").status_code == 302
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.IN_PROGRESS
    assert client.get("/admin/dsr/accesslogentry/").status_code == 200


def test_the_operator_fulfils_from_the_change_page_and_the_view_is_logged(operator, client, site, file_request):
    dsr = file_request(right="rectification")
    operator.post(path_of(verify_link()))
    assert operator.get(f"{QUEUE}{dsr.pk}/change/").status_code == 200
    assert AccessLogEntry.objects.filter(action="dsr.viewed", subject_ref=f"request:{dsr.pk}").exists()
    assert operator.get(f"{QUEUE}{dsr.pk}/step/fulfil/").status_code == 403  # steps are POST only
    response = operator.post(f"{QUEUE}{dsr.pk}/step/fulfil/")
    assert response.status_code == 302
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.FULFILLED
    assert "completed" in mail.outbox[-1].body


def test_the_operator_extends_and_refuses_with_a_reason(operator, site, file_request):
    dsr = file_request(jurisdiction="us")
    operator.post(f"{QUEUE}{dsr.pk}/step/extend/", {"reason": "Several systems."})
    dsr.refresh_from_db()
    assert dsr.due_at - dsr.received_at == timedelta(days=90)
    operator.post(f"{QUEUE}{dsr.pk}/step/refuse/", {"reason": ""})
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.RECEIVED  # a reason is required
    operator.post(f"{QUEUE}{dsr.pk}/step/refuse/", {"reason": "Manifestly unfounded."})
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.REFUSED


def test_owners_are_mailed_the_requests_due_within_7_days(owner, site, file_request):
    from consent.dsr import tasks

    soon = file_request()
    file_request()  # due in 30 days: not mentioned
    DataSubjectRequest.objects.filter(pk=soon.pk).update(due_at=timezone.now() + timedelta(days=2))
    mail.outbox.clear()
    assert tasks.requests_due_soon_notify() == 1
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert str(soon.pk) in message.body
    assert message.body.count("- acme") == 1
