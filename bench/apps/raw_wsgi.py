"""The WSGI floor: a hand-written callable around :func:`raw_core.respond`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from bench.apps.raw_core import respond

SKIP = frozenset({"session"})

_STATUS = {200: "200 OK", 304: "304 Not Modified", 404: "404 Not Found"}


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answer the benchmark scenarios as a bare WSGI application."""
    body = b""
    if environ["REQUEST_METHOD"] == "POST":
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    status, headers, data = respond(
        environ["PATH_INFO"],
        environ.get("QUERY_STRING", ""),
        environ.get("HTTP_COOKIE"),
        environ.get("HTTP_IF_NONE_MATCH"),
        body,
    )
    start_response(_STATUS[status], headers)
    return [data]
