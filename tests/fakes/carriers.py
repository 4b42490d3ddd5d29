"""Local fake carrier APIs (DHL Express, FedEx, UPS, USPS) over real HTTP, for karrio to talk to.

`fake_carriers` is a started `FakeCarriers` (storefront/integrations/carriers/fake.py); point a carrier
account at it with `settings={"server_url": fake_carriers.server_url("mydhl")}` or build a
`CarrierConfig` with `carrier_config(fake_carriers, "mydhl")`.
"""
from __future__ import annotations

import pytest

from storefront.integrations.carriers.fake import FakeCarriers
from storefront.integrations.carriers.types import CarrierConfig

# Credentials the fakes accept (any non-empty pair except the password "wrong").
TEST_CREDENTIALS = {
    "mydhl": {"username": "clipper-test", "password": "secret", "account_number": "950000001"},
    "fedex": {"api_key": "clipper-test", "secret_key": "secret", "account_number": "510087020"},
    "ups": {"client_id": "clipper-test", "client_secret": "secret", "account_number": "A1B2C3"},
    "usps_international": {"client_id": "clipper-test", "client_secret": "secret", "account_number": "1000001",
                           "crid": "56982563", "mid": "902000001"},
}


@pytest.fixture
def fake_carriers():
    """A FakeCarriers on a free local port, stopped after the test."""
    fake = FakeCarriers()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def carrier_config(fake: FakeCarriers, carrier_name: str, **overrides) -> CarrierConfig:
    """A CarrierConfig for `carrier_name` pointed at the fake, with credentials it accepts."""
    values = dict(
        carrier_name=carrier_name,
        account_id=1,
        credentials=dict(TEST_CREDENTIALS.get(carrier_name, {})),
        test_mode=True,
        server_url=fake.server_url(carrier_name),
        timeout_seconds=10.0,
    )
    values.update(overrides)
    return CarrierConfig(**values)
