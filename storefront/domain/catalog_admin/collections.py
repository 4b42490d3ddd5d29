"""Collections: manual ones with their product order, smart ones whose members follow their rules."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_, select, true
from sqlalchemy.orm import Session

from storefront.domain.catalog_admin import events, queries
from storefront.domain.catalog_admin.checks import amount_in_minor
from storefront.domain.catalog_admin.errors import CatalogAdminError, ErrorList
from storefront.domain.catalog_admin.events import Editor
from storefront.domain.catalog_admin.locking import claim_version, row_for_edit
from storefront.domain.catalog_admin.translations import (
    COLLECTION_TEXT,
    TextDraft,
    apply_texts,
    check_texts,
    texts_snapshot,
)
from storefront.domain.money import decimal_string, to_minor
from storefront.models import (
    Collection,
    CollectionKind,
    CollectionProduct,
    CollectionSort,
    Product,
    ProductTag,
    StoreSettings,
    Variant,
)

# Which relations each rule field takes; a price is compared with any variant's price in the base currency.
RULE_RELATIONS: dict[str, tuple[str, ...]] = {
    "tag": ("equals", "not_equals"),
    "type": ("equals", "not_equals", "contains"),
    "vendor": ("equals", "not_equals", "contains"),
    "price": ("gt", "lt"),
}


@dataclass
class RuleDraft:
    field: str = "tag"
    relation: str = "equals"
    value: str = ""


@dataclass
class MemberDraft:
    product_id: int
    position: int | None = None
    remove: bool = False


@dataclass
class CollectionDraft:
    kind: CollectionKind = CollectionKind.MANUAL
    published: bool = True
    sort_order: CollectionSort = CollectionSort.MANUAL
    disjunctive: bool = False
    texts: dict[str, TextDraft] = field(default_factory=dict)
    rules: list[RuleDraft] = field(default_factory=list)
    members: list[MemberDraft] = field(default_factory=list)
    add_products: list[str] = field(default_factory=list)


def _text_condition(column, relation: str, value: str) -> ColumnElement:
    lowered = func.lower(column)
    if relation == "equals":
        return lowered == value.lower()
    if relation == "not_equals":
        return or_(column.is_(None), lowered != value.lower())
    return lowered.contains(value.lower(), autoescape=True)


def rule_condition(rule: dict[str, str], currency: str) -> ColumnElement:
    """The SQL condition on products for one stored rule."""
    field_name, relation, value = rule.get("field"), rule.get("relation"), rule.get("value", "")
    if field_name == "tag":
        tagged = exists().where(ProductTag.product_id == Product.id, ProductTag.tag == value.lower())
        return not_(tagged) if relation == "not_equals" else tagged
    if field_name == "type":
        return _text_condition(Product.product_type, relation, value)
    if field_name == "vendor":
        return _text_condition(Product.vendor, relation, value)
    if field_name == "price":
        amount = to_minor(value, currency)
        compared = Variant.price > amount if relation == "gt" else Variant.price < amount
        return exists().where(Variant.product_id == Product.id, compared)
    return false()


def matching_product_ids(session: Session, rules: list[dict[str, str]], disjunctive: bool,
                         currency: str) -> list[int]:
    """Products meeting all rules (any rule when `disjunctive`), by title."""
    if not rules:
        return []
    conditions = [rule_condition(rule, currency) for rule in rules]
    combined = or_(*conditions) if disjunctive else and_(true(), *conditions)
    return list(session.scalars(select(Product.id).where(combined).order_by(func.lower(Product.title), Product.id)))


def refresh_membership(session: Session, collection: Collection, currency: str) -> None:
    """A smart collection's members from its rules: members that still match keep their place, new ones follow."""
    wanted = matching_product_ids(session, collection.rules, collection.disjunctive, currency)
    wanted_set = set(wanted)
    kept = [member for member in collection.products if member.product_id in wanted_set]
    known = {member.product_id for member in kept}
    members = kept + [CollectionProduct(product_id=pid) for pid in wanted if pid not in known]
    for position, member in enumerate(members):
        member.position = position
    collection.products = members


def refresh_smart_collections(session: Session, currency: str) -> None:
    """After products changed (tags, type, vendor, prices): every smart collection's members again."""
    for collection in session.scalars(select(Collection).where(Collection.kind == CollectionKind.SMART)):
        refresh_membership(session, collection, currency)


