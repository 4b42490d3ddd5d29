import pytest


def test_unknown_page_shows_a_themed_404(client, store):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    assert '<html lang="en">' in html
    assert "Test Shop" in html


@pytest.mark.parametrize(
    "prefix, lang, text",
    [
        ("/de", "de", "Seite nicht gefunden"),
        ("/fr", "fr", "Page introuvable"),
        ("/es", "es", "Página no encontrada"),
        ("/ja", "ja", "ページが見つかりません"),
        ("/zh-CN", "zh-CN", "找不到页面"),
    ],
)
def test_404_is_in_the_shoppers_language(client, store, prefix, lang, text):
    response = client.get(f"{prefix}/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert text in html


def test_json_endpoints_get_json_errors(client, store):
    response = client.get("/products/nothing-here.json")
    assert response.status_code == 404
    assert response.json == {"status": 404, "message": "Page not found",
                              "description": "The page you were looking for does not exist or has moved."}


def test_wrong_method_gets_405_with_allowed_methods(client, store):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_error_shows_a_500_page_without_details(app_config, store):
    from storefront import create_app

    app = create_app(app_config)

    @app.get("/__boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/__boom")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Something went wrong" in response.get_data(as_text=True)


def test_wrongly_cased_locale_prefix_redirects_to_the_canonical_one(client, store):
    response = client.get("/zh-cn/pages/x?a=1")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/zh-CN/pages/x?a=1")


def test_disabled_locale_is_not_found(client, db):
    from tests.fixtures.factories import make_store

    make_store(db.session, enabled_locales=["en", "de"])
    assert client.get("/ja/").status_code == 404
    assert client.get("/de/").status_code == 200


def test_shop_without_a_store_says_it_is_not_set_up(client):
    response = client.get("/")
    assert response.status_code == 503
    assert "clipper demo" in response.get_data(as_text=True)
