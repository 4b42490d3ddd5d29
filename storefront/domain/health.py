"""Health report: database, Redis (when configured) and freshness of FX rates."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from storefront.domain import database, fx
from storefront.extensions import db
from storefront.models import utcnow
from storefront.settings import Settings

# The ECB publishes on TARGET working days only: a long weekend leaves the newest rates a few days old.
FX_RATES_MAX_AGE = timedelta(days=4)


def check(settings: Settings) -> dict[str, Any]:
    report: dict[str, Any] = {"status": "ok"}
    down: list[str] = []
    warnings: list[str] = []
    try:
        database.ping(db.engine)
        report["database"] = "ok"
    except Exception as exc:  # any driver error means "down", whatever its class
        report["database"] = f"down: {type(exc).__name__}"
        down.append("database")
    if not down:
        report["fx_rates"] = fx_rates_freshness(utcnow().date())
        if report["fx_rates"] != "ok":
            warnings.append("fx_rates")
    if settings.redis_url:
        try:
            import redis

            redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2).ping()
            report["redis"] = "ok"
        except Exception as exc:
            report["redis"] = f"down: {type(exc).__name__}"
            down.append("redis")
    else:
        report["redis"] = "not configured"
    if down:
        report["status"] = "down"
        report["down"] = down
    elif warnings:
        report["status"] = "warning"
    return report


def fx_rates_freshness(today: date) -> str:
    """How old the newest ECB rates are: ok, missing, or stale with their date."""
    try:
        newest = fx.latest_rate_date(db.session)
    except SQLAlchemyError as exc:
        db.session.rollback()
        return f"unknown: {type(exc).__name__}"
    if newest is None:
        return "missing"
    if today - newest > FX_RATES_MAX_AGE:
        return f"stale: last rates from {newest.isoformat()}"
    return "ok"
