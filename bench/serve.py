"""Clipper under load vs a one-route Flask app on the same gunicorn settings, as ratios.

Usage: .venv/bin/python bench/serve.py [--seconds 5] [--concurrency 8] [--workers 2] [--rounds 2]

Seeds a demo instance in a temporary folder (or reuses --instance), starts `clipper serve` and the
baseline app side by side on loopback, drives each route on both in alternation, and prints
requests/s and p50/p95 latency with Clipper/baseline ratios. Only loopback traffic; bounded in time.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import drive  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# (label, clipper path, baseline path): the baseline has one page and one health route.
ROUTES = [
    ("/healthz", "/healthz", "/healthz"),
    ("/ (home)", "/", "/"),
    ("product", "/products/organic-cotton-crew-tee", "/"),
    ("collection", "/collections/all", "/"),
    ("de product", "/de/products/rundhals-t-shirt-bio-baumwolle", "/"),
    ("de coll. p2", "/de/collections/all?page=2&sort_by=price-ascending", "/"),
    # The demo campaign's Japanese landing page (hero, grid, countdown, FAQ, newsletter blocks).
    ("ja landing", "/ja/pages/spring-launch", "/"),
    # A tracked link: resolves the campaign, records the visit, redirects (302) to the landing page.
    ("/c/ link", "/c/spring26", "/"),
]
# The German pages are asked for by a shopper in Germany (EUR, VAT included).
HEADERS = {"de product": {"CF-IPCountry": "DE"}, "de coll. p2": {"CF-IPCountry": "DE"},
           # A browser, so every arrival is recorded as a new visitor's visit (bots are not counted).
           "/c/ link": {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124 Safari/537.36"}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--instance", type=Path, default=None)
    args = parser.parse_args()

    instance = args.instance or Path(tempfile.mkdtemp(prefix="clipper-bench-"))
    env = {**os.environ, "CLIPPER_INSTANCE_PATH": str(instance), "CLIPPER_DEMO": "1", "CLIPPER_LOG_LEVEL": "WARNING"}
    subprocess.run([str(BIN / "clipper"), "demo", "--no-serve"], env=env, check=True, capture_output=True)

    clipper_port, baseline_port = free_port(), free_port()
    servers = [
        subprocess.Popen([str(BIN / "clipper"), "serve", "--port", str(clipper_port), "--workers", str(args.workers)],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, str(ROOT / "bench" / "baseline_app.py"), "127.0.0.1", str(baseline_port),
                          str(args.workers)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL),
    ]
    try:
        wait_ready(clipper_port)
        wait_ready(baseline_port)
        print(f"{args.workers} gunicorn workers each, {args.concurrency} connections, {args.seconds:.0f} s per run, "
              f"{args.rounds} alternating rounds")
        print(f"{'route':<14}{'clipper req/s':>14}{'base req/s':>12}{'ratio':>8}"
              f"{'clipper p50/p95 ms':>22}{'base p50/p95 ms':>19}")
        for label, clipper_path, baseline_path in ROUTES:
            clipper_runs, baseline_runs = [], []
            headers = HEADERS.get(label)
            drive(clipper_port, clipper_path, seconds=1, concurrency=2, headers=headers)  # warm caches and workers
            drive(baseline_port, baseline_path, seconds=1, concurrency=2)
            for _ in range(args.rounds):
                clipper_runs.append(drive(clipper_port, clipper_path, args.seconds, args.concurrency, headers=headers))
                baseline_runs.append(drive(baseline_port, baseline_path, args.seconds, args.concurrency))
            c = max(clipper_runs, key=lambda r: r.rps)
            b = max(baseline_runs, key=lambda r: r.rps)
            errors = sum(r.errors for r in clipper_runs)
            print(f"{label:<14}{c.rps:>14.0f}{b.rps:>12.0f}{c.rps / b.rps:>8.2f}"
                  f"{c.percentile(50):>12.1f}/{c.percentile(95):<9.1f}{b.percentile(50):>9.1f}/{b.percentile(95):<9.1f}"
                  + (f"  ({errors} errors)" if errors else ""))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
