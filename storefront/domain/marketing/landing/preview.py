"""Staff previews: a short-lived signed token opens a page in the shop whether it is published or not."""
from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

from storefront.domain.marketing.landing.display import page_paths
from storefront.domain.seo import locale_path
from storefront.models import Page

PREVIEW_SALT = "clipper.landing.preview"
PREVIEW_MAX_AGE = 30 * 60


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=PREVIEW_SALT)


def preview_token(page_id: int, secret_key: str) -> str:
    return _serializer(secret_key).dumps({"page": page_id})


def preview_page_id(token: str, secret_key: str, *, max_age: int = PREVIEW_MAX_AGE) -> int | None:
    """The page a valid, unexpired preview token was made for; None otherwise."""
    try:
        return int(_serializer(secret_key).loads(token, max_age=max_age)["page"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def preview_path(page: Page, locale: str, default_locale: str, secret_key: str) -> str:
    """Where staff see the page as shoppers in `locale` will, published or not."""
    path = page_paths(page, [locale], default_locale)[locale]
    return f"{locale_path(path, locale, default_locale)}?preview={preview_token(page.id, secret_key)}"
