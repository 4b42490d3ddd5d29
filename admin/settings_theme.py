"""/admin/settings/theme: the shop's theme, and its settings as the theme's theme.toml describes them."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from admin.permissions import Area, admin_blueprint
from admin.settings_forms import ThemeChoiceForm, ThemeSettingsForm
from admin.settings_saving import editor, save
from storefront.domain.store import load_store_settings
from storefront.domain.store_admin import theme as theme_settings
from storefront.extensions import db
from storefront.web.assets import THEMES
from storefront.web.theming import available_themes, effective_settings, theme_manifest

bp = admin_blueprint("admin_theme", __name__, Area.SETTINGS)


def _themes() -> list[tuple[str, dict]]:
    return [(name, theme_manifest(str(THEMES), name)) for name in sorted(available_themes(THEMES))]


def _manifest(theme: str) -> dict:
    """theme.toml of an installed theme; nothing for one removed from the server since it was chosen."""
    return theme_manifest(str(THEMES), theme) if theme in available_themes(THEMES) else {}


def _fields(theme: str) -> list[theme_settings.ThemeField]:
    return theme_settings.theme_fields(_manifest(theme).get("settings", {}))


def _render(choice: ThemeChoiceForm, settings_form: ThemeSettingsForm, values: dict[str, str] | None = None,
            errors: dict[str, list[str]] | None = None, status: int = 200):
    store = load_store_settings(db.session)
    fields = _fields(store.theme)
    if values is None:
        values = theme_settings.form_values(
            fields, effective_settings(THEMES, store.theme, store.theme_settings), store.enabled_locales)
    return render_template("admin/settings/theme.html", store=store, themes=_themes(), active=_manifest(store.theme),
                           choice=choice, settings_form=settings_form, fields=fields, values=values,
                           errors=errors or {}, locales=store.enabled_locales), status


@bp.get("/settings/theme")
def index():
    store = load_store_settings(db.session)
    return _render(ThemeChoiceForm(data={"theme": store.theme, "version": store.version}),
                   ThemeSettingsForm(data={"version": store.version}))


@bp.post("/settings/theme/choose")
def choose():
    store = load_store_settings(db.session)
    form = ThemeChoiceForm()
    status, _loose = save(form, lambda: theme_settings.choose_theme(
        db.session, editor(), version=form.version.data, theme=form.theme.data, available=available_themes(THEMES)),
        saved=_("Theme changed. Shoppers see it from their next page."))
    if status is None:
        return redirect(url_for("admin_theme.index"))
    return _render(form, ThemeSettingsForm(data={"version": store.version}), status=status)


@bp.post("/settings/theme/settings")
def update():
    store = load_store_settings(db.session)
    form = ThemeSettingsForm()
    fields = _fields(store.theme)
    submitted = request.form.to_dict()
    status, loose = save(form, lambda: theme_settings.update_theme_settings(
        db.session, editor(), version=form.version.data, fields=fields, form=submitted,
        locales=list(store.enabled_locales)), saved=_("Theme settings saved."))
    if status is None:
        return redirect(url_for("admin_theme.index"))
    return _render(ThemeChoiceForm(data={"theme": store.theme, "version": store.version}), form,
                   values=submitted, errors=loose, status=status)
