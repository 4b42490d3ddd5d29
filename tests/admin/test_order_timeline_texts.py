"""The order timeline in the admin speaks in sentences for every event the domain writes, shipping and tracking
included: no raw event type ever reaches staff."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from admin.orders import event_text
from storefront.domain.fulfillment import events as fulfillment_events
from storefront.domain.tracking import events as tracking_events
from storefront.models import OrderEvent, ShipmentException, ShipmentStatus
from tests.fixtures.factories import make_paid_order, make_product
from tests.fixtures.shipping import make_shipment

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "storefront" / "domain"
EMAILS = ROOT / "themes" / "default" / "templates" / "emails"


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "text" constants (tracking/events.py names its types so)."""
    return {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for target in node.targets if isinstance(target, ast.Name)}


def _event_types_in(path: Path) -> set[str]:
    """Types a module writes: `OrderEvent(type="x")`, or through the helper that builds the OrderEvent from its
    `type_` parameter, every call of that helper with a literal or a module constant."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = _module_strings(tree)

    def resolve(node: ast.expr) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id in constants:
            return constants[node.id]
        raise AssertionError(f"{path.relative_to(ROOT)}:{node.lineno}: an event type the test cannot read: "
                             f"write it as a literal or a module constant")

    found: set[str] = set()
    for function in (node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)):
        params = [arg.arg for arg in function.args.args]
        for call in ast.walk(function):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "OrderEvent"):
                continue
            type_arg = next(kw.value for kw in call.keywords if kw.arg == "type")
            if isinstance(type_arg, ast.Name) and type_arg.id in params:
                position = params.index(type_arg.id)
                for use in ast.walk(tree):
                    if isinstance(use, ast.Call) and isinstance(use.func, ast.Name) and use.func.id == function.name:
                        given = [kw.value for kw in use.keywords if kw.arg == type_arg.id]
                        found.add(resolve(given[0] if given else use.args[position]))
            else:
                found.add(resolve(type_arg))
    return found


def written_event_types() -> set[str]:
    types: set[str] = set()
    for path in DOMAIN.rglob("*.py"):
        if "OrderEvent(" in path.read_text(encoding="utf-8"):
            types |= _event_types_in(path)
    return types


def sent_order_emails() -> set[str]:
    """E-mail templates named in the modules that record an e-mail on the order timeline."""
    templates = {path.stem for path in EMAILS.glob("*.txt")}
    names: set[str] = set()
    for path in DOMAIN.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "email_sent(" in source and "def email_sent" not in source:
            names |= {node.value for node in ast.walk(ast.parse(source))
                      if isinstance(node, ast.Constant) and node.value in templates}
    return names


def test_the_scan_finds_the_events_of_orders_shipping_and_tracking():
    types = written_event_types()
    assert {"placed", "paid", "refunded", "email_sent", "shipment_booked", "shipment_voided", "fulfilled_elsewhere",
            "shipment_draft_cancelled", "label_batch_failed", tracking_events.STATUS_CHANGED,
            tracking_events.EXCEPTION_RESOLVED} <= types
    assert {"order_confirmation", "shipment_shipped", "shipment_delayed", "abandoned_checkout"} <= sent_order_emails()


@pytest.mark.parametrize("type_", sorted(written_event_types()))
def test_every_event_the_domain_writes_reads_as_a_sentence(app, type_):
    with app.test_request_context():
        for data in ({}, {"shipment_id": 7, "tracking_number": "1234567890", "carrier": "mydhl"}):
            text = event_text(OrderEvent(type=type_, data=data))
            if type_ == "note_added":  # a note is the words staff typed
                continue
            assert text and (text[0].isupper() or not text[0].isalpha()), (type_, text)
            assert text != type_.replace("_", " ") and ("_" not in type_ or type_ not in text), (type_, text)


@pytest.mark.parametrize("template", sorted(sent_order_emails()))
def test_every_order_email_is_named_on_the_timeline(app, template):
    with app.test_request_context():
        text = event_text(OrderEvent(type="email_sent", data={"template": template, "to": "anna@example.de"}))
        generic = event_text(OrderEvent(type="email_sent", data={"template": "newer_email", "to": "anna@example.de"}))
    assert text.endswith("e-mailed to anna@example.de.")
    assert generic == "E-mail sent to anna@example.de."


def test_an_event_type_from_a_newer_version_still_shows_in_words(app):
    with app.test_request_context():
        assert event_text(OrderEvent(type="parcel_teleported", data={})) == "parcel teleported"


@pytest.mark.parametrize(("type_", "data", "expected"), [
    ("shipment_booked", {"carrier": "mydhl", "service": "Express Worldwide", "tracking_number": "1234567890",
                         "amount": 4250, "currency": "EUR", "invoice_number": "INV-1001-1", "lines": {"1": 2, "2": 1},
                         "batch_id": 3},
     "Shipment booked with DHL Express (Express Worldwide) for 3 items, tracking number 1234567890. "
     "Label cost €42.50. Commercial invoice INV-1001-1. Bought in label batch #3."),
    ("shipment_booked", {"carrier": "yunexpress", "service": None, "tracking_number": "YT2400000000001",
                         "amount": None, "currency": None, "lines": {"1": 1}},
     "Shipment booked with YunExpress for 1 item, tracking number YT2400000000001."),
    ("shipment_voided", {"carrier": "ups", "tracking_number": "1Z999AA10123456784", "lines": {"4": 2}},
     "Label for UPS parcel 1Z999AA10123456784 voided; its 2 items can be shipped again."),
    ("fulfilled_elsewhere", {"carrier": "La Poste", "tracking_number": "6A12345678901", "lines": {"1": 1}},
     "1 item marked as fulfilled elsewhere, sent with La Poste, tracking number 6A12345678901."),
    ("fulfilled_elsewhere", {"carrier": "Courier", "tracking_number": None, "lines": {"1": 2}},
     "2 items marked as fulfilled elsewhere, sent with Courier."),
    ("shipment_draft_cancelled", {"shipment_id": 9, "carrier": "fedex"}, "Draft shipment with FedEx discarded."),
    ("label_batch_failed", {"batch_id": 4, "reason": "Variant TEE-BLK-M has no HS code."},
     "No label was bought in label batch #4: Variant TEE-BLK-M has no HS code."),
    ("shipment_status_changed", {"shipment_id": 5, "tracking_number": "1234567890", "from_status": "in_transit",
                                 "to_status": "delivered"},
     "Parcel 1234567890 is now “Delivered” (was “In transit”)."),
    ("tracking_event_added", {"shipment_id": 5, "tracking_number": "YT1", "status": "in_transit",
                              "description": "Departed Shenzhen hub"},
     "Tracking event added by hand to parcel YT1: In transit — Departed Shenzhen hub"),
    ("tracking_events_imported", {"shipment_id": 5, "tracking_number": "YT1", "count": 4},
     "4 tracking events imported from a CSV file for parcel YT1."),
    ("fulfillment_status_changed", {"from_status": "fulfilled", "to_status": "delivered"},
     "Fulfilment status changed from “Fulfilled” to “Delivered”."),
    ("shipment_exception", {"shipment_id": 5, "tracking_number": "1234567890", "kind": "customs_hold",
                            "reason": "Clearance delay at Leipzig"},
     "Parcel 1234567890 flagged as “Held in customs”: Clearance delay at Leipzig"),
    ("shipment_exception_cleared", {"shipment_id": 5, "tracking_number": "1234567890", "kind": "stalled"},
     "Parcel 1234567890 is no longer flagged as “Stalled”."),
    ("shipment_exception_resolved", {"shipment_id": 5, "tracking_number": "1234567890", "kind": "returned",
                                     "action": "reship", "note": "Sent again by Express"},
     "“Returned” on parcel 1234567890 resolved: the items are shipped again. Note: Sent again by Express"),
    ("shipment_exception_resolved", {"shipment_id": 5, "tracking_number": None, "kind": "late",
                                     "action": "dismiss", "note": ""},
     "“Late” on parcel #5 dismissed."),
    ("shipment_status_changed", {"shipment_id": 5, "tracking_number": "1234567890", "from_status": "teleported",
                                 "to_status": "delivered"},
     "Parcel 1234567890 is now “Delivered” (was “teleported”)."),
])
def test_shipping_events_read_with_carrier_names_amounts_and_statuses(app, type_, data, expected):
    with app.test_request_context():
        assert event_text(OrderEvent(type=type_, data=data)) == expected


def _visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_order_page_tells_the_story_of_a_parcel(admin_client, db, store):
    order = make_paid_order(db.session, [(make_product(db.session, stock=None), 2)], number=7100, currency="EUR",
                            base_currency="EUR")
    shipment = make_shipment(db.session, order, carrier_name="mydhl", tracking_number="1234567890", cost=4250,
                             cost_currency="EUR", service_name="Express Worldwide")
    fulfillment_events.shipment_booked(db.session, order=order, shipment=shipment)
    tracking_events.shipment_status_changed(db.session, shipment=shipment, from_status="label_purchased",
                                            to_status=ShipmentStatus.IN_TRANSIT.value)
    tracking_events.exception_flagged(db.session, shipment=shipment, kind=ShipmentException.CUSTOMS_HOLD.value,
                                      reason="Clearance delay at Leipzig")
    db.session.flush()

    response = admin_client.get("/admin/orders/7100")

    assert response.status_code == 200
    text = _visible_text(response.get_data(as_text=True))
    assert ("Shipment booked with DHL Express (Express Worldwide) for 2 items, tracking number 1234567890. "
            "Label cost €42.50.") in text
    assert "Parcel 1234567890 is now “In transit” (was “Label created”)." in text
    assert "Parcel 1234567890 flagged as “Held in customs”: Clearance delay at Leipzig" in text
    for raw in ("shipment_booked", "shipment booked", "shipment status changed", "shipment exception"):
        assert raw not in text  # what an event without wording would show


def test_a_shipping_event_with_data_missing_still_opens_the_order_page(admin_client, db, store):
    order = make_paid_order(db.session, [(make_product(db.session, stock=None), 1)], number=7101)
    db.session.add(OrderEvent(order_id=order.id, type="shipment_booked", data={"carrier": None, "lines": None}))
    db.session.flush()

    response = admin_client.get("/admin/orders/7101")

    assert response.status_code == 200
    assert "Shipment booked with — for 0 items" in _visible_text(response.get_data(as_text=True))
