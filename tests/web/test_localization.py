"""Markets and currencies: where the shopper is, what they chose, and the country/currency/language switcher."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.factories import make_product


def shown_price(html: str) -> str:
    return re.search(r"data-price>([^<]*)<", html).group(1).strip()


@pytest.fixture
def lamp(db, markets):
    """A $20.00 lamp (German handle lamp-de)."""
    return make_product(db.session, handle="lamp", title="Lamp", translations={"de": "Lampe"},
                        variants=[{"price": 2000}])


@pytest.mark.parametrize("header", ["CF-IPCountry", "X-Country-Code"])
@pytest.mark.parametrize("country, price", [
    ("US", "$20.00"), ("DE", "€19.04"), ("FR", "€19.20"), ("GB", "£16.32"), ("JP", "¥2,816"),
])
def test_shopper_sees_prices_in_their_countrys_currency(client, lamp, header, country, price):
    html = client.get("/products/lamp", headers={header: country}).get_data(as_text=True)
    assert shown_price(html) == price


def test_yen_prices_have_no_decimals(client, lamp):
    html = client.get("/ja/products/lamp", headers={"CF-IPCountry": "JP"}).get_data(as_text=True)
    assert shown_price(html) == "￥2,816"


def test_german_shopper_on_the_german_site_sees_german_number_format(client, lamp):
    html = client.get("/de/products/lamp-de", headers={"CF-IPCountry": "DE"}).get_data(as_text=True)
    assert shown_price(html) == "19,04\xa0€"


@pytest.mark.parametrize("headers, country", [({}, "ZZ"), ({}, "xx"), ({}, "12"), ({"CF-IPCountry": "T1"}, "")])
def test_unknown_countries_get_the_default_market(client, lamp, headers, country):
    response = client.get(f"/products/lamp?country={country}", headers=headers)
    assert response.status_code == 200
    assert shown_price(response.get_data(as_text=True)) == "$20.00"


def test_a_country_in_no_market_gets_the_default_market(client, lamp):
    assert shown_price(client.get("/products/lamp", headers={"CF-IPCountry": "BR"}).get_data(as_text=True)) == "$20.00"


def test_country_in_the_url_wins_over_the_ip_country(client, lamp):
    html = client.get("/products/lamp?country=JP", headers={"CF-IPCountry": "DE"}).get_data(as_text=True)
    assert shown_price(html) == "¥2,816"


def test_currency_in_the_url_switches_and_is_remembered(client, lamp):
    switched = client.get("/products/lamp?currency=GBP")
    assert switched.status_code == 200
    assert shown_price(switched.get_data(as_text=True)) == "£13.60"  # no UK VAT for a shopper outside the UK
    assert client.get_cookie("cart_currency").value == "GBP"
    assert shown_price(client.get("/products/lamp").get_data(as_text=True)) == "£13.60"
    assert shown_price(client.get("/collections/all").get_data(as_text=True)) == "£13.60"


def test_lower_case_currency_codes_work(client, lamp):
    assert shown_price(client.get("/products/lamp?currency=jpy").get_data(as_text=True)) == "¥2,560"
    assert client.get_cookie("cart_currency").value == "JPY"


@pytest.mark.parametrize("currency", ["XYZ", "", "EURO", "€", "<script>", "BHD"])
def test_a_currency_no_market_sells_in_is_ignored(client, lamp, currency):
    response = client.get("/products/lamp", query_string={"currency": currency}, headers={"CF-IPCountry": "DE"})
    assert response.status_code == 200
    assert shown_price(response.get_data(as_text=True)) == "€19.04"
    assert client.get_cookie("cart_currency") is None


def test_an_unknown_currency_cookie_is_ignored(client, lamp):
    client.set_cookie("cart_currency", "XYZ")
    client.set_cookie("localization", "ZZ")
    response = client.get("/products/lamp", headers={"CF-IPCountry": "GB"})
    assert response.status_code == 200
    assert shown_price(response.get_data(as_text=True)) == "£16.32"


# --- POST /localization -----------------------------------------------------------------------------------------


def test_choosing_country_currency_and_language_returns_to_the_same_page_in_that_language(client, lamp):
    response = client.post("/localization", data={"country": "DE", "currency": "EUR", "locale": "de",
                                                  "return_to": "/products/lamp"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/de/products/lamp"
    assert client.get_cookie("localization").value == "DE"
    assert client.get_cookie("cart_currency").value == "EUR"
    # The choice beats where the shopper's IP says they are.
    page = client.get("/de/products/lamp", headers={"CF-IPCountry": "US"}, follow_redirects=True)
    assert page.request.path == "/de/products/lamp-de"
    assert shown_price(page.get_data(as_text=True)) == "19,04\xa0€"


def test_choosing_only_a_country_brings_its_currency(client, lamp):
    response = client.post("/localization", data={"country": "JP", "return_to": "/collections/all?page=2"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/collections/all?page=2"
    assert shown_price(client.get("/products/lamp").get_data(as_text=True)) == "¥2,816"


def test_switching_from_a_translated_page_to_english_lands_on_the_english_handle(client, lamp):
    response = client.post("/de/localization", data={"locale": "en", "return_to": "/de/products/lamp-de"})
    assert response.headers["Location"] == "/products/lamp-de"
    landing = client.get(response.headers["Location"])
    assert landing.status_code == 301
    assert landing.headers["Location"] == "/products/lamp"


def test_the_language_stays_when_none_is_chosen(client, lamp):
    response = client.post("/de/localization", data={"currency": "GBP", "return_to": "/products/lamp"})
    assert response.headers["Location"] == "/de/products/lamp"
    response = client.post("/de/localization", data={"locale": "xx", "return_to": "/products/lamp"})
    assert response.headers["Location"] == "/de/products/lamp"


def test_a_language_prefix_in_return_to_is_replaced_not_doubled(client, lamp):
    response = client.post("/localization", data={"locale": "ja", "return_to": "/zh-CN/collections/all?page=2"})
    assert response.headers["Location"] == "/ja/collections/all?page=2"
    response = client.post("/localization", data={"locale": "en", "return_to": "/de"})
    assert response.headers["Location"] == "/"
    response = client.post("/localization", data={"locale": "en", "return_to": "/de?page=2"})
    assert response.headers["Location"] == "/?page=2"


@pytest.mark.parametrize("return_to, target", [
    ("/shop/products/lamp", "/shop/de/products/lamp"),
    ("/shop?page=2", "/shop/de/?page=2"),
    ("/shopping-guide", "/shop/de/shopping-guide"),
])
def test_the_switcher_works_when_the_shop_lives_under_a_sub_path(client, lamp, return_to, target):
    response = client.post("/localization", data={"locale": "de", "return_to": return_to},
                           base_url="http://localhost/shop/")
    assert response.status_code == 303
    assert response.headers["Location"] == target


@pytest.mark.parametrize("return_to", [
    "https://evil.example/", "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "evil.example", "", "/\t/evil.example", "/\n/evil.example", " //evil.example",
])
def test_return_to_off_this_site_goes_to_the_home_page(client, lamp, return_to):
    response = client.post("/localization", data={"currency": "EUR", "return_to": return_to})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    german = client.post("/localization", data={"locale": "de", "return_to": return_to})
    assert german.headers["Location"] == "/de/"


@pytest.mark.parametrize("country, currency, price", [("ZZ", "", "$20.00"), ("", "XYZ", "$20.00"),
                                                       ("GB", "XYZ", "£16.32"), ("de", "", "€19.04")])
def test_unknown_choices_are_ignored(client, lamp, country, currency, price):
    response = client.post("/localization", data={"country": country, "currency": currency, "return_to": "/"})
    assert response.status_code == 303
    assert shown_price(client.get("/products/lamp").get_data(as_text=True)) == price


def test_the_switcher_accepts_json_like_shopifys_theme_scripts_send(client, lamp):
    response = client.post("/localization", json={"country": "GB", "return_to": "/products/lamp"},
                           headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/products/lamp"
    assert shown_price(client.get("/products/lamp").get_data(as_text=True)) == "£16.32"


@pytest.mark.parametrize("body", [{"country": 5}, {"currency": ["EUR"]}, {"return_to": 7}, {"locale": {"x": 1}},
                                  ["GB"], "GB"])
def test_malformed_json_choices_are_ignored(client, lamp, body):
    response = client.post("/localization", json=body)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_every_page_has_a_switcher_that_returns_to_it(client, lamp):
    html = client.get("/de/products/lamp-de?variant=1").get_data(as_text=True)
    form = re.search(r'<form class="localization-form" method="post" action="([^"]+)".*?</form>', html, re.S)
    assert form.group(1) == "/de/localization"
    assert '<input type="hidden" name="return_to" value="/products/lamp-de?variant=1">' in form.group(0)
    assert '<option value="de" lang="de" selected>' in form.group(0)
    for currency in ("EUR", "GBP", "JPY", "USD"):
        assert f'<option value="{currency}"' in form.group(0)
