"""A bounded HTTP load generator on loopback: keep-alive connections in threads, fixed duration."""
from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def drive(port: int, path: str, seconds: float = 5.0, concurrency: int = 8, max_requests: int = 200_000,
          headers: dict[str, str] | None = None) -> Result:
    """Send GET `path` to 127.0.0.1:`port` from `concurrency` threads for `seconds` (bounded by max_requests)."""
    return drive_many(port, [path], seconds, concurrency, max_requests, headers)


def drive_many(port: int, paths: list[str], seconds: float = 5.0, concurrency: int = 8, max_requests: int = 200_000,
               headers: dict[str, str] | None = None) -> Result:
    """Like drive(), cycling through `paths` so caches see varied requests."""
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0}

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        local: list[float] = []
        ok = errors = 0
        while time.perf_counter() < deadline and ok + errors < max_requests // concurrency:
            path = paths[(offset + ok + errors) % len(paths)]
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip", **(headers or {})})
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    errors += 1
                else:
                    ok += 1
                    local.append((time.perf_counter() - start) * 1000)
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()
        with lock:
            latencies.extend(local)
            counts["ok"] += ok
            counts["errors"] += errors

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Result(counts["ok"], counts["errors"], time.perf_counter() - started, latencies)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
