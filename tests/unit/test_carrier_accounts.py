"""Carrier accounts as the carrier adapter sees them: credentials unsealed, the API base the account or the
environment names, only active accounts shipping from the chosen location."""
from __future__ import annotations

import dataclasses

import pytest

from storefront.domain import carrier_accounts
from storefront.domain.carrier_accounts import CarrierAccountError, CarrierAccountErrorCode
from storefront.integrations.carriers.types import CarrierError, CarrierErrorCode
from storefront.models import AuditLog, BoxPreset
from tests.fixtures.factories import make_location

DHL_CREDENTIALS = {"username": "clipper-shop", "password": "s3cret-Passw0rd-9876", "account_number": "950000001"}


@pytest.fixture
def app_settings(app):
    return app.config["CLIPPER"]


def make_dhl(db, **overrides):
    values = dict(carrier_name="mydhl", account_label="DHL Shenzhen", credentials=dict(DHL_CREDENTIALS),
                  services=["mydhl_express_worldwide"], location_ids=[make_location(db.session).id],
                  tracking_url_template=None, settings={})
    values.update(overrides)
    return carrier_accounts.create_account(db.session, **values)


def test_config_carries_unsealed_credentials_and_the_accounts_own_server_url(db, app_settings):
    account = make_dhl(db, settings={"server_url": "http://127.0.0.1:8123/mydhl", "currency": "usd"},
                       tracking_url_template="https://track.example/{tracking_number}")

    config = carrier_accounts.config_for(account, app_settings)

    assert config.carrier_name == "mydhl" and config.account_id == account.id
    assert config.credentials == DHL_CREDENTIALS
    assert config.server_url == "http://127.0.0.1:8123/mydhl"
    assert config.services == ("mydhl_express_worldwide",)
    assert config.settings["currency"] == "USD"
    assert config.tracking_url_template == "https://track.example/{tracking_number}"
    assert config.test_mode is True and config.timeout_seconds == carrier_accounts.config.DEFAULT_TIMEOUT_SECONDS
    assert DHL_CREDENTIALS["password"] not in account.credentials_encrypted


def test_carrier_api_base_points_api_carriers_at_base_slash_carrier(db, app_settings):
    account = make_dhl(db)
    demo = dataclasses.replace(app_settings, carrier_api_base="http://127.0.0.1:9000/")

    assert carrier_accounts.config_for(account, demo).server_url == "http://127.0.0.1:9000/mydhl"
    assert carrier_accounts.config_for(account, app_settings).server_url is None  # karrio's own address


def test_accounts_own_server_url_wins_over_carrier_api_base(db, app_settings):
    account = make_dhl(db, settings={"server_url": "http://127.0.0.1:8123/mydhl"})
    demo = dataclasses.replace(app_settings, carrier_api_base="http://127.0.0.1:9000")

    assert carrier_accounts.config_for(account, demo).server_url == "http://127.0.0.1:8123/mydhl"


def test_forwarders_are_not_pointed_at_carrier_api_base(db, app_settings):
    account = carrier_accounts.create_account(db.session, carrier_name="yunexpress", account_label="Yun",
                                              credentials={}, location_ids=[make_location(db.session).id])
    demo = dataclasses.replace(app_settings, carrier_api_base="http://127.0.0.1:9000")

    assert carrier_accounts.config_for(account, demo).server_url is None


def test_credentials_sealed_with_another_secret_key_are_an_authentication_error(db, app_settings):
    account = make_dhl(db)
    rotated = dataclasses.replace(app_settings, secret_key="another-secret-key-that-is-long-enough-0123456789")

    with pytest.raises(CarrierError) as refused:
        carrier_accounts.config_for(account, rotated)

    assert refused.value.code is CarrierErrorCode.AUTHENTICATION
    assert "enter them again" in refused.value.message
    assert carrier_accounts.masked_credentials(account, rotated.secret_key) == {}


