"""Search at scale: index build time for a large catalogue and search/suggest latency vs /healthz.

Usage: .venv/bin/python bench/search.py [--products 10000] [--seconds 5] [--workers 2]

Creates a demo instance in a temporary folder, adds N generated products in six languages
(bench/big_catalog.py), rebuilds the index (timed), serves it with `clipper serve`, and drives
/healthz, /search?q=… and /search/suggest.json?q=… with varied queries from the same client.
Only loopback traffic; bounded in time.
"""
from __future__ import annotations

import argparse
from urllib.parse import quote
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import drive_many  # noqa: E402
from serve import BIN, free_port, wait_ready  # noqa: E402

SEARCHES = ["cotton t-shirt", "charger", "linen dress", "merino scarf", "waterproof jacket", "bamboo cutting board",
            "chargr", "backpak", "lightweight tent", "stainless steel bottle", "/de/search?q=ladegerät",
            "/de/search?q=baumwolle", "/fr/search?q=écharpe", "/es/search?q=mochila", "/ja/search?q=充電器",
            "/zh-CN/search?q=充电宝"]
PREFIXES = ["ch", "cot", "lin", "bac", "wat", "ten", "sca", "mer", "sun", "yog"]


def build(instance: Path, products: int) -> float:
    env = {**os.environ, "CLIPPER_INSTANCE_PATH": str(instance), "CLIPPER_DEMO": "1", "CLIPPER_LOG_LEVEL": "WARNING"}
    subprocess.run([str(BIN / "clipper"), "demo", "--no-serve"], env=env, check=True, capture_output=True)
    script = (
        "import sys, time\n"
        "from storefront import create_app\n"
        "from storefront.extensions import db\n"
        "from storefront.domain.search import service\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from big_catalog import generate\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    generate(db.session, int(sys.argv[1]))\n"
        "    db.session.commit()\n"
        "    started = time.perf_counter()\n"
        "    service.rebuild(db.session, app.config['CLIPPER'])\n"
        "    print(time.perf_counter() - started)\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(products), str(Path(__file__).parent)], env=env,
                         check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--instance", type=Path, default=None, help="Reuse an instance built by an earlier run.")
    args = parser.parse_args()

    if args.instance:
        instance = args.instance
    else:
        instance = Path(tempfile.mkdtemp(prefix="clipper-bench-search-"))
        seconds = build(instance, args.products)
        print(f"index rebuild: {args.products + 64} products × 6 languages in {seconds:.1f} s  (instance {instance})")
    env = {**os.environ, "CLIPPER_INSTANCE_PATH": str(instance), "CLIPPER_DEMO": "1", "CLIPPER_LOG_LEVEL": "WARNING"}
    port = free_port()
    server = subprocess.Popen([str(BIN / "clipper"), "serve", "--port", str(port), "--workers", str(args.workers)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port)
        searches = [q if q.startswith("/") else f"/search?q={q}" for q in SEARCHES]
        searches = [path.split("?q=")[0] + "?q=" + quote(path.split("?q=")[1]) for path in searches]
        suggests = [f"/search/suggest.json?q={p}" for p in PREFIXES]
        for paths in (["/healthz"], searches, suggests):
            drive_many(port, paths, seconds=1, concurrency=2)  # warm up readers and caches
        health = drive_many(port, ["/healthz"], args.seconds, args.concurrency)
        search = drive_many(port, searches, args.seconds, args.concurrency)
        suggest = drive_many(port, suggests, args.seconds, args.concurrency)
        base = health.percentile(50)
        print(f"{'route':<10}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p50 / healthz p50':>20}")
        for label, result in (("healthz", health), ("search", search), ("suggest", suggest)):
            print(f"{label:<10}{result.rps:>8.0f}{result.percentile(50):>9.1f}{result.percentile(95):>9.1f}"
                  f"{result.percentile(50) / base:>20.1f}" + (f"  ({result.errors} errors)" if result.errors else ""))
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
