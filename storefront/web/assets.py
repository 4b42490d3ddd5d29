"""Theme static files under content-hashed URLs, and uploaded media, with long cache lifetimes."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, request, send_from_directory
from werkzeug.security import safe_join

from storefront.settings import PROJECT_ROOT
from storefront.web.theming import DEFAULT_THEME, active_theme

bp = Blueprint("assets", __name__)

THEMES = PROJECT_ROOT / "themes"
IMMUTABLE = "public, max-age=31536000, immutable"


def _find(theme: str, filename: str) -> tuple[str, Path] | None:
    for candidate in dict.fromkeys((theme, DEFAULT_THEME)):
        path = safe_join(str(THEMES), candidate, "static", filename)
        if path and Path(path).is_file():
            return candidate, Path(path)
    return None


@lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def file_digest(path: Path) -> str:
    return _digest(str(path), path.stat().st_mtime_ns)


def base_path() -> str:
    """Application root without the locale prefix: assets have one URL in every language."""
    return request.environ.get("clipper.base_script_name", request.script_root)


def asset_url(filename: str) -> str:
    found = _find(active_theme(), filename)
    if found is None:
        raise FileNotFoundError(f"theme asset {filename!r} not found")
    theme, path = found
    return f"{base_path()}/assets/{theme}/{file_digest(path)}/{filename}"


def media_url(key: str) -> str:
    return f"{base_path()}/media/{key}"


@bp.get("/assets/<theme>/<digest>/<path:filename>")
def asset(theme: str, digest: str, filename: str):
    found = _find(theme, filename)
    if found is None:
        abort(404)
    found_theme, path = found
    current = file_digest(path)
    if digest != current:
        # An old page asks for a previous version: send it to the current one, briefly cacheable.
        return redirect(f"{base_path()}/assets/{found_theme}/{current}/{filename}", 302)
    response = send_from_directory(path.parent, path.name, max_age=31536000)
    response.headers["Cache-Control"] = IMMUTABLE
    return response


@bp.get("/media/<path:key>")
def media(key: str):
    media_root = current_app.config["CLIPPER"].media_path
    response = send_from_directory(media_root, key, max_age=31536000)
    # Media keys contain a content hash, so a URL never changes meaning.
    response.headers["Cache-Control"] = IMMUTABLE
    return response
