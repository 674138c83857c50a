import pytest

from consent.banner.models import DailyCount
from consent.banner.services import daily_count_add, ip_truncate


@pytest.mark.parametrize(
    ("address", "truncated"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("2001:db8:abcd:12:34::1", "2001:db8:abcd::"),
        ("not an address", ""),
    ],
)
def test_it_keeps_only_the_network_part_of_an_address(address, truncated):
    assert ip_truncate(address) == truncated


def test_it_counts_per_day_version_and_locale(site):
    version = site.banner_versions.get().content_hash
    daily_count_add(site=site, banner_version=version, locale="en", counter="shown")
    daily_count_add(site=site, banner_version=version, locale="en", counter="shown")
    daily_count_add(site=site, banner_version=version, locale="en", counter="accept_all")
    row = DailyCount.objects.get(site=site, locale="en")
    assert (row.shown, row.accept_all, row.reject_all) == (2, 1, 0)


def test_it_refuses_an_unknown_counter(site):
    with pytest.raises(ValueError, match="unknown counter"):
        daily_count_add(site=site, banner_version="x", locale="en", counter="clicks")
