"""Serve Flask's tutorial app (flaskr), unchanged, by gunicorn and by uvicorn, and use it.

Run by ``compat/run.py`` with the compat venv's Python, from the unpacked
``examples/tutorial`` folder. ``flask`` there is vial's stub distribution, so
the servers run flaskr on vial. For each server: ``flask --app flaskr init-db``
(the stub's console script), start the server on a free 127.0.0.1 port,
register, log in, write a post and read it back over HTTP, then stop the
server by its PID. Prints one JSON object per server:
``{"server": ..., "ok": ..., "detail": ...}``.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

SERVERS: dict[str, Callable[[int], list[str]]] = {
    "gunicorn": lambda port: [
        *(str(BIN / "gunicorn"), "--bind", f"{HOST}:{port}", "--workers", "1"),
        *("--worker-class", "sync", "--log-level", "warning", "flaskr:create_app()"),
    ],
    "uvicorn": lambda port: [
        *(str(BIN / "uvicorn"), "--factory", "flaskr:create_app", "--host", HOST),
        *("--port", str(port), "--log-level", "warning", "--lifespan", "on"),
    ],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, process: subprocess.Popen[bytes], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before answering")
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on {HOST}:{port} within {seconds:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


class Browser:
    """A cookie-keeping HTTP client that follows redirects, for one server."""

    def __init__(self, port: int) -> None:
        self.base = f"http://{HOST}:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.geturl(), response.read().decode()

    def post(self, path: str, fields: dict[str, str]) -> tuple[str, str]:
        data = urllib.parse.urlencode(fields).encode()
        with self.opener.open(self.base + path, data=data, timeout=10) as response:
            return response.geturl(), response.read().decode()


class WrongAnswer(Exception):
    """The app answered, but not what flaskr answers."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise WrongAnswer(message)


def use_flaskr(port: int, server: str) -> None:
    """Register, log in, post and read back; raise :class:`WrongAnswer` on a wrong answer."""
    browser = Browser(port)
    user, password = f"ada-{server}", "correct horse"
    url, _ = browser.post("/auth/register", {"username": user, "password": password})
    expect(url.endswith("/auth/login"), f"register did not redirect to the login page: {url}")
    _, page = browser.post("/auth/login", {"username": user, "password": "wrong"})
    expect("Incorrect password." in page, "a wrong password was not refused")
    url, page = browser.post("/auth/login", {"username": user, "password": password})
    expect(url == browser.base + "/", f"login did not redirect to the index: {url}")
    expect(user in page, "the index does not greet the logged-in user")
    title = f"Served by {server}"
    url, page = browser.post("/create", {"title": title, "body": "a body & <markup>"})
    expect(url == browser.base + "/", f"creating a post did not redirect to the index: {url}")
    expect(title in page, "the new post is not listed")
    expect("a body &amp; &lt;markup&gt;" in page, "the post's body is not escaped")
    try:
        browser.get("/1/update/does-not-exist")
    except urllib.error.HTTPError as e:
        code = e.code
    else:
        code = 200
    expect(code == 404, f"an unknown URL answered {code}, not 404")


def serve_and_use(server: str) -> dict[str, object]:
    port = free_port()
    process = subprocess.Popen(SERVERS[server](port), stderr=subprocess.PIPE)
    try:
        wait_for(port, process)
        use_flaskr(port, server)
    except (WrongAnswer, RuntimeError, OSError) as e:
        stop(process)
        errors = (process.stderr.read().decode(errors="replace") if process.stderr else "")[-600:]
        return {"server": server, "ok": False, "detail": f"{e} {errors}".strip()}
    stop(process)
    return {"server": server, "ok": True, "detail": "register, login, post, read back, 404"}


def main() -> int:
    # Its "Initialized the database." goes to stderr: stdout carries only the JSON lines.
    subprocess.run(
        [str(BIN / "flask"), "--app", "flaskr", "init-db"], check=True, stdout=sys.stderr
    )
    for server in SERVERS:
        print(json.dumps(serve_and_use(server)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
