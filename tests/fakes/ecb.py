"""A local HTTP stand-in for the ECB daily reference-rate feed, serving the canned demo XML."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import storefront

CANNED_XML = Path(storefront.__file__).parent / "demo" / "data" / "ecb-eurofxref-daily.xml"
CANNED_RATE_DATE = "2026-11-27"
DAILY_PATH = "/stats/eurofxref/eurofxref-daily.xml"
BROKEN_PATH = "/broken.xml"
ERROR_PATH = "/error.xml"


class EcbHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == DAILY_PATH:
            self._reply(200, CANNED_XML.read_bytes())
        elif self.path == BROKEN_PATH:
            self._reply(200, b"<?xml version='1.0'?><gesmes:Envelope><Cube><Cube time='2026-11-27'>")
        elif self.path == ERROR_PATH:
            self._reply(500, b"Internal Server Error", content_type="text/plain")
        else:
            self._reply(404, b"Not Found", content_type="text/plain")

    def _reply(self, status: int, body: bytes, content_type: str = "text/xml") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # keep pytest output quiet
        pass


@pytest.fixture(scope="session")
def ecb_feed():
    """Base URL of the fake feed; append DAILY_PATH, BROKEN_PATH or ERROR_PATH."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), EcbHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
