"""Locale URL prefixes (/de/…, /zh-CN/…) and the locale Flask-Babel renders in."""
from __future__ import annotations

from flask import Request, g, has_request_context, request
from werkzeug.utils import redirect

LOCALE_ENVIRON_KEY = "clipper.locale"


class LocalePrefixMiddleware:
    """Moves a leading locale segment from PATH_INFO to SCRIPT_NAME.

    Routes are then declared once, and `url_for` keeps the shopper's prefix by itself.
    The default locale has no prefix; a wrongly-cased prefix (/zh-cn/) redirects to its canonical form.
    """

    def __init__(self, wsgi_app, locales: tuple[str, ...], default_locale: str) -> None:
        self.wsgi_app = wsgi_app
        self.default_locale = default_locale
        self.prefixes = {loc.lower(): loc for loc in locales if loc != default_locale}

    def __call__(self, environ, start_response):
        environ["clipper.base_script_name"] = environ.get("SCRIPT_NAME", "")
        path = environ.get("PATH_INFO", "") or "/"
        segment, slash, rest = path[1:].partition("/")
        locale = self.prefixes.get(segment.lower())
        if locale is None:
            environ[LOCALE_ENVIRON_KEY] = self.default_locale
            return self.wsgi_app(environ, start_response)
        if segment != locale:
            target = f"{environ.get('SCRIPT_NAME', '')}/{locale}/{rest}"
            if environ.get("QUERY_STRING"):
                target += "?" + environ["QUERY_STRING"]
            return redirect(target, 301)(environ, start_response)
        environ[LOCALE_ENVIRON_KEY] = locale
        environ["SCRIPT_NAME"] = f"{environ.get('SCRIPT_NAME', '')}/{locale}"
        environ["PATH_INFO"] = "/" + rest if slash else "/"
        return self.wsgi_app(environ, start_response)


def request_locale(req: Request | None = None) -> str:
    req = req or request
    return req.environ.get(LOCALE_ENVIRON_KEY, "en")


def babel_locale() -> str:
    """Flask-Babel's locale selector: staff pick theirs in the admin, shoppers by URL prefix."""
    if not has_request_context():
        return "en"
    override = g.get("ui_locale")
    locale = override or request_locale()
    return locale.replace("-", "_")
