"""Shopper-facing blueprints."""
