"""The ASGI interface itself: lifespan, body reading, streaming, unknown scopes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from vial import Request, Vial, request, session
from vial.testing import VialClient


class Recorder:
    """A fake ASGI server side: feeds messages, records what the app sends."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.incoming = list(messages)
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        if self.incoming:
            return self.incoming.pop(0)
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


def http_scope(
    path: str = "/", method: str = "GET", headers: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers or [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


def run(app: Vial, scope: dict[str, Any], messages: list[dict[str, Any]]) -> Recorder:
    recorder = Recorder(messages)
    asyncio.run(app(scope, recorder.receive, recorder.send))
    return recorder


def body_of(recorder: Recorder) -> bytes:
    return b"".join(m.get("body", b"") for m in recorder.sent if m["type"] == "http.response.body")


def test_lifespan_runs_serving_hooks(app: Vial) -> None:
    events: list[str] = []

    @app.before_serving
    async def start() -> None:
        events.append("start")

    @app.after_serving
    def stop() -> None:
        events.append("stop")

    recorder = run(
        app, {"type": "lifespan"}, [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    )
    assert [m["type"] for m in recorder.sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert events == ["start", "stop"]


def test_lifespan_startup_failure_is_reported(app: Vial) -> None:
    @app.before_serving
    def broken() -> None:
        raise RuntimeError("no database")

    recorder = run(app, {"type": "lifespan"}, [{"type": "lifespan.startup"}])
    assert recorder.sent[0]["type"] == "lifespan.startup.failed"
    assert "no database" in recorder.sent[0]["message"]


def test_body_in_several_messages(app: Vial) -> None:
    app.add_url_rule("/", "index", lambda: request.get_data(), methods=["POST"])
    recorder = run(
        app,
        http_scope(method="POST"),
        [
            {"type": "http.request", "body": b"hello ", "more_body": True},
            {"type": "http.request", "body": b"world", "more_body": False},
        ],
    )
    assert recorder.sent[0]["status"] == 200
    assert body_of(recorder) == b"hello world"


def test_body_over_limit_is_413_without_reading_it_all(app: Vial) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 8
    app.add_url_rule("/", "index", lambda: request.get_data(), methods=["POST"])
    messages = [{"type": "http.request", "body": b"x" * 5, "more_body": True} for _ in range(100)]
    recorder = run(app, http_scope(method="POST"), messages)
    assert recorder.sent[0]["status"] == 413
    assert len(recorder.incoming) > 90


def test_declared_length_over_limit_is_413(app: Vial) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 8
    app.add_url_rule("/", "index", lambda: request.get_data(), methods=["POST"])
    scope = http_scope(method="POST", headers=[(b"content-length", b"1000")])
    recorder = run(app, scope, [{"type": "http.request", "body": b"x" * 1000}])
    assert recorder.sent[0]["status"] == 413


def test_disconnect_before_body_ends(app: Vial) -> None:
    app.add_url_rule("/", "index", lambda: request.get_data(), methods=["POST"])
    recorder = run(
        app,
        http_scope(method="POST"),
        [{"type": "http.request", "body": b"x", "more_body": True}, {"type": "http.disconnect"}],
    )
    assert recorder.sent == []


def test_disconnect_before_any_body(app: Vial) -> None:
    called = []
    app.add_url_rule("/", "index", lambda: called.append(1) or "", methods=["POST"])
    recorder = run(app, http_scope(method="POST"), [{"type": "http.disconnect"}])
    assert recorder.sent == []
    assert called == []


def test_sync_generator_streams_in_chunks(app: Vial) -> None:
    @app.route("/")
    def index() -> object:
        return (f"chunk{i};" for i in range(3))

    recorder = run(app, http_scope(), [{"type": "http.request", "body": b""}])
    bodies = [m["body"] for m in recorder.sent if m["type"] == "http.response.body"]
    assert bodies == [b"chunk0;", b"chunk1;", b"chunk2;", b""]


def test_async_generator_streams(app: Vial) -> None:
    @app.route("/")
    async def index() -> object:
        async def generate():  # type: ignore[no-untyped-def]
            for i in range(2):
                yield f"a{i}"

        return app.response_class(generate(), mimetype="text/plain")

    recorder = run(app, http_scope(), [{"type": "http.request", "body": b""}])
    assert body_of(recorder) == b"a0a1"


def test_websocket_scope_is_refused(app: Vial) -> None:
    recorder = run(app, {"type": "websocket", "path": "/"}, [{"type": "websocket.connect"}])
    assert recorder.sent == [{"type": "websocket.close", "code": 1003}]


def test_unknown_scope_type_raises(app: Vial) -> None:
    with pytest.raises(ValueError, match="scope type"):
        run(app, {"type": "mystery"}, [])


def test_request_environ_is_available_under_asgi(app: Vial) -> None:
    app.add_url_rule("/", "index", lambda: request.environ["HTTP_HOST"])
    recorder = run(app, http_scope(), [{"type": "http.request", "body": b""}])
    assert body_of(recorder) == b"testserver"


def test_before_serving_without_lifespan(app: Vial) -> None:
    started: list[str] = []

    @app.before_serving
    async def start() -> None:
        started.append("async")

    app.add_url_rule("/", "index", lambda: "x")
    recorder = run(app, http_scope(), [{"type": "http.request", "body": b""}])
    assert body_of(recorder) == b"x"
    run(app, http_scope(), [{"type": "http.request", "body": b""}])
    assert started == ["async"]


def test_after_serving_at_exit_without_lifespan(app: Vial, monkeypatch: pytest.MonkeyPatch) -> None:
    import atexit

    registered: list[object] = []
    monkeypatch.setattr(atexit, "register", registered.append)
    stopped: list[str] = []
    app.after_serving(lambda: stopped.append("stopped"))
    app.add_url_rule("/", "index", lambda: "x")
    run(app, http_scope(), [{"type": "http.request", "body": b""}])
    assert len(registered) == 1
    registered[0]()  # type: ignore[operator]
    assert stopped == ["stopped"]


def test_messages_of_a_plain_response(app: Vial) -> None:
    @app.route("/")
    async def index() -> str:
        return "Hello"

    recorder = run(app, http_scope(), [])
    assert recorder.sent == [
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"Content-Type", b"text/html; charset=utf-8"),
                (b"Content-Length", b"5"),
            ],
        },
        {"type": "http.response.body", "body": b"Hello"},
    ]


def test_bodiless_responses_send_headers_and_an_empty_body(app: Vial) -> None:
    from vial import Response

    app.add_url_rule("/", "index", lambda: "Hello")
    app.add_url_rule("/empty", "empty", lambda: ("", 204))
    app.add_url_rule("/cached", "cached", lambda: Response("ignored", 304))
    recorder = run(app, http_scope(method="HEAD"), [])
    assert recorder.sent[0]["status"] == 200
    assert (b"Content-Length", b"5") in recorder.sent[0]["headers"]
    assert recorder.sent[1:] == [{"type": "http.response.body", "body": b""}]

    recorder = run(app, http_scope("/empty"), [])
    assert recorder.sent[0]["status"] == 204
    assert all(name.lower() != b"content-length" for name, _ in recorder.sent[0]["headers"])
    assert recorder.sent[1:] == [{"type": "http.response.body", "body": b""}]

    recorder = run(app, http_scope("/cached"), [])
    assert recorder.sent[0]["status"] == 304
    assert recorder.sent[1:] == [{"type": "http.response.body", "body": b""}]


BROWSER_HEADERS = [
    (b"host", b"testserver"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    (b"accept", b"text/html,application/xhtml+xml"),
    (b"accept-language", b"en-GB,en;q=0.5"),
    (b"accept-encoding", b"gzip, deflate, br, zstd"),
    (b"connection", b"keep-alive"),
    (b"upgrade-insecure-requests", b"1"),
    (b"sec-fetch-dest", b"document"),
]


@pytest.mark.parametrize(
    "declared",
    [
        [(b"content-length", b"4")],
        [(b"transfer-encoding", b"chunked")],
        [*BROWSER_HEADERS, (b"content-length", b"4")],  # the last of many
    ],
)
def test_a_get_that_declares_a_body_gets_it(app: Vial, declared: list[tuple[bytes, bytes]]) -> None:
    app.add_url_rule("/", "index", lambda: request.get_data(), methods=["GET", "HEAD"])
    scope = http_scope(headers=[(b"host", b"testserver"), *declared])
    recorder = run(app, scope, [{"type": "http.request", "body": b"data"}])
    assert body_of(recorder) == b"data"
    # No such header: no body is waited for (Recorder would hang on a receive).
    recorder = run(app, http_scope(headers=BROWSER_HEADERS), [])
    assert body_of(recorder) == b""
    head = run(app, http_scope(method="HEAD", headers=BROWSER_HEADERS), [])
    assert head.sent[0]["status"] == 200


def test_a_cookie_among_many_headers_opens_the_session(app: Vial) -> None:
    app.secret_key = "k"

    @app.get("/set")
    async def set_name() -> str:
        session["name"] = "ada"
        return "set"

    @app.get("/get")
    async def get_name() -> str:
        return str(session.get("name"))

    sent = run(app, http_scope("/set", headers=BROWSER_HEADERS), []).sent[0]["headers"]
    cookie = next(v for k, v in sent if k.lower() == b"set-cookie").split(b";")[0]
    headers = [*BROWSER_HEADERS[:3], (b"cookie", cookie), *BROWSER_HEADERS[3:]]
    assert body_of(run(app, http_scope("/get", headers=headers), [])) == b"ada"
    assert body_of(run(app, http_scope("/get", headers=BROWSER_HEADERS), [])) == b"None"


def test_asgi_app_can_be_wrapped_in_middleware(app: Vial) -> None:
    """``app.asgi_app`` is what ``app(scope, receive, send)`` runs, as in Flask's WSGI."""
    app.add_url_rule("/", "index", lambda: "x")
    seen: list[str] = []
    inner = app.asgi_app

    async def middleware(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await inner(scope, receive, send)

    app.asgi_app = middleware  # type: ignore[method-assign]
    recorder = run(app, http_scope(), [])
    assert body_of(recorder) == b"x"
    assert seen == ["/"]
    assert asyncio.iscoroutinefunction(Vial.asgi_app)


def test_a_list_body_of_text_is_encoded(app: Vial, client: VialClient) -> None:
    from vial import Response

    app.add_url_rule("/", "index", lambda: Response(["a", "bc"]))
    app.add_url_rule("/one", "one", lambda: Response(["é"]))
    assert client.get("/").data == b"abc"
    assert client.get("/one").data == "é".encode()


def test_sync_hooks_of_an_unmatched_request_share_one_thread(app: Vial) -> None:
    """No view, sync hooks: they run together in a worker thread, as a sync view's do."""
    import threading

    from vial import g

    seen: list[tuple[str, int]] = []

    @app.before_request
    def open_resource() -> None:
        g.opened_in = threading.get_ident()
        seen.append(("before", g.opened_in))

    @app.teardown_appcontext
    def close_resource(exc: BaseException | None) -> None:
        seen.append(("teardown", threading.get_ident()))

    @app.errorhandler(404)
    def not_found(e: Exception) -> tuple[str, int]:
        seen.append(("handler", threading.get_ident()))
        return "none here", 404

    for _ in range(5):
        recorder = run(app, http_scope("/missing"), [])
        assert recorder.sent[0]["status"] == 404
        assert body_of(recorder) == b"none here"
    assert len(seen) == 15
    for i in range(0, 15, 3):
        assert {ident for _, ident in seen[i : i + 3]} == {seen[i][1]}
        assert seen[i][1] != threading.main_thread().ident


def test_async_hooks_of_an_unmatched_request_stay_on_the_loop(app: Vial) -> None:
    import threading

    threads: list[int] = []

    @app.before_request
    async def before() -> None:
        threads.append(threading.get_ident())

    recorder = run(app, http_scope("/missing"), [])
    assert recorder.sent[0]["status"] == 404
    assert threads == [threading.main_thread().ident]


def test_repeated_headers_are_all_kept(app: Vial) -> None:
    app.add_url_rule(
        "/",
        "index",
        lambda: (
            f"{request.headers.getlist('x-tag')}|{sorted(request.cookies.items())}"
            f"|{request.access_route}|{request.content_type}"
        ),
    )
    headers = [
        (b"host", b"testserver"),
        (b"x-tag", b"one"),
        (b"cookie", b"a=1"),
        (b"x-forwarded-for", b"10.0.0.1"),
        (b"x-tag", b"two"),
        (b"content-type", b"text/plain"),
        (b"cookie", b"b=2"),
        (b"x-forwarded-for", b"10.0.0.2"),
    ]
    # Two Cookie headers are one cookie list, as HTTP/2 servers send them; the
    # values of other repeated headers are read joined by commas.
    assert body_of(run(app, http_scope(headers=headers), [])) == (
        b"['one', 'two']|[('a', '1'), ('b', '2')]|['10.0.0.1', '10.0.0.2']|text/plain"
    )


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ([(b"host", "b\u00fccher..de".encode())], 400),  # cannot be IDNA-encoded
        ([(b"host", b"testserver")], 404),
        ([(b"user-agent", b"no host at all")], 404),
    ],
)
def test_unmatched_request_checks_the_host(
    app: Vial, headers: list[tuple[bytes, bytes]], status: int
) -> None:
    recorder = run(app, http_scope("/missing", headers=headers), [])
    assert recorder.sent[0]["status"] == status


def test_unmatched_request_checks_the_host_after_headers_were_read(app: Vial) -> None:
    @app.before_request
    def read_a_header() -> None:
        request.headers.get("user-agent")  # builds the header map before the 404

    app.add_url_rule("/", "index", lambda: "x")
    bad = [(b"host", "b\u00fccher..de".encode()), (b"user-agent", b"t")]
    assert run(app, http_scope("/missing", headers=bad), []).sent[0]["status"] == 400
    good = [(b"host", b"testserver"), (b"user-agent", b"t")]
    assert run(app, http_scope("/missing", headers=good), []).sent[0]["status"] == 404


def test_a_list_body_assigned_after_construction_is_encoded(app: Vial) -> None:
    from vial import Response

    def index() -> Response:
        rv = Response()
        rv.response = ["caf", "é", b"!"]
        return rv

    app.add_url_rule("/", "index", index)
    assert body_of(run(app, http_scope(), [])) == "café!".encode()


@pytest.mark.parametrize(
    ("method", "first_headers"),
    [
        ("GET", []),
        ("GET", [(b"content-length", b"4")]),  # the body check stops before the cookie
        ("POST", [(b"content-length", b"4")]),
    ],
)
def test_untouched_permanent_session_is_refreshed_over_asgi(
    app: Vial, method: str, first_headers: list[tuple[bytes, bytes]]
) -> None:
    from vial import session

    app.secret_key = "test secret"

    @app.route("/login")
    def login() -> str:
        session.permanent = True
        session["user"] = "ann"
        return ""

    app.add_url_rule("/ignored", "ignored", lambda: "", methods=["GET", "POST"])
    cookie = app.test_client().get("/login").headers["Set-Cookie"].split(";")[0]
    headers = [(b"host", b"testserver"), *first_headers, (b"cookie", cookie.encode())]
    recorder = run(
        app,
        http_scope("/ignored", method=method, headers=headers),
        [{"type": "http.request", "body": b"data"}],
    )
    sent = dict(recorder.sent[0]["headers"])
    assert sent[b"Vary"] == b"Cookie"
    assert sent[b"Set-Cookie"].startswith(b"session=")
    # Without the cookie, nothing is opened and nothing is sent.
    recorder = run(app, http_scope("/ignored", headers=[(b"host", b"testserver")]), [])
    assert b"Set-Cookie" not in dict(recorder.sent[0]["headers"])


class ShoutingRequest(Request):
    """A request class of the app's own, written for WSGI as in Flask."""

    @property
    def shout(self) -> str:
        return self.path.upper()


def test_the_apps_request_class_serves_asgi(app: Vial, client: VialClient) -> None:
    app.request_class = ShoutingRequest

    @app.get("/quiet")
    async def quiet() -> str:
        current = request._get_current_object()  # type: ignore[attr-defined]
        return f"{request.shout} {type(current).__name__} {isinstance(current, ShoutingRequest)}"

    for _ in range(2):  # before and after the app is set up
        assert client.get("/quiet").text == "/QUIET ShoutingRequest True"
    body = body_of(run(app, http_scope("/quiet"), []))
    assert body == b"/QUIET ShoutingRequest True"


def test_a_request_class_with_slots_gets_a_clear_error_over_asgi(app: Vial) -> None:
    class Slotted(Request):
        __slots__ = ("extra",)

    app.request_class = Slotted
    app.add_url_rule("/", "index", lambda: "x")
    with pytest.raises(TypeError, match="Slotted cannot serve ASGI requests"):
        run(app, http_scope(), [])
