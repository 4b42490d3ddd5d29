"""Checkout latency without Stripe: add to cart + POST /checkout on the demo catalogue, Stripe time removed.

Usage: .venv/bin/python bench/checkout.py [--checkouts 200]

Runs in one process against a demo instance in a temporary folder, with the local fake Stripe (real
HTTP) as payment provider. The time spent inside Stripe calls is measured and subtracted, so what is
reported is our own work: re-pricing, stock reservation, order writing, building the session. Quoted as
a ratio to /healthz measured in the same run.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", type=int, default=200)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="clipper-bench-checkout-"))
    os.environ.update({"CLIPPER_INSTANCE_PATH": str(instance), "CLIPPER_DEMO": "1", "CLIPPER_LOG_LEVEL": "WARNING"})
    subprocess.run([str(BIN / "clipper"), "demo", "--no-serve"], check=True, capture_output=True)

    from sqlalchemy import select

    from storefront import create_app
    from storefront.extensions import db
    from storefront.integrations import stripe_gateway
    from storefront.integrations.stripe_gateway.fake import FakeStripe
    from storefront.models import InventoryLevel, Variant

    fake = FakeStripe()
    fake.start()
    os.environ.update({"CLIPPER_STRIPE_SECRET_KEY": "sk_test_bench", "CLIPPER_STRIPE_API_BASE": fake.base_url,
                       "CLIPPER_STRIPE_WEBHOOK_SECRET": fake.webhook_secret})
    stripe_seconds: list[float] = []
    original = stripe_gateway.StripeGateway.create_checkout_session

    def timed(self, params, idempotency_key):
        started = time.perf_counter()
        try:
            return original(self, params, idempotency_key)
        finally:
            stripe_seconds.append(time.perf_counter() - started)

    stripe_gateway.StripeGateway.create_checkout_session = timed  # bench-only instrumentation
    app = create_app()
    with app.app_context():
        variant_ids = db.session.scalars(
            select(Variant.id).join(InventoryLevel).where(InventoryLevel.on_hand - InventoryLevel.reserved > 20)
            .order_by(Variant.id).limit(50)).all()
    health, checkout, ours = [], [], []
    headers = {"CF-IPCountry": "DE"}
    for i in range(args.checkouts):
        client = app.test_client()
        started = time.perf_counter()
        client.get("/healthz")
        health.append(time.perf_counter() - started)
        client.post("/de/cart/add.js", json={"id": variant_ids[i % len(variant_ids)], "quantity": 1},
                    headers={**headers, "X-Requested-With": "XMLHttpRequest"})
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          client.get("/de/cart", headers=headers).get_data(as_text=True)).group(1)
        before = len(stripe_seconds)
        started = time.perf_counter()
        response = client.post("/de/checkout", data={"csrf_token": token}, headers=headers)
        elapsed = time.perf_counter() - started
        assert response.status_code == 303 and response.headers["Location"].startswith(fake.base_url), response
        checkout.append(elapsed)
        ours.append(elapsed - sum(stripe_seconds[before:]))
    fake.stop()

    def p(values, q):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q / 100 * (len(ordered) - 1)))] * 1000

    print(f"{args.checkouts} checkouts on the demo catalogue (SQLite), German shopper paying in EUR")
    print(f"/healthz           p50 {p(health, 50):6.1f} ms  p95 {p(health, 95):6.1f} ms")
    print(f"POST /checkout     p50 {p(checkout, 50):6.1f} ms  p95 {p(checkout, 95):6.1f} ms  (with the local fake Stripe)")
    print(f"  without Stripe   p50 {p(ours, 50):6.1f} ms  p95 {p(ours, 95):6.1f} ms  "
          f"= {p(ours, 50) / p(health, 50):.1f} × /healthz p50")
    print(f"  Stripe calls     p50 {statistics.median(stripe_seconds) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
