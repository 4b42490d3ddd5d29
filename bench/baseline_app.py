"""The yardstick for bench/serve.py: a one-route Flask app served with Clipper's gunicorn settings."""
from __future__ import annotations

import sys

from flask import Flask, jsonify
from gunicorn.app.base import BaseApplication

from storefront.cli import gunicorn_options

app = Flask(__name__)
PAGE = "<!doctype html><html lang=en><title>Baseline</title><h1>Hello</h1></html>"


@app.get("/")
def home():
    return PAGE


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


class BaselineServer(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return app


if __name__ == "__main__":
    host, port, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    options = gunicorn_options(host, port, workers)
    options["accesslog"] = None
    BaselineServer(options).run()
