"""Settings screens: each saves what the owner typed, refuses bad input on the form, refuses stale edits, keeps
secrets out of pages, and what it changes is what shoppers see on their next page."""
from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from storefront.domain import secrets_box
from storefront.domain.money import format_money
from storefront.models import (
    AuditLog,
    FxRate,
    FxSource,
    Market,
    ShippingRate,
    ShippingZone,
    StaffRole,
    StoreSettings,
    TaxRate,
    utcnow,
)
from tests.fakes.ecb import CANNED_RATE_DATE, DAILY_PATH, ERROR_PATH
from tests.fakes.stripe import (
    STRIPE_TEST_SECRET_KEY,
    STRIPE_TEST_WEBHOOK_SECRET,
    signed_event,
    webhook_headers,
)
from tests.fixtures.factories import (
    make_fx_rates,
    make_paid_order,
    make_product,
    make_shipping_zone,
    make_staff_user,
)

PASSWORD = "correct horse battery staple"
GERMANY = {"CF-IPCountry": "DE"}
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def sign_in(client, db, role: StaffRole):
    user = make_staff_user(db.session, email=f"{role.value}@example.com", password=PASSWORD, role=role)
    html = client.get("/admin/login").get_data(as_text=True)
    response = client.post("/admin/login", data={"email": user.email, "password": PASSWORD,
                                                 "csrf_token": TOKEN.search(html).group(1)})
    assert response.status_code == 302
    return client


@pytest.fixture
def owner(client, db, store):
    return sign_in(client, db, StaffRole.OWNER)


