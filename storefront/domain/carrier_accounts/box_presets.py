"""Saved boxes for parcels: inner dimensions, packaging weight, and the one box offered first."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.domain.carrier_accounts.config import editor_of
from storefront.domain.carrier_accounts.errors import CarrierAccountErrorCode, Problems, text
from storefront.domain.store_admin.events import settings_deleted, settings_saved
from storefront.models import BoxPreset

ENTITY = "box_preset"
MAX_SIDE_MM = 5000
MAX_TARE_GRAMS = 100_000
MAX_LOAD_GRAMS = 1_000_000


@dataclass(frozen=True)
class BoxPresetInput:
    name: str = ""
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None
    tare_weight_grams: int | None = 0
    max_weight_grams: int | None = None
    is_default: bool = False


def list_box_presets(session: Session) -> list[BoxPreset]:
    """The default box first, then by name."""
    return list(session.scalars(select(BoxPreset).order_by(BoxPreset.is_default.desc(), BoxPreset.name)))


def default_box_preset(session: Session) -> BoxPreset | None:
    return session.scalar(select(BoxPreset).where(BoxPreset.is_default.is_(True)))


def box_preset_input(preset: BoxPreset) -> BoxPresetInput:
    return BoxPresetInput(preset.name, preset.length_mm, preset.width_mm, preset.height_mm,
                          preset.tare_weight_grams, preset.max_weight_grams, preset.is_default)


def _snapshot(preset: BoxPreset) -> dict[str, Any]:
    return {key: getattr(preset, key) for key in ("name", "length_mm", "width_mm", "height_mm", "tare_weight_grams",
                                                  "max_weight_grams", "is_default")}


def _validated(session: Session, preset: BoxPreset | None, data: BoxPresetInput) -> str | None:
    problems = Problems()
    name = text(data.name, problems, "name", max_length=120, required=True)
    if name:
        clash = select(BoxPreset.id).where(func.lower(BoxPreset.name) == name.lower())
        if preset is not None:
            clash = clash.where(BoxPreset.id != preset.id)
        if session.scalar(clash) is not None:
            problems.add(CarrierAccountErrorCode.DUPLICATE_NAME, "name", name=name)
    for key in ("length_mm", "width_mm", "height_mm"):
        value = getattr(data, key)
        if value is None:
            problems.add(CarrierAccountErrorCode.REQUIRED, key)
        elif not 0 < value <= MAX_SIDE_MM:
            problems.add(CarrierAccountErrorCode.INVALID_DIMENSION, key, min=1, max=MAX_SIDE_MM)
    if data.tare_weight_grams is not None and not 0 <= data.tare_weight_grams <= MAX_TARE_GRAMS:
        problems.add(CarrierAccountErrorCode.INVALID_DIMENSION, "tare_weight_grams", min=0, max=MAX_TARE_GRAMS)
    if data.max_weight_grams is not None and not 0 < data.max_weight_grams <= MAX_LOAD_GRAMS:
        problems.add(CarrierAccountErrorCode.INVALID_DIMENSION, "max_weight_grams", min=1, max=MAX_LOAD_GRAMS)
    problems.raise_if_any()
    return name


def save_box_preset(session: Session, preset: BoxPreset | None, data: BoxPresetInput, *,
                    actor: Any = None) -> BoxPreset:
    """Create (`preset` None) or update a box. One box is always the default: the first one saved, or the last one
    marked so; the default stays the default until another box takes its place."""
    name = _validated(session, preset, data)
    before = _snapshot(preset) if preset is not None else None
    current_default = default_box_preset(session)
    if preset is None:
        preset = BoxPreset()
        session.add(preset)
    preset.name, preset.length_mm, preset.width_mm, preset.height_mm = (
        name, data.length_mm, data.width_mm, data.height_mm)
    preset.tare_weight_grams = data.tare_weight_grams or 0
    preset.max_weight_grams = data.max_weight_grams
    preset.is_default = data.is_default or current_default is None or current_default is preset
    if preset.is_default and current_default is not None and current_default is not preset:
        current_default.is_default = False
    session.flush()
    settings_saved(session, editor=editor_of(actor), entity_type=ENTITY, entity_id=preset.id, before=before,
                   after=_snapshot(preset))
    return preset


def create_box_preset(session: Session, data: BoxPresetInput, *, actor: Any = None) -> BoxPreset:
    return save_box_preset(session, None, data, actor=actor)


def update_box_preset(session: Session, preset: BoxPreset, data: BoxPresetInput, *, actor: Any = None) -> BoxPreset:
    return save_box_preset(session, preset, data, actor=actor)


def delete_box_preset(session: Session, preset: BoxPreset, *, actor: Any = None) -> None:
    """When the default box goes, the first remaining box by name becomes the default."""
    settings_deleted(session, editor=editor_of(actor), entity_type=ENTITY, entity_id=preset.id,
                     before=_snapshot(preset))
    was_default = preset.is_default
    session.delete(preset)
    session.flush()
    if was_default:
        successor = session.scalar(select(BoxPreset).order_by(BoxPreset.name).limit(1))
        if successor is not None:
            successor.is_default = True
            session.flush()
