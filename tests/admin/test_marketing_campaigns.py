"""Campaigns in the admin: creating them with a landing page and a discount, influencer links with commission and
KOL codes, the checks that name what to fix, who may open them, the report, its CSV and the commissions owed."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from storefront.domain.marketing import campaigns, reports
from storefront.models import (
    AuditLog,
    Campaign,
    CampaignChannel,
    CampaignLink,
    DiscountCode,
    DiscountKind,
    LandingKind,
    PageKind,
    Visit,
    utcnow,
)
from tests.admin.test_products import submit, text
from tests.fixtures.admin import table_rows
from tests.fixtures.factories import make_discount_code, make_page, make_paid_order, make_product

NEW = "/admin/marketing/campaigns/new"


def campaign_url(campaign_id: int, rest: str = "") -> str:
    return f"/admin/marketing/campaigns/{campaign_id}{rest}"


def create(client, changes: dict):
    return submit(client, NEW, text(client.get(NEW)), changes)


def add_link(client, campaign_id: int, changes: dict):
    page = text(client.get(campaign_url(campaign_id)))
    return submit(client, campaign_url(campaign_id, "/links"), page, changes)


def make_campaign(session, name: str = "Spring Sale", **overrides) -> Campaign:
    draft = campaigns.CampaignDraft(name=name, **overrides)
    return campaigns.create_campaign(session, draft)


def cells(html: str, table_id: str) -> dict[str, str]:
    """A two-column table as {row heading: value}."""
    return {row[0]: row[1] for row in table_rows(html, table_id)}


def errors(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'<small id="[^"]+-error" class="error">([^<]+)</small>', html)]


@pytest.fixture
def landing_page(db, store):
    return make_page(db.session, title="Spring landing", handle="spring", kind=PageKind.LANDING,
                     translations={"ja": ("春のセール", "haru")})


# -- creating campaigns -----------------------------------------------------------------------------------------

def test_owner_creates_a_campaign_landing_on_a_page_with_its_own_discount_code(admin_client, db, store,
                                                                                landing_page):
    store.timezone = "Asia/Tokyo"
    db.session.flush()
    response = create(admin_client, {
        "name": "Spring Sale", "channel": "social", "utm_source": "instagram", "landing_kind": "page",
        "landing_page_id": str(landing_page.id), "starts_at": "2026-04-01T09:00", "ends_at": "2026-04-30T21:00",
        "budget": "250.00", "budget_currency": "USD", "discount_choice": "new", "discount_code": "spring15",
        "discount_kind": "percentage", "discount_percent": "15"})
    assert response.status_code == 302, text(response)

    campaign = db.session.scalars(select(Campaign).where(Campaign.name == "Spring Sale")).one()
    assert response.headers["Location"].endswith(campaign_url(campaign.id))
    assert (campaign.channel, campaign.landing_kind, campaign.landing_page_id) == (
        CampaignChannel.SOCIAL, LandingKind.PAGE, landing_page.id)
    assert (campaign.utm_source, campaign.utm_medium, campaign.utm_campaign) == ("instagram", "social", "spring-sale")
    assert campaign.starts_at == datetime(2026, 4, 1, 0, 0, tzinfo=UTC)  # 9:00 in Tokyo
    assert campaign.ends_at == datetime(2026, 4, 30, 12, 0, tzinfo=UTC)
    assert (campaign.budget, campaign.budget_currency) == (25000, "USD")
    code = db.session.get(DiscountCode, campaign.discount_code_id)
    assert (code.code, code.kind, code.value, code.campaign_id) == ("SPRING15", DiscountKind.PERCENTAGE, 1500,
                                                                    campaign.id)
    assert (code.starts_at, code.ends_at) == (campaign.starts_at, campaign.ends_at)
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.entity_type.in_(
        ["campaign", "discount_code"]))).all()
    assert sorted(actions) == ["campaign.create", "discount_code.create"]

    page = text(admin_client.get(campaign_url(campaign.id)))
    assert "Spring landing" in page and "SPRING15" in page and "15 % off" in page
    assert "4/1/26, 9:00" in page  # shown in the store's time zone


def test_campaign_with_an_existing_fixed_discount_lands_on_a_product(admin_client, db, store):
    product = make_product(db.session, title="Harbour Mug")
    existing = make_discount_code(db.session, "WELCOME", kind=DiscountKind.FIXED_AMOUNT, value=500,
                                  amounts={"USD": 500})
    response = create(admin_client, {"name": "Mug week", "channel": "search_ads", "landing_kind": "product",
                                      "landing_product_id": str(product.id), "discount_choice": str(existing.id)})
    assert response.status_code == 302, text(response)
    campaign = db.session.scalars(select(Campaign).where(Campaign.name == "Mug week")).one()
    assert (campaign.landing_product_id, campaign.discount_code_id, campaign.utm_medium) == (
        product.id, existing.id, "cpc")
    assert existing.campaign_id is None  # someone else's code is applied, not taken over


def test_fixed_amount_code_needs_the_base_currency_amount(admin_client, db, store):
    response = create(admin_client, {"name": "Ten off", "discount_choice": "new", "discount_code": "TENOFF",
                                     "discount_kind": "fixed_amount", "discount_amounts": "EUR 9"})
    assert response.status_code == 422
    assert ("Give the amount in USD, the store's base currency; other currencies are optional."
            in errors(text(response)))
    response = create(admin_client, {"name": "Ten off", "discount_choice": "new", "discount_code": "TENOFF",
                                     "discount_kind": "fixed_amount", "discount_amounts": "USD 10, EUR 9"})
    assert response.status_code == 302, text(response)
    code = db.session.scalars(select(DiscountCode).where(DiscountCode.code == "TENOFF")).one()
    assert (code.value, {a.currency: a.amount for a in code.amounts}) == (1000, {"EUR": 900, "USD": 1000})


@pytest.mark.parametrize("changes, field_message", [
    ({"ends_at": "2026-04-01T09:00", "starts_at": "2026-04-02T09:00"}, "The end must come after the start."),
    ({"landing_kind": "page", "landing_page_id": "999999"},
     "Choose a landing page from the list: that page does not exist or is not a landing page."),
    ({"landing_kind": "collection"}, "This field is required."),
    ({"name": "  "}, "This field is required."),
    ({"utm_source": "x" * 121}, "Field cannot be longer than 120 characters."),
    ({"budget": "-5"}, "Enter zero or more."),
    ({"budget": "10.001"}, "USD amounts have at most 2 decimals."),
    ({"discount_choice": "new", "discount_code": "no spaces!", "discount_percent": "10"},
     "Use 3 to 64 letters, digits, - or _ for the discount code."),
    ({"discount_choice": "new", "discount_code": "BIG", "discount_percent": "150"},
     "Enter a percentage between 0.01 and 100."),
])
def test_bad_campaign_input_names_the_field_and_saves_nothing(admin_client, db, store, changes, field_message):
    response = create(admin_client, {"name": "Broken", **changes})
    assert response.status_code == 422
    assert field_message in errors(text(response))
    assert db.session.scalar(select(Campaign.id)) is None
    assert db.session.scalar(select(DiscountCode.id)) is None


def test_every_mistake_is_named_at_once_including_the_new_codes(admin_client, db, store):
    response = create(admin_client, {"name": "", "ends_at": "2026-01-01T00:00", "starts_at": "2026-02-01T00:00",
                                     "discount_choice": "new", "discount_code": "x", "discount_percent": "0"})
    assert response.status_code == 422
    assert errors(text(response)) == [
        "This field is required.", "The end must come after the start.",
        "Use 3 to 64 letters, digits, - or _ for the discount code.", "Enter a percentage between 0.01 and 100."]
    assert db.session.scalar(select(DiscountCode.id)) is None


def test_a_content_page_is_not_a_landing_page(admin_client, db, store):
    about = make_page(db.session, title="About us", kind=PageKind.CONTENT)
    response = create(admin_client, {"name": "Wrong page", "landing_kind": "page",
                                     "landing_page_id": str(about.id)})
    assert response.status_code == 422
    assert ("Choose a landing page from the list: that page does not exist or is not a landing page."
            in errors(text(response)))
    assert "About us" not in text(response)  # not offered either
    assert db.session.scalar(select(Campaign.id)) is None


def test_a_taken_discount_code_is_refused(admin_client, db, store):
    make_discount_code(db.session, "SPRING15")
    response = create(admin_client, {"name": "Again", "discount_choice": "new", "discount_code": "spring15",
                                     "discount_percent": "15"})
    assert response.status_code == 422
    assert ("The discount code SPRING15 already exists: pick it from the list or choose another."
            in errors(text(response)))


def test_editing_keeps_the_dates_in_store_time_and_moves_the_campaign_code_with_them(admin_client, db, store):
    store.timezone = "Europe/Berlin"
    db.session.flush()
    campaign = make_campaign(db.session, starts_at=datetime(2026, 6, 1, 7, tzinfo=UTC),
                             ends_at=datetime(2026, 6, 30, 7, tzinfo=UTC),
                             new_discount=campaigns.NewDiscount(code="JUNE", percent=10))
    form = text(admin_client.get(campaign_url(campaign.id, "/edit")))
    assert 'value="2026-06-01T09:00"' in form  # 07:00 UTC is 09:00 in Berlin in summer
    response = submit(admin_client, campaign_url(campaign.id, "/edit"), form, {"ends_at": "2026-07-15T09:00"})
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    assert campaign.ends_at == datetime(2026, 7, 15, 7, tzinfo=UTC)
    assert campaign.starts_at == datetime(2026, 6, 1, 7, tzinfo=UTC)
    code = db.session.get(DiscountCode, campaign.discount_code_id)
    assert code.ends_at == campaign.ends_at
    update = db.session.scalars(select(AuditLog).where(AuditLog.action == "campaign.update")).one()
    assert set(update.after) == {"ends_at"}


# -- tracked links ----------------------------------------------------------------------------------------------

def test_influencer_link_with_commission_and_kol_code(admin_client, db, store, landing_page):
    campaign = make_campaign(db.session, channel="influencer", landing_kind="page", landing_page_id=landing_page.id)
    response = add_link(admin_client, campaign.id, {
        "code": "Anna-IG", "label": "Instagram bio", "locale": "ja", "influencer": "Anna",
        "commission_percent": "12.5", "discount_choice": "new", "discount_code": "ANNA10",
        "discount_kind": "percentage", "discount_percent": "10"})
    assert response.status_code == 302, text(response)

    link = db.session.scalars(select(CampaignLink).where(CampaignLink.campaign_id == campaign.id)).one()
    assert (link.code, link.locale, link.influencer, link.commission_bp) == ("anna-ig", "ja", "Anna", 1250)
    code = db.session.get(DiscountCode, link.discount_code_id)
    assert (code.code, code.value, code.campaign_id, code.commission_bp) == ("ANNA10", 1000, campaign.id, 1250)
    assert db.session.scalar(select(AuditLog.id).where(AuditLog.action == "campaign_link.create")) is not None

    url = campaign_url(campaign.id, f"/links/{link.id}")
    response = submit(admin_client, url, text(admin_client.get(url)), {"commission_percent": "15"})
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    assert (link.commission_bp, code.commission_bp) == (1500, 1500)  # the KOL code earns what the link earns

    page = text(admin_client.get(campaign_url(campaign.id)))
    assert re.search(r'value="http://[^"]+/ja/c/anna-ig"', page)  # the link lands in Japanese
    assert 'data-copy="link-url-%d"' % link.id in page
    assert "Commission: 15 %" in page and "ANNA10" in page and "10 % off" in page


def test_a_link_without_a_code_gets_a_short_unambiguous_one_and_variants_per_language(admin_client, db, store):
    campaign = make_campaign(db.session)
    assert add_link(admin_client, campaign.id, {"label": "Newsletter"}).status_code == 302
    link = db.session.scalars(select(CampaignLink)).one()
    assert re.fullmatch(f"[{campaigns.CODE_ALPHABET}]{{7}}", link.code)
    page = text(admin_client.get(campaign_url(campaign.id)))
    assert re.search(rf'value="http://[^"]+/c/{link.code}"', page)
    assert f"/ja/c/{link.code}" in page and f"/de/c/{link.code}" in page


@pytest.mark.parametrize("changes, message", [
    ({"code": "no spaces"}, "Use 3 to 64 lower-case letters, digits, - or _ for the link code, or leave it empty "
                            "for a generated one."),
    ({"code": "ab"}, "Use 3 to 64 lower-case letters, digits, - or _ for the link code, or leave it empty for a "
                     "generated one."),
    ({"code": "TAKEN"}, "Another link already uses the code taken."),
    ({"commission_percent": "100.5"}, "Number must be between 0 and 100."),
    ({"commission_percent": "10.125"}, "Enter a commission between 0 and 100 %, with at most two decimals."),
])
def test_bad_link_input_is_refused_with_the_reason(admin_client, db, store, changes, message):
    campaign = make_campaign(db.session)
    campaigns.add_link(db.session, campaign, campaigns.LinkDraft(code="taken"))
    response = add_link(admin_client, campaign.id, changes)
    assert response.status_code == 422
    assert message in errors(text(response))
    assert db.session.scalars(select(CampaignLink.code)).all() == ["taken"]


def test_editing_a_link_and_deleting_one_without_orders(admin_client, db, store):
    campaign = make_campaign(db.session)
    link = campaigns.add_link(db.session, campaign, campaigns.LinkDraft(code="first"))
    url = campaign_url(campaign.id, f"/links/{link.id}")
    response = submit(admin_client, url, text(admin_client.get(url)), {"code": "", "influencer": "Ben",
                                                                      "commission_percent": "5"})
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    assert (link.code, link.influencer, link.commission_bp) == ("first", "Ben", 500)  # empty code keeps the old

    page = text(admin_client.get(campaign_url(campaign.id)))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = admin_client.post(url + "/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(select(CampaignLink.id)) is None


def test_a_link_credited_with_orders_cannot_be_deleted(admin_client, db, store):
    campaign = make_campaign(db.session)
    link = campaigns.add_link(db.session, campaign, campaigns.LinkDraft(code="paid"))
    make_paid_order(db.session, [(make_product(db.session), 1)], campaign_link_id=link.id)
    page = text(admin_client.get(campaign_url(campaign.id)))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = admin_client.post(campaign_url(campaign.id, f"/links/{link.id}/delete"), data={"csrf_token": token},
                                 follow_redirects=True)
    assert "The link paid cannot be deleted: orders are credited to it" in text(response)
    assert db.session.scalar(select(CampaignLink.code)) == "paid"


def test_qr_code_of_a_link_is_an_svg(admin_client, db, store):
    campaign = make_campaign(db.session)
    link = campaigns.add_link(db.session, campaign, campaigns.LinkDraft(code="poster"))
    response = admin_client.get(campaign_url(campaign.id, f"/links/{link.id}/qr.svg"))
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data and b"<script" not in response.data
    assert 'src="data:image/svg+xml' in text(admin_client.get(campaign_url(campaign.id)))
    assert admin_client.get(campaign_url(campaign.id, f"/links/{link.id + 1}/qr.svg")).status_code == 404


# -- deleting -------------------------------------------------------------------------------------------------

def _delete(client, campaign_id: int):
    page = text(client.get(campaign_url(campaign_id)))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post(campaign_url(campaign_id, "/delete"), data={"csrf_token": token})


def test_a_campaign_nobody_came_through_is_deleted_and_its_code_switched_off(admin_client, db, store):
    campaign = make_campaign(db.session, new_discount=campaigns.NewDiscount(code="GONE", percent=5))
    campaigns.add_link(db.session, campaign, campaigns.LinkDraft(code="gone-link"))
    response = _delete(admin_client, campaign.id)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/marketing/campaigns")
    assert db.session.scalar(select(Campaign.id)) is None
    assert db.session.scalar(select(CampaignLink.id)) is None
    code = db.session.scalars(select(DiscountCode).where(DiscountCode.code == "GONE")).one()
    assert (code.active, code.campaign_id) == (False, None)


def test_a_campaign_with_visits_is_switched_off_not_deleted(admin_client, db, store):
    campaign = make_campaign(db.session)
    db.session.add(Visit(visitor_id="v" * 20, campaign_id=campaign.id))
    db.session.flush()
    response = _delete(admin_client, campaign.id)
    assert response.status_code == 302
    db.session.expire_all()
    assert campaign.active is False
    assert "Switched off" in text(admin_client.get(campaign_url(campaign.id)))


# -- who may open them ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [("owner", 200), ("admin", 200), ("staff", 403)])
def test_campaigns_are_for_owners_and_admins(staff_client, db, store, role, status):
    campaign = make_campaign(db.session)
    client = staff_client(role)
    for url in ("/admin/marketing/campaigns", NEW, campaign_url(campaign.id), "/admin/marketing/influencers",
                campaign_url(campaign.id, "/report.csv")):
        assert client.get(url).status_code == status, url
    menu = text(client.get("/admin/"))
    assert ('href="/admin/marketing/campaigns"' in menu) is (status == 200)


def test_unknown_campaign_is_404(admin_client, db, store):
    assert admin_client.get(campaign_url(424242)).status_code == 404
    assert admin_client.get(campaign_url(424242, "/edit")).status_code == 404


# -- the report -------------------------------------------------------------------------------------------------

@pytest.fixture
def sold(db, store, markets):
    """Campaign "Spring" (spend $50) with 3 visits, two paid orders by last touch ($30 and €20 = $25 base, the
    latter with $5 of discount), one unpaid order, and an order where Spring was only the first touch."""
    campaign = make_campaign(db.session, "Spring", budget="80", spend="50", budget_currency="USD")
    product = make_product(db.session)
    now = utcnow() - timedelta(hours=1)
    for n in range(3):
        db.session.add(Visit(visitor_id=f"visitor-{n:016d}", campaign_id=campaign.id, created_at=now))
    first = make_paid_order(db.session, [(product, 1)], last_touch_campaign_id=campaign.id,
                            first_touch_campaign_id=campaign.id, market_id=markets["US"].id, created_at=now)
    first.total = first.base_total = first.base_subtotal = 3000
    second = make_paid_order(db.session, [(product, 1)], last_touch_campaign_id=campaign.id, currency="EUR",
                             market_id=markets["EU"].id, created_at=now)
    second.total, second.base_total, second.base_subtotal, second.base_discount_total = 2000, 2500, 3000, 500
    make_paid_order(db.session, [(product, 1)], last_touch_campaign_id=campaign.id, paid_at=None, created_at=now)
    make_paid_order(db.session, [(product, 1)], first_touch_campaign_id=campaign.id, created_at=now)
    db.session.flush()
    return campaign


def test_report_shows_the_numbers_of_the_domain_report(admin_client, db, sold):
    expected = reports.campaign_report(db.session, sold)
    assert (expected.visits, expected.orders, expected.revenue_base) == (3, 2, 5500)
    html = text(admin_client.get(campaign_url(sold.id)))
    totals = cells(html, "report-totals")
    assert totals["Visits"] == "3"
    assert totals["Orders"] == "2"
    assert totals["Conversion rate"] == "66.7%"
    assert totals["Revenue"] == "$55.00"
    assert totals["Average order value"] == "$27.50"
    assert totals["Discount cost"] == "$5.00"
    assert totals["Spend"] == "$50.00"
    assert totals["Return on ad spend"] == "1.10×"
    assert cells(html, "report-markets") == {"US": "$30.00", "EU": "€20.00"}
    chart = json.loads(unescape(re.search(r'id="campaign-report-data">(.*?)</script>', html, re.S).group(1)))
    assert sum(chart["series"]["visits"]["data"]) == 3 and sum(chart["series"]["revenue"]["data"]) == 55.0
    days = table_rows(html, "report-days")
    assert [row[1:] for row in days] == [["3", "2", "$55.00"]]
    assert "<script>" not in html  # the chart's data is a JSON island, drawn by marketing.js

    first_touch = cells(text(admin_client.get(campaign_url(sold.id) + "?touch=first")), "report-totals")
    assert (first_touch["Orders"], first_touch["Revenue"]) == ("2", "$49.90")  # the $30 order and the $19.90 one


def test_report_period_without_orders_and_a_backwards_period(admin_client, db, sold):
    html = text(admin_client.get(campaign_url(sold.id) + "?start=2020-01-01&end=2020-01-31"))
    assert cells(html, "report-totals")["Orders"] == "0"
    html = text(admin_client.get(campaign_url(sold.id) + "?start=2020-02-01&end=2020-01-01"))
    assert "The end must come after the start." in html
    assert cells(html, "report-totals")["Orders"] == "2"  # the end is dropped: from 1 February 2020 until today
    assert admin_client.get(campaign_url(sold.id) + "?start=garbage&touch=sideways").status_code == 200


def test_report_csv_export(admin_client, db, sold):
    response = admin_client.get(campaign_url(sold.id, "/report.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    values = {row[0]: row[1:] for row in rows if row}
    assert values["Campaign"] == ["Spring"]
    assert values["Visits"] == ["3"] and values["Orders"] == ["2"]
    assert values["Revenue"] == ["55.00"] and values["Return on ad spend"] == ["1.10"]


def test_campaign_list_shows_status_and_numbers(admin_client, db, sold):
    make_campaign(db.session, "Autumn", starts_at=utcnow() + timedelta(days=30))
    rows = table_rows(text(admin_client.get("/admin/marketing/campaigns")), "campaigns")
    by_name = {row[0].split(" ")[0]: row for row in rows}
    assert by_name["Autumn"][1:3] == ["Scheduled", "Other"]
    assert by_name["Spring"][1:] == ["Running", "Other", "3", "2", "66.7%", "$55.00", "$50.00", "1.10×"]


# -- influencers --------------------------------------------------------------------------------------------------

def test_influencer_payable_report_and_csv(admin_client, db, store):
    campaign = make_campaign(db.session, "KOL push", channel="influencer")
    link = campaigns.add_link(db.session, campaign, campaigns.LinkDraft(
        code="anna", influencer="Anna", commission_percent=10,
        new_discount=campaigns.NewDiscount(code="ANNA10", percent=10)))
    product = make_product(db.session)
    for base_subtotal, discount in [(10000, 1000), (5000, 500)]:
        order = make_paid_order(db.session, [(product, 1)], campaign_link_id=link.id,
                                last_touch_campaign_id=campaign.id)
        order.base_subtotal, order.base_discount_total, order.base_total = base_subtotal, discount, base_subtotal
    unpaid = make_paid_order(db.session, [(product, 1)], campaign_link_id=link.id, paid_at=None)
    unpaid.base_subtotal = 99900
    db.session.flush()

    html = text(admin_client.get("/admin/marketing/influencers"))
    rows = table_rows(html, "influencers")
    assert rows == [["anna", "Anna", "KOL push", "2", "$150.00", "$135.00", "10 %", "$13.50"]]
    assert ">$13.50<" in html

    other = make_campaign(db.session, "Other")
    filtered = text(admin_client.get(f"/admin/marketing/influencers?campaign={other.id}"))
    assert table_rows(filtered, "influencers") == []

    exported = admin_client.get("/admin/marketing/influencers.csv")
    assert exported.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert lines[0][:5] == ["Campaign", "Code", "Label", "Influencer", "Orders"]
    assert lines[1] == ["KOL push", "anna", "", "Anna", "2", "150.00", "135.00", "10", "13.50", "USD"]


def test_csv_cells_cannot_start_a_formula(admin_client, db, store):
    campaign = make_campaign(db.session, "=HYPERLINK(1)")
    campaigns.add_link(db.session, campaign, campaigns.LinkDraft(code="cell", influencer="+evil", commission_percent=5))
    lines = list(csv.reader(io.StringIO(admin_client.get("/admin/marketing/influencers.csv").get_data(as_text=True))))
    assert lines[1][0] == "'=HYPERLINK(1)" and lines[1][3] == "'+evil"
