"""Theme template lookup: active theme → default theme → "<theme>/…" prefixes; never admin/*."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from flask import current_app, g, has_request_context
from jinja2 import BaseLoader, Environment, FileSystemLoader, TemplateNotFound
from werkzeug.security import safe_join

DEFAULT_THEME = "default"


class ThemeLoader(BaseLoader):
    """CTFd-style loader: the active theme (from store settings) first, then `default`.

    `theme_name/template.html` addresses one theme explicitly (used by a theme that extends its parent).
    Admin templates are not served from themes, so a theme cannot restyle or replace the admin.
    """

    def __init__(self, themes_path: Path) -> None:
        self.themes_path = themes_path
        self._loaders: dict[str, FileSystemLoader] = {}

    def _loader(self, theme: str) -> FileSystemLoader | None:
        if theme not in self._loaders:
            folder = safe_join(str(self.themes_path), theme, "templates")
            if folder is None or not Path(folder).is_dir():
                return None
            self._loaders[theme] = FileSystemLoader(folder)
        return self._loaders[theme]

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Callable[[], bool]]:
        if template.startswith("admin/"):
            raise TemplateNotFound(template)
        theme = active_theme()
        candidates: list[tuple[str, str]] = []
        first, _, rest = template.partition("/")
        if rest and first in available_themes(self.themes_path):
            candidates.append((first, rest))
        candidates += [(theme, template), (DEFAULT_THEME, template)]
        for candidate_theme, name in candidates:
            loader = self._loader(candidate_theme)
            if loader is None:
                continue
            try:
                source, filename, file_uptodate = loader.get_source(environment, name)
            except TemplateNotFound:
                continue
            debug = current_app.debug if has_request_context() else False

            def uptodate(theme_at_load: str = theme) -> bool:
                return active_theme() == theme_at_load and (not debug or file_uptodate())

            return source, filename, uptodate
        raise TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for theme in available_themes(self.themes_path):
            loader = self._loader(theme)
            if loader:
                names.update(loader.list_templates())
        return sorted(names)


def active_theme() -> str:
    if has_request_context():
        return g.get("theme", DEFAULT_THEME)
    return DEFAULT_THEME


@lru_cache(maxsize=1)
def _theme_names(themes_path: str) -> frozenset[str]:
    return frozenset(p.name for p in Path(themes_path).iterdir() if (p / "theme.toml").is_file())


def available_themes(themes_path: Path) -> frozenset[str]:
    return _theme_names(str(themes_path))


@lru_cache(maxsize=16)
def theme_manifest(themes_path: str, theme: str) -> dict[str, Any]:
    """theme.toml of a theme: name, version and its settings schema."""
    path = Path(themes_path) / theme / "theme.toml"
    with path.open("rb") as fh:
        return tomllib.load(fh)


def theme_defaults(themes_path: Path, theme: str) -> dict[str, Any]:
    """Default values of a theme's settings schema, nested like the settings themselves."""
    try:
        schema = theme_manifest(str(themes_path), theme).get("settings", {})
    except FileNotFoundError:
        return {}
    defaults: dict[str, Any] = {}
    for name, spec in schema.items():
        if spec.get("type") == "group":
            group = {field: f["default"] for field, f in spec.get("fields", {}).items() if "default" in f}
            if group:
                defaults[name] = group
        elif "default" in spec:
            defaults[name] = spec["default"]
    return defaults


def effective_settings(themes_path: Path, theme: str, stored: dict[str, Any]) -> dict[str, Any]:
    """The theme's defaults overlaid with what the store set (groups merged key by key)."""
    merged = dict(theme_defaults(themes_path, theme))
    for key, value in (stored or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged
