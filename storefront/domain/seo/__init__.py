"""Search-engine facing rules: localized URL paths, plain-text descriptions, sitemap entries and redirects."""
from __future__ import annotations

import html
import re

META_DESCRIPTION_LENGTH = 155

_INVISIBLE = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)?[^>]*>")
_INLINE = frozenset({"a", "abbr", "b", "bdi", "cite", "code", "em", "i", "mark", "q", "s", "small", "span", "strong",
                     "sub", "sup", "u"})
_SPACE = re.compile(r"\s+")


def locale_path(path: str, locale: str, default_locale: str) -> str:
    """A root-relative shop path ("/products/mug") as it is addressed in `locale`: the default locale has no
    prefix, every other one its own ("/de/products/mug")."""
    return path if locale == default_locale else f"/{locale}{path}"


def plain_text(value: str | None) -> str:
    """Rich text as one line of plain text: entities decoded, block tags (<p>, <br>, <li>) a space, inline tags
    (<strong>) nothing, so neither "Cotton.Machine washable" nor "Cot ton" comes out."""
    text = _TAG.sub(lambda tag: "" if (tag.group(1) or "").lower() in _INLINE else " ",
                    _INVISIBLE.sub(" ", value or ""))
    return _SPACE.sub(" ", html.unescape(text)).strip()


def summary(value: str | None, limit: int = META_DESCRIPTION_LENGTH) -> str:
    """The first `limit` characters of rich text as plain text, cut at a word where there is one."""
    text = plain_text(value)
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–") + "…"
