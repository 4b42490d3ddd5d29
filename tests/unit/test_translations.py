"""Every UI string is translated into every shop locale, and the compiled catalogues are current."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from storefront.settings import PROJECT_ROOT, SUPPORTED_LOCALES

TRANSLATIONS = PROJECT_ROOT / "translations"
CATALOG_DIRS = {"de": "de", "fr": "fr", "es": "es", "ja": "ja", "zh-CN": "zh_Hans_CN"}


def _po(locale: str):
    with (TRANSLATIONS / CATALOG_DIRS[locale] / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh)


def test_every_non_default_locale_has_a_catalogue():
    assert set(CATALOG_DIRS) == set(SUPPORTED_LOCALES) - {"en"}


@pytest.mark.parametrize("locale", sorted(CATALOG_DIRS))
def test_catalogue_has_no_empty_or_fuzzy_translations(locale):
    catalog = _po(locale)
    missing = [m.id for m in catalog if m.id and (m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string)))]
    assert missing == []


@pytest.mark.parametrize("locale", sorted(CATALOG_DIRS))
def test_catalogue_covers_every_string_in_the_template(locale):
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    catalog = _po(locale)
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id} <= {
        m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id
    }


@pytest.mark.parametrize("locale", sorted(CATALOG_DIRS))
def test_compiled_catalogue_matches_the_po_file(locale):
    catalog = _po(locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    compiled = Path(TRANSLATIONS / CATALOG_DIRS[locale] / "LC_MESSAGES" / "messages.mo")
    with compiled.open("rb") as fh:
        current = read_mo(fh)
    def messages(cat) -> dict:
        as_key = lambda value: tuple(value) if isinstance(value, (list, tuple)) else value  # noqa: E731
        return {as_key(m.id): as_key(m.string) for m in cat if m.id}

    assert messages(current) == messages(catalog), "run: pybabel compile -d translations"
