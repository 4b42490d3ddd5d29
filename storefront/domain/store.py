"""Store-wide settings and markets as the rest of the domain reads them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.models import Market, StoreSettings


class StoreNotSetUp(LookupError):
    """The database has no store yet: run `clipper demo` or the set-up."""


def load_store_settings(session: Session) -> StoreSettings:
    store = session.get(StoreSettings, 1)
    if store is None:
        raise StoreNotSetUp("the store has not been set up")
    return store


def store_exists(session: Session) -> bool:
    return session.get(StoreSettings, 1) is not None


def active_markets(session: Session) -> list[Market]:
    return list(
        session.scalars(
            select(Market).where(Market.active.is_(True)).options(selectinload(Market.countries)).order_by(Market.position)
        )
    )
