"""The benchmark scenarios: one request each, and what a correct answer looks like.

A scenario is server-neutral: the in-process runner turns its request into a
WSGI environ or an ASGI scope, the end-to-end runner into wrk's arguments.
Both check every framework's answer with :meth:`Scenario.verify` before timing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlencode

from bench.apps.common import ITEMS, STATIC_DIR, TITLE
from bench.errors import BenchError

__all__ = ["SCENARIOS", "BenchError", "Expect", "HTTPRequest", "Reply", "Scenario", "select"]


@dataclass(frozen=True)
class HTTPRequest:
    """One request, as a client sends it."""

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def with_header(self, name: str, value: str) -> HTTPRequest:
        """A copy with one more header."""
        return replace(self, headers=(*self.headers, (name, value)))

    @property
    def target(self) -> str:
        """The request target: path and query string."""
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass
class Reply:
    """One response, whatever carried it; header names are lower-case."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    def all(self, name: str) -> list[str]:
        """Every value of header ``name`` (any case)."""
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    def describe(self) -> str:
        """A short dump for error messages."""
        return f"status {self.status}, headers {self.headers}, body {self.body[:300]!r}"


@dataclass(frozen=True)
class Expect:
    """What a correct reply has; unset fields are not checked."""

    status: int = 200
    content_type: str | None = None
    body: bytes | None = None
    contains: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    json: object = None
    set_cookie: str | None = None
    count: tuple[str, int] | None = None

    def problems(self, reply: Reply) -> list[str]:
        """What is wrong with ``reply``; empty when it is right."""
        found: list[str] = []
        if reply.status != self.status:
            found.append(f"status {reply.status}, expected {self.status}")
        ctype = reply.header("content-type") or ""
        if self.content_type is not None and not ctype.startswith(self.content_type):
            found.append(f"content-type {ctype!r}, expected {self.content_type}...")
        if self.body is not None and reply.body != self.body:
            found.append(f"body {reply.body[:100]!r}, expected {self.body!r}")
        text = reply.body.decode("utf-8", "replace")
        found += [f"body lacks {s!r}" for s in self.contains if s not in text]
        found += [f"body has {s!r}" for s in self.absent if s in text]
        if self.count is not None and text.count(self.count[0]) != self.count[1]:
            found.append(f"body has {self.count[0]!r} {text.count(self.count[0])} times")
        if self.json is not None:
            try:
                data = json.loads(reply.body)
            except ValueError:
                data = "<not JSON>"
            if data != self.json:
                found.append(f"JSON {data!r}, expected {self.json!r}")
        cookies = reply.all("set-cookie")
        if self.set_cookie is not None and not any(c.startswith(self.set_cookie) for c in cookies):
            found.append(f"no Set-Cookie starting {self.set_cookie!r} in {cookies}")
        return found


Exchange = Callable[[HTTPRequest], Reply]
"""Sends one request to the app under test and returns its reply."""


@dataclass(frozen=True)
class Scenario:
    """A named request, its expected reply, and an optional preparing exchange.

    ``prepare`` sends a first request (without the cookie or ETag that the timed
    request needs), checks it, and returns the request to time.
    """

    name: str
    summary: str
    request: HTTPRequest
    expect: Expect
    prepare: Callable[[Scenario, Exchange], HTTPRequest] | None = field(default=None)

    def timed_request(self, send: Exchange, where: str) -> HTTPRequest:
        """The request to time, after running ``prepare`` against ``send``."""
        if self.prepare is None:
            return self.request
        try:
            return self.prepare(self, send)
        except BenchError as e:
            raise BenchError(f"{where} / {self.name}: preparing request failed: {e}") from None

    def verify(self, reply: Reply, where: str) -> None:
        """Raise :class:`BenchError` naming ``where`` unless ``reply`` is right."""
        found = self.expect.problems(reply)
        if found:
            raise BenchError(
                f"{where} / {self.name}: wrong answer to {self.request.method}"
                f" {self.request.target}: {'; '.join(found)}\n  got {reply.describe()}"
            )


