"""A catalogue version number: any change to what shoppers see bumps it, so cached pages turn stale at once."""
from __future__ import annotations

from storefront.extensions import cache

KEY = "catalog-version"


def catalog_version() -> int:
    version = cache.get(KEY)
    if version is None:
        version = 1
        cache.add(KEY, version, timeout=0)
    return int(version)


def bump_catalog_version() -> None:
    """Call after a product, collection, price, stock availability, market, FX rate, tax or theme change."""
    if cache.get(KEY) is None:
        cache.add(KEY, 1, timeout=0)
    try:
        cache.inc(KEY)
    except (AttributeError, NotImplementedError, TypeError):  # backends without atomic increment
        cache.set(KEY, catalog_version() + 1, timeout=0)
