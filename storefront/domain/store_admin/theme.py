"""The shop's theme: which one is active, and its settings as its theme.toml schema describes them.

Schema field types: `color` (#rrggbb), `image` (an uploaded media key, a root-relative path or an http(s)
URL), `select` (one of `options`), `translated_text` (one text per shop language), `text`; a `group`
nests fields one level ("hero" → "heading", "subheading").
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from storefront.domain.store import load_store_settings
from storefront.domain.store_admin.errors import Problems, SettingsErrorCode
from storefront.domain.store_admin.events import Editor
from storefront.domain.store_admin.store import check_version, save_settings
from storefront.models import StoreSettings

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_TEXT = 500


@dataclass(frozen=True)
class ThemeField:
    path: tuple[str, ...]
    kind: str
    label: str
    default: Any = None
    options: tuple[str, ...] = ()
    group_label: str = ""

    @property
    def name(self) -> str:
        """The form input's name: "colors.accent"; a translated text adds the locale ("hero.heading.de")."""
        return ".".join(self.path)


def theme_fields(schema: Mapping[str, Any]) -> list[ThemeField]:
    """The editable fields of a theme's settings schema, in the order the theme lists them."""
    found: list[ThemeField] = []
    for key, spec in schema.items():
        if spec.get("type") == "group":
            for sub, sub_spec in spec.get("fields", {}).items():
                found.append(_field((key, sub), sub_spec,
                                   group_label=spec.get("label") or key.replace("_", " ").capitalize()))
        else:
            found.append(_field((key,), spec))
    return found


def _field(path: tuple[str, ...], spec: Mapping[str, Any], group_label: str = "") -> ThemeField:
    return ThemeField(path=path, kind=spec.get("type", "text"), label=spec.get("label") or path[-1],
                      default=spec.get("default"), options=tuple(spec.get("options", ())), group_label=group_label)


def _lookup(values: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(values, Mapping):
            return None
        values = values.get(key)
    return values


def form_values(fields: list[ThemeField], settings: Mapping[str, Any], locales: list[str]) -> dict[str, str]:
    """Input name → text for the settings form, from the theme's effective settings."""
    values: dict[str, str] = {}
    for f in fields:
        current = _lookup(settings, f.path)
        if f.kind == "translated_text":
            texts = current if isinstance(current, Mapping) else {}
            for locale in locales:
                values[f"{f.name}.{locale}"] = str(texts.get(locale) or "")
        else:
            values[f.name] = "" if current is None else str(current)
    return values


def _image(value: str) -> bool:
    if value.startswith(("http://", "https://")):
        parts = urlsplit(value)
        return bool(parts.netloc) and not any(c.isspace() for c in value)
    return ".." not in value and "\\" not in value and not value.startswith("//") and ":" not in value \
        and not any(c.isspace() for c in value)


def parse_settings(fields: list[ThemeField], form: Mapping[str, str], locales: list[str],
                   problems: Problems) -> dict[str, Any]:
    """The nested settings dict the theme reads, from the submitted form (blank translations left out)."""
    parsed: dict[str, Any] = {}
    for f in fields:
        if f.kind == "translated_text":
            value: Any = {}
            for locale in locales:
                text = (form.get(f"{f.name}.{locale}") or "").strip()
                if len(text) > MAX_TEXT:
                    problems.add(f"{f.name}.{locale}", SettingsErrorCode.TOO_LONG, max=MAX_TEXT)
                if text:
                    value[locale] = text
        else:
            value = (form.get(f.name) or "").strip()
            if f.kind == "color" and not _COLOR.match(value):
                problems.add(f.name, SettingsErrorCode.INVALID_COLOR)
            elif f.kind == "select" and value not in f.options:
                problems.add(f.name, SettingsErrorCode.INVALID_CHOICE)
            elif f.kind == "image" and value and (len(value) > MAX_TEXT or not _image(value)):
                problems.add(f.name, SettingsErrorCode.INVALID_IMAGE)
            elif len(value) > MAX_TEXT:
                problems.add(f.name, SettingsErrorCode.TOO_LONG, max=MAX_TEXT)
            if f.kind == "color":
                value = value.lower()
        target = parsed
        for key in f.path[:-1]:
            target = target.setdefault(key, {})
        target[f.path[-1]] = value
    return parsed


def choose_theme(session: Session, editor: Editor, *, version: int, theme: str,
                 available: frozenset[str]) -> StoreSettings:
    """Switch the shop to another installed theme; settings kept for the old theme stay for a switch back."""
    store = load_store_settings(session)
    check_version(store, version)
    problems = Problems()
    if theme not in available:
        problems.add("theme", SettingsErrorCode.UNKNOWN_THEME)
    problems.raise_if_any()
    return save_settings(session, editor, version=version, action="theme", theme=theme)


def update_theme_settings(session: Session, editor: Editor, *, version: int, fields: list[ThemeField],
                          form: Mapping[str, str], locales: list[str]) -> StoreSettings:
    """Save the active theme's settings from its form; settings the schema does not list are kept."""
    store = load_store_settings(session)
    check_version(store, version)
    problems = Problems()
    parsed = parse_settings(fields, form, locales, problems)
    problems.raise_if_any()
    before = copy.deepcopy(store.theme_settings or {})
    merged = copy.deepcopy(before)
    for f in fields:
        value = _lookup(parsed, f.path)
        if f.kind == "translated_text":
            old = _lookup(before, f.path)
            kept = {loc: text for loc, text in old.items() if loc not in locales} if isinstance(old, Mapping) else {}
            value = {**kept, **value}
        _assign(merged, f.path, value)
    return save_settings(session, editor, version=version, action="theme_settings", theme_settings=merged)


def _assign(values: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        if not isinstance(values.get(key), dict):
            values[key] = {}
        values = values[key]
    values[path[-1]] = value
