"""The floor's shared logic: the scenarios answered by hand, with no framework.

``raw_wsgi`` and ``raw_asgi`` only translate the server's side around
:func:`respond`, so the two floors do the same work.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from urllib.parse import parse_qsl

from bench.apps.common import ITEMS, STATIC_DIR, TITLE, jinja_env

__all__ = ["Result", "respond"]

Headers = list[tuple[str, str]]
Result = tuple[int, Headers, bytes]

_TEXT = "text/plain; charset=utf-8"
_TEMPLATE = jinja_env().get_template("page.html")
_STATIC_PATH = os.path.join(STATIC_DIR, "style.css")
_stat = os.stat(_STATIC_PATH)
_ETAG = f'"{int(_stat.st_mtime):x}-{_stat.st_size:x}"'
with open(_STATIC_PATH, "rb") as _f:
    _STATIC_BODY = _f.read()


def _text(text: str, extra: Headers | None = None) -> Result:
    body = text.encode()
    headers = [("Content-Type", _TEXT), ("Content-Length", str(len(body)))]
    if extra:
        headers += extra
    return 200, headers, body


_HELLO: Result = _text("Hello, World!")
_NOT_FOUND: Result = (404, [("Content-Type", _TEXT), ("Content-Length", "9")], b"Not Found")


def _json(q: str, c: str | None, e: str | None, b: bytes) -> Result:
    body = json.dumps({"message": "Hello, World!", "id": 42, "ok": True}).encode()
    return 200, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body


def _query(q: str, c: str | None, e: str | None, b: bytes) -> Result:
    args = dict(parse_qsl(q))
    return _text(f"{args['name']} {int(args['page'])} {args['sort']}")


def _form(q: str, c: str | None, e: str | None, b: bytes) -> Result:
    f = dict(parse_qsl(b.decode()))
    return _text(f"{f['name']}|{f['email']}|{f['city']}|{int(f['age'])}|{f['message']}")


def _template(q: str, c: str | None, e: str | None, b: bytes) -> Result:
    body = _TEMPLATE.render(title=TITLE, items=ITEMS).encode()
    return (
        200,
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
        body,
    )


def _cookie(q: str, c: str | None, e: str | None, b: bytes) -> Result:
    cookies = dict(part.strip().split("=", 1) for part in (c or "").split(";") if "=" in part)
    visits = int(cookies["visits"])
    return _text(f"visits {visits}", [("Set-Cookie", f"visits={visits + 1}; Path=/")])


def _static(q: str, c: str | None, e: str | None, b: bytes) -> Result:
    if e == _ETAG:
        return 304, [("ETag", _ETAG)], b""
    headers = [("Content-Type", "text/css"), ("Content-Length", str(len(_STATIC_BODY)))]
    return 200, [*headers, ("ETag", _ETAG)], _STATIC_BODY


_ROUTES: dict[str, Callable[[str, str | None, str | None, bytes], Result]] = {
    "/json": _json,
    "/query": _query,
    "/form": _form,
    "/template": _template,
    "/cookie": _cookie,
    "/static/style.css": _static,
}


def respond(
    path: str, query: str, cookie: str | None, if_none_match: str | None, body: bytes
) -> Result:
    """Answer one request: status, headers (str pairs) and body."""
    if path == "/":
        return _HELLO
    view = _ROUTES.get(path)
    if view is not None:
        return view(query, cookie, if_none_match, body)
    if path.startswith("/users/"):
        parts = path.split("/")
        if len(parts) == 5 and parts[3] == "posts" and parts[4].isdigit():
            return _text(f"{parts[2]} {int(parts[4])}")
    return _NOT_FOUND
