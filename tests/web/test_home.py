from tests.fixtures.factories import make_image, make_product


def test_home_page_lists_featured_products_in_the_shoppers_language(client, db, store):
    product = make_product(db.session, title="Linen Shirt", featured=True, translations={"de": "Leinenhemd"})
    make_image(db.session, product)
    english = client.get("/").get_data(as_text=True)
    german = client.get("/de/").get_data(as_text=True)
    assert "Linen Shirt" in english and "$19.90" in english
    assert "Leinenhemd" in german
    assert 'srcset="' in german and ".webp 360w" in german


def test_home_page_links_every_locale_with_hreflang(client, store):
    html = client.get("/fr/").get_data(as_text=True)
    assert '<html lang="fr">' in html
    for locale, path in [("en", "/"), ("de", "/de/"), ("ja", "/ja/"), ("zh-CN", "/zh-CN/")]:
        assert f'hreflang="{locale}" href="http://localhost{path}"' in html
    assert 'hreflang="x-default" href="http://localhost/"' in html
    assert '<link rel="canonical" href="http://localhost/fr/">' in html


def test_sold_out_products_are_marked(client, db, store):
    make_product(db.session, title="Gone Lamp", featured=True, stock=0)
    assert "Sold out" in client.get("/").get_data(as_text=True)


def test_draft_products_are_not_shown(client, db, store):
    from storefront.models import ProductStatus

    make_product(db.session, title="Secret Draft", featured=True, status=ProductStatus.DRAFT)
    assert "Secret Draft" not in client.get("/").get_data(as_text=True)
