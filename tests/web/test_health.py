from storefront import create_app

# Only the health check should talk to the Redis under test; the limiter and cache stay local.
LOCAL_STORAGE = {"RATELIMIT_STORAGE_URI": "memory://", "CACHE_TYPE": "SimpleCache"}


def test_healthz_reports_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"
    assert response.json["status"] in ("ok", "warning")  # warning: this test store has no FX rates yet
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_returns_503_naming_the_database_when_it_is_down(tmp_path, app_config):
    broken = create_app({**app_config, "database_url": "postgresql+psycopg://nobody:secret@127.0.0.1:1/none",
                         "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "down"
    assert response.json["down"] == ["database"]
    assert "secret" not in response.get_data(as_text=True)


def test_healthz_checks_redis_when_it_is_configured(app_config, redis_url):
    app = create_app({**app_config, **LOCAL_STORAGE, "redis_url": redis_url})
    response = app.test_client().get("/healthz")
    assert response.json["redis"] == "ok"


def test_healthz_reports_an_unreachable_redis(app_config):
    app = create_app({**app_config, **LOCAL_STORAGE, "redis_url": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert "redis" in response.json["down"]
