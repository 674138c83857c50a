"""A request's clock comes from the site's regulation when one applies, else from the jurisdiction's table."""

from datetime import timedelta

import pytest

from consent.dsr import services
from consent.dsr.errors import DsrInputError
from consent.regions.models import Regulation
from consent.regions.resolution import RegionSignal


@pytest.fixture
def us_regulation(site):
    return Regulation.objects.create(
        site=site, slug="us", name="US state laws", model="opt_out", regions=["US"], response_days=40, extension_days=20
    )


def _receive(site, **options):
    return services.request_receive(
        site=site,
        right="access",
        jurisdiction="us",
        email="ann@example.net",
        verify_url="https://x/{token}/",
        **options,
    )


def test_a_site_whose_us_regulation_says_40_days_gives_a_40_day_clock(site, us_regulation):
    dsr = _receive(site, region=RegionSignal(country="US", subdivision="US-CA", source="header"))
    assert dsr.regulation == "us"
    assert dsr.due_at - dsr.received_at == timedelta(days=40)
    services.request_extend(request=dsr, reason="Many systems.", actor="operator:owner")
    assert dsr.due_at - dsr.received_at == timedelta(days=60)


def test_a_request_naming_the_regulation_runs_on_its_clock(site, us_regulation):
    dsr = _receive(site, regulation="us")
    assert (dsr.regulation, dsr.due_at - dsr.received_at) == ("us", timedelta(days=40))


def test_without_a_regulation_the_jurisdictions_table_applies(site, us_regulation):
    dsr = _receive(site, region=RegionSignal(country="", subdivision="", source="none"))
    assert (dsr.regulation, dsr.due_at - dsr.received_at) == ("", timedelta(days=45))


def test_a_regulation_the_site_lacks_is_refused_naming_the_field(site):
    with pytest.raises(DsrInputError) as caught:
        _receive(site, regulation="nowhere")
    assert caught.value.field == "regulation"
