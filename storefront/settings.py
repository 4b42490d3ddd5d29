"""Typed settings read from CLIPPER_* environment variables (and an optional instance/.env)."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIN_SECRET_KEY_LENGTH = 32
SUPPORTED_LOCALES = ("en", "de", "fr", "es", "ja", "zh-CN")
ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"


class ConfigurationError(RuntimeError):
    """Raised when the shop cannot start with the settings given; the message names the variable."""


def _as_bool(value: str | bool | None) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    database_url: str
    secret_key: str
    demo: bool = False
    testing: bool = False
    redis_url: str | None = None
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    # Points every karrio carrier at "<base>/<carrier_name>" (demo mode's local fake carriers).
    carrier_api_base: str | None = None
    mail_url: str | None = None
    mail_sender: str = "shop@localhost"
    fx_feed_url: str = ECB_DAILY_URL
    public_url: str | None = None
    media_path: Path = field(default=Path())
    locales: tuple[str, ...] = SUPPORTED_LOCALES
    log_level: str = "INFO"

    # name of field -> environment variable
    ENV_NAMES = {
        "instance_path": "CLIPPER_INSTANCE_PATH",
        "database_url": "CLIPPER_DATABASE_URL",
        "secret_key": "CLIPPER_SECRET_KEY",
        "demo": "CLIPPER_DEMO",
        "redis_url": "CLIPPER_REDIS_URL",
        "stripe_secret_key": "CLIPPER_STRIPE_SECRET_KEY",
        "stripe_webhook_secret": "CLIPPER_STRIPE_WEBHOOK_SECRET",
        "stripe_api_base": "CLIPPER_STRIPE_API_BASE",
        "carrier_api_base": "CLIPPER_CARRIER_API_BASE",
        "mail_url": "CLIPPER_MAIL_URL",
        "mail_sender": "CLIPPER_MAIL_SENDER",
        "fx_feed_url": "CLIPPER_FX_FEED_URL",
        "public_url": "CLIPPER_PUBLIC_URL",
        "media_path": "CLIPPER_MEDIA_PATH",
        "log_level": "CLIPPER_LOG_LEVEL",
    }

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from `overrides` (field names, any case) > environment > instance/.env > defaults."""
        overrides = {k.lower(): v for k, v in (overrides or {}).items()}
        env = dict(os.environ if environ is None else environ)
        instance_path = Path(
            overrides.get("instance_path") or env.get("CLIPPER_INSTANCE_PATH") or PROJECT_ROOT / "instance"
        ).resolve()
        dotenv_file = instance_path / ".env"
        if dotenv_file.is_file():
            env = {**{k: v for k, v in dotenv_values(dotenv_file).items() if v is not None}, **env}

        def pick(name: str, default: Any = None) -> Any:
            if name in overrides and overrides[name] is not None:
                return overrides[name]
            value = env.get(cls.ENV_NAMES.get(name, ""), "")
            return value if value != "" else default

        demo = _as_bool(pick("demo", False))
        testing = _as_bool(overrides.get("testing", False))
        secret_key = pick("secret_key")
        if not secret_key and demo:
            secret_key = demo_secret_key(instance_path)
        if not testing and (not secret_key or len(secret_key) < MIN_SECRET_KEY_LENGTH):
            raise ConfigurationError(
                "CLIPPER_SECRET_KEY is missing or shorter than "
                f"{MIN_SECRET_KEY_LENGTH} characters: set it to a long random string, for example "
                "the output of `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        database_url = pick("database_url") or f"sqlite:///{instance_path / 'clipper.db'}"
        media = Path(pick("media_path") or instance_path / "media")
        return cls(
            instance_path=instance_path,
            database_url=normalize_database_url(database_url),
            secret_key=secret_key or "testing-secret-key-not-for-production-use",
            demo=demo,
            testing=testing,
            redis_url=pick("redis_url"),
            stripe_secret_key=pick("stripe_secret_key"),
            stripe_webhook_secret=pick("stripe_webhook_secret"),
            stripe_api_base=pick("stripe_api_base"),
            carrier_api_base=pick("carrier_api_base"),
            mail_url=pick("mail_url"),
            mail_sender=pick("mail_sender", "shop@localhost"),
            fx_feed_url=pick("fx_feed_url", ECB_DAILY_URL),
            public_url=pick("public_url"),
            media_path=media.resolve(),
            log_level=str(pick("log_level", "INFO")).upper(),
        )

    def flask_config(self) -> dict[str, Any]:
        """The Flask and extension configuration these settings imply."""
        is_sqlite = self.database_url.startswith("sqlite")
        engine_options: dict[str, Any] = {"pool_pre_ping": not is_sqlite}
        if is_sqlite:
            engine_options["connect_args"] = {"timeout": 30, "check_same_thread": False}
        config: dict[str, Any] = {
            "CLIPPER": self,
            "SECRET_KEY": self.secret_key,
            "TESTING": self.testing,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": bool(self.public_url and self.public_url.startswith("https://")),
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "BABEL_DEFAULT_LOCALE": "en",
            "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
            "WTF_CSRF_TIME_LIMIT": None,
            "RATELIMIT_STORAGE_URI": self.redis_url or "memory://",
            "RATELIMIT_HEADERS_ENABLED": True,
            "CACHE_TYPE": "RedisCache" if self.redis_url else "SimpleCache",
            "CACHE_DEFAULT_TIMEOUT": 300,
            "COMPRESS_ALGORITHM": ["br", "gzip"],
            "COMPRESS_MIMETYPES": [
                "text/html", "text/css", "text/xml", "application/json",
                "application/javascript", "text/javascript", "application/xml", "text/plain",
            ],
            "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        }
        if self.redis_url:
            config["CACHE_REDIS_URL"] = self.redis_url
        return config


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def demo_secret_key(instance_path: Path) -> str:
    """Generate the demo shop's secret key once and keep it in the instance folder."""
    key_file = instance_path / "secret_key"
    if key_file.is_file():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings)]
