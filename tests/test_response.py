"""The response object on its own, and cookies and headers set from views."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder

from vial import Response, Vial, make_response
from vial.testing import VialClient


def test_defaults() -> None:
    rv = Response()
    assert rv.status_code == 200
    assert rv.status == "200 OK"
    assert rv.mimetype == "text/html"
    assert rv.content_type == "text/html; charset=utf-8"
    assert rv.data == b""
    assert isinstance(rv.headers, Headers)


def test_body_status_and_headers() -> None:
    rv = Response("héllo", 201, {"X-A": "1"}, mimetype="text/plain")
    assert rv.status == "201 CREATED"
    assert rv.data == "héllo".encode()
    assert rv.get_data(as_text=True) == "héllo"
    assert rv.content_length == len("héllo".encode())
    assert rv.headers["X-A"] == "1"
    assert rv.content_type == "text/plain; charset=utf-8"
    assert Response(b"x", content_type="application/octet-stream").mimetype == (
        "application/octet-stream"
    )


@pytest.mark.parametrize(
    ("status", "code", "line"),
    [
        (404, 404, "404 NOT FOUND"),
        ("404", 404, "404 NOT FOUND"),
        ("299 Custom Reason", 299, "299 Custom Reason"),
        (299, 299, "299 UNKNOWN"),
    ],
)
def test_status_forms(status: int | str, code: int, line: str) -> None:
    rv = Response(status=status)
    assert rv.status_code == code
    assert rv.status == line


def test_status_must_be_int_or_str() -> None:
    with pytest.raises(TypeError):
        Response(status=4.5)  # type: ignore[arg-type]


def test_set_data_updates_content_length() -> None:
    rv = Response("abc")
    rv.data = b"abcdef"
    assert rv.headers["Content-Length"] == "6"
    assert rv.headers.getlist("Content-Length") == ["6"]


def test_streamed_body() -> None:
    rv = Response(iter(["a", "b"]))
    assert rv.is_streamed
    assert rv.get_data() == b"ab"
    assert not rv.is_streamed


def test_list_of_text_chunks_reaches_a_wsgi_server_as_bytes() -> None:
    app = Vial(__name__)

    @app.route("/")
    def index() -> Response:
        return Response(["caf", "é", b"!"])

    environ = EnvironBuilder("/").get_environ()
    body = app(environ, lambda status, headers, exc_info=None: None)
    assert list(body) == [b"caf", "é".encode(), b"!"]


def test_header_values_with_newlines_are_rejected() -> None:
    rv = Response()
    with pytest.raises(ValueError):
        rv.headers["X-Evil"] = "a\r\nSet-Cookie: x=1"


def test_json_helpers() -> None:
    rv = Response('{"a": 1}', mimetype="application/json")
    assert rv.is_json
    assert rv.json == {"a": 1}
    assert Response("x").get_json() is None


def test_header_properties() -> None:
    rv = Response()
    rv.location = "/next"
    rv.last_modified = datetime(2020, 1, 2, tzinfo=UTC)
    rv.cache_control.max_age = 60
    rv.cache_control.public = True
    rv.vary.add("Cookie")
    rv.vary.add("Accept")
    rv.set_etag("abc")
    assert rv.headers["Location"] == "/next"
    assert rv.headers["Last-Modified"] == "Thu, 02 Jan 2020 00:00:00 GMT"
    assert rv.last_modified == datetime(2020, 1, 2, tzinfo=UTC)
    assert sorted(rv.headers["Cache-Control"].split(", ")) == ["max-age=60", "public"]
    assert rv.headers["Vary"] == "Cookie, Accept"
    assert rv.get_etag() == ("abc", False)


def test_set_and_delete_cookie() -> None:
    rv = Response()
    rv.set_cookie(
        "k",
        "v",
        max_age=60,
        path="/p",
        domain="example.com",
        secure=True,
        httponly=True,
        samesite="Lax",
        partitioned=True,
    )
    rv.delete_cookie("old")
    cookies = rv.headers.getlist("Set-Cookie")
    assert cookies[0].startswith("k=v; Domain=example.com; Expires=")
    for part in ("Max-Age=60", "Secure", "HttpOnly", "Path=/p", "SameSite=Lax", "Partitioned"):
        assert part in cookies[0]
    assert cookies[1].startswith("old=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0")


def test_call_on_close() -> None:
    closed: list[bool] = []
    rv = Response("x")
    rv.call_on_close(lambda: closed.append(True))
    rv.close()
    assert closed == [True]


def test_cookies_from_a_view_reach_the_client(app: Vial, client: VialClient) -> None:
    @app.route("/set")
    def set_cookie() -> Response:
        response = make_response("set")
        response.set_cookie("flavour", "oat", httponly=True)
        return response

    @app.route("/read")
    def read_cookie() -> str:
        from vial import request

        return request.cookies.get("flavour", "none")

    client.get("/set")
    cookie = client.get_cookie("flavour")
    assert cookie is not None
    assert cookie.value == "oat"
    assert cookie.http_only
    assert client.get("/read").text == "oat"
    client.delete_cookie("flavour")
    assert client.get("/read").text == "none"


def test_conditional_response(app: Vial, client: VialClient) -> None:
    @app.route("/")
    def index() -> Response:
        from vial import request

        response = make_response("content")
        response.set_etag("v1")
        return response.make_conditional(request)

    assert client.get("/").status_code == 200
    rv = client.get("/", headers={"If-None-Match": '"v1"'})
    assert rv.status_code == 304
    assert rv.data == b""


def test_reading_a_streamed_body_keeps_its_close() -> None:
    closed: list[bool] = []

    class Stream:
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield b"a"
            yield b"b"

        def close(self) -> None:
            closed.append(True)

    rv = Response(Stream())
    assert rv.data == b"ab"
    assert closed == []
    rv.close()
    assert closed == [True]


@pytest.mark.parametrize(
    ("key", "value", "options"),
    [
        ("k", "v", {}),
        ("session", "eyJhIjoxfQ.ZVPxAA.Sx_zVChKY7yW-XQJj0jNlseq3Pk", {"httponly": True}),
        ("k", "v", {"path": "/a b/ü", "domain": ".Example.com:8000", "secure": True}),
        ("k", "v", {"path": None, "domain": "", "samesite": "lax", "partitioned": True}),
        ("k", "v", {"secure": 1, "httponly": 0}),  # Werkzeug writes Secure=1, HttpOnly=0
        ("k", 'needs quoting; "yes" ü', {}),
        ("ключ", "v", {}),
        ("k", "v", {"max_age": 60}),
        ("k", "v", {"expires": 0}),
    ],
)
def test_set_cookie_writes_what_werkzeug_writes(
    key: str, value: str, options: dict[str, object]
) -> None:
    from werkzeug.http import dump_cookie

    for _ in range(2):  # the second time from the cache of formatted attributes
        rv = Response()
        rv.set_cookie(key, value, **options)  # type: ignore[arg-type]
        expected = dump_cookie(key, value, **options)  # type: ignore[arg-type]
        if "max_age" in options:  # the Expires date moves with the clock
            assert rv.headers["Set-Cookie"].split("; Expires")[0] == expected.split("; Expires")[0]
        else:
            assert rv.headers["Set-Cookie"] == expected


def test_set_cookie_rejects_a_bad_samesite_and_warns_when_too_large(app: Vial) -> None:
    with pytest.raises(ValueError, match="SameSite"):
        Response().set_cookie("k", "v", samesite="sometimes")
    app.config["MAX_COOKIE_SIZE"] = 20
    with app.app_context(), pytest.warns(UserWarning, match="cookie is too large"):
        Response().set_cookie("k", "v" * 30)
