"""Localized product, collection and option text, falling back to the store's default locale."""
from __future__ import annotations

from dataclasses import dataclass

from storefront.models import Collection, Product, ProductImage, ProductOption, ProductOptionValue


@dataclass(frozen=True)
class LocalizedText:
    handle: str
    title: str
    description_html: str
    seo_title: str
    seo_description: str


def product_text(product: Product, locale: str) -> LocalizedText:
    """The product's copy in `locale`, else the default-locale copy on the product row."""
    for tr in product.translations:
        if tr.locale == locale:
            return LocalizedText(tr.handle, tr.title, tr.description_html or product.description_html,
                                 tr.seo_title or tr.title, tr.seo_description or "")
    return LocalizedText(product.handle, product.title, product.description_html,
                         product.seo_title or product.title, product.seo_description or "")


def collection_text(collection: Collection, locale: str) -> LocalizedText:
    for tr in collection.translations:
        if tr.locale == locale:
            return LocalizedText(tr.handle, tr.title, tr.description_html or collection.description_html,
                                 tr.seo_title or tr.title, tr.seo_description or "")
    return LocalizedText(collection.handle, collection.title, collection.description_html,
                         collection.seo_title or collection.title, collection.seo_description or "")


def option_name(option: ProductOption, locale: str) -> str:
    return option.name_translations.get(locale) or option.name


def option_value_text(value: ProductOptionValue, locale: str) -> str:
    return value.translations.get(locale) or value.value


def image_alt(image: ProductImage, locale: str, fallback: str) -> str:
    return image.alt_translations.get(locale) or image.alt or fallback