def _check_rules(draft: CollectionDraft, currency: str, errors: ErrorList) -> list[dict[str, str]]:
    rules = []
    for index, rule in enumerate(draft.rules):
        path = f"rules.{index}"
        value = " ".join(rule.value.split())
        if not value:
            continue
        if rule.relation not in RULE_RELATIONS.get(rule.field, ()):
            errors.add(f"{path}.relation", CatalogAdminError.RULE_RELATION)
            continue
        if rule.field == "price":
            try:
                amount = Decimal(value)
            except InvalidOperation:
                errors.add(f"{path}.value", CatalogAdminError.AMOUNT_INVALID)
                continue
            minor = amount_in_minor(amount, currency, f"{path}.value", errors)
            if minor is None:
                continue
            value = decimal_string(minor, currency)
        elif rule.field == "tag":
            value = value.lower()  # tags are stored in lower case
        rules.append({"field": rule.field, "relation": rule.relation, "value": value})
    if draft.kind is CollectionKind.SMART and not rules and not errors:
        errors.add("rules", CatalogAdminError.NO_RULES)
    return rules


def _products_named(session: Session, names: list[str], errors: ErrorList) -> list[int]:
    """Product ids for handles or SKUs, in the order given; unknown names are an error."""
    wanted = [name.strip() for name in names if name.strip()]
    if not wanted:
        return []
    by_handle = dict(session.execute(select(Product.handle, Product.id).where(Product.handle.in_(wanted))).all())
    by_sku = dict(session.execute(select(Variant.sku, Variant.product_id).where(Variant.sku.in_(wanted))).all())
    found, unknown = [], []
    for name in wanted:
        product_id = by_handle.get(name) or by_sku.get(name)
        if product_id is None:
            unknown.append(name)
        elif product_id not in found:
            found.append(product_id)
    if unknown:
        errors.add("add_products", CatalogAdminError.UNKNOWN_PRODUCTS, names=", ".join(unknown))
    return found


def _apply_manual_members(collection: Collection, draft: CollectionDraft, added: list[int]) -> None:
    current = {member.product_id: (index, member) for index, member in enumerate(collection.products)}
    order: list[tuple[int, int, CollectionProduct]] = []
    handled: set[int] = set()
    for member_draft in draft.members:
        found = current.get(member_draft.product_id)
        if found is None or member_draft.product_id in handled:
            continue
        handled.add(member_draft.product_id)
        index, member = found
        if member_draft.remove:
            continue
        position = member_draft.position if member_draft.position is not None else member.position
        order.append((position, index, member))
    order += [(member.position, index, member) for pid, (index, member) in current.items() if pid not in handled]
    members = [member for _position, _index, member in sorted(order, key=lambda item: (item[0], item[1]))]
    in_collection = {member.product_id for member in members}
    members += [CollectionProduct(product_id=pid) for pid in added if pid not in in_collection]
    for position, member in enumerate(members):
        member.position = position
    collection.products = members


def collection_snapshot(collection: Collection, default_locale: str) -> dict[str, Any]:
    return {
        "kind": collection.kind.value,
        "published": collection.published,
        "sort_order": collection.sort_order.value,
        "disjunctive": collection.disjunctive,
        "rules": list(collection.rules or []),
        "texts": texts_snapshot(collection, COLLECTION_TEXT, default_locale),
        "products": [member.product_id for member in collection.products],
    }


def save_collection(session: Session, draft: CollectionDraft, *, store: StoreSettings, editor: Editor,
                    collection_id: int | None = None, expected_version: int | None = None) -> Collection:
    """Create or update a collection; a smart one's members are recomputed from its rules."""
    collection = row_for_edit(session, queries.collection_for_editing, collection_id, expected_version)
    locales = list(store.enabled_locales)
    errors = ErrorList()
    texts = check_texts(session, COLLECTION_TEXT, draft.texts, owner_id=collection_id,
                        default_locale=store.default_locale, locales=locales, errors=errors)
    rules = _check_rules(draft, store.base_currency, errors)
    added = _products_named(session, draft.add_products, errors) if draft.kind is CollectionKind.MANUAL else []
    errors.raise_if_any()

    before = collection_snapshot(collection, store.default_locale) if collection else {}
    if collection is None:
        collection = Collection(version=1)
        session.add(collection)
    else:
        claim_version(session, collection, expected_version)
    apply_texts(collection, COLLECTION_TEXT, texts, default_locale=store.default_locale, locales=locales)
    collection.kind, collection.published = draft.kind, draft.published
    collection.sort_order, collection.disjunctive = draft.sort_order, draft.disjunctive
    collection.rules = rules if draft.kind is CollectionKind.SMART else []
    session.flush()
    if draft.kind is CollectionKind.SMART:
        refresh_membership(session, collection, store.base_currency)
    else:
        _apply_manual_members(collection, draft, added)
    session.flush()
    events.collection_saved(session, editor=editor, collection_id=collection.id, before=before,
                            after=collection_snapshot(collection, store.default_locale))
    return collection

