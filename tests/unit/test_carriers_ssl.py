"""Importing karrio must not switch off certificate checking, nor print karrio's logs.

karrio sets `ssl._create_default_https_context = ssl._create_unverified_context` at import and installs a
loguru sink printing INFO to stderr; `karrio_runtime` undoes both. These tests make a real carrier call
(through the fake DHL) in an app created by `create_app()` and then check the process is still safe.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import ssl
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from storefront.integrations import carriers
from storefront.integrations.carriers.types import (
    Address,
    CarrierError,
    CarrierErrorCode,
    CustomsDeclaration,
    CustomsItem,
    Parcel,
    ShipmentRequest,
    TrackingStatus,
)
from tests.fakes.carriers import carrier_config


def _self_signed_certificate(directory) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "clipper-bad-cert.test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def untrusted_https_server(tmp_path):
    """An HTTPS server on 127.0.0.1 whose self-signed certificate nobody trusts; yields (url, cert path)."""
    cert_path, key_path = _self_signed_certificate(tmp_path)

    class Hello(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"hello")

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/", cert_path
    finally:
        server.shutdown()
        server.server_close()


def _a_dhl_call(fake) -> None:
    request = ShipmentRequest(
        shipper=Address("Li Wei", ("Bao'an Avenue 88",), "Shenzhen", "CN", postal_code="518000", company="Clipper"),
        recipient=Address("Anna Schmidt", ("Hauptstraße 5",), "Berlin", "DE", postal_code="10115"),
        parcels=(Parcel(weight_grams=500),),
        reference="#1001",
        customs=CustomsDeclaration(
            "EUR", "DDP", (CustomsItem("Cotton T-shirt", 1, 1250, 180, "610910", "CN"),), "INV-1", dt.date(2025, 3, 14)
        ),
        service_code="mydhl_express_worldwide",
    )
    booked = carriers.book_shipment(carrier_config(fake, "mydhl"), request)
    fake.add_event(booked.tracking_number, TrackingStatus.IN_TRANSIT, "Shipment picked up")
    carriers.fetch_tracking(carrier_config(fake, "mydhl"), [booked.tracking_number])


def test_importing_the_carriers_package_keeps_certificate_checking_on():
    carriers.carrier_specs()  # loads karrio and every connector

    assert ssl._create_default_https_context is ssl.create_default_context


def test_after_a_carrier_call_a_bad_certificate_still_fails(app, fake_carriers, untrusted_https_server):
    url, cert_path = untrusted_https_server
    _a_dhl_call(fake_carriers)

    with pytest.raises(urllib.error.URLError) as caught:
        urllib.request.urlopen(url, timeout=5)

    assert isinstance(caught.value.reason, ssl.SSLCertVerificationError)
    # the server itself is fine: trusting its certificate explicitly works
    trusting = ssl.create_default_context(cafile=cert_path)
    with urllib.request.urlopen(url, timeout=5, context=trusting) as response:
        assert response.read() == b"hello"


def test_karrio_info_logs_stay_out_of_stdout_and_stderr(app, fake_carriers, capfd, caplog):
    caplog.set_level(logging.DEBUG, logger="karrio")
    capfd.readouterr()

    _a_dhl_call(fake_carriers)

    out, err = capfd.readouterr()
    assert "HTTP request prepared" not in out + err  # karrio logs this at INFO on every request
    assert "| INFO" not in out + err  # loguru's own format
    assert not [record for record in caplog.records if record.name == "karrio" and record.levelno >= logging.INFO]


def test_karrio_errors_reach_our_logging_instead_of_stderr(app, fake_carriers, capfd, caplog):
    caplog.set_level(logging.WARNING, logger="karrio")
    fake_carriers.fail_next("mydhl", 502, "<html><body>502 Bad Gateway</body></html>")
    capfd.readouterr()

    with pytest.raises(CarrierError) as caught:
        carriers.fetch_tracking(carrier_config(fake_carriers, "mydhl"), ["5839201746"])

    assert caught.value.code is CarrierErrorCode.UNAVAILABLE
    assert "HTTP 502" in caught.value.message
    assert any(record.name == "karrio" and record.levelno == logging.ERROR for record in caplog.records)
    out, err = capfd.readouterr()
    assert "| ERROR" not in out + err and "karrio.api.interface" not in out + err
