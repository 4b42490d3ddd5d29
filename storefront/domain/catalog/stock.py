"""What can be sold to a shopper: stock in the warehouses that ship to their country."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.models import InventoryPolicy, Location, Variant


@dataclass(frozen=True)
class LocationInfo:
    id: int
    code: str
    name: str
    country_code: str
    ships_to: frozenset[str]

    def ships_to_country(self, country: str | None) -> bool:
        return "*" in self.ships_to or country is None or country in self.ships_to


def load_locations(session: Session) -> tuple[LocationInfo, ...]:
    return tuple(
        LocationInfo(loc.id, loc.code, loc.name, loc.country_code, frozenset(loc.ships_to or ()))
        for loc in session.scalars(select(Location).where(Location.active.is_(True)).order_by(Location.position))
    )


def available_quantity(variant: Variant, locations: tuple[LocationInfo, ...], country: str | None) -> int | None:
    """Units that can ship to `country`; None when the variant is not stock-tracked (always available)."""
    if not variant.track_inventory:
        return None
    shipping = {loc.id for loc in locations if loc.ships_to_country(country)}
    return sum(max(level.on_hand - level.reserved, 0) for level in variant.inventory_levels
               if level.location_id in shipping)


def is_available(variant: Variant, locations: tuple[LocationInfo, ...], country: str | None) -> bool:
    quantity = available_quantity(variant, locations, country)
    return quantity is None or quantity > 0 or variant.inventory_policy is InventoryPolicy.CONTINUE
