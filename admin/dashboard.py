"""Admin home: sales and orders, best sellers, searches, low stock and the latest orders."""
from __future__ import annotations

from babel.dates import format_skeleton
from flask import render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from admin.permissions import Area, admin_blueprint
from storefront.domain import admin_overview
from storefront.domain.money import to_decimal
from storefront.extensions import db

bp = admin_blueprint("admin_dashboard", __name__, Area.DASHBOARD)


@bp.get("/")
def index():
    days = request.args.get("days", type=int)
    overview = admin_overview.dashboard(db.session, days=days if days in admin_overview.PERIODS else 30)
    return render_template("admin/dashboard.html", overview=overview, chart=_chart_data(overview.sales))


def _chart_data(report: admin_overview.SalesReport) -> dict:
    """What dashboard.js draws: one series per market, amounts in major units of the base currency."""
    markets = [market.name or _("No market") for market in report.markets]
    return {
        "locale": str(get_locale()).replace("_", "-"),
        "currency": report.currency,
        "labels": [format_skeleton("MMMd", day, locale=get_locale()) for day in report.days],
        "sales": {
            "title": _("Sales per day (%(currency)s)", currency=report.currency),
            "series": [{"label": name, "data": [float(to_decimal(v, report.currency)) for v in market.sales]}
                       for name, market in zip(markets, report.markets)],
        },
        "orders": {
            "title": _("Orders per day"),
            "series": [{"label": name, "data": market.orders} for name, market in zip(markets, report.markets)],
        },
    }
