"""Fake carrier APIs over real HTTP, for tests and the demo: karrio talks to them as to DHL, FedEx, UPS, USPS.

`FakeCarriers` runs a `ThreadingHTTPServer` on 127.0.0.1 (a free port) in a daemon thread. A carrier
account points at it through `server_url(carrier_name)`, i.e. f"{url}/{carrier_name}"; the first path
segment picks the carrier module `fake_<carrier>` (imported lazily, so a missing module only breaks that
carrier) which renders answers in that carrier's own API format:

    handle(fake, method, path, query, headers, body) -> (status, headers, body_bytes)

`path` is the path after the carrier segment ("/shipments"), `query` the parsed query string as
`urllib.parse.parse_qs` gives it (name -> list of values), `headers` a plain dict, `body` the raw bytes.
A carrier module may also define `EVENT_CODES: dict[TrackingStatus, str]` (its event code per status, used
when a test adds an event without a code), `PROGRESS_CODES` (same, for auto progress),
`error_body(fake, status, path) -> bytes` (its error format for `fail_next` without a body) and
`new_tracking_number(fake) -> str`.

State is carrier-neutral so every carrier module reads the same data:
- `shipments[tracking_number]` = dict(tracking_number, carrier, service, reference, recipient_country,
  recipient_city, shipper_country, shipper_city, created_at (aware), amount (Decimal string), currency,
  label (bytes), label_format, request (the JSON the carrier received));
- events per tracking number = list of dict(occurred_at (aware), status (TrackingStatus), code,
  description, location), read with `events_for(tracking_number)`;
- `voided` (set of tracking numbers), `requests` (list of (carrier, method, path, json_body)),
  `calls` (the same with query and headers, for tests that need them).

Test controls: `add_event(...)`, `fail_next(carrier, status=500, body=None)`, `delay_seconds`,
`auto_progress` (booked parcels advance label → picked up → in transit → customs cleared → out for
delivery → delivered, one step every `progress_step`; the demo turns it on, tests leave it off).
"""
from __future__ import annotations

import importlib
import json
import logging
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from storefront.integrations.carriers.types import TrackingStatus

log = logging.getLogger(__name__)

# carrier name in the URL → handler module (fake_<module>.py beside this file)
CARRIER_MODULES = {
    "mydhl": "fake_mydhl",
    "fedex": "fake_fedex",
    "ups": "fake_ups",
    "usps_international": "fake_usps",
    "usps": "fake_usps",
}

# (status, description) of each step a parcel takes when `auto_progress` is on.
PROGRESS = (
    (TrackingStatus.LABEL_PURCHASED, "Shipment information received", "origin"),
    (TrackingStatus.IN_TRANSIT, "Shipment picked up", "origin"),
    (TrackingStatus.IN_TRANSIT, "Departed facility", "origin"),
    (TrackingStatus.IN_TRANSIT, "Customs clearance status updated: cleared", "destination"),
    (TrackingStatus.OUT_FOR_DELIVERY, "Out for delivery", "destination"),
    (TrackingStatus.DELIVERED, "Delivered", "destination"),
)