def form_page(client, url: str) -> tuple[str, str]:
    """The page at `url` and its CSRF token."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    return html, TOKEN.search(html).group(1)


def version_of(html: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)


def submit(client, url: str, data: dict, *, page: str | None = None):
    """Post `data` the way the browser sends the form at `page` (default `url`): with its CSRF token, and with
    its settings version unless `data` names one."""
    html, token = form_page(client, page or url)
    fields = {"csrf_token": token, **data}
    if 'name="version"' in html and "version" not in data:
        fields["version"] = version_of(html)
    return client.post(url, data=fields)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def store_row(db) -> StoreSettings:
    db.session.expire_all()
    return db.session.get(StoreSettings, 1)


def audit_entries(db, action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


STORE_DETAILS = {
    "name": "Harbor & Loom", "legal_name": "Harbor & Loom Trading Co., Ltd.", "contact_email": "Hello@HarborLoom.example",
    "contact_phone": "+86 755 8888 6666", "address1": "88 Gangwan Avenue", "address2": "", "city": "Shenzhen",
    "province_code": "GD", "postal_code": "518054", "country_code": "CN", "timezone": "Asia/Shanghai",
    "ioss_number": "IM5280001234", "uk_vat_number": "123456789", "low_stock_threshold": "3",
    "reservation_minutes": "45", "attribution_window_days": "14",
}


# --- who may open what -------------------------------------------------------------------------------------------

SETTINGS_PAGES = ["/admin/settings", "/admin/settings/store", "/admin/settings/currency", "/admin/settings/languages",
                  "/admin/settings/search", "/admin/settings/markets", "/admin/settings/markets/new",
                  "/admin/settings/fx", "/admin/settings/shipping", "/admin/settings/shipping/zones/new",
                  "/admin/settings/taxes", "/admin/settings/taxes/new", "/admin/settings/theme"]


@pytest.mark.parametrize("url", SETTINGS_PAGES + ["/admin/settings/payments"])
def test_staff_get_403_on_every_settings_page(client, db, store, url):
    sign_in(client, db, StaffRole.STAFF)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", SETTINGS_PAGES)
def test_admins_and_owners_open_every_settings_page(client, db, store, url):
    sign_in(client, db, StaffRole.ADMIN)
    assert client.get(url).status_code == 200


def test_admins_get_403_on_payment_settings_and_see_no_link_to_them(client, db, store):
    sign_in(client, db, StaffRole.ADMIN)
    assert client.get("/admin/settings/payments").status_code == 403
    _, token = form_page(client, "/admin/settings")
    refused = client.post("/admin/settings/payments", data={"csrf_token": token, "secret_key": SECRET_KEY})
    assert refused.status_code == 403
    assert store_row(db).stripe_secret_key_encrypted is None
    overview = text_of(client.get("/admin/settings"))
    assert "/admin/settings/payments" not in overview
    assert "Only owners can see and change payment settings." in overview


def test_signed_out_visitors_are_sent_to_the_login_page(client, store):
    response = client.get("/admin/settings/markets")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]


def test_the_overview_links_to_every_settings_screen(owner):
    html = text_of(owner.get("/admin/settings"))
    for url in ["/admin/settings/store", "/admin/settings/currency", "/admin/settings/languages",
                "/admin/settings/search", "/admin/settings/markets", "/admin/settings/fx",
                "/admin/settings/shipping", "/admin/settings/taxes", "/admin/settings/payments",
                "/admin/settings/theme", "/admin/staff"]:
        assert f'href="{url}"' in html


def test_a_settings_form_without_its_csrf_token_is_refused(owner, db):
    html, _ = form_page(owner, "/admin/settings/store")
    response = owner.post("/admin/settings/store", data={**STORE_DETAILS, "version": version_of(html)})
    assert response.status_code == 400
    assert store_row(db).name == "Test Shop"


# --- store details, currency, languages, synonyms ---------------------------------------------------------------

def test_store_details_are_saved_and_shown_again(owner, db):
    response = submit(owner, "/admin/settings/store", STORE_DETAILS)
    assert response.status_code == 302
    page = text_of(owner.get(response.headers["Location"]))
    assert "Store details saved." in page
    assert 'value="Harbor &amp; Loom Trading Co., Ltd."' in page
    assert '<option selected value="Asia/Shanghai">' in page
    store = store_row(db)
    assert (store.name, store.contact_email, store.timezone) == ("Harbor & Loom", "hello@harborloom.example",
                                                                 "Asia/Shanghai")
    assert store.contact_phone == "+86 755 8888 6666"
    assert store.address == {"address1": "88 Gangwan Avenue", "city": "Shenzhen", "province_code": "GD",
                             "postal_code": "518054", "country_code": "CN"}
    assert (store.ioss_number, store.uk_vat_number) == ("IM5280001234", "GB123456789")
    assert (store.low_stock_threshold, store.reservation_minutes, store.attribution_window_days) == (3, 45, 14)


def test_saving_store_details_writes_who_changed_what_to_the_audit_log(owner, db):
    submit(owner, "/admin/settings/store", STORE_DETAILS)
    [entry] = audit_entries(db, "store_settings.update")
    assert entry.before["name"] == "Test Shop" and entry.after["name"] == "Harbor & Loom"
    assert entry.after["timezone"] == "Asia/Shanghai"
    assert entry.staff_user_id is not None


def test_a_chinese_speaking_owner_picks_the_store_country_by_its_chinese_name(owner):
    html = text_of(owner.get("/admin/settings/store", headers={"Accept-Language": "zh-CN,zh;q=0.9"}))
    assert '<option value="CN">中国 (CN)</option>' in html
    assert '<option value="DE">德国 (DE)</option>' in html


@pytest.mark.parametrize("field, value, message", [
    ("contact_email", "not-an-address", "Enter an e-mail address such as hello@example.com."),
    ("contact_phone", "12", "Enter a phone number with its country code"),
    ("postal_code", "ABCDE", "This is not a postal code of China."),
    ("province_code", "ZZ", "“ZZ” is not a region of CN."),
    ("ioss_number", "IM12", "An IOSS number is IM followed by 10 digits."),
    ("timezone", "Mars/Olympus", "Choose a timezone from the list."),
    ("reservation_minutes", "-5", "Number must be between 5 and 1440."),
    ("name", "", "This field is required."),
])
def test_bad_store_details_are_refused_on_the_form_keeping_what_was_typed(owner, db, field, value, message):
    typed = {**STORE_DETAILS, field: value}
    response = submit(owner, "/admin/settings/store", typed)
    assert response.status_code == 422
    page = text_of(response)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert 'value="88 Gangwan Avenue"' in page  # the rest of what was typed is still there
    assert store_row(db).name == "Test Shop"


def test_an_edit_made_on_a_stale_form_is_refused_and_not_saved(owner, db):
    html, token = form_page(owner, "/admin/settings/store")
    stale_version = version_of(html)
    first = owner.post("/admin/settings/store", data={**STORE_DETAILS, "csrf_token": token, "version": stale_version})
    assert first.status_code == 302
    late = owner.post("/admin/settings/store", data={**STORE_DETAILS, "name": "Overwritten", "csrf_token": token,
                                                     "version": stale_version})
    assert late.status_code == 409
    page = text_of(late)
    assert "Someone else saved the store settings while you were editing." in page
    assert 'value="Overwritten"' in page  # what they typed is not lost
    assert store_row(db).name == "Harbor & Loom"


def test_the_stale_edit_check_covers_every_store_settings_form(owner, db):
    html, token = form_page(owner, "/admin/settings/search")
    owner.post("/admin/settings/search", data={"synonyms": "tee, t-shirt", "csrf_token": token,
                                                "version": version_of(html)})
    late = owner.post("/admin/settings/theme/choose", data={"theme": "midnight", "csrf_token": token,
                                                            "version": version_of(html)})
    assert late.status_code == 409
    assert store_row(db).theme == "default"


def test_base_currency_can_change_while_the_shop_has_no_orders(owner, db):
    make_fx_rates(db.session)
    response = submit(owner, "/admin/settings/currency", {"currency": "eur"})
    assert response.status_code == 302
    assert store_row(db).base_currency == "EUR"
    assert audit_entries(db, "store_settings.update")[-1].after == {"base_currency": "EUR"}


def test_base_currency_is_read_only_once_orders_exist_and_the_page_says_why(owner, db):
    make_paid_order(db.session, [(make_product(db.session), 1)])
    html, token = form_page(owner, "/admin/settings/currency")
    assert "The base currency can no longer change: the shop has orders" in html
    assert 'name="currency"' not in html
    response = owner.post("/admin/settings/currency", data={"currency": "EUR", "csrf_token": token,
                                                            "version": str(store_row(db).version)})
    assert response.status_code == 422
    assert store_row(db).base_currency == "USD"


def test_an_unknown_base_currency_is_refused(owner, db):
    response = submit(owner, "/admin/settings/currency", {"currency": "XYZ"})
    assert response.status_code == 422
    assert "“XYZ” is not an ISO 4217 currency code." in text_of(response)


def test_languages_can_be_turned_off_but_the_default_stays_on(owner, db):
    response = submit(owner, "/admin/settings/languages", {"enabled_locales": ["en", "de", "ja"]})
    assert response.status_code == 302
    assert store_row(db).enabled_locales == ["en", "de", "ja"]
    refused = submit(owner, "/admin/settings/languages", {"enabled_locales": ["de", "ja"]})
    assert refused.status_code == 422
    assert "The default language (en) must stay enabled." in text_of(refused)
    assert store_row(db).enabled_locales == ["en", "de", "ja"]


def test_a_language_a_market_defaults_to_cannot_be_turned_off(owner, db, markets):
    refused = submit(owner, "/admin/settings/languages", {"enabled_locales": ["en", "fr", "ja"]})
    assert refused.status_code == 422
    assert "de is the default language of the market Eurozone." in text_of(refused)


def test_search_synonyms_are_saved_one_group_per_line(owner, db):
    response = submit(owner, "/admin/settings/search", {"synonyms": "tee, T-shirt , tshirt\n\nhoodie,sweatshirt\n"})
    assert response.status_code == 302
    assert store_row(db).search_synonyms == [["tee", "T-shirt", "tshirt"], ["hoodie", "sweatshirt"]]
    assert "tee, T-shirt, tshirt\nhoodie, sweatshirt" in text_of(owner.get("/admin/settings/search"))


def test_a_synonym_line_with_one_word_is_refused_with_its_line_number(owner, db):
    response = submit(owner, "/admin/settings/search", {"synonyms": "tee, t-shirt\nhoodie"})
    assert response.status_code == 422
    assert "Line 2: a group needs at least two different words." in text_of(response)
    assert store_row(db).search_synonyms == []


# --- markets -----------------------------------------------------------------------------------------------------

SWISS = {"name": "Switzerland", "code": "ch", "countries": "ch, LI", "currency": "chf", "default_locale": "de",
         "locales": ["de", "fr"], "price_adjustment": "2.5", "rounding_rule": "ending_95", "tax_inclusive": "y",
         "duties_policy": "DDP", "active": "y"}


def test_a_new_market_is_saved_with_everything_the_owner_typed(owner, db, markets):
    make_fx_rates(db.session, {"CHF": "0.95"})
    response = submit(owner, "/admin/settings/markets/new", SWISS)
    assert response.status_code == 302
    market = db.session.scalars(select(Market).where(Market.code == "CH")).one()
    assert (market.name, market.currency, market.country_codes) == ("Switzerland", "CHF", ["CH", "LI"])
    assert (market.default_locale, market.locales) == ("de", ["de", "fr"])
    assert market.price_adjustment_bp == 250
    assert (market.rounding_rule.value, market.tax_inclusive, market.duties_policy.value) == ("ending_95", True, "DDP")
    assert market.active and not market.is_default
    listing = text_of(owner.get("/admin/settings/markets"))
    assert "Switzerland" in listing and "CH, LI" in listing and "+2.5 %" in listing
    edit = text_of(owner.get(f"/admin/settings/markets/{market.id}"))
    assert 'value="2.5"' in edit and "CH, LI" in edit
    [entry] = audit_entries(db, "market.create")
    assert entry.after["countries"] == ["CH", "LI"] and entry.after["price_adjustment_bp"] == 250


@pytest.mark.parametrize("field, value, message", [
    ("countries", "CH, XX", "“XX” is not an ISO country code."),
    ("countries", "CH, DE", "DE already belongs to the market Eurozone."),
    ("currency", "ABC", "“ABC” is not an ISO 4217 currency code."),
    ("currency", "SEK", "There is no exchange rate from USD to SEK"),
    ("price_adjustment", "-100", "The adjustment must be more than -100 % and at most 1000 %."),
    ("price_adjustment", "2.555", "Use at most 2 decimal places."),
    ("price_adjustment", "lots", "Not a valid decimal value."),
    ("code", "US", "Another market already uses the code US."),
    ("locales", ["de", "ko"], "ko is not enabled for the shop; enable it under Languages first."),
])
def test_bad_market_input_is_refused_on_the_form_keeping_what_was_typed(owner, db, markets, field, value, message):
    make_fx_rates(db.session, {"CHF": "0.95"})
    response = submit(owner, "/admin/settings/markets/new", {**SWISS, field: value})
    assert response.status_code == 422
    page = text_of(response)
    assert message in page
    assert 'value="Switzerland"' in page
    if field != "locales":
        assert (value if isinstance(value, str) else "") in page
    assert db.session.scalars(select(Market).where(Market.name == "Switzerland")).first() is None


def test_editing_a_market_keeps_its_countries_and_moves_the_default(owner, db, markets):
    eu = markets["EU"]
    fields = {"name": "Europe", "code": "EU", "countries": "DE, FR, AT, NL", "currency": "EUR",
              "default_locale": "de", "locales": ["de", "fr", "en"], "price_adjustment": "0", "rounding_rule": "none",
              "tax_inclusive": "y", "duties_policy": "DDP", "active": "y", "is_default": "y"}
    response = submit(owner, f"/admin/settings/markets/{eu.id}", fields)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Market, eu.id).country_codes == ["AT", "DE", "FR", "NL"]
    assert db.session.get(Market, eu.id).is_default
    assert not db.session.get(Market, markets["US"].id).is_default
    [entry] = audit_entries(db, "market.update")
    assert entry.before == {"name": "Eurozone", "countries": ["AT", "DE", "FR"], "is_default": False}
    assert entry.after == {"name": "Europe", "countries": ["AT", "DE", "FR", "NL"], "is_default": True}


def test_the_default_market_cannot_stop_being_the_default_or_be_deleted(owner, db, markets):
    us = markets["US"]
    fields = {"name": "United States", "code": "US", "countries": "US", "currency": "USD", "default_locale": "en",
              "locales": ["en"], "rounding_rule": "none", "duties_policy": "DAP", "active": "y"}
    refused = submit(owner, f"/admin/settings/markets/{us.id}", fields)
    assert refused.status_code == 422
    assert "The shop needs a default market" in text_of(refused)
    _, token = form_page(owner, "/admin/settings/markets")
    response = owner.post(f"/admin/settings/markets/{us.id}/delete", data={"csrf_token": token})
    assert "The default market cannot be deleted" in text_of(owner.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Market, us.id) is not None


def test_deleting_a_market_sends_its_countries_to_the_default_market(owner, db, markets):
    _, token = form_page(owner, "/admin/settings/markets")
    gb = markets["GB"].id
    response = owner.post(f"/admin/settings/markets/{gb}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Market, gb) is None
    assert audit_entries(db, "market.delete")[0].before["code"] == "GB"


@pytest.fixture
def lamp(db, markets):
    """$20.00: 19,04 € in Germany (16 € + 19 % VAT)."""
    return make_product(db.session, handle="lamp", title="Lamp", translations={"de": "Lampe"},
                        variants=[{"price": 2000}])


def german_price(client) -> str:
    html = text_of(client.get("/de/products/lamp-de", headers=GERMANY))
    return re.search(r"data-price>([^<]*)<", html).group(1).strip()


def test_saving_a_market_changes_the_shops_prices_on_the_next_page(owner, db, markets, lamp):
    assert german_price(owner) == format_money(1904, "EUR", "de")
    fields = {"name": "Eurozone", "code": "EU", "countries": "DE, FR, AT", "currency": "EUR", "default_locale": "de",
              "locales": ["de", "fr", "en"], "price_adjustment": "10", "rounding_rule": "none", "tax_inclusive": "y",
              "duties_policy": "DDP", "active": "y"}
    assert submit(owner, f"/admin/settings/markets/{markets['EU'].id}", fields).status_code == 302
    assert german_price(owner) == format_money(2094, "EUR", "de")  # 16 € + 10 % = 17,60 € + 19 % VAT


# --- exchange rates ----------------------------------------------------------------------------------------------

@pytest.fixture
def feed(app, ecb_feed, monkeypatch):
    """Point the configured ECB feed at the local fake; returns a function to choose its path."""
    def use(path: str) -> None:
        monkeypatch.setitem(app.config, "CLIPPER", dataclasses.replace(app.config["CLIPPER"],
                                                                       fx_feed_url=ecb_feed + path))
    return use


def test_the_rates_page_shows_the_latest_ecb_rates_with_their_date(owner, db, markets):
    html = text_of(owner.get("/admin/settings/fx"))
    assert "Rates of 2026-01-02, for 1 EUR." in html
    assert "<td>JPY</td><td class=\"num\">160</td>" in html
    assert "USD → EUR" in html and "0.800000" in html


def test_refresh_now_loads_the_ecb_feed(owner, db, feed):
    feed(DAILY_PATH)
    _, token = form_page(owner, "/admin/settings/fx")
    response = owner.post("/admin/settings/fx/refresh", data={"csrf_token": token})
    page = text_of(owner.get(response.headers["Location"]))
    assert f"Rates of {CANNED_RATE_DATE} loaded:" in page
    assert f"Rates of {CANNED_RATE_DATE}, for 1 EUR." in page
    assert db.session.scalar(select(FxRate).where(FxRate.quote == "JPY", FxRate.source == FxSource.ECB)) is not None
    assert audit_entries(db, "fx_rate.refresh")[0].after["rate_date"] == CANNED_RATE_DATE


def test_a_failing_feed_is_reported_and_stores_nothing(owner, db, feed):
    feed(ERROR_PATH)
    _, token = form_page(owner, "/admin/settings/fx")
    response = owner.post("/admin/settings/fx/refresh", data={"csrf_token": token})
    page = text_of(owner.get(response.headers["Location"]))
    assert "The rates could not be refreshed:" in page and "500" in page
    assert db.session.scalar(select(FxRate)) is None


def test_a_manual_rate_overrides_the_ecb_until_deleted(owner, db, markets, lamp):
    response = submit(owner, "/admin/settings/fx/overrides", {"base": "usd", "quote": "EUR", "rate": "0.5"},
                      page="/admin/settings/fx")
    assert response.status_code == 302
    assert german_price(owner) == format_money(1190, "EUR", "de")  # $20 × 0.5 = 10 € + 19 % VAT
    override = db.session.scalars(select(FxRate).where(FxRate.source == FxSource.MANUAL)).one()
    assert (override.base, override.quote, override.rate) == ("USD", "EUR", Decimal("0.5"))
    page = text_of(owner.get("/admin/settings/fx"))
    assert "Until deleted" in page and "Manual" in page
    _, token = form_page(owner, "/admin/settings/fx")
    owner.post(f"/admin/settings/fx/overrides/{override.id}/delete", data={"csrf_token": token})
    assert german_price(owner) == format_money(1904, "EUR", "de")
    assert [e.action for e in db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "fx_rate"))] == [
        "fx_rate.create", "fx_rate.delete"]


def test_a_manual_rate_with_an_end_is_stored_in_utc_from_store_time(owner, db, markets):
    tomorrow = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT12:00")
    submit(owner, "/admin/settings/fx/overrides", {"base": "USD", "quote": "GBP", "rate": "0.7",
                                                   "expires_at": tomorrow}, page="/admin/settings/fx")
    override = db.session.scalars(select(FxRate).where(FxRate.source == FxSource.MANUAL)).one()
    assert override.expires_at.strftime("%Y-%m-%dT%H:%M") == tomorrow  # the test store's timezone is UTC


@pytest.mark.parametrize("data, message", [
    ({"base": "USD", "quote": "EUR", "rate": "-1"}, "The rate must be more than zero."),
    ({"base": "USD", "quote": "USD", "rate": "1"}, "Choose two different currencies."),
    ({"base": "USD", "quote": "QQQ", "rate": "1"}, "“QQQ” is not an ISO 4217 currency code."),
    ({"base": "USD", "quote": "EUR", "rate": "1", "expires_at": "2020-01-01T00:00"}, "The end must be in the future."),
])
def test_bad_manual_rates_are_refused(owner, db, markets, data, message):
    response = submit(owner, "/admin/settings/fx/overrides", data, page="/admin/settings/fx")
    assert response.status_code == 422
    assert message in text_of(response)
    assert db.session.scalars(select(FxRate).where(FxRate.source == FxSource.MANUAL)).first() is None


# --- shipping ----------------------------------------------------------------------------------------------------

def test_a_shipping_zone_and_its_rate_are_saved_and_shown_again(owner, db, store):
    response = submit(owner, "/admin/settings/shipping/zones/new", {"name": "Europe", "countries": "de fr"})
    assert response.status_code == 302
    zone = db.session.scalars(select(ShippingZone)).one()
    assert sorted(c.country_code for c in zone.countries) == ["DE", "FR"]
    response = submit(owner, f"/admin/settings/shipping/zones/{zone.id}/rates/new", {
        "name": "Standard", "name_de": "Standardversand", "service_level": "standard", "carrier_hint": "dhl_express",
        "currency": "eur", "brackets": "2000 = 9.90\n500g = 4,90\n", "free_over": "50", "min_days": "3",
        "max_days": "7", "active": "y"})
    assert response.status_code == 302
    rate = db.session.scalars(select(ShippingRate)).one()
    assert (rate.name, rate.name_translations, rate.currency) == ("Standard", {"de": "Standardversand"}, "EUR")
    assert [(b.max_weight_grams, b.price) for b in rate.brackets] == [(500, 490), (2000, 990)]
    assert (rate.free_over, rate.min_days, rate.max_days, rate.carrier_hint) == (5000, 3, 7, "dhl_express")
    edit = text_of(owner.get(f"/admin/settings/shipping/zones/{zone.id}/rates/{rate.id}"))
    assert "500 = 4.90\n2000 = 9.90" in edit and 'value="Standardversand"' in edit
    assert "≤ 500 g: €4.90" in text_of(owner.get("/admin/settings/shipping"))
    assert audit_entries(db, "shipping_rate.create")[0].after["brackets"] == [[500, 490], [2000, 990]]


def test_a_country_cannot_ship_by_two_zones(owner, db, store):
    make_shipping_zone(db.session, "Europe", ["DE", "FR"], "EUR")
    response = submit(owner, "/admin/settings/shipping/zones/new", {"name": "Germany", "countries": "DE"})
    assert response.status_code == 422
    assert "DE already ships by the zone Europe." in text_of(response)


def test_only_one_zone_is_the_fallback(owner, db, store):
    world = make_shipping_zone(db.session, "World", [], "USD", is_fallback=True)
    submit(owner, "/admin/settings/shipping/zones/new", {"name": "Rest of world", "is_fallback": "y"})
    db.session.expire_all()
    assert [z.name for z in db.session.scalars(select(ShippingZone).where(ShippingZone.is_fallback.is_(True)))] == [
        "Rest of world"]
    assert not db.session.get(ShippingZone, world.id).is_fallback


@pytest.mark.parametrize("field, value, message", [
    ("brackets", "500 = 4.90\nheavy = 9", "Line 2: write “max grams = price”, for example 500 = 4.90."),
    ("brackets", "500 = 4.90\n500 = 5", "Line 2: 500 g is listed twice."),
    ("brackets", "500 = -4", "The amount cannot be negative."),
    ("brackets", "500 = 4.999", "Use at most 2 decimal places."),
    ("free_over", "-1", "The amount cannot be negative."),
    ("currency", "EURO", "Field cannot be longer than 3 characters."),
    ("max_days", "1", "The latest delivery day cannot come before the earliest."),
])
def test_bad_shipping_rates_are_refused_keeping_what_was_typed(owner, db, store, field, value, message):
    zone = make_shipping_zone(db.session, "Europe", ["DE"], "EUR")
    data = {"name": "Express", "service_level": "express", "currency": "EUR", "brackets": "500 = 4.90",
            "min_days": "3", "max_days": "7", "active": "y", field: value}
    response = submit(owner, f"/admin/settings/shipping/zones/{zone.id}/rates/new", data)
    assert response.status_code == 422
    page = text_of(response)
    assert message in page
    assert 'value="Express"' in page
    assert db.session.scalars(select(ShippingRate).where(ShippingRate.name == "Express")).first() is None


# --- taxes -------------------------------------------------------------------------------------------------------

def test_a_regional_tax_rate_is_saved_with_its_import_threshold(owner, db, store):
    response = submit(owner, "/admin/settings/taxes/new", {
        "country": "ca", "region": "qc", "name": "GST+QST", "rate": "14.975", "import_threshold": "150",
        "import_threshold_currency": "cad"})
    assert response.status_code == 302
    tax = db.session.scalars(select(TaxRate)).one()
    assert (tax.country_code, tax.region, tax.name, tax.rate) == ("CA", "QC", "GST+QST", Decimal("14.975"))
    assert (tax.import_threshold, tax.import_threshold_currency, tax.inclusive_display) == (15000, "CAD", False)
    assert "CA-QC" in text_of(owner.get("/admin/settings/taxes"))
    assert audit_entries(db, "tax_rate.create")[0].after["rate"] == "14.975"


@pytest.mark.parametrize("data, message", [
    ({"country": "DE", "rate": "-5"}, "The rate must be between 0 and 100 %."),
    ({"country": "DE", "rate": "120"}, "The rate must be between 0 and 100 %."),
    ({"country": "XX", "rate": "10"}, "“XX” is not an ISO country code."),
    ({"country": "CA", "region": "ZZ", "rate": "5"}, "“ZZ” is not a region of CA."),
    ({"country": "FR", "rate": "5.5"}, "There is already a tax rate for FR."),
    ({"country": "DE", "rate": "7", "import_threshold": "150"}, "Give the currency of the threshold."),
])
def test_bad_tax_rates_are_refused_keeping_what_was_typed(owner, db, markets, data, message):
    response = submit(owner, "/admin/settings/taxes/new", {"name": "VAT", **data})
    assert response.status_code == 422
    page = text_of(response)
    assert message in page
    assert f'value="{data["rate"]}"' in page
    assert db.session.scalars(select(TaxRate)).all().__len__() == 4


def test_saving_a_tax_rate_changes_the_shops_prices_on_the_next_page(owner, db, markets, lamp):
    assert german_price(owner) == format_money(1904, "EUR", "de")
    germany = db.session.scalars(select(TaxRate).where(TaxRate.country_code == "DE")).one()
    response = submit(owner, f"/admin/settings/taxes/{germany.id}", {"country": "DE", "name": "MwSt", "rate": "7",
                                                                     "inclusive_display": "y"})
    assert response.status_code == 302
    assert german_price(owner) == format_money(1712, "EUR", "de")  # 16 € + 7 %
    [entry] = audit_entries(db, "tax_rate.update")
    assert (entry.before, entry.after) == ({"name": "VAT", "rate": "19"}, {"name": "MwSt", "rate": "7"})


# --- payments ----------------------------------------------------------------------------------------------------

SECRET_KEY = "sk_test_51Hsecretvalue0123456789abcdefXYZ9"
WEBHOOK_SECRET = "whsec_9f8e7d6c5b4a39281706fedcba"


def save_stripe_keys(client, **data):
    return submit(client, "/admin/settings/payments", {"publishable_key": "pk_test_51Hpublic", **data})


def test_stripe_keys_are_sealed_and_the_page_shows_only_their_mask(owner, app, db):
    response = save_stripe_keys(owner, secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET)
    assert response.status_code == 302
    page = text_of(owner.get("/admin/settings/payments"))
    assert "Payment settings saved." in page
    assert SECRET_KEY not in page and WEBHOOK_SECRET not in page
    assert secrets_box.masked(SECRET_KEY) in page and secrets_box.masked(WEBHOOK_SECRET) in page
    assert 'value="pk_test_51Hpublic"' in page
    store = store_row(db)
    assert SECRET_KEY not in store.stripe_secret_key_encrypted
    assert secrets_box.unseal(app.config["CLIPPER"].secret_key, store.stripe_secret_key_encrypted) == SECRET_KEY
    [entry] = audit_entries(db, "store_settings.payments")
    assert SECRET_KEY not in str(entry.after) and entry.after["stripe_secret_key"] == secrets_box.masked(SECRET_KEY)


def test_a_blank_secret_keeps_the_saved_one_and_a_refused_form_never_echoes_it(owner, app, db):
    save_stripe_keys(owner, secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET)
    refused = save_stripe_keys(owner, publishable_key="not-a-key", secret_key="sk_live_brandnewkey1234")
    assert refused.status_code == 422
    page = text_of(refused)
    assert "This does not look like the right Stripe key" in page
    assert "sk_live_brandnewkey1234" not in page and SECRET_KEY not in page
    assert save_stripe_keys(owner, secret_key="", webhook_secret="").status_code == 302
    key = app.config["CLIPPER"].secret_key
    assert secrets_box.unseal(key, store_row(db).stripe_secret_key_encrypted) == SECRET_KEY


def test_the_payments_page_gives_the_webhook_url_to_copy(owner):
    page = text_of(owner.get("/admin/settings/payments"))
    assert 'value="http://localhost/webhooks/stripe" readonly' in page


def test_the_payments_page_says_when_environment_variables_override_it(owner, app, monkeypatch):
    monkeypatch.setitem(app.config, "CLIPPER", dataclasses.replace(app.config["CLIPPER"],
                                                                   stripe_secret_key=STRIPE_TEST_SECRET_KEY))
    page = text_of(owner.get("/admin/settings/payments"))
    assert "The environment variable CLIPPER_STRIPE_SECRET_KEY is set on the server" in page
    assert STRIPE_TEST_SECRET_KEY not in page


def webhook(client, secret: str):
    event = signed_event("charge.refunded", {"id": "ch_unknown", "object": "charge", "payment_intent": "pi_unknown",
                                             "amount_refunded": 100, "refunds": {"data": []}}, secret=secret)
    return client.post("/webhooks/stripe", data=event.payload, headers=webhook_headers(event))


def test_the_webhook_secret_saved_in_the_admin_verifies_stripe_events(owner, db):
    assert webhook(owner, STRIPE_TEST_WEBHOOK_SECRET).status_code == 503  # nothing configured anywhere
    save_stripe_keys(owner, secret_key=STRIPE_TEST_SECRET_KEY, webhook_secret=STRIPE_TEST_WEBHOOK_SECRET)
    assert webhook(owner, STRIPE_TEST_WEBHOOK_SECRET).status_code == 200
    assert webhook(owner, "whsec_someone_else").status_code == 400


def test_the_environment_webhook_secret_wins_over_the_saved_one(owner, app, db, monkeypatch):
    save_stripe_keys(owner, secret_key=STRIPE_TEST_SECRET_KEY, webhook_secret=STRIPE_TEST_WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "CLIPPER", dataclasses.replace(app.config["CLIPPER"],
                                                                   stripe_webhook_secret="whsec_from_environment"))
    assert webhook(owner, STRIPE_TEST_WEBHOOK_SECRET).status_code == 400
    assert webhook(owner, "whsec_from_environment").status_code == 200


# --- theme -------------------------------------------------------------------------------------------------------

def test_choosing_another_theme_changes_the_shop_on_the_next_page(owner, db):
    assert "hero--midnight" not in text_of(owner.get("/"))
    response = submit(owner, "/admin/settings/theme/choose", {"theme": "midnight"}, page="/admin/settings/theme")
    assert response.status_code == 302
    assert store_row(db).theme == "midnight"
    assert "hero--midnight" in text_of(owner.get("/"))
    assert audit_entries(db, "store_settings.theme")[0].after == {"theme": "midnight"}


def test_an_unknown_theme_is_refused(owner, db):
    response = submit(owner, "/admin/settings/theme/choose", {"theme": "../admin"}, page="/admin/settings/theme")
    assert response.status_code == 422
    assert store_row(db).theme == "default"


def test_theme_settings_from_the_schema_show_on_the_shop(owner, db):
    page = text_of(owner.get("/admin/settings/theme"))
    for name in ("colors.accent", "font", "logo", "announcement.de", "hero.heading.ja", "hero.subheading.en"):
        assert f'name="{name}"' in page
    response = submit(owner, "/admin/settings/theme/settings", {
        "colors.accent": "#FF5500", "colors.background": "#ffffff", "colors.text": "#111111", "font": "serif",
        "logo": "", "announcement.en": "Free shipping over $50", "announcement.de": "Gratisversand ab 50 €",
        "hero.heading.en": "Made to travel", "hero.heading.de": "Gemacht zum Reisen", "hero.subheading.en": ""},
        page="/admin/settings/theme")
    assert response.status_code == 302
    settings = store_row(db).theme_settings
    assert settings["colors"]["accent"] == "#ff5500"
    assert settings["announcement"] == {"en": "Free shipping over $50", "de": "Gratisversand ab 50 €"}
    assert settings["hero"] == {"heading": {"en": "Made to travel", "de": "Gemacht zum Reisen"}, "subheading": {}}
    german_home = text_of(owner.get("/de/"))
    assert "Gratisversand ab 50 €" in german_home and "Gemacht zum Reisen" in german_home
    assert "--color-accent:#ff5500" in german_home
    assert 'value="#ff5500"' in text_of(owner.get("/admin/settings/theme"))


def test_a_bad_theme_colour_is_refused_keeping_the_other_settings_typed(owner, db):
    response = submit(owner, "/admin/settings/theme/settings", {
        "colors.accent": "red", "colors.background": "#ffffff", "colors.text": "#111111", "font": "serif",
        "announcement.en": "Sale this week"}, page="/admin/settings/theme")
    assert response.status_code == 422
    page = text_of(response)
    assert "Enter a colour as #rrggbb." in page
    assert 'value="red"' in page and "Sale this week" in page
    assert store_row(db).theme_settings == {}
