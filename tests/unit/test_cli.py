"""The `clipper` console script: one-line errors with exit status 2, never a traceback."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest


CLIPPER = str(Path(sys.executable).with_name("clipper"))
SECRET = "cli-test-secret-key-long-enough-0123456789abcdef"


def run_clipper(*args: str, instance: Path, extra_env: dict[str, str] | None = None, timeout: int = 120):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPPER_")}
    env.update({"CLIPPER_INSTANCE_PATH": str(instance), "CLIPPER_SECRET_KEY": SECRET})
    env.update(extra_env or {})
    return subprocess.run([CLIPPER, *args], capture_output=True, text=True, env=env, timeout=timeout)


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def instance(tmp_path) -> Path:
    result = run_clipper("db", "upgrade", instance=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_users_create_makes_an_owner_who_exists_once(instance):
    ok = run_clipper("users", "create", "boss@example.com", "--password", "a-long-enough-password", "--role", "owner",
                     instance=instance)
    assert ok.returncode == 0, ok.stderr
    assert "Created owner boss@example.com" in ok.stdout
    again = run_clipper("users", "create", "boss@example.com", "--password", "a-long-enough-password",
                        "--role", "owner", instance=instance)
    assert_one_line_error(again, "already exists")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["not-an-email", "--password", "a-long-enough-password", "--role", "owner"], "not a valid e-mail"),
        (["a@example.com", "--password", "short", "--role", "owner"], "at least 12 characters"),
        (["a@example.com", "--password", "a-long-enough-password", "--role", "king"], "unknown role"),
    ],
)
def test_users_create_refuses_bad_input_in_one_line(instance, args, fragment):
    assert_one_line_error(run_clipper("users", "create", *args, instance=instance), fragment)


def test_unreachable_database_is_one_line_without_the_password(tmp_path):
    result = run_clipper("users", "create", "a@example.com", "--password", "a-long-enough-password", instance=tmp_path,
                         extra_env={"CLIPPER_DATABASE_URL": "postgresql://shop:hunter2secret@127.0.0.1:1/shop"})
    assert_one_line_error(result, "cannot reach the database", "127.0.0.1:1/shop")
    assert "hunter2secret" not in result.stderr


def test_serve_refuses_a_port_that_is_taken(instance):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_clipper("serve", "--port", str(port), instance=instance)
    assert_one_line_error(result, f"127.0.0.1:{port}")


def test_serve_without_a_secret_key_names_the_variable(instance):
    result = run_clipper("serve", "--port", "1", instance=instance, extra_env={"CLIPPER_SECRET_KEY": ""})
    assert_one_line_error(result, "CLIPPER_SECRET_KEY")


def test_db_check_finds_no_drift_after_upgrade(instance):
    result = run_clipper("db", "check", instance=instance)
    assert result.returncode == 0, result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr


def test_worker_without_redis_explains_that_jobs_run_inline(instance):
    assert_one_line_error(run_clipper("worker", "--burst", instance=instance), "CLIPPER_REDIS_URL")


def test_worker_runs_queued_jobs_in_burst_mode(instance, redis_url):
    result = run_clipper("worker", "--burst", instance=instance, extra_env={"CLIPPER_REDIS_URL": redis_url})
    assert result.returncode == 0, result.stderr


def test_commands_on_a_demo_instance_use_the_demo_key_so_sealed_carrier_credentials_stay_readable(
        tmp_path, monkeypatch):
    from storefront.cli import _create_cli_app

    for name in [k for k in os.environ if k.startswith("CLIPPER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CLIPPER_INSTANCE_PATH", str(tmp_path))
    assert len(_create_cli_app().config["SECRET_KEY"]) >= 32  # no demo here: a throwaway key
    (tmp_path / "secret_key").write_text("demo-key-kept-by-clipper-demo-0123456789abcdef\n")
    assert _create_cli_app().config["SECRET_KEY"] == "demo-key-kept-by-clipper-demo-0123456789abcdef"