def _prepare_session(scenario: Scenario, send: Exchange) -> HTTPRequest:
    first = send(scenario.request)
    found = Expect(body=b"1", set_cookie="session=").problems(first)
    if found:
        raise BenchError(f"{'; '.join(found)}\n  got {first.describe()}")
    cookie = next(c for c in first.all("set-cookie") if c.startswith("session="))
    return scenario.request.with_header("Cookie", cookie.split(";", 1)[0])


def _prepare_etag(scenario: Scenario, send: Exchange) -> HTTPRequest:
    first = send(scenario.request)
    found = Expect(body=STATIC_BYTES).problems(first)
    etag = first.header("etag")
    if etag is None or found:
        found.append("no ETag header" if etag is None else f"ETag {etag}")
        raise BenchError(f"{'; '.join(found)}\n  got {first.describe()}")
    return scenario.request.with_header("If-None-Match", etag)


STATIC_BYTES = (Path(STATIC_DIR) / "style.css").read_bytes()
FORM_FIELDS = (
    ("name", "Alice Smith"),
    ("email", "alice@example.com"),
    ("city", "São Paulo"),
    ("age", "30"),
    ("message", "Hi & bye! 100% sure?"),
)
JSON_DATA = {"message": "Hello, World!", "id": 42, "ok": True}

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "hello",
        "plain-text hello",
        HTTPRequest("GET", "/"),
        Expect(content_type="text/", body=b"Hello, World!"),
    ),
    Scenario(
        "params",
        "a str and an int parameter, 30 other rules",
        HTTPRequest("GET", "/users/alice/posts/42"),
        Expect(content_type="text/", body=b"alice 42"),
    ),
    Scenario(
        "json",
        "a small dict as JSON",
        HTTPRequest("GET", "/json"),
        Expect(content_type="application/json", json=JSON_DATA),
    ),
    Scenario(
        "query",
        "three query arguments",
        HTTPRequest("GET", "/query", query="name=alice&page=2&sort=desc"),
        Expect(content_type="text/", body=b"alice 2 desc"),
    ),
    Scenario(
        "form",
        "urlencoded POST, five fields",
        HTTPRequest(
            "POST",
            "/form",
            headers=(("Content-Type", "application/x-www-form-urlencoded"),),
            body=urlencode(FORM_FIELDS).encode(),
        ),
        Expect(
            content_type="text/",
            body="|".join(v for _, v in FORM_FIELDS).encode(),
        ),
    ),
    Scenario(
        "template",
        "Jinja2: layout, child block, 20 escaped items",
        HTTPRequest("GET", "/template"),
        Expect(
            content_type="text/html",
            contains=(
                f"<title>{TITLE} - Benchmark</title>",
                "<li>&lt;b&gt;Item 19&lt;/b&gt; &amp; &#39;friends&#39;</li>",
                "<footer>vial benchmark suite</footer>",
            ),
            absent=(ITEMS[0],),
            count=("<li>", 20),
        ),
    ),
    Scenario(
        "cookie",
        "read a cookie, set one",
        HTTPRequest("GET", "/cookie", headers=(("Cookie", "theme=dark; visits=41; lang=en"),)),
        Expect(content_type="text/", body=b"visits 41", set_cookie="visits=42"),
    ),
    Scenario(
        "session",
        "signed session read-modify-write",
        HTTPRequest("GET", "/session"),
        Expect(body=b"2", set_cookie="session="),
        prepare=_prepare_session,
    ),
    Scenario(
        "not_found",
        "404",
        HTTPRequest("GET", "/missing/page"),
        Expect(status=404),
    ),
    Scenario(
        "static",
        "static file, If-None-Match answered 304",
        HTTPRequest("GET", "/static/style.css"),
        Expect(status=304, body=b""),
        prepare=_prepare_etag,
    ),
)

BY_NAME = {s.name: s for s in SCENARIOS}


def select(names: str | None) -> list[Scenario]:
    """The scenarios named in a comma-separated list (all when None or ``all``)."""
    if not names or names == "all":
        return list(SCENARIOS)
    chosen = []
    for name in names.split(","):
        if name.strip() not in BY_NAME:
            raise BenchError(f"unknown scenario {name!r}: choose from {', '.join(BY_NAME)}")
        chosen.append(BY_NAME[name.strip()])
    return chosen
