"""POST /webhooks/carriers/<account>/<token>: tracking events pushed for a carrier account, recorded once."""
from __future__ import annotations

from dataclasses import replace

import pytest

from storefront.domain.tracking.webhooks import carrier_webhook_url, webhook_token
from storefront.models import ShipmentStatus
from tests.fixtures.factories import make_paid_order, make_product
from tests.fixtures.shipping import make_carrier_account, make_shipment

EVENTS = {
    "tracking_number": "794600000401",
    "estimated_delivery": "2026-03-04",
    "events": [
        {"occurred_at": "2026-03-01T09:12:00+08:00", "status": "picked_up", "description": "Picked up",
         "location": "SHENZHEN, CN", "code": "PU"},
        {"occurred_at": "2026-03-01T22:40:00+08:00", "status": "in_transit", "description": "Departed FedEx hub",
         "location": "GUANGZHOU, CN", "code": "DP"},
    ],
}


@pytest.fixture
def fedex(db, store):
    return make_carrier_account(db.session, "fedex")


@pytest.fixture
def parcel(db, fedex):
    order = make_paid_order(db.session, [(make_product(db.session), 1)])
    return make_shipment(db.session, order, account=fedex, carrier_name="fedex", tracking_number="794600000401")


def url(account, token=None):
    return f"/webhooks/carriers/{account.id}/{token or webhook_token(account.id)}"


def test_pushed_events_are_recorded_once(client, db, fedex, parcel):
    first = client.post(url(fedex), json=EVENTS)
    again = client.post(url(fedex), json=EVENTS)

    assert first.status_code == 200
    assert first.get_json() == {"received": True, "outcome": "recorded", "new_events": 2}
    assert again.get_json() == {"received": True, "outcome": "duplicate", "new_events": 0}
    db.session.refresh(parcel)
    assert parcel.status is ShipmentStatus.IN_TRANSIT
    assert [e.description for e in parcel.events] == ["Picked up", "Departed FedEx hub"]
    assert parcel.events[0].source == "webhook"
    assert parcel.estimated_delivery.isoformat() == "2026-03-04"


@pytest.mark.parametrize("token", ["0" * 40, "short"])
def test_a_wrong_token_is_not_found_and_records_nothing(client, db, fedex, parcel, token):
    response = client.post(url(fedex, token), json=EVENTS)

    assert response.status_code == 404
    db.session.refresh(parcel)
    assert parcel.events == []


def test_the_token_of_one_account_does_not_open_another(client, db, fedex, parcel):
    other = make_carrier_account(db.session, "ups")

    assert client.post(f"/webhooks/carriers/{other.id}/{webhook_token(fedex.id)}", json=EVENTS).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"events": EVENTS["events"]}, "tracking_number"),
    ({"tracking_number": "794600000401", "events": []}, "events"),
    ({"tracking_number": "794600000401", "events": [{"occurred_at": "2026-03-01 09:12", "status": "in_transit"}]},
     "events[0].occurred_at"),
    ({"tracking_number": "794600000401", "events": [{"occurred_at": "2026-03-01T09:12:00Z", "status": "lost"}]},
     "events[0].status"),
])
def test_a_malformed_body_is_refused_naming_the_field(client, db, fedex, parcel, body, field):
    response = client.post(url(fedex), json=body)

    assert response.status_code == 422
    assert response.get_json()["message"].startswith(f"{field}: ")
    db.session.refresh(parcel)
    assert parcel.events == []


def test_a_number_that_is_not_this_accounts_parcel_is_acknowledged_and_ignored(client, db, fedex, parcel):
    response = client.post(url(fedex), json={**EVENTS, "tracking_number": "000000000000"})

    assert response.status_code == 200
    assert response.get_json()["outcome"] == "unknown_shipment"


def test_the_admin_shows_a_webhook_url_on_the_public_address(app, db, fedex, monkeypatch):
    monkeypatch.setitem(app.config, "CLIPPER", replace(app.config["CLIPPER"], public_url="https://shop.example"))

    with app.test_request_context("/admin/settings/carriers"):
        address = carrier_webhook_url(fedex)

    assert address == f"https://shop.example/webhooks/carriers/{fedex.id}/{webhook_token(fedex.id)}"
