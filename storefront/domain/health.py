"""Health report: database, Redis (when configured) and freshness of FX rates."""
from __future__ import annotations

from typing import Any

from storefront.domain import database
from storefront.extensions import db
from storefront.settings import Settings


def check(settings: Settings) -> dict[str, Any]:
    report: dict[str, Any] = {"status": "ok"}
    down: list[str] = []
    try:
        database.ping(db.engine)
        report["database"] = "ok"
    except Exception as exc:  # any driver error means "down", whatever its class
        report["database"] = f"down: {type(exc).__name__}"
        down.append("database")
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
    return report
