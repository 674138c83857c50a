"""A data-subject request in Chromium: filed by a visitor, confirmed by the mailed link, fulfilled by the operator."""

import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from consent.demo import DEMO_USER_EMAIL, DEMO_USER_PASSWORD, demo_seed
from consent.dsr.models import DataSubjectRequest, Status

pytestmark = pytest.mark.browser

LINK = re.compile(r"http://\S+/privacy/requests/demo/verify/[^/\s]+/")


@pytest.fixture
def demo_operator(live) -> None:
    """The demo site and its operator, with a password the live server's hasher knows."""
    demo_seed()
    user = get_user_model().objects.get(username=DEMO_USER_EMAIL)
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(DEMO_USER_PASSWORD, hasher.salt())
    user.save(update_fields=["password"])


def _mailed_link(address: str) -> str:
    """Read the identity link from the live server's console e-mail (development prints mail)."""
    log = (Path(settings.VAR_DIR) / "browser-live-server.log").read_text(errors="replace")
    message = log[log.rindex(f"To: {address}") :]
    found = LINK.search(message)
    assert found is not None, "no identity link in the console e-mail"
    return found.group(0)


def test_a_visitor_files_a_request_and_the_operator_fulfils_it(live, demo_operator, page, browser):
    address = f"visitor-{uuid.uuid4().hex[:8]}@example.net"
    page.goto(f"{live}/privacy/requests/demo/")
    page.get_by_label("Access").check()
    page.locator("#id_jurisdiction").select_option("us")
    page.locator("#id_email").fill(address)
    page.locator("#id_customer_id").fill(DEMO_USER_EMAIL)
    page.get_by_role("button", name="Send request").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()

    page.goto(_mailed_link(address))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Thank you, your request is confirmed").wait_for()
    dsr = DataSubjectRequest.objects.get(email=address)
    assert dsr.status == Status.VERIFIED

    operator = browser.new_context(locale="en-US").new_page()
    operator.goto(f"{live}/admin/login/?next=/admin/dsr/datasubjectrequest/")
    operator.locator("#id_username").fill(DEMO_USER_EMAIL)
    operator.locator("#id_password").fill(DEMO_USER_PASSWORD)
    operator.locator("input[type=submit]").click()
    operator.goto(f"{live}/admin/dsr/datasubjectrequest/{dsr.pk}/change/")
    operator.get_by_role("button", name="Fulfil").click()
    operator.get_by_text("Done: fulfil.").wait_for()
    dsr.refresh_from_db()
    assert dsr.status == Status.FULFILLED
    assert dsr.export_dir
