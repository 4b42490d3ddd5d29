"""Orders: their timeline events and state changes after checkout (payment, expiry, refunds)."""
