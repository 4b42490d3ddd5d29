"""Feed URLs for Google Merchant Center and Meta, and the admin screen that hands them out."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from storefront.domain.marketing import feeds
from storefront.models import AuditLog, StoreSettings
from tests.fixtures.admin import csrf_token, table_rows
from tests.fixtures.factories import make_image, make_market, make_product
from tests.unit.test_feeds import no_feed_files  # noqa: F401 (autouse: every test starts without feed files)

G = "{http://base.google.com/ns/1.0}"
FEEDS_PAGE = "/admin/marketing/feeds"


@pytest.fixture
def catalogue(db, markets):
    product = make_product(db.session, title="Tea & Biscuits <Gift>", translations={"ja": "紅茶とビスケット"},
                           variants=[{"price": 2000}])
    make_image(db.session, product)
    return product


@pytest.fixture
def token(db, store):
    return feeds.feed_token(db.session)


def current_token(db) -> str | None:
    """The token as the requests left it (they commit through their own sessions)."""
    db.session.expire_all()
    return db.session.get(StoreSettings, 1).feed_token


def items(response) -> list[ET.Element]:
    return ET.fromstring(response.get_data()).findall("./channel/item")


def test_google_merchant_center_fetches_the_feed_of_a_market_and_language(client, catalogue, token):
    response = client.get(f"/feeds/{token}/google/JP/ja.xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert response.headers["Cache-Control"].startswith("private")
    [item] = items(response)
    assert item.findtext("title") == "紅茶とビスケット"
    assert item.findtext(f"{G}price") == "2816 JPY"
    assert "Set-Cookie" not in response.headers


def test_meta_fetches_its_feed_with_the_same_token(client, catalogue, token):
    response = client.get(f"/feeds/{token}/meta/EU/de.xml")
    assert response.status_code == 200
    [item] = items(response)
    assert item.findtext(f"{G}title") == "Tea & Biscuits <Gift>"
    assert item.findtext(f"{G}price") == "19.04 EUR" and item.findtext(f"{G}availability") == "in stock"


def test_a_missing_file_is_built_on_the_first_request_and_then_served_as_written(client, db, catalogue, token):
    spec = feeds.find_feed(db.session, "google", "US", "en")
    path = feeds.feed_path(spec.kind, spec.market, spec.locale)
    assert not path.exists()
    assert client.get(f"/feeds/{token}/google/US/en.xml").status_code == 200
    assert path.is_file()
    path.write_bytes(b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel/></rss>')
    assert items(client.get(f"/feeds/{token}/google/US/en.xml")) == []


@pytest.mark.parametrize("path", [
    "/feeds/{wrong}/google/US/en.xml",
    "/feeds/{token}/google/XX/en.xml",  # no such market
    "/feeds/{token}/google/JP/de.xml",  # Japan is not sold in German
    "/feeds/{token}/bing/US/en.xml",
    "/feeds/{token}/google/US/en.csv",
    "/de/feeds/{token}/google/EU/de.xml",  # the language is the feed's, not a URL prefix
])
def test_a_wrong_token_or_unknown_feed_is_not_found(client, catalogue, token, path):
    wrong = token[:-2] + ("xy" if not token.endswith("xy") else "zz")
    response = client.get(path.format(token=token, wrong=wrong))
    assert response.status_code == 404
    assert not feeds.feeds_folder().exists() or not list(feeds.feeds_folder().iterdir())


def test_no_feed_answers_before_a_token_exists(client, db, catalogue):
    assert current_token(db) is None
    assert client.get("/feeds/None/google/US/en.xml").status_code == 404
    assert client.get("/feeds//google/US/en.xml").status_code == 404


def test_a_market_whose_currency_has_no_rate_answers_unavailable(client, db, catalogue, token):
    make_market(db.session, "CH", currency="CHF", countries=["CH"], locales=["de"])
    assert client.get(f"/feeds/{token}/google/CH/de.xml").status_code == 503
    assert client.get(f"/feeds/{token}/google/US/en.xml").status_code == 200


# -- the admin screen ------------------------------------------------------------------------------------------
def test_marketing_sees_every_feed_address_to_copy(staff_client, db, catalogue):
    response = staff_client("admin").get(FEEDS_PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    token = current_token(db)
    assert token and f"/feeds/{token}/google/EU/fr.xml" in html and f"/feeds/{token}/meta/JP/ja.xml" in html
    rows = table_rows(html, "feeds")
    assert len(rows) == 14  # US en, EU de/fr/en, GB en, JP ja/en: Google and Meta each
    assert rows[4][:3] == ["Eurozone EU · EUR", "Français", "Google Merchant Center"]
    assert "Not yet" in rows[0][-1]
    assert "CLIPPER_PUBLIC_URL" in html
    assert "Product feeds" in html  # in the menu


def test_staff_without_the_content_area_cannot_open_the_screen_or_its_buttons(staff_client, catalogue):
    user = staff_client("staff")
    assert user.get(FEEDS_PAGE).status_code == 403
    assert user.post("/admin/marketing/feeds/rotate-token", data={"csrf_token": csrf_token(user, "/admin/")}) \
        .status_code == 403


def test_regenerate_now_writes_every_feed_and_is_audited(admin_client, db, catalogue):
    response = admin_client.post("/admin/marketing/feeds/regenerate",
                                 data={"csrf_token": csrf_token(admin_client, FEEDS_PAGE)})
    assert response.status_code == 302
    names = {path.name for path in feeds.feeds_folder().iterdir()}
    assert {"google-US-en.xml", "meta-JP-ja.xml"} <= names and len(names) == 14
    page = admin_client.get(FEEDS_PAGE).get_data(as_text=True)
    assert "being regenerated" in page and "Not yet" not in page
    assert db.session.query(AuditLog).filter_by(action="product_feeds.regenerate").count() == 1


def test_regenerate_without_the_form_token_does_nothing(admin_client, db, catalogue):
    response = admin_client.post("/admin/marketing/feeds/regenerate")
    assert response.status_code == 400
    assert not feeds.feeds_folder().exists()


def test_rotating_the_token_makes_the_old_addresses_stop_working(admin_client, client, db, catalogue):
    admin_client.get(FEEDS_PAGE)
    old = current_token(db)
    assert client.get(f"/feeds/{old}/google/US/en.xml").status_code == 200
    page = admin_client.get(FEEDS_PAGE).get_data(as_text=True)
    assert 'data-confirm="Make new feed addresses?' in page
    response = admin_client.post("/admin/marketing/feeds/rotate-token",
                                 data={"csrf_token": csrf_token(admin_client, FEEDS_PAGE)}, follow_redirects=True)
    assert "The old ones no longer work" in response.get_data(as_text=True)
    new = current_token(db)
    assert new != old
    assert client.get(f"/feeds/{old}/google/US/en.xml").status_code == 404
    assert client.get(f"/feeds/{new}/google/US/en.xml").status_code == 200
    assert f"/feeds/{new}/google/US/en.xml" in response.get_data(as_text=True)
    assert db.session.query(AuditLog).filter_by(action="product_feeds.rotate_token").count() == 1


def test_rotate_without_the_form_token_keeps_the_addresses(admin_client, db, catalogue):
    admin_client.get(FEEDS_PAGE)
    before = current_token(db)
    assert before and admin_client.post("/admin/marketing/feeds/rotate-token").status_code == 400
    assert current_token(db) == before
