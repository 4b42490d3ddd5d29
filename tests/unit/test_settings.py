import pytest

from storefront.settings import ConfigurationError, Settings


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigurationError, match="CLIPPER_SECRET_KEY"):
        Settings.load(environ={"CLIPPER_INSTANCE_PATH": str(tmp_path)})


def test_production_refuses_a_short_secret_key(tmp_path):
    with pytest.raises(ConfigurationError, match="CLIPPER_SECRET_KEY"):
        Settings.load(environ={"CLIPPER_INSTANCE_PATH": str(tmp_path), "CLIPPER_SECRET_KEY": "short"})


def test_demo_mode_generates_a_secret_key_once_and_keeps_it(tmp_path):
    env = {"CLIPPER_INSTANCE_PATH": str(tmp_path), "CLIPPER_DEMO": "1"}
    first = Settings.load(environ=env)
    second = Settings.load(environ=env)
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    settings = Settings.load(environ={"CLIPPER_INSTANCE_PATH": str(tmp_path), "CLIPPER_SECRET_KEY": "x" * 40})
    assert settings.database_url == f"sqlite:///{tmp_path / 'clipper.db'}"
    assert settings.media_path == tmp_path / "media"


@pytest.mark.parametrize("url", ["postgres://u:p@db/shop", "postgresql://u:p@db/shop"])
def test_postgresql_urls_use_psycopg_3(tmp_path, url):
    settings = Settings.load(environ={"CLIPPER_INSTANCE_PATH": str(tmp_path), "CLIPPER_SECRET_KEY": "x" * 40,
                                      "CLIPPER_DATABASE_URL": url})
    assert settings.database_url == "postgresql+psycopg://u:p@db/shop"


def test_instance_dotenv_is_read_but_the_environment_wins(tmp_path):
    (tmp_path / ".env").write_text("CLIPPER_SECRET_KEY=" + "k" * 40 + "\nCLIPPER_REDIS_URL=redis://from-file\n")
    settings = Settings.load(environ={"CLIPPER_INSTANCE_PATH": str(tmp_path), "CLIPPER_REDIS_URL": "redis://env"})
    assert settings.secret_key == "k" * 40
    assert settings.redis_url == "redis://env"


def test_redis_url_switches_cache_and_rate_limit_storage_to_redis(tmp_path):
    settings = Settings.load(environ={"CLIPPER_INSTANCE_PATH": str(tmp_path), "CLIPPER_SECRET_KEY": "x" * 40,
                                      "CLIPPER_REDIS_URL": "redis://127.0.0.1:6379/0"})
    config = settings.flask_config()
    assert config["CACHE_TYPE"] == "RedisCache"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
