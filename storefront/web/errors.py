"""Themed, localized error pages, and Shopify-shaped JSON errors for JSON endpoints."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from storefront.extensions import db
from storefront.web.context import try_load_shop_context
from storefront.web.seo import redirect_for_missing_page


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("We could not understand that request. Please check what you entered and try again.")),
        403: (_("Access denied"), _("You do not have permission to view this page.")),
        404: (_("Page not found"), _("The page you were looking for does not exist or has moved.")),
        405: (_("Method not allowed"), _("This address cannot be used that way.")),
        409: (_("Conflict"), _("Someone else changed this at the same time. Please reload and try again.")),
        413: (_("Upload too large"), _("The file you sent is too large.")),
        422: (_("Cannot process"), _("Some of the information was not valid. Please correct it and try again.")),
        429: (_("Too many requests"), _("You have made too many requests. Please wait a moment and try again.")),
        500: (_("Something went wrong"), _("An unexpected error happened on our side. Please try again in a moment.")),
        503: (_("Temporarily unavailable"), _("The shop is briefly unavailable. Please try again in a moment.")),
    }


def wants_json() -> bool:
    path = request.path
    if path.endswith((".js", ".json")) or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(code: int, description: str | None = None):
    title, default_text = _messages().get(code, _messages()[500])
    text = description or default_text
    if wants_json():
        response = jsonify({"status": code, "message": title, "description": text})
        response.status_code = code
        return response
    try_load_shop_context()
    return render_template("errors/error.html", code=code, title=title, text=text), code


def moved_page():
    """Only a page that is not there looks in the Redirect table, so every other request pays nothing."""
    try:
        return redirect_for_missing_page()
    except SQLAlchemyError:  # a broken database must not turn a 404 into a 500
        db.session.rollback()
        current_app.logger.exception("redirect lookup failed for %s", request.path)
        return None


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        code = error.code or 500
        if code == 404:
            moved = moved_page()
            if moved is not None:
                return moved
        # A description we chose to show (abort(404, description=...)) is shown; Werkzeug's English
        # defaults are replaced by localized text.
        custom = error.description if error.description != type(error).description else None
        if isinstance(error, CSRFError):
            custom = _("Your session expired or the form was sent from another site. Please reload the page and try again.")
        response = render_error(code, custom)
        if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            resp = app.make_response(response)
            resp.headers["Allow"] = ", ".join(error.valid_methods)
            return resp
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(InternalServerError.code)