def test_enabled_accounts_are_the_active_ones_shipping_from_the_location(db):
    shenzhen, new_jersey = make_location(db.session), make_location(db.session, country_code="US")
    dhl = make_dhl(db, location_ids=[shenzhen.id])
    ups = carrier_accounts.create_account(
        db.session, carrier_name="ups", account_label="UPS US", location_ids=[new_jersey.id],
        credentials={"client_id": "id", "client_secret": "secret", "account_number": "A1B2C3"})
    make_dhl(db, account_label="DHL paused", location_ids=[shenzhen.id], active=False)

    assert carrier_accounts.enabled_accounts(db.session, location_id=shenzhen.id) == [dhl]
    assert carrier_accounts.enabled_accounts(db.session, location_id=new_jersey.id) == [ups]
    assert carrier_accounts.enabled_accounts(db.session) == [dhl, ups]


def test_masked_credentials_show_the_last_four_of_secrets_only(db):
    account = make_dhl(db)

    assert carrier_accounts.masked_credentials(account) == {
        "username": "clipper-shop", "password": "••••9876", "account_number": "950000001"}


def test_every_problem_of_an_account_is_named_and_nothing_is_saved(db):
    with pytest.raises(CarrierAccountError) as refused:
        make_dhl(db, account_label="", credentials={"username": "me"}, services=["fedex_international_priority"],
                 settings={"currency": "XXY"}, tracking_url_template="track me")

    found = {(problem.code, problem.field) for problem in refused.value.problems}
    assert found == {
        (CarrierAccountErrorCode.REQUIRED, "account_label"),
        (CarrierAccountErrorCode.REQUIRED, "credentials.password"),
        (CarrierAccountErrorCode.REQUIRED, "credentials.account_number"),
        (CarrierAccountErrorCode.UNKNOWN_SERVICE, "services"),
        (CarrierAccountErrorCode.UNKNOWN_CURRENCY, "settings.currency"),
        (CarrierAccountErrorCode.INVALID_TRACKING_TEMPLATE, "tracking_url_template"),
    }
    assert carrier_accounts.list_accounts(db.session) == []


def test_unknown_carrier_is_refused(db):
    with pytest.raises(CarrierAccountError) as refused:
        make_dhl(db, carrier_name="pigeon")
    assert (refused.value.code, refused.value.field) == (CarrierAccountErrorCode.UNKNOWN_CARRIER, "carrier_name")


def test_update_keeps_a_secret_left_blank_and_audits_without_it(db, app_settings):
    account = make_dhl(db)

    carrier_accounts.update_account(db.session, account, account_label="DHL Shenzhen 2", test_mode=False,
                                    credentials={"username": "clipper-shop", "password": "",
                                                 "account_number": "950000002"},
                                    services=[], location_ids=carrier_accounts.location_ids(account))

    assert carrier_accounts.unseal_credentials(account, app_settings.secret_key) == {
        **DHL_CREDENTIALS, "account_number": "950000002"}
    entries = db.session.query(AuditLog).filter(AuditLog.entity_type == "carrier_account").all()
    assert [entry.action for entry in entries] == ["carrier_account.create", "carrier_account.update"]
    assert all(DHL_CREDENTIALS["password"] not in str(entry.before) + str(entry.after) for entry in entries)


def test_only_forwarders_take_a_rate_table_and_it_must_read(db):
    with pytest.raises(CarrierAccountError) as not_forwarder:
        make_dhl(db, settings={"rate_table": "[]"})
    assert not_forwarder.value.params["reason"] == "not_forwarder"

    with pytest.raises(CarrierAccountError) as rising:
        carrier_accounts.create_account(db.session, carrier_name="yunexpress", account_label="Yun", credentials={},
                                        settings={"rate_table": [{"name": "EU", "countries": ["DE"], "currency": "CNY",
                                                                  "services": {"yunexpress_standard": {
                                                                      "brackets": [[500, 2000], [250, 1000]]}}}]})
    assert rising.value.code is CarrierAccountErrorCode.INVALID_RATE_TABLE
    assert "rise" in " ".join(rising.value.params["details"])


def test_there_is_always_one_default_box(db):
    small = carrier_accounts.create_box_preset(db.session, carrier_accounts.BoxPresetInput(
        "Small", 200, 150, 100, 80))
    large = carrier_accounts.create_box_preset(db.session, carrier_accounts.BoxPresetInput(
        "Large", 400, 300, 200, 250, is_default=True))

    assert (small.is_default, large.is_default) == (False, True)
    carrier_accounts.delete_box_preset(db.session, large)
    assert db.session.get(BoxPreset, small.id).is_default is True

