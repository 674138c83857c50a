"""The trusted-proxy settings fail loudly on a bad value, like every other setting."""

import pytest

from tests.consent.test_settings import run_check


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"ASSENT_TRUSTED_PROXIES": "10.0.0.0/8, lb.internal"}, "ASSENT_TRUSTED_PROXIES must list IP addresses"),
        ({"ASSENT_TRUSTED_PROXY_COUNT": "-1"}, "ASSENT_TRUSTED_PROXY_COUNT must be at least 0"),
    ],
)
def test_a_bad_proxy_setting_stops_start_up_naming_it(overrides, expected, tmp_path):
    result = run_check({"DEBUG": "1", **overrides}, tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_addresses_and_blocks_are_accepted(tmp_path):
    result = run_check({"DEBUG": "1", "ASSENT_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7, 2001:db8::/32"}, tmp_path)
    assert result.returncode == 0, result.stderr
