"""Themes: the active theme's templates first, the default theme for the rest, never the admin."""
import re

import pytest
from jinja2 import TemplateNotFound

from storefront.models import StoreSettings
from storefront.web.theming import ThemeLoader, theme_defaults
from storefront.settings import PROJECT_ROOT


def _use_theme(db, name: str) -> None:
    db.session.get(StoreSettings, 1).theme = name
    db.session.flush()


def test_second_theme_overrides_the_hero_and_inherits_everything_else(client, db, store):
    _use_theme(db, "midnight")
    html = client.get("/").get_data(as_text=True)
    assert "hero--midnight" in html
    assert re.search(r'href="/assets/midnight/[0-9a-f]{12}/midnight\.css"', html)
    # theme.css is not in Midnight: it comes from the default theme
    assert re.search(r'href="/assets/default/[0-9a-f]{12}/theme\.css"', html)
    # Midnight's colours come from its theme.toml defaults
    assert "--color-bg:#111418" in html


def test_switching_theme_takes_effect_on_the_next_request(client, db, store):
    assert "hero--midnight" not in client.get("/").get_data(as_text=True)
    _use_theme(db, "midnight")
    assert "hero--midnight" in client.get("/").get_data(as_text=True)
    _use_theme(db, "default")
    assert "hero--midnight" not in client.get("/").get_data(as_text=True)


def test_store_colours_override_theme_defaults(client, db, store):
    settings = db.session.get(StoreSettings, 1)
    settings.theme = "midnight"
    settings.theme_settings = {"colors": {"accent": "#123456"}}
    db.session.flush()
    html = client.get("/").get_data(as_text=True)
    assert "--color-accent:#123456" in html and "--color-bg:#111418" in html


def test_an_unknown_theme_falls_back_to_the_default_theme(client, db, store):
    _use_theme(db, "no-such-theme")
    response = client.get("/")
    assert response.status_code == 200
    assert "hero--midnight" not in response.get_data(as_text=True)


def test_themes_cannot_provide_admin_templates(app):
    loader = ThemeLoader(PROJECT_ROOT / "themes")
    with pytest.raises(TemplateNotFound):
        loader.get_source(app.jinja_env, "admin/login.html")


def test_a_template_can_be_addressed_in_a_named_theme(app):
    loader = ThemeLoader(PROJECT_ROOT / "themes")
    source, filename, _ = loader.get_source(app.jinja_env, "midnight/sections/hero.html")
    assert "hero--midnight" in source and "midnight" in filename


def test_theme_defaults_come_from_theme_toml():
    assert theme_defaults(PROJECT_ROOT / "themes", "midnight")["colors"]["background"] == "#111418"
    assert theme_defaults(PROJECT_ROOT / "themes", "default")["colors"]["accent"] == "#0b5cad"
    assert theme_defaults(PROJECT_ROOT / "themes", "missing") == {}


def test_default_theme_css_and_js_stay_under_30_kb_compressed():
    import gzip

    static = PROJECT_ROOT / "themes" / "default" / "static"
    assets = list(static.glob("*.css")) + list(static.glob("*.js"))
    compressed = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in assets)
    assert assets and compressed <= 30 * 1024, f"{compressed} bytes"