class FakeCarriers:
    """Local stand-ins for the carriers' APIs. Use as a context manager or `start()`/`stop()`."""

    def __init__(self, *, auto_progress: bool = False, progress_step: timedelta = timedelta(minutes=2)) -> None:
        self.auto_progress = auto_progress
        self.progress_step = progress_step
        self.delay_seconds = 0.0
        self.shipments: dict[str, dict[str, Any]] = {}
        self.voided: set[str] = set()
        self.requests: list[tuple[str, str, str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self._events: dict[str, list[dict[str, Any]]] = {}
        self._failures: dict[str, list[tuple[int, Any]]] = {}
        self._sequence: dict[str, int] = {}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeCarriers:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = ThreadingHTTPServer((host, port), _handler_class(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-carriers", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes requests sleeping in `delay_seconds`
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeCarriers:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every shipment, event, failure and request (a session-wide server between tests)."""
        with self._lock:
            self.shipments.clear()
            self.voided.clear()
            self.requests.clear()
            self.calls.clear()
            self._events.clear()
            self._failures.clear()
            self.delay_seconds = 0.0
            self.auto_progress = False

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeCarriers is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def server_url(self, carrier_name: str) -> str:
        return f"{self.url}/{carrier_name}"

    # test controls ---------------------------------------------------------------------------------

    def add_event(
        self,
        tracking_number: str,
        status: TrackingStatus,
        description: str,
        *,
        location: str | None = None,
        occurred_at: datetime | None = None,
        code: str | None = None,
    ) -> dict[str, Any]:
        """A scan the carrier will report for `tracking_number` (booked here or not)."""
        status = TrackingStatus(status)
        when = occurred_at or datetime.now(UTC)
        if when.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")
        carrier = self.shipments.get(tracking_number, {}).get("carrier")
        event = dict(
            occurred_at=when,
            status=status,
            code=code or self.event_code(carrier, status),
            description=description,
            location=location,
        )
        with self._lock:
            self._events.setdefault(tracking_number, []).append(event)
        return event

    def fail_next(self, carrier_name: str, status: int = 500, body: Any = None) -> None:
        """The next request to `carrier_name` gets `status` with `body` (default: the carrier's error format)."""
        with self._lock:
            self._failures.setdefault(carrier_name, []).append((status, body))

    # for the carrier modules -----------------------------------------------------------------------

    def book(
        self,
        carrier: str,
        *,
        service: str,
        reference: str | None,
        recipient_country: str | None,
        amount: str,
        currency: str,
        label_format: str = "PDF",
        tracking_number: str | None = None,
        request: Any = None,
        recipient_city: str | None = None,
        shipper_country: str | None = None,
        shipper_city: str | None = None,
    ) -> dict[str, Any]:
        """Record a booked parcel and return it (with its label bytes)."""
        number = tracking_number or self.new_tracking_number(carrier)
        created_at = datetime.now(UTC)
        label = (
            zpl_label(carrier, number, reference, recipient_country)
            if label_format.upper() == "ZPL"
            else pdf_label(carrier, number, reference, recipient_country)
        )
        shipment = dict(
            tracking_number=number,
            carrier=carrier,
            service=service,
            reference=reference,
            recipient_country=recipient_country,
            recipient_city=recipient_city,
            shipper_country=shipper_country,
            shipper_city=shipper_city,
            created_at=created_at,
            amount=amount,
            currency=currency,
            label=label,
            label_format=label_format.upper(),
            request=request,
        )
        with self._lock:
            self.shipments[number] = shipment
        return shipment

    def events_for(self, tracking_number: str, now: datetime | None = None) -> list[dict[str, Any]]:
        """The parcel's scans, oldest first: added ones plus, with `auto_progress`, those due by `now`."""
        with self._lock:
            events = list(self._events.get(tracking_number, []))
            shipment = self.shipments.get(tracking_number)
        if self.auto_progress and shipment is not None and tracking_number not in self.voided:
            events.extend(self._progress_events(shipment, now or datetime.now(UTC)))
        return sorted(events, key=lambda event: event["occurred_at"])

    def knows(self, tracking_number: str) -> bool:
        with self._lock:
            return tracking_number in self.shipments or bool(self._events.get(tracking_number))

    def next_sequence(self, carrier: str) -> int:
        with self._lock:
            # Tests want predictable numbers; a demo restarted on the same database must not hand out a number
            # an earlier run already gave a parcel, so it starts where the clock is.
            start = int(time.time()) % 100_000 * 100 if self.auto_progress else 0
            self._sequence[carrier] = self._sequence.get(carrier, start) + 1
            return self._sequence[carrier]

    def new_tracking_number(self, carrier: str) -> str:
        module = self._module(carrier)
        if module is not None and hasattr(module, "new_tracking_number"):
            return module.new_tracking_number(self)
        return f"{carrier.upper()[:3]}{self.next_sequence(carrier):010d}"

    def event_code(self, carrier: str | None, status: TrackingStatus) -> str:
        module = self._module(carrier) if carrier else None
        codes = getattr(module, "EVENT_CODES", {}) if module is not None else {}
        return codes.get(status) or status.value.upper()

    # internals -------------------------------------------------------------------------------------

    def _progress_events(self, shipment: dict[str, Any], now: datetime) -> Iterator[dict[str, Any]]:
        module = self._module(shipment["carrier"])
        codes = getattr(module, "PROGRESS_CODES", None) or ()
        places = {
            "origin": ", ".join(filter(None, (shipment.get("shipper_city"), shipment.get("shipper_country")))) or None,
            "destination": ", ".join(filter(None, (shipment.get("recipient_city"), shipment.get("recipient_country"))))
            or None,
        }
        for index, (status, description, place) in enumerate(PROGRESS):
            when = shipment["created_at"] + self.progress_step * index
            if when > now:
                break
            code = codes[index] if index < len(codes) else self.event_code(shipment["carrier"], status)
            yield dict(occurred_at=when, status=status, code=code, description=description, location=places[place])

    def _module(self, carrier: str) -> ModuleType | None:
        module_name = CARRIER_MODULES.get(carrier)
        if module_name is None:
            return None
        try:
            return importlib.import_module(f"storefront.integrations.carriers.{module_name}")
        except ImportError:
            log.warning("No fake for carrier %r (%s.py missing)", carrier, module_name)
            return None

    def _take_failure(self, carrier: str) -> tuple[int, Any] | None:
        with self._lock:
            queue = self._failures.get(carrier)
            return queue.pop(0) if queue else None

    def _dispatch(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        parts = urlsplit(raw_path)
        segments = parts.path.lstrip("/").split("/", 1)
        carrier = segments[0]
        path = "/" + (segments[1] if len(segments) > 1 else "")
        query = parse_qs(parts.query, keep_blank_values=True)
        json_body = _json_or_text(body)
        with self._lock:
            self.requests.append((carrier, method, path, json_body))
            self.calls.append(dict(carrier=carrier, method=method, path=path, query=query, headers=headers, body=json_body))
        if self.delay_seconds:
            self._stopping.wait(self.delay_seconds)
        module = self._module(carrier)
        if module is None:
            return 404, {"Content-Type": "application/json"}, json.dumps({"error": f"no fake carrier {carrier!r}"}).encode()
        failure = self._take_failure(carrier)
        if failure is not None:
            status, failure_body = failure
            if failure_body is None and hasattr(module, "error_body"):
                payload = module.error_body(self, status, path)
            elif isinstance(failure_body, dict | list):
                payload = json.dumps(failure_body).encode()
            elif isinstance(failure_body, str):
                payload = failure_body.encode()
            else:
                payload = failure_body or b""
            content_type = "application/json" if payload[:1] in (b"{", b"[") else "text/plain"
            return status, {"Content-Type": content_type}, payload
        return module.handle(self, method, path, query, headers, body)


def _json_or_text(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace")
        if "=" in text and "{" not in text:
            return {key: values[-1] for key, values in parse_qs(text).items()}
        return text


def _handler_class(fake: FakeCarriers) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                status, headers, payload = fake._dispatch(self.command, self.path, dict(self.headers.items()), body)
            except Exception as error:  # noqa: BLE001 - a bug in a fake answers 500, visibly
                log.exception("fake carrier handler failed")
                status, headers, payload = 599, {"Content-Type": "text/plain"}, f"fake carrier bug: {error!r}".encode()
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                pass

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("fake carriers: " + format, *args)

    return Handler


# --- documents ---------------------------------------------------------------------------------------


def pdf_label(carrier: str, tracking_number: str, reference: str | None, country: str | None) -> bytes:
    """A small, valid one-page PDF (A6) showing the carrier, tracking number and reference."""
    lines = [carrier.upper(), tracking_number, f"Ref {reference or '-'}", f"To {country or '-'}"]
    text_ops = "BT /F1 18 Tf 20 360 Td 22 TL " + " ".join(f"({_pdf_escape(line)}) Tj T*" for line in lines) + " ET"
    stream = zlib.compress(text_ops.encode("latin-1"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 298 420] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def zpl_label(carrier: str, tracking_number: str, reference: str | None, country: str | None) -> bytes:
    return (
        f"^XA^CF0,40^FO40,40^FD{carrier.upper()}^FS^FO40,100^BCN,120,Y,N,N^FD{tracking_number}^FS"
        f"^CF0,30^FO40,280^FDRef {reference or '-'}^FS^FO40,330^FDTo {country or '-'}^FS^XZ"
    ).encode()


def _pdf_escape(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def s10_tracking_number(prefix: str, serial: int, country: str = "US") -> str:
    """A UPU S10 number (postal items: "LZ123456785US") with its check digit."""
    digits = f"{serial % 100_000_000:08d}"
    total = sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    check = 5 if check == 11 else 0 if check == 10 else check
    return f"{prefix}{digits}{check}{country}"


def run_standalone(port: int = 0, *, auto_progress: bool = True) -> FakeCarriers:
    """Start a fake for the demo and return it; `clipper demo` sets CLIPPER_CARRIER_API_BASE to `.url`."""
    return FakeCarriers(auto_progress=auto_progress).start(port=port)


def main() -> None:  # pragma: no cover - `python -m storefront.integrations.carriers.fake --port 8765`
    import argparse
    import time

    parser = argparse.ArgumentParser(description="Fake DHL Express, FedEx, UPS and USPS APIs for the Clipper demo.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--step-seconds", type=float, default=120, help="time between tracking steps of a parcel")
    args = parser.parse_args()
    fake = FakeCarriers(auto_progress=True, progress_step=timedelta(seconds=args.step_seconds)).start(port=args.port)
    print(f"Fake carriers at {fake.url}; set CLIPPER_CARRIER_API_BASE={fake.url}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
