import re


def test_theme_assets_have_content_hashed_urls_cached_for_a_year(client, store):
    html = client.get("/de/").get_data(as_text=True)
    css = re.search(r'href="(/assets/default/[0-9a-f]{12}/theme\.css)"', html).group(1)
    response = client.get(css)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "--color-accent" in response.get_data(as_text=True)


def test_an_outdated_asset_hash_redirects_to_the_current_file(client, store):
    response = client.get("/assets/default/000000000000/theme.css")
    assert response.status_code == 302
    assert re.search(r"/assets/default/[0-9a-f]{12}/theme\.css$", response.headers["Location"])


def test_asset_paths_cannot_escape_the_theme_folder(client, store):
    assert client.get("/assets/default/000000000000/../../../pyproject.toml").status_code == 404
    assert client.get("/assets/..%2F..%2Fstorefront/abc/settings.py").status_code == 404


def test_responses_are_compressed_for_browsers_that_accept_it(client, store):
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"
