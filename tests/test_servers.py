"""The same app object served for real by gunicorn (WSGI) and uvicorn (ASGI) on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import IO

import httpx
import pytest

HERE = os.path.dirname(__file__)
BIN = os.path.dirname(sys.executable)

pytestmark = pytest.mark.server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(command: list[str], port: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, cwd=HERE, stdout=log, stderr=log)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read().decode()}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=0.5)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not start: {' '.join(command)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(params=["gunicorn", "uvicorn"])
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    port = free_port()
    if request.param == "gunicorn":
        command = [
            f"{BIN}/gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "servedapp:app",
        ]
    else:
        command = [
            f"{BIN}/uvicorn",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "on",
            "servedapp:app",
        ]
    with tempfile.TemporaryFile() as log:
        process = start(command, port, log)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process)


def test_pages(base_url: str) -> None:
    rv = httpx.get(f"{base_url}/")
    assert rv.status_code == 200
    assert rv.text == "<h1>Hello !</h1>"
    assert rv.headers["content-type"] == "text/html; charset=utf-8"
    assert httpx.get(f"{base_url}/home/bob/").text == "<h1>Hello to Home bob!</h1>"
    assert httpx.get(f"{base_url}/missing").status_code == 404


def test_async_view_json_and_forms(base_url: str) -> None:
    assert httpx.get(f"{base_url}/async?q=1").json() == {"async": True, "q": "1"}
    rv = httpx.post(f"{base_url}/echo", data={"a": "1"})
    assert rv.json() == {"form": {"a": "1"}, "json": None}
    rv = httpx.post(f"{base_url}/echo", json={"b": 2})
    assert rv.json() == {"form": {}, "json": {"b": 2}}


def test_session_cookie_round_trip(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        assert client.get("/count").text == "1"
        assert client.get("/count").text == "2"


def test_streaming_and_redirect(base_url: str) -> None:
    assert httpx.get(f"{base_url}/stream").text == "0\n1\n2\n"
    rv = httpx.get(f"{base_url}/home/bob")
    assert rv.status_code == 308
    assert rv.headers["location"].endswith("/home/bob/")
