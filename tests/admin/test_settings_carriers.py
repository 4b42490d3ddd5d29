"""Settings → Carriers: accounts with sealed credentials shown masked, test connection against the fake carriers,
box presets, the EORI/IOSS numbers customs papers carry, and shipping rates quoted live from a carrier."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from storefront.domain import carrier_accounts
from storefront.models import AuditLog, BoxPreset, CarrierAccount, Shipment, ShipmentStatus, ShippingRate, StoreSettings
from tests.fixtures.admin import csrf_token, table_rows
from tests.fixtures.factories import make_location, make_paid_order, make_product, make_shipping_zone

SECRET = "dhl-Secret-Passw0rd-4321"
NEW_DHL = "/admin/settings/carriers/new/mydhl"


@pytest.fixture
def shenzhen(db):
    return make_location(db.session, name="Shenzhen warehouse", country_code="CN", address={
        "address1": "Building 3, Fuhai Industrial Park, Bao'an", "city": "Shenzhen", "province_code": "GD",
        "postal_code": "518103", "country_code": "CN"})


def post(client, url: str, data: dict, *, page: str | None = None):
    return client.post(url, data={"csrf_token": csrf_token(client, page or url), **data})


def dhl_form(location_id: int, **overrides) -> dict:
    data = {"account_label": "DHL Shenzhen", "cred_username": "clipper-test", "cred_password": SECRET,
            "cred_account_number": "950000001", "test_mode": "y", "active": "y",
            "services": ["mydhl_express_worldwide", "mydhl_economy_select"], "location_ids": [str(location_id)],
            "currency": "usd", "default_service": "mydhl_express_worldwide", "tracking_url_template": "",
            "server_url": ""}
    data.update(overrides)
    return data


def only_account(db) -> CarrierAccount:
    return db.session.scalars(select(CarrierAccount)).one()


def test_owner_adds_a_dhl_account_whose_secret_is_sealed_and_shown_masked(db, admin_client, shenzhen, app):
    response = post(admin_client, NEW_DHL, dhl_form(shenzhen.id))

    assert response.status_code == 302
    account = only_account(db)
    assert SECRET not in account.credentials_encrypted and "clipper-test" not in account.credentials_encrypted
    assert carrier_accounts.unseal_credentials(account, app.config["CLIPPER"].secret_key)["password"] == SECRET
    assert (account.services, account.settings["currency"]) == (["mydhl_express_worldwide", "mydhl_economy_select"],
                                                                 "USD")
    edit_page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved: ••••4321. Leave blank to keep it." in edit_page
    assert SECRET not in edit_page and 'value="950000001"' in edit_page
    rows = table_rows(admin_client.get("/admin/settings/carriers").get_data(as_text=True), "carrier-accounts")
    assert rows == [["DHL Express", "DHL Shenzhen", "Test mode", "DHL Express Worldwide, DHL Economy Select",
                     "Shenzhen warehouse", "Active"]]


def test_edit_keeps_the_secret_when_its_field_is_left_blank(db, admin_client, shenzhen, app):
    post(admin_client, NEW_DHL, dhl_form(shenzhen.id))
    account = only_account(db)
    url = f"/admin/settings/carriers/{account.id}"

    response = post(admin_client, url, dhl_form(shenzhen.id, account_label="DHL SZX", cred_password="",
                                                 test_mode=""))

    assert response.status_code == 302
    db.session.refresh(account)
    assert (account.account_label, account.test_mode) == ("DHL SZX", False)
    assert carrier_accounts.unseal_credentials(account, app.config["CLIPPER"].secret_key)["password"] == SECRET
    post(admin_client, url, dhl_form(shenzhen.id, cred_password="brand-new-secret-8888"))
    db.session.refresh(account)
    assert carrier_accounts.masked_credentials(account)["password"] == "••••8888"
    audit = db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "carrier_account")).all()
    assert len(audit) == 3 and not any(SECRET in f"{entry.before}{entry.after}" for entry in audit)


def test_missing_and_wrong_fields_are_named_and_nothing_is_saved(db, admin_client, shenzhen):
    response = post(admin_client, NEW_DHL, dhl_form(shenzhen.id, cred_password="", currency="XYZ",
                                                     tracking_url_template="dhl.com/track"))

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="cred_password-error" class="error">This field is required.' in html
    assert "“XYZ” is not an ISO 4217 currency code." in html
    assert "with {tracking_number} where the number goes" in html
    assert db.session.scalars(select(CarrierAccount)).all() == []


def test_a_second_account_with_the_same_name_is_refused(db, admin_client, shenzhen):
    post(admin_client, NEW_DHL, dhl_form(shenzhen.id))

    response = post(admin_client, NEW_DHL, dhl_form(shenzhen.id, account_label="dhl shenzhen"))

    assert response.status_code == 422
    assert "There is already a DHL Express account named “dhl shenzhen”" in response.get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("staff", 403)])
def test_carrier_settings_are_for_owners_and_admins(staff_client, role, status):
    client = staff_client(role)
    for url in ("/admin/settings/carriers", NEW_DHL, "/admin/settings/carriers/boxes"):
        assert client.get(url).status_code == status


def test_staff_cannot_post_an_account(db, staff_client, shenzhen):
    client = staff_client("staff")
    response = client.post(NEW_DHL, data={"csrf_token": csrf_token(client, "/admin/"), **dhl_form(shenzhen.id)})
    assert response.status_code == 403
    assert db.session.scalars(select(CarrierAccount)).all() == []


def test_test_connection_quotes_the_fake_dhl(db, admin_client, shenzhen, fake_carriers):
    post(admin_client, NEW_DHL, dhl_form(shenzhen.id, server_url=fake_carriers.server_url("mydhl")))
    account = only_account(db)
    url = f"/admin/settings/carriers/{account.id}"

    page = post(admin_client, f"{url}/test", {}, page=url)

    assert page.status_code == 302
    html = admin_client.get(url).get_data(as_text=True)
    assert "The connection works: DHL Express quoted" in html and "from Shenzhen warehouse to US" in html
    assert any(carrier == "mydhl" and "rates" in path for carrier, _method, path, _body in fake_carriers.requests)


def test_test_connection_says_when_the_carrier_refuses_the_credentials(db, admin_client, shenzhen, fake_carriers):
    post(admin_client, NEW_DHL, dhl_form(shenzhen.id, cred_password="wrong",
                                         server_url=fake_carriers.server_url("mydhl")))
    url = f"/admin/settings/carriers/{only_account(db).id}"

    post(admin_client, f"{url}/test", {}, page=url)

    html = admin_client.get(url).get_data(as_text=True)
    assert "DHL Express refused the credentials" in html and "test mode matches" in html


def test_test_connection_needs_a_ships_from_location(db, admin_client, shenzhen):
    post(admin_client, NEW_DHL, dhl_form(shenzhen.id, location_ids=[]))
    url = f"/admin/settings/carriers/{only_account(db).id}"

    post(admin_client, f"{url}/test", {}, page=url)

    assert "Choose a ships-from location for this account first" in admin_client.get(url).get_data(as_text=True)


def test_delete_removes_the_account_but_not_while_its_parcels_travel(db, admin_client, shenzhen):
    post(admin_client, NEW_DHL, dhl_form(shenzhen.id))
    account = only_account(db)
    url = f"/admin/settings/carriers/{account.id}"
    order = make_paid_order(db.session, [(make_product(db.session), 1)])
    shipment = Shipment(order_id=order.id, carrier_account_id=account.id, carrier_name="mydhl",
                        status=ShipmentStatus.IN_TRANSIT, tracking_number="1234567890")
    db.session.add(shipment)
    db.session.flush()

    refused = post(admin_client, f"{url}/delete", {}, page=url)

    assert refused.headers["Location"].endswith(url)
    assert "1 shipments booked with this account are still on their way" in admin_client.get(url).get_data(
        as_text=True)
    shipment.status = ShipmentStatus.DELIVERED
    db.session.flush()
    post(admin_client, f"{url}/delete", {}, page=url)
    db.session.expire_all()
    assert db.session.scalars(select(CarrierAccount)).all() == []
    assert db.session.get(Shipment, shipment.id).carrier_account_id is None


def test_forwarder_account_uses_the_default_table_or_a_valid_custom_one(db, admin_client, shenzhen):
    url = "/admin/settings/carriers/new/yunexpress"
    form = admin_client.get(url).get_data(as_text=True)
    assert "yunexpress_standard" in form  # the default table, ready to copy
    base = {"account_label": "YunExpress", "active": "y", "location_ids": [str(shenzhen.id)],
            "tracking_url_template": "https://www.yuntrack.com/parcelTracking?id={tracking_number}"}

    bad = post(admin_client, url, {**base, "rate_table": '[{"name": "EU", "countries": ["DE"]'})
    assert bad.status_code == 422 and "The rate table is not valid JSON" in bad.get_data(as_text=True)
    wrong_country = post(admin_client, url, {**base, "rate_table": (
        '[{"name": "EU", "countries": ["XX"], "currency": "CNY",'
        ' "services": {"yunexpress_standard": {"brackets": [[500, 2450]]}}}]')})
    assert wrong_country.status_code == 422
    assert "&#39;XX&#39; is not an ISO 3166 country code" in wrong_country.get_data(as_text=True)

    saved = post(admin_client, url, {**base, "rate_table": (
        '[{"name": "EU", "countries": ["DE", "FR"], "currency": "CNY",'
        ' "services": {"yunexpress_standard": {"brackets": [[500, 2450], [1000, 3900]]}}}]')})
    assert saved.status_code == 302
    account = only_account(db)
    assert account.settings["rate_table"][0]["services"]["yunexpress_standard"]["brackets"] == [[500, 2450],
                                                                                                 [1000, 3900]]
    post(admin_client, f"/admin/settings/carriers/{account.id}", {**base, "use_default_table": "y"})
    db.session.refresh(account)
    assert "rate_table" not in account.settings


def test_box_presets_are_added_edited_and_deleted(db, admin_client):
    assert post(admin_client, "/admin/settings/carriers/boxes/new", {
        "name": "Small mailer", "length_mm": "250", "width_mm": "180", "height_mm": "80",
        "tare_weight_grams": "60"}).status_code == 302
    post(admin_client, "/admin/settings/carriers/boxes/new", {
        "name": "Large box", "length_mm": "400", "width_mm": "300", "height_mm": "200", "tare_weight_grams": "300",
        "max_weight_grams": "20000", "is_default": "y"})

    rows = table_rows(admin_client.get("/admin/settings/carriers/boxes").get_data(as_text=True), "box-presets")
    assert [row[:4] for row in rows] == [["Large box Default", "400 × 300 × 200 mm", "300 g", "20000 g"],
                                         ["Small mailer", "250 × 180 × 80 mm", "60 g", "—"]]
    small_id = db.session.scalar(select(BoxPreset.id).where(BoxPreset.name == "Small mailer"))
    url = f"/admin/settings/carriers/boxes/{small_id}"
    post(admin_client, url, {"name": "Small mailer", "length_mm": "260", "width_mm": "180", "height_mm": "80",
                             "tare_weight_grams": "60"})
    db.session.expire_all()
    assert db.session.get(BoxPreset, small_id).length_mm == 260

    post(admin_client, f"{url}/delete", {}, page="/admin/settings/carriers/boxes")
    db.session.expire_all()
    assert db.session.get(BoxPreset, small_id) is None


def test_a_box_without_dimensions_or_with_a_taken_name_is_refused(db, admin_client):
    post(admin_client, "/admin/settings/carriers/boxes/new", {
        "name": "Mailer", "length_mm": "250", "width_mm": "180", "height_mm": "80"})

    response = post(admin_client, "/admin/settings/carriers/boxes/new", {
        "name": "mailer", "length_mm": "", "width_mm": "180", "height_mm": "80"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is already a box named “mailer”." in html
    assert 'id="length_mm-error" class="error">This field is required.' in html
    assert len(db.session.scalars(select(BoxPreset)).all()) == 1


# -- store settings: customs numbers ---------------------------------------------------------------

def store_form(admin_client, **overrides) -> dict:
    html = admin_client.get("/admin/settings/store").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    data = {"version": version, "name": "Test Shop", "timezone": "UTC", "low_stock_threshold": "5",
            "reservation_minutes": "30", "attribution_window_days": "30"}
    data.update(overrides)
    return data


def test_eori_and_ioss_numbers_are_saved_in_their_standard_form(db, admin_client):
    response = post(admin_client, "/admin/settings/store", store_form(
        admin_client, eori_number="de 1234567 89012345", ioss_number="IM2760000001"))

    assert response.status_code == 302
    db.session.expire_all()
    store = db.session.get(StoreSettings, 1)
    assert (store.eori_number, store.ioss_number) == ("DE123456789012345", "IM2760000001")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("eori_number", "123456789", "An EORI number is the issuing country&#39;s two letters"),
    ("eori_number", "DE1234567890123456", "An EORI number is the issuing country&#39;s two letters"),
    ("eori_number", "QQ12345", "An EORI number is the issuing country&#39;s two letters"),
    ("ioss_number", "IM12345", "An IOSS number is IM followed by 10 digits."),
])
def test_malformed_customs_numbers_are_refused(db, admin_client, field, value, message):
    response = post(admin_client, "/admin/settings/store", store_form(admin_client, **{field: value}))

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert getattr(db.session.get(StoreSettings, 1), field) is None


# -- shipping rates quoted live ----------------------------------------------------------------

def rate_form(**overrides) -> dict:
    data = {"name": "Express", "service_level": "express", "currency": "EUR", "brackets": "500 = 19.90\n2000 = 34.90",
            "min_days": "3", "max_days": "6", "active": "y"}
    data.update(overrides)
    return data


def test_a_rate_can_be_quoted_live_from_a_carrier_account_with_a_margin(db, admin_client, shenzhen):
    post(admin_client, NEW_DHL, dhl_form(shenzhen.id))
    account = only_account(db)
    zone = make_shipping_zone(db.session, "Europe", ["DE", "FR"], "EUR")
    rate = zone.rates[0]
    url = f"/admin/settings/shipping/zones/{zone.id}/rates/{rate.id}"
    page = admin_client.get(url).get_data(as_text=True)
    assert "the weight brackets above are charged instead" in page
    assert '<optgroup label="DHL Shenzhen (DHL Express)">' in page

    response = post(admin_client, url, rate_form(carrier_account_id=str(account.id),
                                                 live_service="mydhl_express_worldwide", margin_percent="12.5",
                                                 margin_fixed="1.50"))

    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(ShippingRate, rate.id)
    assert (saved.live_rate, saved.carrier_account_id, saved.service_hint, saved.carrier_hint) == (
        True, account.id, "mydhl_express_worldwide", "mydhl")
    assert (saved.margin_bp, saved.margin_fixed) == (1250, 150)
    assert [b.price for b in saved.brackets] == [1990, 3490]  # the fallback stays
    assert 'value="12.5"' in admin_client.get(url).get_data(as_text=True)

    post(admin_client, url, rate_form(carrier_account_id=""))
    db.session.expire_all()
    saved = db.session.get(ShippingRate, rate.id)
    assert (saved.live_rate, saved.carrier_account_id) == (False, None)


def test_a_live_rate_needs_a_service_the_account_offers(db, admin_client, shenzhen):
    post(admin_client, NEW_DHL, dhl_form(shenzhen.id, services=["mydhl_express_worldwide"]))
    account = only_account(db)
    zone = make_shipping_zone(db.session, "Europe", ["DE"], "EUR")
    url = f"/admin/settings/shipping/zones/{zone.id}/rates/{zone.rates[0].id}"

    no_service = post(admin_client, url, rate_form(carrier_account_id=str(account.id), live_service=""))
    not_enabled = post(admin_client, url, rate_form(carrier_account_id=str(account.id),
                                                    live_service="mydhl_economy_select", margin_fixed="0.001"))

    assert no_service.status_code == 422
    assert "Choose the carrier service to quote." in no_service.get_data(as_text=True)
    html = not_enabled.get_data(as_text=True)
    assert "The account DHL Shenzhen does not offer the service “mydhl_economy_select”" in html
    assert "Use at most 2 decimal places." in html
    assert db.session.get(ShippingRate, zone.rates[0].id).live_rate is False


def test_deleting_an_account_turns_its_live_rates_back_to_weight_brackets(db, admin_client, shenzhen):
    post(admin_client, NEW_DHL, dhl_form(shenzhen.id))
    account = only_account(db)
    zone = make_shipping_zone(db.session, "Europe", ["DE"], "EUR")
    url = f"/admin/settings/shipping/zones/{zone.id}/rates/{zone.rates[0].id}"
    post(admin_client, url, rate_form(carrier_account_id=str(account.id), live_service="mydhl_express_worldwide"))

    post(admin_client, f"/admin/settings/carriers/{account.id}/delete", {}, page="/admin/settings/carriers")

    db.session.expire_all()
    saved = db.session.get(ShippingRate, zone.rates[0].id)
    assert (saved.live_rate, saved.carrier_account_id) == (False, None)


def test_test_connection_of_a_forwarder_prices_from_its_rate_table(db, admin_client, shenzhen, fake_carriers):
    url = "/admin/settings/carriers/new/yunexpress"
    post(admin_client, url, {"account_label": "YunExpress", "active": "y", "location_ids": [str(shenzhen.id)],
                             "use_default_table": "y"})
    account_url = f"/admin/settings/carriers/{only_account(db).id}"

    post(admin_client, f"{account_url}/test", {}, page=account_url)

    html = admin_client.get(account_url).get_data(as_text=True)
    assert "The connection works: YunExpress quoted 2 services" in html and "CN¥" in html
    assert fake_carriers.requests == []  # a forwarder's table is priced here, no carrier API is called
