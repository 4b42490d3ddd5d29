"""The admin's main menu: one entry per screen, shown only where the screen exists and the user may open it."""
from __future__ import annotations

from typing import NamedTuple

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l

from admin.permissions import Area, can


class NavEntry(NamedTuple):
    area: Area
    endpoint: str
    label: str


class MenuItem(NamedTuple):
    label: str
    url: str
    current: bool


# Menu order. Adding a screen? Add its entry here: it appears once its endpoint is registered, and only for
# the roles whose areas include it.
NAVIGATION: list[NavEntry] = [
    NavEntry(Area.DASHBOARD, "admin_dashboard.index", _l("Home")),
    NavEntry(Area.ORDERS, "admin_orders.index", _l("Orders")),
    NavEntry(Area.ORDERS, "admin_fulfillment.exceptions", _l("Shipping exceptions")),
    NavEntry(Area.PRODUCTS, "admin_products.index", _l("Products")),
    NavEntry(Area.PRODUCTS, "admin_product_csv.upload_form", _l("Import & export")),
    NavEntry(Area.CONTENT, "admin_content.collections", _l("Collections")),
    NavEntry(Area.CONTENT, "admin_content.pages", _l("Pages")),
    NavEntry(Area.CONTENT, "admin_marketing.campaigns_index", _l("Marketing")),
    NavEntry(Area.CONTENT, "admin_discounts.index", _l("Discounts")),
    NavEntry(Area.CONTENT, "admin_feeds.index", _l("Product feeds")),
    NavEntry(Area.CUSTOMERS, "admin_customers.index", _l("Customers")),
    NavEntry(Area.CUSTOMERS, "admin_subscribers.index", _l("Newsletter subscribers")),
    NavEntry(Area.INVENTORY, "admin_inventory.index", _l("Inventory")),
    NavEntry(Area.SETTINGS, "admin_settings.index", _l("Settings")),
    NavEntry(Area.SETTINGS, "admin_carriers.index", _l("Carriers")),
    NavEntry(Area.STAFF, "admin_staff.index", _l("Staff")),
    NavEntry(Area.AUDIT, "admin_audit.index", _l("Audit log")),
]


def menu(user) -> list[MenuItem]:
    """The entries `user` may open; the current one is this page's or, below it, the closest section's."""
    views = current_app.view_functions
    entries = [(entry, url_for(entry.endpoint)) for entry in NAVIGATION
               if entry.endpoint in views and can(user, entry.area)]
    matching = [url for _, url in entries if _is_within(request.path, url)]
    current_url = max(matching, key=len, default=None)
    return [MenuItem(str(entry.label), url, url == current_url) for entry, url in entries]


def _is_within(path: str, url: str) -> bool:
    """`path` is the page at `url` or below it; a URL ending in "/" (the home page) has nothing below it."""
    return path == url or (not url.endswith("/") and path.startswith(url + "/"))
