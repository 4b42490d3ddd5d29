"""GET /healthz: what is up and what is not, for load balancers and operators."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from storefront.domain import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    report = health.check(current_app.config["CLIPPER"])
    status = 200 if report["status"] in ("ok", "warning") else 503
    response = jsonify(report)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
