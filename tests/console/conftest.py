"""Fixtures for the console: one organization with a row in every admin table, and its three kinds of visitor."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from consent.accounts.services import subject_erase
from consent.api.services import api_key_create
from consent.banner.models import BannerTheme
from consent.banner.services import choice_submit, daily_count_add
from consent.dsr import services as dsr_services
from consent.dsr.models import DataSubjectRequest
from consent.hooks.models import Attempt, Delivery
from consent.hooks.services import destination_create
from consent.models import Membership, Site, Subject
from consent.regions.models import Regulation, RegulationText
from ledger import services as ledger_services
from tests import factories
from tests.dsr.conftest import agent_request
from tests.factories import visitor_id


@dataclass
class Acme:
    site: Site
    version: str
    request: DataSubjectRequest


def choose(site: Site, subject: str, choices: dict[str, bool], method: str, version: str, **extra: object) -> None:
    """Record one banner choice the way the public endpoint does."""
    choice_submit(
        site=site,
        subject=visitor_id(subject),
        gpc_signal=method == "gpc",
        choices=choices,
        banner_version=version,
        method=method,
        locale="en",
        source="gpc" if method == "gpc" else "banner",
        evidence={"ip": "192.0.2.0", "user_agent": "test"},
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def acme(site, settings, tmp_path) -> Acme:
    """The Acme organization's site with rows behind every admin page: choices, hooks, keys, an erasure,
    a banner theme, a regulation, and an agent's request with its proof and an access-log entry."""
    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True
    settings.VAR_DIR = tmp_path
    version = site.banner_versions.get().content_hash
    destination, _ = destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    daily_count_add(site=site, banner_version=version, locale="en", counter="shown")
    choose(site, "visitor-1", {"analytics": True, "marketing": False}, "custom", version)
    choose(site, "visitor-2", {"analytics": True, "marketing": True}, "accept_all", version)
    delivery = Delivery.objects.filter(destination=destination).first()
    assert delivery is not None
    Attempt.objects.create(
        delivery=delivery, number=1, started_at=timezone.now() - timedelta(seconds=5), latency_ms=12, status_code=500
    )
    ledger_services.log_integrate(site=site.key, checkpoint_force=True)
    api_key_create(organization=site.organization, name="backend", sites=[site])
    subject_erase(site=site, external_id=visitor_id("visitor-2"), kind=Subject.Kind.VISITOR, source="system")
    BannerTheme.objects.create(site=site, position=BannerTheme.Position.BOX_RIGHT)
    regulation = Regulation.objects.create(site=site, slug="gdpr", name="GDPR", regions=["EEA"], is_default=True)
    RegulationText.objects.create(regulation=regulation, locale="en", notice_title="Your choices")
    request = agent_request(site, details="Everything you hold about me")
    dsr_services.access_log_record(
        actor="operator:owner@example.com", action="dsr.viewed", subject_ref=f"request:{request.pk}", site=site
    )
    return Acme(site=site, version=version, request=request)


@pytest.fixture
def analyst(member):
    """Acme's analyst (the `member` fixture holds that role)."""
    assert Membership.objects.get(user=member).role == Membership.Role.ANALYST
    return member


@pytest.fixture
def other_admin(outsider_site):
    """An admin of Other Corp, who has nothing to do with Acme."""
    user = factories.UserFactory(username="other-admin@example.com")
    Membership.objects.create(organization=outsider_site.organization, user=user, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def acme_admin(organization):
    user = factories.UserFactory(username="acme-admin@example.com")
    Membership.objects.create(organization=organization, user=user, role=Membership.Role.ADMIN)
    return user
